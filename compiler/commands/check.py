"""`rulesc check`: parse, resolve and analyze (the conflict analyzer included); optionally verify
quotes against the published policy text."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from compiler.analysis.conflicts import solver_enabled
from compiler.analysis.quotes import check_quotes
from compiler.commands.common import Style
from compiler.diagnostics import Sources, report
from compiler.pipeline import ANALYSIS_OFF, analysis_for, as_diagnostics, compile_all, exit_code


@dataclass(frozen=True)
class CheckOptions:
    files: tuple[str, ...]
    source_text: str | None = None
    style: Style = field(default_factory=Style)


def run(options: CheckOptions) -> int:
    if not solver_enabled() and options.style.format == "text":  # JSON: the diagnostics alone, on stderr
        sys.stderr.write(f"rulesc check: {ANALYSIS_OFF}\n")
    sources = Sources()
    results = compile_all(options.files, sources)
    diagnostics = [d for r in results for d in r.diagnostics]
    for result in results:
        if result.plan is not None:
            diagnostics.extend(as_diagnostics(analysis_for(result.plan, sources), sources))
    if options.source_text:
        diagnostics.extend(check_quotes([r.pack for r in results if r.pack], options.source_text, sources))
    report(diagnostics, sources, options.style.format, options.style.colour, sys.stderr)
    code = exit_code(diagnostics)
    if not code and options.style.format == "text":
        names = ", ".join(r.pack.name for r in results if r.pack)
        sys.stderr.write(f"ok: {names}\n")
    return code
