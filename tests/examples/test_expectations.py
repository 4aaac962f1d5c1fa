"""Exact comparison of an example's expectations with an engine's findings, and its table."""

from __future__ import annotations

from compiler.examples.expectations import Expectation, Got, Outcome, Row, Verdict, Want, compare, table

P23 = "P23-injection-with-em"
P16 = "P16-one-initial-facility"


def verdict(wants: list[Want], gots: list[Got], **options: object) -> Verdict:
    return compare(Expectation(tuple(wants), **options), Outcome(tuple(gots)))  # type: ignore[arg-type]


def statuses(v: Verdict) -> list[str]:
    return [row.status for row in v.rows]


def test_every_finding_matched_by_exactly_one_expectation_passes() -> None:
    v = verdict([Want(2, "deny", P23)], [Got(P23, 2, "deny")])
    assert v.passed and statuses(v) == ["ok"]


def test_an_extra_deny_by_another_rule_on_the_same_line_fails() -> None:
    v = verdict([Want(2, "deny", P23)], [Got(P23, 2, "deny"), Got(P16, 2, "deny")])
    assert not v.passed and statuses(v) == ["ok", "extra"]
    assert v.rows[1].fix == f"add `expect line 2 deny by {P16}`, or fix the rules"


def test_an_expectation_without_a_rule_still_takes_exactly_one_finding() -> None:
    assert verdict([Want(2, "deny")], [Got(P23, 2, "deny")]).passed
    assert statuses(verdict([Want(2, "deny")], [Got(P23, 2, "deny"), Got(P16, 2, "deny")])) == ["ok", "extra"]


def test_the_pairing_is_a_maximum_matching() -> None:
    """A first-come search would give the open expectation P23's finding and leave `by P23` unmatched."""
    assert verdict([Want(1, "deny"), Want(1, "deny", P23)], [Got(P23, 1, "deny"), Got(P16, 1, "deny")]).passed


def test_an_omitted_suggestion_means_none() -> None:
    v = verdict([Want(1, "deny", P23)], [Got(P23, 1, "deny", "99211")])
    assert statuses(v) == ["differs"]
    assert v.rows[0].fix == f"suggest nothing -> 99211: if the finding is right, write " \
                            f"`expect line 1 deny by {P23} suggest 99211`"
    assert verdict([Want(1, "deny", P23, "99211")], [Got(P23, 1, "deny", "99211")]).passed


def test_a_wrong_disposition_or_rule_on_the_line_is_one_difference() -> None:
    v = verdict([Want(1, "deny", P23)], [Got(P23, 1, "review")])
    assert statuses(v) == ["differs"] and v.rows[0].fix.startswith("disposition deny -> review")
    v = verdict([Want(1, "deny", P23)], [Got(P16, 1, "deny")])
    assert statuses(v) == ["differs"] and v.rows[0].fix.startswith(f"rule {P23} -> {P16}")


def test_a_missing_finding() -> None:
    v = verdict([Want(3, "deny", P23)], [])
    assert statuses(v) == ["missing"] and "remove this expectation" in v.rows[0].fix


def test_info_findings_count_unless_ignored() -> None:
    info = Got("P30", 2, "info")
    assert statuses(verdict([], [info])) == ["extra"]
    assert "ignore info" in verdict([], [info]).rows[0].fix
    assert verdict([], [info], ignore_info=True).passed
    assert not verdict([Want(2, "info", "P30")], [], ignore_info=True).passed


def test_evidence_is_checked_only_when_expected() -> None:
    got = Got(P23, 2, "deny", evidence=(1, 3))
    assert verdict([Want(2, "deny", P23)], [got]).passed
    assert verdict([Want(2, "deny", P23, evidence=(1, 3))], [got]).passed
    v = verdict([Want(2, "deny", P23, evidence=(1,))], [got])
    assert statuses(v) == ["differs"] and v.rows[0].fix.startswith("evidence [1] -> [1, 3]")


def test_errors_and_suggestion_free_lines() -> None:
    rejected = Outcome(error="lines[1].pos: required")
    assert compare(Expectation(errors=("pos: required",)), rejected).passed
    assert compare(Expectation(errors=(None,)), rejected).passed
    assert not compare(Expectation(errors=("units",)), rejected).passed
    assert compare(Expectation(), rejected).problems[0].startswith("the claim was rejected: lines[1].pos")
    assert compare(Expectation(errors=(None,)), Outcome()).problems == (
        "expected the claim to be rejected, but it was evaluated",)
    suggesting = Outcome((Got(P23, 1, "deny", "99211"),))
    assert compare(Expectation(no_suggestion=(1,)), suggesting).problems == (
        "expected no suggestion on line 1, got 99211",)


def test_the_table_shows_expected_and_found_side_by_side_with_what_to_change() -> None:
    v = Verdict((Row("ok", Want(1, "deny", P23), Got(P23, 1, "deny")),
                 Row("extra", None, Got(P16, 1, "deny", "96361", (2,)), "add it")), ("a problem",))
    width = len(f"line 1 deny by {P23}")
    assert table(v, indent="") == [
        f"{'':8}{'expected':<{width}}  found",
        f"ok      line 1 deny by {P23}  line 1 deny by {P23}",
        f"extra   {'-':<{width}}  line 1 deny by {P16} suggest 96361 because line 2",
        "        -> add it",
        "a problem"]
