"""`rulesc test`: run the examples written in the packs through both engines, report as text,
JUnit XML or JSON (`compiler.examples`)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from compiler.commands.common import Style, compile_or_report, show
from compiler.examples import FORMATS
from compiler.examples.report import REPORTS
from compiler.examples.runner import Result, run_examples
from compiler.pipeline import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, conflict_gate, load_module

__all__ = ["FORMATS", "ExamplesOptions", "run"]


@dataclass(frozen=True)
class ExamplesOptions:
    files: tuple[str, ...]
    verbose: bool = False
    patterns: tuple[str, ...] = ()
    format: str = "text"
    style: Style = field(default_factory=Style)
    allow_conflicts: bool = False  # run the examples of a pack whose cached report has an unresolved error


def run(options: ExamplesOptions) -> int:
    style = Style("json", options.style.colour) if options.format == "json" else options.style
    compiled = compile_or_report(options.files, style)
    if isinstance(compiled, int):
        return compiled
    results: list[Result] = []
    total = 0
    for plan in compiled.plans:  # the cached conflict reports first: never the solver
        gate = conflict_gate(plan.pack.name, plan.pack.digest, options.allow_conflicts)
        for said in (gate.note, gate.refusal):
            if said is not None:
                sys.stderr.write(f"rulesc test: {said}\n")
        if gate.refusal is not None:
            return EXIT_ERRORS
    for plan in compiled.plans:
        total += len(plan.pack.examples)
        module = load_module(plan, compiled.sources)
        show(module.diagnostics, compiled.sources, style)
        if module.value is None:
            return EXIT_ERRORS
        results.extend(run_examples(plan, module.value, compiled.sources, options.patterns))
    if options.patterns and not results:
        sys.stderr.write(f"rulesc test: no example matches -k {' -k '.join(options.patterns)}\n")
        return EXIT_USAGE
    sys.stdout.write(REPORTS[options.format](results, total - len(results), options.verbose))
    return EXIT_OK if all(r.passed for r in results) else EXIT_ERRORS
