"""What the interpreter shows on random claims, the analyzer must have proved possible: a pair of
rules deciding one line, a suggestion withheld (denied once billed), a rule that fires. A "no such claim"
answer that a random claim contradicts is a missed conflict."""

from __future__ import annotations

import copy
import random
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from compiler.analysis.conflicts import analyze_conflicts
from compiler.analysis.conflicts.report import Report
from compiler.runtime.claims import ClaimError
from compiler.semantics import ir
from tests.analysis.checks import interpreter as interpreter_for
from tests.claimgen import CPCP026_CODES, random_claim
from tests.conftest import PACK, ROOT
from tests.helpers import compile_ok

pytestmark = pytest.mark.slow  # the conflict analyzer's full run, then random claims against it

CONSTRUCT_CODES = ["96360", "96361", "96365", "96366", "96367", "96374", "96375", "96413", "96401", "99213",
                   "G0463", "J1745", "J2405", "A4206", "96372"]
CONSTRUCT_DATES = ["2023-12-31", "2024-01-01", "2024-03-01", "2024-03-01", "2024-03-02"]


def _report(path: Path) -> tuple[ir.Pack, Report]:
    pack, sources = compile_ok(path)
    return pack, analyze_conflicts(pack, sources=sources, use_cache=False, strict=True)


def _entries(report: Report) -> dict[tuple[str, frozenset[str]], Any]:
    return {(e.kind, frozenset(e.rules)): e for e in report.conflicts}


def _unresolved(entries: dict[tuple[str, frozenset[str]], Any], kinds: tuple[str, ...], rules: set[str]) -> bool:
    for kind in kinds:
        entry = entries.get((kind, frozenset(rules)))
        if entry is not None and entry.resolved_by is None:
            return True
    return False


def check_claims(pack: ir.Pack, report: Report, claims: list[dict[str, Any]]) -> int:
    interpreter = interpreter_for(pack)
    entries = _entries(report)
    silent = {e.rules[0] for e in report.conflicts if e.kind in ("dead-rule", "masked-rule")}
    deciding = {r.id for r in pack.rules if r.disposition in ("deny", "review")}
    checked = 0
    for claim in claims:
        try:
            findings = interpreter.evaluate(claim)
            raw = interpreter.evaluate(claim, raw_suggestions=True)
        except ClaimError:
            continue
        checked += 1
        for finding in findings:
            assert finding.rule not in silent, (finding, claim)
        by_line: dict[int, list[Any]] = {}
        for f in findings:
            if f.rule in deciding:
                by_line.setdefault(f.line, []).append(f)
        for line, decided in by_line.items():
            for a, b in combinations(decided, 2):
                clash = a.suggest is not None and b.suggest is not None and a.suggest != b.suggest
                kinds = ("overlap",) if a.disposition != b.disposition or clash else ("redundant", "overlap")
                assert _unresolved(entries, kinds, {a.rule, b.rule}), (kinds, a.rule, b.rule, line, claim)
            for a in decided:
                if a.suggest is not None:  # a suggestion that stands: the analyzer must not call it dead
                    assert not any(e.kind == "dead-suggestion" and e.rules[0] == a.rule for e in report.conflicts)
        for a in raw:
            if a.rule not in deciding or a.suggest is None:
                continue
            rebilled = copy.deepcopy(claim)
            rebilled["lines"][a.line - 1]["code"] = a.suggest
            for b in interpreter.evaluate(rebilled):
                if b.line == a.line and b.disposition == "deny":
                    assert _unresolved(entries, ("suggestion-withheld",), {a.rule, b.rule}), (a, b, claim)
    return checked


@pytest.fixture(scope="module")
def cpcp026() -> tuple[ir.Pack, Report]:
    return _report(PACK)


@pytest.fixture(scope="module")
def constructs() -> tuple[ir.Pack, Report]:
    return _report(ROOT / "tests" / "packs" / "constructs.rules")


def _claims(seed: int, count: int, codes: list[str], dates: list[str] | None = None) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    claims = []
    for _ in range(count):
        claim = random_claim(rng, codes, dates, malformed=0.0) if dates else random_claim(rng, codes, malformed=0.0)
        claim["lines"] = claim["lines"][:4]  # the bound the analysis answers for
        claims.append(claim)
    return claims


def test_cpcp026_random_claims_show_nothing_the_analysis_ruled_out(cpcp026: tuple[ir.Pack, Report]) -> None:
    pack, report = cpcp026
    assert check_claims(pack, report, _claims(26, 1500, CPCP026_CODES)) > 1000


def test_construct_pack_random_claims_show_nothing_the_analysis_ruled_out(
        constructs: tuple[ir.Pack, Report]) -> None:
    pack, report = constructs
    assert check_claims(pack, report, _claims(7, 1500, CONSTRUCT_CODES, CONSTRUCT_DATES)) > 1000


def test_the_check_catches_a_missed_conflict(cpcp026: tuple[ir.Pack, Report]) -> None:
    """Without the overlap entries, the random claims expose the gap."""
    pack, report = cpcp026
    thinned = Report(report.pack, report.lines, report.complete,
                     [e for e in report.conflicts if e.kind not in ("overlap", "redundant")])
    with pytest.raises(AssertionError):
        check_claims(pack, thinned, _claims(26, 1500, CPCP026_CODES))
