"""The CPCP026 pack end to end: rules file -> compiler -> generated module -> findings."""

from __future__ import annotations

import json
import random
import re
import types
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.interpreter.evaluate import Interpreter
from compiler.semantics import ir
from tests.conftest import PACK, ROOT, SHARED, examples
from tests.helpers import compile_ok, engines

SCENARIOS_FILE = ROOT / "tests" / "data" / "cpcp026-scenarios.json"
SCENARIOS = json.loads(SCENARIOS_FILE.read_text(encoding="utf-8"))
PUBLISHED_SCENARIOS = SHARED / "examples" / "cpcp026-scenarios.json"
ANALYST_NOTES = SHARED / "policy" / "ANALYST-NOTES.md"
def pack_ir() -> ir.Pack:
    return engines(PACK)[0]


def interpreter() -> Interpreter:
    return engines(PACK)[1]


def module() -> types.ModuleType:
    return engines(PACK)[2]


def decided(findings: list[Any]) -> set[tuple[int, str]]:
    return {(f.line, f.disposition) for f in findings if f.disposition in ("deny", "review")}


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda c: c["name"])
def test_published_scenarios(case: dict[str, Any]) -> None:
    for engine in (module().evaluate, interpreter().evaluate):
        findings = engine(case["claim"])
        assert decided(findings) == {(e["line"], e["disposition"]) for e in case["expect"]}
        for expected in case["expect"]:
            if "suggest" in expected:
                assert any(f.line == expected["line"] and f.suggest == expected["suggest"] for f in findings)
        for line in case.get("nosuggest", []):
            assert not [f.suggest for f in findings if f.line == line and f.suggest]


@pytest.mark.skipif(not PUBLISHED_SCENARIOS.is_file(), reason="the published scenarios (../shared) are not here")
def test_the_scenarios_are_the_published_ones() -> None:
    """tests/data carries a verbatim copy of the published scenarios, so the tests run in a bare
    clone; where the published file is at hand, the copy must not have drifted from it."""
    assert SCENARIOS_FILE.read_bytes() == PUBLISHED_SCENARIOS.read_bytes()


@pytest.mark.skipif(not ANALYST_NOTES.is_file(), reason="the analyst notes (../shared) are not here")
def test_every_analyst_row_is_covered() -> None:
    notes = ANALYST_NOTES.read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| (P\d\d) \|", notes, re.MULTILINE))
    assert len(rows) == 36
    covered = {row for rule in pack_ir().rules for row in rule.covers}
    assert rows <= covered, sorted(rows - covered)


def test_every_known_conflict_has_a_declared_resolution() -> None:
    resolutions = {r.conflict: r for rule in pack_ir().rules for r in rule.resolves}
    resolutions.update({r.conflict: r for p in pack_ir().precedences for r in p.resolves})
    assert set(resolutions) >= {"K1", "K2", "K3", "K4"}
    assert all(r.rationale for r in resolutions.values())
    precedence = {(p.winner, p.loser) for p in pack_ir().precedences}
    assert ("P02-hydration-not-concurrent", "P15-facility-hierarchy") in precedence
    assert ("P16-second-site-or-encounter", "P15-facility-hierarchy") in precedence
    assert ("K4-same-drug-push", "P04-sequential-new-substance") in precedence
    assert "P23-injection-with-em" in pack_ir().rule("P26-em-needs-modifier-25").references


def example(name: str) -> ir.Example:
    return next(e for e in pack_ir().examples if e.name == name)


@pytest.mark.parametrize(("conflict", "old", "new", "name", "changed"), [
    ("K1", "precedence P02-hydration-not-concurrent over P15-facility-hierarchy\n", "",
     "k1-concurrent-hydration-facility",
     # P15 decides the line too, without its 96361 (P02 would deny it): one more finding, no suggestion
     lambda f: any(x.line == 2 and x.rule == "P15-facility-hierarchy" for x in f)
     and not any(x.line == 2 and x.suggest for x in f)),
    ("K2", "  overrides P16-one-initial-professional, P16-one-initial-facility, P15-facility-hierarchy\n",
     "  overrides P16-one-initial-professional\n", "k2-second-iv-site-facility",
     lambda f: (2, "deny") in decided(f)),
    ("K3", "(x.code in drug_administration and not (x flagged by P23-injection-with-em))",
     "x.code in drug_administration",
     "k3-injection-with-em-professional", lambda f: (1, "deny") in decided(f)),
    ("K4", "  overrides P04-sequential-new-substance\n", "  overrides P20-facility-only\n",
     "k4-same-drug-push-facility", lambda f: (2, "deny") in decided(f)),
])
def test_each_resolution_decides_its_conflict(tmp_path: Path, conflict: str, old: str, new: str, name: str,
                                              changed: Any) -> None:
    text = PACK.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "cpcp026.rules"
    edited = re.sub(rf"^  resolves {conflict} .*\n", "", text.replace(old, new, 1), count=1, flags=re.MULTILINE)
    path.write_text(edited, encoding="utf-8")
    claim = example(name).claim
    assert not changed(module().evaluate(claim))
    _, edited_interpreter, edited_module = engines(path)
    assert changed(edited_module.evaluate(claim)) and changed(edited_interpreter.evaluate(claim))


def claim(*lines: dict[str, Any], kind: str = "professional", **header: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "T", "type": kind, **header}
    if kind == "professional":
        base.setdefault("pos", "11")
    return {**base, "lines": [{"date": "2024-09-12", **line} for line in lines]}


def rules_on(findings: list[Any], line: int) -> set[str]:
    return {f.rule for f in findings if f.line == line and f.disposition != "info"}


