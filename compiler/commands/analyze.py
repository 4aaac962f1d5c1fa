"""`rulesc analyze`: the conflict report of contract/ANALYSIS.md, as text, JSON or SARIF
(`compiler.pipeline.analysis_for`, cached by the pack's content)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from compiler.analysis.conflicts import render_sarif, render_text, solver_enabled
from compiler.commands.common import Style, show
from compiler.diagnostics import Severity, Sources, to_json
from compiler.diagnostics import render_text as render_diagnostic
from compiler.pipeline import ANALYSIS_OFF, EXIT_ERRORS, EXIT_OK, analysis_for, compile_all, exit_code
from compiler.version import version


@dataclass(frozen=True)
class AnalyzeOptions:
    file: str
    format: Literal["text", "json", "sarif"] = "text"
    max_lines: int | None = None
    allow_unknown: bool = False
    style: Style = field(default_factory=Style)


def run(options: AnalyzeOptions) -> int:
    if not solver_enabled():
        sys.stderr.write(f"rulesc analyze: {ANALYSIS_OFF}\n")
    sources = Sources()
    (compiled,) = compile_all((options.file,), sources)
    if compiled.plan is None:
        if options.format == "text":
            show(compiled.diagnostics, sources, options.style)
        else:
            errors = [to_json(d, sources) for d in compiled.diagnostics if d.severity is Severity.ERROR]
            summary = {"error": 0, "warning": 0, "info": 0, "resolved": 0, "unknown": 0}
            empty = {"pack": Path(options.file).stem, "bound": {"lines": 0, "complete": False}, "seconds": 0.0,
                     "summary": summary, "errors": errors, "conflicts": []}
            sys.stdout.write(json.dumps(empty, indent=2, ensure_ascii=False) + "\n")
        return exit_code(compiled.diagnostics) or EXIT_ERRORS
    report = analysis_for(compiled.plan, sources, options.max_lines)
    if options.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    elif options.format == "sarif":
        sys.stdout.write(json.dumps(render_sarif(report, version()), indent=2, ensure_ascii=False) + "\n")
    else:  # the pack's own warnings first, without a count: the report's summary comes last, alone
        warnings = [d for d in compiled.diagnostics if d.severity is Severity.WARNING]
        for warning in warnings:
            sys.stderr.write(render_diagnostic(warning, sources, options.style.colour) + "\n\n")
        sys.stdout.write(render_text(report, sources, len(warnings)))
    return EXIT_ERRORS if report.failed else EXIT_OK
