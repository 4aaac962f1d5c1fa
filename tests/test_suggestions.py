"""Suggestions stand by construction (docs/LANGUAGE.md, "suggest"): a finding's suggested code stands
only where the line, billed with that code on the same claim, gets no `deny` finding.

The property is checked on random CPCP026 claims for both engines (the generated module pure and
native, and the interpreter): for every finding whose rule would suggest a code for its line (its
raw suggestion, by the rule's own scope), the finding carries it exactly when the claim with that
line re-billed, built here as a contract claim, gets no deny finding on the line. The runtime's
re-billing and its one evaluation per line and code are tested directly, and a small pack shows the
derived `drug` recomputed (a line that gives no drug takes the new code's) in the engines and the
analyzer alike."""

from __future__ import annotations

import copy
import json
import random
import types
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.analysis.conflicts import analyze_conflicts
from compiler.runtime import claims as runtime
from compiler.runtime.claims import ClaimError, Finding, Line, parse_claim
from tests.analysis.checks import confirmed
from tests.claimgen import random_claim
from tests.conftest import PACK, native_unavailable
from tests.helpers import compile_ok, engines, native_module

_, INTERPRETER, MODULE = engines(PACK)


@pytest.fixture(scope="module", params=["pure", pytest.param("native", marks=pytest.mark.slow)])
def module(request: pytest.FixtureRequest, native_cache: Path) -> types.ModuleType:
    if request.param == "pure":
        return MODULE
    reason = native_unavailable()
    if reason:
        pytest.skip(reason)
    return native_module(PACK, native_cache)


def rebilled(claim: dict[str, Any], line: int, code: str) -> dict[str, Any]:
    """The contract claim with one line billed as `code`, every other field as it was."""
    changed = copy.deepcopy(claim)
    changed["lines"][line - 1]["code"] = code
    return changed


def denied(evaluate: Any, claim: dict[str, Any], line: int) -> bool:
    return any(f.line == line and f.disposition == "deny" for f in evaluate(claim))


def checked(evaluate: Any, claim: dict[str, Any]) -> tuple[int, int]:
    """Hold one engine's findings on the claim to the property; (suggestions that stand, withheld)."""
    try:
        raw = INTERPRETER.evaluate(claim, raw_suggestions=True)
    except ClaimError:
        return 0, 0
    final = evaluate(claim)
    assert [(f.rule, f.line, f.disposition, f.evidence) for f in final] == \
        [(f.rule, f.line, f.disposition, f.evidence) for f in raw], json.dumps(claim)
    stood = withheld = 0
    for before, after in zip(raw, final, strict=True):
        if before.suggest is None:
            assert after.suggest is None, (after, json.dumps(claim))
            continue
        stands = not denied(evaluate, rebilled(claim, before.line, before.suggest), before.line)
        assert after.suggest == (before.suggest if stands else None), (before, after, json.dumps(claim))
        stood += stands
        withheld += not stands
    return stood, withheld


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_a_suggestion_stands_exactly_where_the_rebilled_line_is_not_denied(module: types.ModuleType,
                                                                           rng: random.Random) -> None:
    claim = random_claim(rng, malformed=0.0)
    checked(module.evaluate, claim)
    checked(INTERPRETER.evaluate, claim)


def test_the_random_claims_give_suggestions_that_stand_and_some_withheld() -> None:
    """The property test is not vacuous: its claims reach both outcomes, for several rules."""
    rng = random.Random(18)
    stood = withheld = 0
    rules: set[tuple[str, bool]] = set()
    for _ in range(1500):
        claim = random_claim(rng, malformed=0.0)
        counts = checked(MODULE.evaluate, claim)
        stood, withheld = stood + counts[0], withheld + counts[1]
        try:
            raw = INTERPRETER.evaluate(claim, raw_suggestions=True)
        except ClaimError:
            continue
        final = MODULE.evaluate(claim)
        rules.update((b.rule, a.suggest is not None) for b, a in zip(raw, final, strict=True) if b.suggest)
    assert stood > 20 and withheld > 20, (stood, withheld)
    for rule in ("P05-short-infusion-is-push", "P10-hydration-of-drugs", "P15-facility-hierarchy",
                 "P21-injection-without-supervision"):
        assert {(rule, True), (rule, False)} <= rules, (rule, sorted(rules))


# ------------------------------------------------------------------ the runtime


def _claim() -> dict[str, Any]:
    return {"id": "R", "type": "institutional", "bill_type": "0131", "member": "M", "provider": "P1", "lines": [
        {"code": "96365", "date": "2024-09-12", "drug": "J1745", "start": "2024-09-12T09:00",
         "stop": "2024-09-12T09:10", "units": 2, "modifiers": ["XS"], "charge": 10.0, "pos": "22",
         "supervision": "none", "member_supplied": True, "description": "d"},
        {"code": "J1745", "date": "2024-09-12", "units": 40},
        {"code": "J1745", "date": "2024-09-13"},
    ]}


def test_rebilling_keeps_every_field_but_the_code_and_the_derived_drug() -> None:
    claim = parse_claim(_claim())
    again = runtime.rebilled(claim, 1, "96374")
    old, new = claim.lines[0], again.lines[0]
    for name in Line.__slots__:
        if name != "code":
            assert getattr(new, name) == getattr(old, name), name
    assert new.code == "96374" and old.code == "96365"  # the claim itself is not changed
    assert again.lines[1:] == claim.lines[1:] and again.by_date["2024-09-13"] == claim.by_date["2024-09-13"]
    assert again.by_date["2024-09-12"] == [new, claim.lines[1]]
    for field in ("id", "type", "pos", "bill_type", "bill_class", "member", "provider"):
        assert getattr(again, field) == getattr(claim, field)


