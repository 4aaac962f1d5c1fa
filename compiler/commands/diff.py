"""`rulesc diff OLD NEW`: the change report of contract/DIFF.md, as text or JSON.

Both packs are compiled as `check` compiles them (a pack that does not compile stops the command),
except that errors about examples and row coverage are warnings here, and conflicts the analyzer
would report are not looked for: analysts compare drafts. `--check` is the CI gate:
it fails when some rule decides differently (or cannot be shown not to) and the version is the same.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Literal

from compiler.analysis.changes.compare import compare_packs
from compiler.analysis.changes.model import ChangeReport
from compiler.analysis.changes.render import render_text
from compiler.commands.common import Style, compile_or_report
from compiler.pipeline import ABOUT_EXAMPLES, EXIT_ERRORS, EXIT_OK


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
    return (f"rulesc diff: {len(changed)} rule(s) decide differently ({shown}) but the version is still "
            f"{report.new.version!r}; raise `version` in the pack's header")


def run(options: DiffOptions) -> int:
    packs = compile_or_report((options.old, options.new), options.style, ABOUT_EXAMPLES)
    if isinstance(packs, int):
        return packs
    old, new = packs.plans
    report = compare_packs(old.pack, new.pack, sources=packs.sources, max_lines=options.max_lines)
    if options.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_text(report))
    if options.check:
        failure = gate(report)
        if failure is not None:
            sys.stderr.write(failure + "\n")
            return EXIT_ERRORS
    return EXIT_OK
