"""The change report of two versions of a small pack: each kind of change, its witnesses replayed
here through both packs' interpreters, and what must not count as a change."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from compiler.analysis.changes.compare import MAX_WITNESSES, compare_packs
from compiler.analysis.changes.model import ChangeReport, RuleChange, Witness
from compiler.interpreter.evaluate import Interpreter
from compiler.semantics import ir
from tests.helpers import compile_plan

BASE = Path(__file__).parent / "packs" / "base.rules"


def edited(tmp_path: Path, *replacements: tuple[str, str], name: str = "new.rules") -> Path:
    """The base pack with each `old` text replaced by `new` (each must occur exactly once)."""
    text = BASE.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the base pack"
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def plan_of(path: Path) -> ir.Plan:
    return compile_plan(path)[0]


def compare(old: Path, new: Path, **options: object) -> tuple[ChangeReport, ir.Plan, ir.Plan]:
    old_plan, new_plan = plan_of(old), plan_of(new)
    return compare_packs(old_plan.pack, new_plan.pack, **options), old_plan, new_plan  # type: ignore[arg-type]


def rule_findings(plan: ir.Plan, witness: Witness, rule: str) -> list[dict[str, object]]:
    """The findings of `rule` on the witness line, or, for an exception, where it applies."""
    pack = plan.pack
    if any(r.id == rule and r.kind == "exception" for r in pack.rules):
        rules = tuple(dataclasses.replace(r, disposition="info") if r.id == rule else r for r in pack.rules)
        plan = dataclasses.replace(plan, pack=dataclasses.replace(pack, rules=rules))
    found = [f.to_dict() for f in Interpreter(plan).evaluate(witness.claim)
             if f.rule == rule and f.line == witness.line]
    for finding in found:
        if plan.pack.rule(rule).kind == "exception":
            finding["disposition"] = "allow"
    return found


def assert_replayed(change: RuleChange, old: ir.Plan, new: ir.Plan) -> None:
    """Every witness shows, through both interpreters, the change it is reported for."""
    assert 0 < len(change.witnesses) <= MAX_WITNESSES
    for witness in change.witnesses:
        before, after = rule_findings(old, witness, change.rule), rule_findings(new, witness, change.rule)
        if witness.allowed is not None:  # an exception: no findings, where it applies instead
            assert witness.old == witness.new == [] and witness.allowed == (bool(before), bool(after))
        else:
            assert before == witness.old and after == witness.new
        if witness.direction == "broader":
            assert after and not before
        elif witness.direction == "narrower":
            assert before and not after
        else:
            assert before and after
            assert (before[0]["disposition"], before[0]["suggest"]) != (after[0]["disposition"], after[0]["suggest"])


def by_rule(report: ChangeReport) -> dict[str, RuleChange]:
    return {r.rule: r for r in report.rules}


def changes(report: ChangeReport) -> dict[str, str]:
    return {r.rule: r.change for r in report.rules if r.change != "equivalent"}


def test_a_pack_against_itself_is_equivalent_everywhere_and_complete() -> None:
    report, _, _ = compare(BASE, BASE)
    assert changes(report) == {}
    assert report.complete
    assert [r.rule for r in report.rules] == sorted(r.rule for r in report.rules)
    assert all(not r.witnesses for r in report.rules)


def test_a_threshold_raised_is_narrower_with_the_claim_between_the_thresholds(tmp_path: Path) -> None:
    new = edited(tmp_path, ("when line.units > 1", "when line.units > 2"))
    report, old_plan, new_plan = compare(BASE, new)
    assert changes(report) == {"A-injection-units": "narrower"}
    change = by_rule(report)["A-injection-units"]
    assert_replayed(change, old_plan, new_plan)
    assert change.witnesses[0].claim["lines"][change.witnesses[0].line - 1]["units"] == 2
    assert report.complete


def test_a_threshold_lowered_is_broader(tmp_path: Path) -> None:
    new = edited(tmp_path, ("when line.units > 1", "when line.units >= 1"))
    report, old_plan, new_plan = compare(BASE, new)
    assert changes(report) == {"A-injection-units": "broader"}
    assert_replayed(by_rule(report)["A-injection-units"], old_plan, new_plan)


def test_some_lines_gained_and_some_lost_is_incomparable_with_a_witness_each_way(tmp_path: Path) -> None:
    new = edited(tmp_path, ("when line.units > 1", "when line.units < 3"))
    report, old_plan, new_plan = compare(BASE, new)
    change = by_rule(report)["A-injection-units"]
    assert change.change == "incomparable"
    assert {w.direction for w in change.witnesses} == {"broader", "narrower"}
    assert_replayed(change, old_plan, new_plan)


def test_a_disposition_changed_is_an_outcome_change(tmp_path: Path) -> None:
    new = edited(tmp_path, ('  review "Push {code} beside an infusion."', '  deny "Push {code} beside an infusion."'))
    report, old_plan, new_plan = compare(BASE, new)
    change = by_rule(report)["B-push-with-infusion"]
    assert change.change == "outcome"
    assert_replayed(change, old_plan, new_plan)
    assert "denies" in change.message


def test_a_suggested_code_changed_is_an_outcome_change(tmp_path: Path) -> None:
    new = edited(tmp_path, ("suggest 96376 if", "suggest 96374 if"))
    report, old_plan, new_plan = compare(BASE, new)
    assert changes(report) == {"B-push-with-infusion": "outcome"}
    change = by_rule(report)["B-push-with-infusion"]
    assert_replayed(change, old_plan, new_plan)
    assert change.witnesses[0].claim["type"] == "institutional"


def test_a_suggestion_guard_dropped_is_an_outcome_change_on_professional_claims(tmp_path: Path) -> None:
    new = edited(tmp_path, ('suggest 96376 if claim.type = "institutional"', "suggest 96376"))
    report, old_plan, new_plan = compare(BASE, new)
    change = by_rule(report)["B-push-with-infusion"]
    assert change.change == "outcome"
    assert_replayed(change, old_plan, new_plan)
    assert change.witnesses[0].claim["type"] == "professional"


def test_a_change_reaches_the_rules_that_read_the_changed_rules_findings(tmp_path: Path) -> None:
    new = edited(tmp_path, ("codes infusions = 96365, 96367", "codes infusions = 96365"))
    report, old_plan, new_plan = compare(BASE, new)
    assert changes(report) == {"B-push-with-infusion": "narrower", "C-em-with-flagged-push": "narrower"}
    for rule in ("B-push-with-infusion", "C-em-with-flagged-push"):
        assert_replayed(by_rule(report)[rule], old_plan, new_plan)
    witness = by_rule(report)["C-em-with-flagged-push"].witnesses[0]
    assert any(line["code"] == "96367" for line in witness.claim["lines"])


def test_an_exception_narrowed_makes_the_rule_it_overrides_broader(tmp_path: Path) -> None:
    new = edited(tmp_path, ('when line.pos = "12"', 'when line.pos = "12" and line.units < 3'))
    report, old_plan, new_plan = compare(BASE, new)
    assert changes(report) == {"A-injection-units": "broader", "E-home-injection": "narrower"}
    for rule in ("A-injection-units", "E-home-injection"):
        assert_replayed(by_rule(report)[rule], old_plan, new_plan)
    exception = by_rule(report)["E-home-injection"].witnesses[0]
    assert exception.old == exception.new == [] and exception.allowed == (True, False)


def test_added_and_removed_rules_carry_witnesses_of_what_they_decide(tmp_path: Path) -> None:
    new = edited(tmp_path, ("rule A-injection-units", "rule A2-injection-units"),
                 ("overrides A-injection-units", "overrides A2-injection-units"))
    report, old_plan, new_plan = compare(BASE, new)
    assert changes(report) == {"A-injection-units": "removed", "A2-injection-units": "added"}
    added, removed = by_rule(report)["A2-injection-units"], by_rule(report)["A-injection-units"]
    assert added.witnesses and all(w.direction == "broader" and w.new and not w.old for w in added.witnesses)
    assert removed.witnesses and all(w.direction == "narrower" and w.old and not w.new for w in removed.witnesses)
    assert_replayed(added, old_plan, new_plan)
    assert_replayed(removed, old_plan, new_plan)


def test_rewording_is_equivalent_and_named(tmp_path: Path) -> None:
    new = edited(tmp_path, ('deny "96372 with {units} units."', 'deny "96372 billed with {units} units."'),
                 ('rule A-injection-units "An injection is one unit"', 'rule A-injection-units "One unit per shot"'))
    report, _, _ = compare(BASE, new)
    change = by_rule(report)["A-injection-units"]
    assert change.change == "equivalent" and change.texts == ("title", "message")
    assert "title and message changed" in change.message


@pytest.mark.parametrize("condition", [
    "when not (line.units <= 1)",
    "when 1 < line.units",
    "when line.units > 1 and line.units > 0",
    "when line.units >= 2 or (line.units > 1 and line.units < 2)",
])
def test_an_equivalent_condition_is_proved_equivalent_by_the_solver(tmp_path: Path, condition: str) -> None:
    new = edited(tmp_path, ("when line.units > 1", condition))
    report, _, _ = compare(BASE, new)
    assert changes(report) == {}
    assert report.complete


def test_renamed_and_split_code_sets_are_not_changes(tmp_path: Path) -> None:
    new = edited(tmp_path, ("codes infusions = 96365, 96367", "codes first_infusion = 96365\ncodes more = 96367\n"
                            "codes drips = first_infusion, more"),
                 ("x.code in infusions", "x.code in drips"))
    report, _, _ = compare(BASE, new)
    assert changes(report) == {}


def test_moving_the_effective_date_changes_every_deciding_rule(tmp_path: Path) -> None:
    new = edited(tmp_path, ("effective 2024-01-01", "effective 2024-03-01"))
    report, old_plan, new_plan = compare(BASE, new)
    assert changes(report) == {r: "narrower" for r in ("A-injection-units", "B-push-with-infusion",
                                                       "C-em-with-flagged-push", "E-home-injection")}
    for change in report.changed:
        assert_replayed(change, old_plan, new_plan)
        day = change.witnesses[0].claim["lines"][change.witnesses[0].line - 1]["date"]
        assert "2024-01-01" <= day < "2024-03-01"


def test_a_question_the_solver_cannot_answer_is_unknown_and_incomplete(tmp_path: Path) -> None:
    new = edited(tmp_path, ("when line.units > 1", "when line.units > 2"))
    report, _, _ = compare(BASE, new, rlimit=1)
    assert by_rule(report)["A-injection-units"].change == "unknown"
    assert not report.complete


def test_witness_claims_are_numbered_in_report_order_and_the_json_has_the_contract_shape(tmp_path: Path) -> None:
    new = edited(tmp_path, ("effective 2024-01-01", "effective 2024-03-01"), ('version "1.0"', 'version "1.1"'))
    report, _, _ = compare(BASE, new)
    data = report.to_json()
    assert list(data) == ["old", "new", "bound", "summary", "rules"]
    assert data["old"] == {"pack": "changes", "version": "1.0"} and data["new"]["version"] == "1.1"
    assert sum(data["summary"].values()) == len(data["rules"]) == 5
    ids = [w["claim"]["id"] for r in data["rules"] for w in r["witnesses"]]
    assert ids == [f"D{n}" for n in range(1, len(ids) + 1)]
    for rule in data["rules"]:
        assert list(rule) == ["rule", "change", "witnesses", "message"]
        for witness in rule["witnesses"]:
            assert list(witness) == ["claim", "line", "old", "new"]
            for finding in witness["old"] + witness["new"]:
                assert list(finding) == ["rule", "line", "disposition", "message", "citation", "suggest", "evidence"]


def test_a_message_says_the_range_of_minutes_or_units_over_which_the_change_shows(tmp_path: Path) -> None:
    new = edited(tmp_path, ("when line.units > 1", "when line.units > 4"))
    report, _, _ = compare(BASE, new)
    change = by_rule(report)["A-injection-units"]
    assert change.witnesses[0].ranges == (("units", 2, 4),)
    assert "(96372, 2 to 4 units)" in change.message
