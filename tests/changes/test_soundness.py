"""What random claims show must agree with the change report: a rule reported `equivalent` decides
every random claim alike under both packs, a `broader` rule never loses a line, and so on. A
difference the report rules out is a change the comparison missed."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from compiler.analysis.changes.compare import compare_packs
from compiler.diagnostics import Sources
from compiler.interpreter.evaluate import Interpreter
from compiler.pipeline import ABOUT_EXAMPLES, compile_pack
from compiler.runtime.claims import ClaimError
from compiler.semantics import ir
from tests.claimgen import random_claim
from tests.conftest import PACK

pytestmark = pytest.mark.slow  # random claims against the solver's change reports

#: edits of the CPCP026 pack: (text, replacement), each occurring once
EDITS = {
    "threshold": ("when line.minutes is given and line.minutes < 31",
                  "when line.minutes is given and line.minutes < 34"),
    "precedence": ("precedence P02-hydration-not-concurrent over P15-facility-hierarchy",
                   "precedence P15-facility-hierarchy over P02-hydration-not-concurrent"),
    "effective": ("  effective 2024-07-30", "  effective 2024-09-13"),
    "suggestion": ("  suggest 99211\n", "  suggest 99212\n"),
    "disposition": ('  review "Drug {drug} is billed with JW', '  deny "Drug {drug} is billed with JW'),
}

#: what each kind of change allows random claims to show, per line: findings only under the new
#: pack (broader), only under the old one (narrower), under both with another outcome
ALLOWED = {"equivalent": set(), "broader": {"broader"}, "narrower": {"narrower"}, "outcome": {"outcome"},
           "incomparable": {"broader", "narrower", "outcome"}, "added": {"broader"}, "removed": {"narrower"},
           "unknown": {"broader", "narrower", "outcome"}}

CLAIMS = 1500


def compile_plan(path: Path) -> ir.Plan:
    """The pack's plan; its examples may not have caught up with an edit."""
    compiled = compile_pack(path, Sources(), ABOUT_EXAMPLES)
    assert compiled.plan is not None, [d.message for d in compiled.diagnostics]
    return compiled.plan


def _observed(old: Interpreter, new: Interpreter, claim: dict[str, object]) -> set[tuple[str, str]]:
    try:
        before = {(f.rule, f.line): f for f in old.evaluate(claim)}
        after = {(f.rule, f.line): f for f in new.evaluate(claim)}
    except ClaimError:
        return set()
    seen = set()
    for key in set(before) | set(after):
        b, a = before.get(key), after.get(key)
        if b is None:
            seen.add((key[0], "broader"))
        elif a is None:
            seen.add((key[0], "narrower"))
        elif (b.disposition, b.suggest) != (a.disposition, a.suggest):
            seen.add((key[0], "outcome"))
    return seen


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_random_claims_show_only_the_changes_the_report_allows(tmp_path: Path, edit: str) -> None:
    text = PACK.read_text(encoding="utf-8")
    old_text, new_text = EDITS[edit]
    assert text.count(old_text) == 1
    path = tmp_path / "cpcp026.rules"
    path.write_text(text.replace(old_text, new_text), encoding="utf-8")
    old_plan, new_plan = compile_plan(PACK), compile_plan(path)
    report = compare_packs(old_plan.pack, new_plan.pack)
    change = {r.rule: r.change for r in report.rules}
    old, new = Interpreter(old_plan), Interpreter(new_plan)
    rng = random.Random(f"diff-{edit}")
    seen: set[tuple[str, str]] = set()
    for _ in range(CLAIMS):
        claim = random_claim(rng, malformed=0)
        claim["lines"] = claim["lines"][:report.lines if not report.complete else None]
        seen |= _observed(old, new, claim)
    wrong = sorted((rule, way, change[rule]) for rule, way in seen if way not in ALLOWED[change[rule]])
    assert not wrong, f"random claims show changes the report rules out: {wrong}"
    assert any(r.changed for r in report.rules)