@pytest.mark.parametrize(("minutes", "units", "denied"), [
    (90, 1, True), (91, 1, False), (150, 1, False), (150, 2, True), (151, 2, False), (60, 1, True)])
def test_p12_additional_hour_thresholds(minutes: int, units: int, denied: bool) -> None:
    stop = f"2024-09-12T{9 + minutes // 60:02d}:{minutes % 60:02d}"
    findings = module().evaluate(claim({"code": "96365", "drug": "J1745", "start": "2024-09-12T09:00", "stop": stop},
                                     {"code": "96366", "units": units}, {"code": "J1745"}))
    assert ("P12-additional-hours" in rules_on(findings, 2)) == denied


@pytest.mark.parametrize(("code", "minutes", "rule"), [
    ("96365", 15, "P05-short-infusion-is-push"), ("96413", 15, "P05-short-infusion-is-push"),
    ("96360", 30, "P11-hydration-minimum")])
def test_time_boundaries(code: str, minutes: int, rule: str) -> None:
    def run(m: int) -> set[str]:
        return rules_on(module().evaluate(claim({"code": code, "start": "2024-09-12T09:00",
                                               "stop": f"2024-09-12T09:{m:02d}"})), 1)
    assert rule in run(minutes)
    assert rule not in run(minutes + 1)


def test_places_of_service_for_physicians() -> None:
    for place, denied in (("19", True), ("21", True), ("23", True), ("11", False), ("12", False)):
        findings = module().evaluate(claim({"code": "96374", "drug": "J2405"}, {"code": "J2405"}, pos=place))
        assert ("P24-physician-in-facility" in rules_on(findings, 1)) == denied, place


def test_units_rules() -> None:
    findings = module().evaluate(claim({"code": "96365", "units": 2, "drug": "J1745"}, {"code": "96372", "units": 2},
                                     {"code": "96368", "units": 2}, {"code": "J1745"}))
    assert "P16-initial-units" in rules_on(findings, 1)
    assert "P28-injection-units" in rules_on(findings, 2)
    assert "P01-concurrent-once-per-day" in rules_on(findings, 3)


def test_lines_before_the_effective_date_are_not_edited_but_still_count() -> None:
    findings = module().evaluate(claim({"code": "99213", "date": "2024-07-29"},
                                       {"code": "96372", "date": "2024-07-29"}))
    assert findings == []


def test_professional_e_m_with_injection_and_immunization() -> None:
    findings = module().evaluate(claim({"code": "99213"}, {"code": "90471"}))
    assert rules_on(findings, 1) == {"P26-em-needs-modifier-25"}
    findings = module().evaluate(claim({"code": "99213", "modifiers": ["25"]}, {"code": "90471"}))
    assert rules_on(findings, 1) == set()


def test_info_findings() -> None:
    findings = module().evaluate(claim({"code": "96372"}, {"code": "J2357", "units": 30}))
    assert [(f.rule, f.disposition) for f in findings] == [("P30-single-dose-without-modifier", "info")]
    findings = module().evaluate(claim({"code": "96374", "drug": "J2405"}, pos="12"))
    assert {f.rule for f in findings} == {"P31-drug-code-with-administration", "P34-home-infusion"}


def test_contract_pack_overrides_the_base_pack() -> None:
    pack, _ = compile_ok(Path("tests/packs/contract.rules"))
    ids = {rule.id for rule in pack.rules}
    assert "P34-home-infusion" not in ids and "P23-injection-with-em" in ids
    assert pack.removed == ("P34-home-infusion",)
    _, interpreter, module = engines("tests/packs/contract.rules")
    c = claim({"code": "96372", "supervision": "none"}, {"code": "J2357", "units": 30, "modifiers": ["JZ"]})
    assert module.evaluate(c) == [] == interpreter.evaluate(c)


P26 = "P26-em-needs-modifier-25"
IMMUNIZATION = {"90460", "90461", "90471", "90472", "90473", "90474", "G0008", "G0009", "G0010"}


def _p26_lines(claim_: dict[str, Any]) -> set[int]:
    return {f.line for f in module().evaluate(claim_) if f.rule == P26}


@settings(max_examples=examples(300), deadline=None)
@given(st.randoms(use_true_random=False))
def test_p26_ignores_another_providers_immunization(rng: random.Random) -> None:
    """On a professional claim, an E/M never needs 25 because of another provider's immunization:
    removing those immunization lines leaves P26's decision on the E/M unchanged."""
    codes = ["99213", "99214", "G0463", "90471", "90472", "G0008", "96372", "96365", "96374", "J2357"]
    lines = []
    for _ in range(rng.randint(2, 6)):
        line: dict[str, Any] = {"code": rng.choice(codes), "date": rng.choice(["2024-09-12", "2024-09-13"])}
        if rng.random() < 0.8:
            line["provider"] = rng.choice(["P1", "P2"])
        if rng.random() < 0.2:
            line["modifiers"] = ["25"]
        lines.append(line)
    original = {"id": "R", "type": "professional", "pos": "11", "lines": lines}
    for number, em in enumerate(lines, 1):
        if em["code"] not in {"99213", "99214", "G0463"} or "provider" not in em:
            continue
        kept = [(n, x) for n, x in enumerate(lines, 1) if not (
            x["code"] in IMMUNIZATION and "provider" in x and x["provider"] != em["provider"])]
        renumber = {old: new for new, (old, _) in enumerate(kept, 1)}
        without = {**original, "lines": [x for _, x in kept]}
        assert (number in _p26_lines(original)) == (renumber[number] in _p26_lines(without)), original
