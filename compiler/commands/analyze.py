"""`rulesc analyze`: the conflict report of contract/ANALYSIS.md, as text, JSON or SARIF.

Also the analysis step that `rulesc check` and `rulesc build` run: `analysis_for` gives each
compiled pack's report (cached by the pack's content), `refusal` says why `build` must not go on.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from compiler.analysis.conflicts import Report, analyze_conflicts, render_sarif, render_text
from compiler.analysis.conflicts.report import as_diagnostic
from compiler.commands.common import Style, show
from compiler.diagnostics import Diagnostic, Severity, Sources, to_json
from compiler.pipeline import EXIT_ERRORS, EXIT_OK, compile_all, exit_code
from compiler.semantics import ir
from compiler.version import version


@dataclass(frozen=True)
class AnalyzeOptions:
    file: str
    format: Literal["text", "json", "sarif"] = "text"
    max_lines: int | None = None
    allow_unknown: bool = False
    style: Style = field(default_factory=Style)


def analysis_for(plan: ir.Plan, sources: Sources, max_lines: int | None = None) -> Report:
    """The pack's conflict report (from the cache when the pack has not changed)."""
    return analyze_conflicts(plan.pack, sources=sources, max_lines=max_lines)


def as_diagnostics(report: Report, sources: Sources) -> list[Diagnostic]:
    """The report's error and warning entries as diagnostics, as `rulesc check` prints them."""
    return [as_diagnostic(entry, sources) for entry in report.conflicts if entry.severity in ("error", "warning")]


def refusal(report: Report, allow_unknown: bool) -> str | None:
    """Why `build` refuses the pack: an unresolved error entry, or an unknown one (unless allowed)."""
    if report.failed:
        return f"{report.pack} has unresolved conflicts (see `rulesc analyze`)"
    if report.has_unknown and not allow_unknown:
        return f"{report.pack}: the analyzer could not decide every question (`--allow-unknown` to build anyway)"
    return None


def document_view(report: Report) -> dict[str, Any]:
    """The report as the policy document shows it: everything but the time it took."""
    data = report.to_json()
    data.pop("seconds", None)
    return data


def run(options: AnalyzeOptions) -> int:
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
    else:
        show([d for d in compiled.diagnostics if d.severity is Severity.WARNING], sources, options.style)
        sys.stdout.write(render_text(report, sources))
    return EXIT_ERRORS if report.failed else EXIT_OK
