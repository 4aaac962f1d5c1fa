"""Suggestions that stand, where the rules that decide them read tables from files, add units up
or read their own findings (tests/packs/tables.rules): the generated module and the interpreter
re-bill the line alike, and the analyzer says where it stops."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.analysis.conflicts.encode import Encoder, Variant
from compiler.analysis.conflicts.model import SymbolicClaim
from compiler.analysis.conflicts.universe import Unsupported, build_universe
from compiler.runtime.claims import ClaimError
from tests.conftest import ROOT
from tests.helpers import engines, run_cli

TABLES = ROOT / "tests" / "packs" / "tables.rules"
PACK, INTERPRETER, MODULE = engines(TABLES)
CODES = ["96360", "96365", "96366", "96367", "96368", "96372", "96374", "96375", "96413", "99213"]
DATES = ["2023-12-31", "2024-03-01", "2024-06-15", "2024-07-01"]


def random_claim(rng: random.Random) -> dict[str, Any]:
    dates = rng.sample(DATES, rng.choice((1, 1, 2)))
    lines = []
    for _ in range(rng.randint(1, 5)):
        line: dict[str, Any] = {"code": rng.choice(CODES), "date": rng.choice(dates)}
        if rng.random() < 0.6:
            line["units"] = rng.choice((1, 2, 3, 5, 2.5))
        if rng.random() < 0.2:
            line["modifiers"] = ["59"]
        lines.append(line)
    if rng.random() < 0.5:
        return {"id": "R", "type": "professional", "pos": "11", "lines": lines}
    return {"id": "R", "type": "institutional", "bill_type": "0131", "lines": lines}


def outcome(evaluate: Any, claim: dict[str, Any]) -> object:
    try:
        return [f.to_dict() for f in evaluate(claim)]
    except (ClaimError, MODULE.ClaimError) as error:
        return ("error", str(error))


def test_the_examples_pass_on_both_engines() -> None:
    code, out, err = run_cli("test", str(TABLES))
    assert code == 0, out + err
    assert "6 passed, 0 failed" in out + err


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_module_and_the_interpreter_agree_on_random_claims(rng: random.Random) -> None:
    claim = random_claim(rng)
    assert outcome(MODULE.evaluate, claim) == outcome(INTERPRETER.evaluate, claim), json.dumps(claim)


def _deniers_when_rebilled(claim: dict[str, Any], line: int, code: str) -> set[str]:
    """The rules that deny the line once it is billed as `code` (the claim's other lines as they are)."""
    lines = [dict(item, code=code) if number == line else item for number, item in enumerate(claim["lines"], 1)]
    again = INTERPRETER.evaluate({**claim, "lines": lines})
    return {f.rule for f in again if f.line == line and f.disposition == "deny"}


def test_random_claims_meet_a_suggestion_that_stands_and_one_withheld_by_each_kind_of_rule() -> None:
    """The random claims are not idle: T04's suggestion stands on some, and is withheld on others
    by a pair (T01), by the units of a date (T02) and by an add-on's unpaid primary (T03, which
    reads its own findings); both engines agree with what re-billing the line gives."""
    rng = random.Random(24)
    seen: set[str] = set()
    for _ in range(3000):
        claim = random_claim(rng)
        raw = [f for f in INTERPRETER.evaluate(claim, raw_suggestions=True) if f.rule == "T04-upgrade"]
        if not raw:
            continue
        stood = {f.line: f.suggest for f in MODULE.evaluate(claim) if f.rule == "T04-upgrade"}
        for finding in raw:
            assert finding.suggest == "96366"
            deniers = _deniers_when_rebilled(claim, finding.line, "96366")
            assert (stood[finding.line] is None) == bool(deniers), json.dumps(claim)
            seen |= deniers or {"stands"}
    assert seen == {"stands", "T01-pair", "T02-units-of-a-date", "T03-addon"}


def test_the_analyzer_says_it_cannot_encode_the_re_billed_claim_of_rules_that_read_tables() -> None:
    """The seam for reasoning about tables: whether T04's suggestion stands depends on rules that
    look rows up (and one that reads its own findings), which the encoder cannot encode yet."""
    universe = build_universe(PACK, 8)
    encoder = Encoder(PACK, universe, SymbolicClaim(universe, 2, z3.Context()), Variant())
    assert encoder.deniers("T04-upgrade") == ("T01-pair", "T02-units-of-a-date", "T03-addon")
    with pytest.raises(Unsupported, match="T04-upgrade looks rows up in a table read from files"):
        encoder.standing("T04-upgrade", 0)
