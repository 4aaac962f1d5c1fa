"""`rulesc diff OLD NEW`: the change report of contract/DIFF.md, as text or JSON.

Both packs are compiled as `check` compiles them (a pack that does not compile stops the command),
except that errors about examples and row coverage are warnings here, and conflicts the analyzer
would report are not looked for: analysts compare drafts. `--check` is the CI gate:
it fails when some rule decides differently (or cannot be shown not to) and the version is the same.
`--input CLAIMS` adds the measured impact on a claim file (any input `eval` reads, `--jobs`); records
that cannot be read or that a pack rejects are reported with their place, and exit 1 at the end, as
`eval` does, after every other record was counted.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Literal

from compiler.analysis.changes.compare import compare_packs
from compiler.analysis.changes.model import ChangeReport, Impact
from compiler.analysis.changes.render import render_text
from compiler.batch import BadRecord
from compiler.commands.common import Style, compile_or_report, show
from compiler.diagnostics import Sources
from compiler.inputs.extras import MissingExtra
from compiler.inputs.formats import InputError
from compiler.pipeline import ABOUT_EXAMPLES, EXIT_ERRORS, EXIT_OK, EXIT_USAGE, ImpactUnavailable, measure_impact
from compiler.semantics import ir
from compiler.words import counted


@dataclass(frozen=True)
class DiffOptions:
    old: str
    new: str
    format: Literal["text", "json"] = "text"
    input: str | None = None
    input_format: str = "auto"
    jobs: int = 1
    check: bool = False
    max_lines: int | None = None
    style: Style = field(default_factory=Style)


def gate(report: ChangeReport) -> str | None:
    """Why `--check` fails: decisions changed (or undecided) under the same version."""
    changed = [r.rule for r in report.rules if r.changed]
    if not changed or report.old.version != report.new.version:
        return None
    shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    decide = "decides" if len(changed) == 1 else "decide"
    return (f"rulesc diff: {counted(len(changed), 'rule')} {decide} differently ({shown}) but the version is still "
            f"{report.new.version!r}; raise `version` in the pack's header")


def run(options: DiffOptions) -> int:
    packs = compile_or_report((options.old, options.new), options.style, ABOUT_EXAMPLES)
    if isinstance(packs, int):
        return packs
    old, new = packs.plans
    impact: Impact | None = None
    if options.input is not None:  # first: an input that cannot be read stops before the solver runs
        measured = _impact(old, new, packs.sources, options)
        if isinstance(measured, int):
            return measured
        impact = measured
    report = compare_packs(old.pack, new.pack, max_lines=options.max_lines)
    report.impact = impact
    if options.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_text(report))
    if impact is not None and impact.errors:
        were = "was" if impact.errors == 1 else "were"
        sys.stderr.write(f"rulesc diff: {counted(impact.errors, 'record')} of {options.input} {were} not evaluated\n")
    if options.check:
        failure = gate(report)
        if failure is not None:
            sys.stderr.write(failure + "\n")
            return EXIT_ERRORS
    return EXIT_ERRORS if impact is not None and impact.errors else EXIT_OK


def _impact(old: ir.Plan, new: ir.Plan, sources: Sources, options: DiffOptions) -> Impact | int:
    """Both packs run on the input; an exit code when that cannot be done. A record that cannot be
    read, or that a pack rejects, is reported on standard error with its place; the rest go on."""
    assert options.input is not None

    def bad(record: BadRecord) -> None:
        sys.stderr.write(f"rulesc diff: {record}\n")

    try:
        return measure_impact(old, new, options.input, options.input_format, jobs=options.jobs, sources=sources,
                              on_error=bad)
    except OSError as error:
        sys.stderr.write(f"rulesc diff: cannot read {options.input}: {error.strerror or error}\n")
        return EXIT_USAGE
    except (MissingExtra, InputError) as error:
        sys.stderr.write(f"rulesc diff: {error}\n")
        return EXIT_USAGE
    except ImpactUnavailable as error:
        show(error.diagnostics, sources, options.style)
        return EXIT_ERRORS
