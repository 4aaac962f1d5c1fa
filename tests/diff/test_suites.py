"""The refactor and edit suites of the change report (contract/DIFF.md) on the CPCP026 pack.

Each variant of tests/diff/variants.py is compared with the pack by `compare_packs`: a refactor
must report every rule `equivalent` (and list the wording it changed); an edit must report exactly
the expected change for every rule of either pack. Every witness of every changed rule is replayed
here through both packs' interpreters and must show the change it is reported for. The variants'
expectations are themselves checked through the interpreters by tests/diff/test_variants.py.

Slow tests (`-m slow`, deselect with `-m "not slow"`): the variants that change every rule, and the
performance goal (the report of CPCP026 against the pack with every rule edited, under a minute).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from compiler.analysis.changes.compare import MAX_WITNESSES, compare_packs
from compiler.analysis.changes.model import CHANGES, ChangeReport, RuleChange
from compiler.diagnostics import Sources
from compiler.runtime.claims import ClaimError
from tests.conftest import SHARED
from tests.diff import variants as catalogue
from tests.diff.replay import Pair, compile_text, direction
from tests.diff.sampling import random_claims
from tests.diff.variants import DIRECTIONS, EDITS, EVERY_RULE_EDITED, REFACTORS, Variant

pytestmark = pytest.mark.slow  # the diff suites: every variant compared by the solver

#: the performance goal of `rulesc diff` (issue 14): CPCP026 against itself with every rule edited
SECONDS = 60.0

#: (test, variant) -> why the report differs from the expectation, where the expectation is right
KNOWN: dict[tuple[str, str], str] = {
}

#: the contract's finding schema: a copy lives in the repository (tests run without ../shared);
#: where the contract is beside it, the copy must be the same
FINDING_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "finding.schema.json"
CONTRACT_SCHEMA = SHARED / "contract" / "finding.schema.json"
FINDING_KEYS = {"rule", "line", "disposition", "message", "citation", "suggest", "evidence"}


def params(test: str, variants: list[Variant]) -> list[object]:
    out: list[object] = []
    for v in variants:
        marks: list[pytest.MarkDecorator] = [pytest.mark.slow] if v.slow else []
        if (test, v.name) in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[(test, v.name)]))
        out.append(pytest.param(v, id=v.name, marks=marks))
    return out


def known(test: str, name: str) -> list[pytest.MarkDecorator]:
    return [pytest.mark.xfail(strict=True, reason=KNOWN[(test, name)])] if (test, name) in KNOWN else []


@dataclass
class Compared:
    report: ChangeReport
    pair: Pair

    def by_rule(self) -> dict[str, RuleChange]:
        return {r.rule: r for r in self.report.rules}


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Variant | None], Compared]]:
    """The report of CPCP026 against each variant (None: against itself), each pack compiled once
    and each report made once for the module."""
    folder = tmp_path_factory.mktemp("suites")
    sources = Sources()
    old = compile_text(catalogue.pack_text(), folder / "cpcp026.rules", sources)
    made: dict[str, Compared] = {}

    def get(variant: Variant | None) -> Compared:
        name = "itself" if variant is None else variant.name
        if name not in made:
            new = old if variant is None else compile_text(variant.new_text(), folder / f"{name}.rules", sources)
            report = compare_packs(old.pack, new.pack)
            made[name] = Compared(report, Pair(old, new))
        return made[name]

    yield get


def expected_changes(variant: Variant, pair: Pair) -> dict[str, str]:
    old_ids, new_ids = pair.ids
    return {rule: catalogue.change_of(variant, rule, rule in old_ids, rule in new_ids)
            for rule in sorted(old_ids | new_ids)}


def differences(want: dict[str, str], got: dict[str, str]) -> list[str]:
    return [f"{rule}: expected {want.get(rule)}, got {got.get(rule)}" for rule in sorted(set(want) | set(got))
            if want.get(rule) != got.get(rule)]


def check_witnesses(change: RuleChange, pair: Pair) -> list[str]:
    """What is wrong with a changed rule's witnesses: their number, their directions, and each one
    replayed through both interpreters (its findings, and the change they show on its line)."""
    problems = []
    witnesses = change.witnesses
    if not 1 <= len(witnesses) <= MAX_WITNESSES:
        problems.append(f"{change.rule} ({change.change}): {len(witnesses)} witnesses")
    ways = {w.direction for w in witnesses}
    # a rule that gained or lost lines may also decide lines both versions decide differently
    allowed = DIRECTIONS[change.change] | ({"outcome"} if change.change in ("broader", "narrower", "incomparable")
                                           else set())
    if not ways <= allowed or (change.change == "incomparable" and not {"broader", "narrower"} <= ways):
        problems.append(f"{change.rule} ({change.change}): witnesses of directions {sorted(ways)}")
    for w in witnesses:
        try:
            old, new = pair.replay(w.claim, change.rule, w.line)
        except ClaimError as error:
            problems.append(f"{change.rule}: witness {w.claim.get('id')} is not a valid claim: {error}")
            continue
        if pair.is_exception(change.rule):
            # an exception gives no finding: the report's lists are empty, and `allowed` says where it applies
            if w.old or w.new or w.allowed != (bool(old), bool(new)):
                problems.append(f"{change.rule}: exception witness {w.claim.get('id')} line {w.line} reports old "
                                f"{w.old}, new {w.new}, allowed {w.allowed}; the interpreters allow it "
                                f"{(bool(old), bool(new))}")
        elif [f.to_dict() for f in old] != w.old or [f.to_dict() for f in new] != w.new:
            problems.append(f"{change.rule}: witness {w.claim.get('id')} line {w.line} reports old {w.old} and "
                            f"new {w.new}; the interpreters give {[f.to_dict() for f in old]} and "
                            f"{[f.to_dict() for f in new]}")
        shown = direction(old, new)
        if shown != w.direction:
            problems.append(f"{change.rule}: witness {w.claim.get('id')} line {w.line} is reported {w.direction}; "
                            f"the interpreters show {shown}: {json.dumps(w.claim)}")
    return problems


# ------------------------------------------------------------------ the suites


@pytest.mark.parametrize("variant", params("refactor", REFACTORS))
def test_a_refactor_reports_every_rule_equivalent(variant: Variant,
                                                  compared: Callable[[Variant | None], Compared]) -> None:
    done = compared(variant)
    wrong = differences(expected_changes(variant, done.pair), {r.rule: r.change for r in done.report.rules})
    assert not wrong, wrong
    assert all(not r.witnesses for r in done.report.rules)
    wording = {r.rule: set(r.texts) for r in done.report.rules if r.texts}
    assert wording == {rule: set(texts) for rule, texts in variant.texts.items()}
    for rule in wording:
        message = done.by_rule()[rule].message
        assert all(word in message for word in wording[rule]), message


@pytest.mark.parametrize("variant", params("changes", EDITS))
def test_an_edit_reports_the_expected_change_of_every_rule(variant: Variant,
                                                           compared: Callable[[Variant | None], Compared]) -> None:
    done = compared(variant)
    wrong = differences(expected_changes(variant, done.pair), {r.rule: r.change for r in done.report.rules})
    assert not wrong, wrong


@pytest.mark.parametrize("variant", params("witnesses", EDITS))
def test_every_witness_of_an_edit_replays_the_change(variant: Variant,
                                                     compared: Callable[[Variant | None], Compared]) -> None:
    done = compared(variant)
    changed = [r for r in done.report.rules if r.change not in ("equivalent", "unknown")]
    assert changed, "no rule is reported changed with witnesses"
    problems = [p for r in changed for p in check_witnesses(r, done.pair)]
    problems += [f"{r.rule}: witness {w.claim.get('id')} has {len(w.claim['lines'])} lines, beyond the report's "
                 f"bound of {done.report.lines}" for r in changed for w in r.witnesses
                 if len(w.claim["lines"]) > done.report.lines]
    # a witness in each direction that exists (issue 14), as the variant's demonstrations show them
    entries = done.by_rule()
    for rule, change in variant.expected.items():
        if rule in entries and entries[rule].change == change:
            ways = {w.direction for w in entries[rule].witnesses}
            missing = variant.directions(rule, change) - ways
            if missing:
                problems.append(f"{rule} ({change}): no witness of direction {sorted(missing)} "
                                f"(witnesses: {sorted(ways)})")
    assert not problems, problems


def test_the_pack_against_itself_is_equivalent_and_complete(compared: Callable[[Variant | None], Compared]) -> None:
    done = compared(None)
    assert {r.change for r in done.report.rules} == {"equivalent"}
    assert all(not r.witnesses and not r.texts for r in done.report.rules)
    assert done.report.complete


@pytest.mark.parametrize("name", ["threshold-raised", "rule-added", "rule-removed", "target-swapped"])
def test_the_json_report_has_the_shape_of_the_contract(name: str,
                                                       compared: Callable[[Variant | None], Compared]) -> None:
    done = compared(catalogue.variant(name))
    data = json.loads(json.dumps(done.report.to_json()))
    assert set(data) == {"old", "new", "bound", "summary", "rules"}
    assert data["old"] == {"pack": "cpcp026", "version": "1.0"} and data["new"] == data["old"]
    assert set(data["bound"]) == {"lines", "complete"}
    assert isinstance(data["bound"]["lines"], int) and data["bound"]["lines"] >= 1
    assert isinstance(data["bound"]["complete"], bool)
    assert list(data["summary"]) == list(CHANGES)
    old_ids, new_ids = done.pair.ids
    assert sum(data["summary"].values()) == len(data["rules"]) == len(old_ids | new_ids)
    ids = [r["rule"] for r in data["rules"]]
    assert ids == sorted(ids) == sorted(old_ids | new_ids)
    for change in CHANGES:
        assert data["summary"][change] == sum(1 for r in data["rules"] if r["change"] == change)
    for entry in data["rules"]:
        assert set(entry) == {"rule", "change", "witnesses", "message"}
        assert entry["change"] in CHANGES and isinstance(entry["message"], str) and entry["message"]
        assert (entry["change"] == "equivalent") == (not entry["witnesses"])
        for witness in entry["witnesses"]:
            assert set(witness) == {"claim", "line", "old", "new"}
            assert set(witness["claim"]) >= {"id", "type", "lines"}
            assert 1 <= witness["line"] <= len(witness["claim"]["lines"])
            for finding in witness["old"] + witness["new"]:
                assert set(finding) == FINDING_KEYS and finding["rule"] == entry["rule"]
                assert finding["line"] == witness["line"]
    claim_ids = [w["claim"]["id"] for r in data["rules"] for w in r["witnesses"]]
    assert len(claim_ids) == len(set(claim_ids))


def schema_problems(value: object, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Where a JSON value breaks a schema, for the keywords finding.schema.json uses."""
    types = {"object": dict, "array": list, "string": str, "integer": int, "null": type(None)}
    problems = []
    wanted = schema.get("type")
    if wanted is not None:
        names = [wanted] if isinstance(wanted, str) else wanted
        if not any(isinstance(value, types[n]) and not (n == "integer" and isinstance(value, bool)) for n in names):
            return [f"{path}: {value!r} is not of type {wanted}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        problems.append(f"{path}: {value!r} is shorter than {schema['minLength']}")
    if isinstance(value, int) and "minimum" in schema and value < schema["minimum"]:
        problems.append(f"{path}: {value!r} is below {schema['minimum']}")
    if isinstance(value, dict):
        problems += [f"{path}: {key!r} is missing" for key in schema.get("required", []) if key not in value]
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            problems += [f"{path}: {key!r} is not allowed" for key in value if key not in properties]
        for key, item in value.items():
            if key in properties:
                problems += schema_problems(item, properties[key], f"{path}.{key}")
    if isinstance(value, list):
        for i, item in enumerate(value):
            problems += schema_problems(item, schema.get("items", {}), f"{path}[{i}]")
        if schema.get("uniqueItems") and len({json.dumps(v) for v in value}) != len(value):
            problems.append(f"{path}: items repeat")
    return problems


def finding_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(FINDING_SCHEMA.read_text(encoding="utf-8"))
    return schema


def test_the_schema_copy_is_the_contracts() -> None:
    if not CONTRACT_SCHEMA.is_file():
        pytest.skip("the contract is not beside the repository; the tests use the copy in tests/data")
    assert json.loads(CONTRACT_SCHEMA.read_text(encoding="utf-8")) == finding_schema()


def test_the_schema_check_finds_what_breaks_the_finding_schema() -> None:
    schema = finding_schema()
    good = {"rule": "P11-hydration-minimum", "line": 1, "disposition": "deny", "message": "m", "citation": "c",
            "suggest": None, "evidence": [2]}
    assert schema_problems(good, schema) == []
    for broken in ({**good, "disposition": "allow"}, {**good, "message": ""}, {**good, "evidence": [2, 2]},
                   {**good, "line": 0}, {**good, "extra": 1}, {k: v for k, v in good.items() if k != "suggest"}):
        assert schema_problems(broken, schema), broken


@pytest.mark.parametrize("variant", params("schema", EDITS))
def test_witness_findings_of_rules_are_contract_findings(variant: Variant,
                                                         compared: Callable[[Variant | None], Compared]) -> None:
    schema = finding_schema()
    done = compared(variant)
    rules = {r.id for plan in (done.pair.old, done.pair.new) for r in plan.pack.rules if r.kind == "rule"}
    problems = [p for r in done.report.rules if r.rule in rules for w in r.witnesses
                for finding in w.old + w.new for p in schema_problems(finding, schema, r.rule)]
    assert not problems, problems


@pytest.mark.parametrize("name", ["exception-widened", "exception-removed", "shared-modifier-set-shrinks"])
def test_witness_findings_are_contract_findings_and_exceptions_give_none(
        name: str, compared: Callable[[Variant | None], Compared]) -> None:
    """DIFF.md: a witness's `old` and `new` are the rule's findings on its line (contract finding
    objects). An exception gives no finding: its witnesses' lists are empty, and `allowed` says
    under which version it allows the line."""
    schema = finding_schema()
    done = compared(catalogue.variant(name))
    exceptions = {r.id for plan in (done.pair.old, done.pair.new) for r in plan.pack.rules if r.kind == "exception"}
    witnessed = [(r.rule, w) for r in done.report.rules for w in r.witnesses]
    assert any(rule in exceptions for rule, _ in witnessed)
    for rule, witness in witnessed:
        if rule in exceptions:
            assert witness.old == [] and witness.new == [] and witness.allowed in ((True, False), (False, True))
    problems = [p for rule, w in witnessed for f in w.old + w.new for p in schema_problems(f, schema, rule)]
    assert not problems, problems


def test_a_new_version_is_named_in_the_report(compared: Callable[[Variant | None], Compared]) -> None:
    data = compared(catalogue.variant("reworded")).report.to_json()
    assert data["old"]["version"] == "1.0" and data["new"]["version"] == "1.0.1"


@pytest.mark.slow
def test_the_report_of_every_rule_edited_takes_under_a_minute(compared: Callable[[Variant | None], Compared]) -> None:
    done = compared(EVERY_RULE_EDITED)
    assert done.report.seconds < SECONDS, f"{done.report.seconds:.1f} s"


@pytest.mark.slow
@pytest.mark.parametrize("name", [pytest.param("every-rule-edited", marks=known("changed", "every-rule-edited"))])
def test_every_rule_edited_is_reported_changed(name: str, compared: Callable[[Variant | None], Compared]) -> None:
    got = {r.rule: r.change for r in compared(catalogue.variant(name)).report.rules}
    unchanged = {rule: got[rule] for rule in catalogue.EVERY_RULE if got[rule] in ("equivalent", "unknown")}
    assert not unchanged, unchanged


@pytest.mark.slow
def test_every_witness_of_every_rule_edited_replays(compared: Callable[[Variant | None], Compared]) -> None:
    done = compared(EVERY_RULE_EDITED)
    problems = [p for r in done.report.rules if r.change not in ("equivalent", "unknown")
                for p in check_witnesses(r, done.pair)]
    assert not problems, problems


#: what random claims may show of a rule, by its reported change: broader and narrower speak of the
#: lines a rule decides, so a rule that decides more lines may also decide a line it shares with
#: the old pack in another way (DIFF.md asks for the outcome of the same lines only)
ALLOWED = {"equivalent": set(), "broader": {"broader", "outcome"}, "narrower": {"narrower", "outcome"},
           "incomparable": {"broader", "narrower", "outcome"}, "outcome": {"outcome"}, "added": {"broader"},
           "removed": {"narrower"}}


@pytest.mark.slow
def test_random_claims_never_contradict_the_report_of_every_rule_edited(
        compared: Callable[[Variant | None], Compared]) -> None:
    done = compared(EVERY_RULE_EDITED)
    reported = {r.rule: r.change for r in done.report.rules}
    contradicted: dict[str, object] = {}
    for claim in random_claims(EVERY_RULE_EDITED, 1500, 1):
        try:
            seen = done.pair.differences(claim)
        except ClaimError:
            continue
        for rule, ways in seen.items():
            if reported[rule] != "unknown" and not ways <= ALLOWED[reported[rule]]:
                contradicted.setdefault(f"{rule} reported {reported[rule]}, shows {sorted(ways)}", claim)
    assert not contradicted, contradicted