def test_rebilling_recomputes_a_drug_the_line_does_not_give() -> None:
    claim = parse_claim(_claim())
    as_other_drug = runtime.rebilled(claim, 2, "J2405")
    assert as_other_drug.lines[1].drug == "J2405" and claim.lines[1].drug == "J1745"
    assert runtime.rebilled(claim, 2, "96372").lines[1].drug is None
    assert runtime.rebilled(claim, 1, "J2405").lines[0].drug == "J1745"  # given by the line: kept
    given_as_code = parse_claim({"id": "G", "type": "professional", "pos": "11", "lines": [
        {"code": "J1745", "date": "2024-09-12", "drug": "J1745"}]})
    assert runtime.rebilled(given_as_code, 1, "J2405").lines[0].drug == "J1745"


def test_each_line_and_code_is_evaluated_once() -> None:
    claim = parse_claim(_claim())
    calls: list[tuple[str, int]] = []

    def denies(changed: runtime.Claim, number: int) -> bool:
        calls.append((changed.lines[number - 1].code, number))
        return changed.lines[number - 1].code == "96374"

    findings = [Finding("A", 1, "deny", "m", "c", "96374", ()), Finding("B", 1, "deny", "m", "c", "96374", ()),
                Finding("C", 1, "review", "m", "c", "96367", ()), Finding("D", 2, "info", "m", "c", None, ())]
    out = runtime.standing(claim, findings, denies)
    assert calls == [("96374", 1), ("96367", 1)]
    assert [f.suggest for f in out] == [None, None, "96367", None]
    assert [(f.rule, f.disposition, f.message, f.citation, f.evidence) for f in out] == \
        [("A", "deny", "m", "c", ()), ("B", "deny", "m", "c", ()), ("C", "review", "m", "c", ()),
         ("D", "info", "m", "c", ())]


def test_a_rebilled_evaluation_never_asks_about_suggestions_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The claim with a line re-billed is evaluated without asking whether its own suggestions stand:
    one evaluation per suggestion, in both engines."""
    claim = {"id": "S", "type": "professional", "pos": "11", "lines": [
        {"code": "96365", "date": "2024-09-12", "drug": "J1745", "start": "2024-09-12T09:00",
         "stop": "2024-09-12T09:10"},
        {"code": "96360", "date": "2024-09-12", "drug": "J2405"}]}
    seen: list[int] = []
    original = runtime.standing

    def counting(parsed: runtime.Claim, findings: list[Finding], denies: Any) -> list[Finding]:
        seen.append(len(findings))
        return original(parsed, findings, denies)

    monkeypatch.setattr(MODULE, "standing", counting)
    MODULE.evaluate(claim)
    assert seen == [len(MODULE.evaluate.__globals__["_findings"](parse_claim(claim)))]
    seen.clear()
    monkeypatch.setattr("compiler.interpreter.evaluate.standing", counting)
    INTERPRETER.evaluate(claim)
    assert len(seen) == 1


# ------------------------------------------------------------------ the derived drug, end to end


DRUG_PACK = '''pack drugs
  title "Re-billed drug lines"
  version "1"
  effective 2024-01-01
  source "none.txt"

section main "Main"
  text "A fixture: a drug line billed as another drug code."

rule A-billed-as-another-drug "Drug billed under another code"
  cite main
  target J1745
  when line.units > 10
  deny "Too many units of this drug."
  suggest J2405

rule B-second-drug "The second drug is not given with a first"
  cite main
  target J2405
  when line.drug = J2405 and (any other line x where same date and x.code = 96372)
  deny "Not given with an injection."

example "a line with no drug of its own takes the suggested code's"
  claim {"id": "A", "type": "professional", "pos": "11", "lines": [
      {"code": "J1745", "date": "2024-09-12", "units": 20}, {"code": "96372", "date": "2024-09-12"}]}
  expect line 1 deny by A-billed-as-another-drug

example "a line that names its drug keeps it"
  claim {"id": "B", "type": "professional", "pos": "11", "lines": [
      {"code": "J1745", "date": "2024-09-12", "units": 20, "drug": "J1745"},
      {"code": "96372", "date": "2024-09-12"}]}
  expect line 1 deny by A-billed-as-another-drug suggest J2405
'''


def test_the_derived_drug_follows_the_suggested_code(tmp_path: Path) -> None:
    path = tmp_path / "drugs.rules"
    path.write_text(DRUG_PACK, encoding="utf-8")
    pack, interpreter, module = engines(path)
    for example in pack.examples:
        assert [f.to_dict() for f in module.evaluate(example.claim)] == \
            [f.to_dict() for f in interpreter.evaluate(example.claim)]
    pack, sources = compile_ok(path)
    report = analyze_conflicts(pack, sources=sources, use_cache=False, strict=True)
    withheld = next(e for e in report.conflicts if e.kind == "suggestion-withheld")
    assert withheld.rules == ["A-billed-as-another-drug", "B-second-drug"]
    assert withheld.witness is not None and withheld.line is not None
    assert "drug" not in withheld.witness["lines"][withheld.line - 1]
    assert confirmed(withheld, pack)
    assert not [e for e in report.conflicts if e.kind == "dead-suggestion"]
