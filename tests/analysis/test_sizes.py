"""Claim sizes from the pack: a question is asked on as many lines as its counts need to turn, up to
the limit; one that needs more is `unknown`, naming the size, never a proof; counts that contradict
each other are refuted for claims of any size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compiler.analysis.conflicts import LIMIT, analyze_conflicts
from compiler.analysis.conflicts.report import Report
from compiler.analysis.conflicts.shape import Shapes, _needed
from compiler.semantics import ir
from tests.analysis.checks import confirmed
from tests.helpers import compile_ok

PACKS = Path(__file__).parent / "packs"


def analyzed(name: str, **options: Any) -> tuple[ir.Pack, Report]:
    pack, sources = compile_ok(PACKS / f"{name}.rules")
    return pack, analyze_conflicts(pack, sources=sources, use_cache=False, strict=True, **options)


@pytest.mark.parametrize(("name", "kind", "rules", "lines"), [
    ("count-mutual-5", "mutual-denial", ["A-fifth-chemo-push"], 5),
    ("count-overlap-6", "overlap", ["B-push-units", "A-many-pushes"], 6),
    ("count-redundant-7", "redundant", ["B-push-after-a-large-one", "A-seven-pushes"], 7),
])
def test_conflicts_that_need_more_lines_than_the_default_are_reported(name: str, kind: str, rules: list[str],
                                                                      lines: int) -> None:
    """Each pack's conflict shows only on claims of 5, 6 or 7 lines, more than the 4 that bounded
    questions used to be asked on: it is reported with its kind and rules, and a witness of exactly
    that many lines that the interpreter confirms; no rule of these packs reads as dead."""
    pack, report = analyzed(name)
    entry = next((e for e in report.conflicts if e.kind == kind and e.rules == rules), None)
    assert entry is not None, [(e.kind, e.rules) for e in report.conflicts]
    assert entry.witness is not None and len(entry.witness["lines"]) == lines
    assert confirmed(entry, pack)
    assert not [e for e in report.conflicts if e.kind in ("dead-rule", "masked-rule", "unknown")]
    assert not report.disagreements


def test_contradictory_counts_are_dead_on_claims_of_any_size() -> None:
    """`count(...) >= 3 and count(...) < 2` of the same lines is refuted with each count a free whole
    number, so the rule is dead for claims of any size, also where the counts name sizes beyond
    the limit (12 lines)."""
    _, report = analyzed("count-dead")
    dead = {e.rules[0]: e for e in report.conflicts if e.kind == "dead-rule"}
    assert set(dead) == {"A-contradictory-counts", "B-contradictory-beyond"}
    for entry in dead.values():
        assert entry.message.endswith("cannot hold on any line it targets."), entry.message  # no bound


def test_a_count_beyond_the_limit_is_unknown_with_the_size_it_needs() -> None:
    """C needs nine other lines: on claims of up to the limit it never fires, which is no proof that
    it is dead; the entry is `unknown`, names ten lines, and says how to ask for them."""
    _, report = analyzed("count-dead")
    unknown = [e for e in report.conflicts if e.kind == "unknown"]
    assert [e.rules for e in unknown] == [["C-tenth-line"]]
    entry = unknown[0]
    assert entry.needs == 10 and f"it needs claims of 10 lines, more than the limit of {LIMIT}" in entry.message
    assert entry.hint is not None and "--max-lines 10" in entry.hint
    assert entry.severity == "warning" and entry.witness is None and not report.complete
    assert "C-tenth-line" not in {e.rules[0] for e in report.conflicts if e.kind == "dead-rule"}


def test_the_limit_can_be_raised() -> None:
    """With `--max-lines 10` the same rule is decided: ten such lines deny each other."""
    pack, report = analyzed("count-dead", max_lines=10)
    assert not [e for e in report.conflicts if e.kind == "unknown"]
    entry = next(e for e in report.conflicts if e.kind == "mutual-denial")
    assert entry.rules == ["C-tenth-line"] and entry.witness is not None and len(entry.witness["lines"]) == 10
    assert confirmed(entry, pack)


@pytest.mark.parametrize(("op", "constant", "positive", "lines"), [
    (">=", 4, True, 4), (">=", 4, False, 0), (">", 4, True, 5), ("<", 3, True, 0), ("<", 3, False, 3),
    ("<=", 2, False, 3), ("=", 2, True, 2), ("=", 2, False, 0), ("!=", 0, True, 1), ("<", 0, True, 0),
    (">=", 2.5, True, 3),
])
def test_the_lines_a_count_needs_to_turn(op: str, constant: float, positive: bool, lines: int) -> None:
    assert _needed(op, constant, positive) == lines


def test_a_rule_shape_counts_its_thresholds() -> None:
    pack, _ = compile_ok(PACKS / "count-overlap-6.rules")
    rules = {r.id: r for r in pack.rules}
    shapes = Shapes(rules, {rid: () for rid in rules})
    shape = shapes.raw("A-many-pushes")
    assert shape.counted == 5 and shape.counts and shape.bounded and not shape.fixed
    assert shapes.raw("A-many-pushes", positive=False).counted == 0  # fewer than five: no line needed
