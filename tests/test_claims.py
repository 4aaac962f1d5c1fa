"""Claim validation (the contract's input side): every malformed or unknown field is named by its path."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.runtime.claims import (
    CONTRACT_CLAIM_FIELDS,
    CONTRACT_LINE_FIELDS,
    DERIVED_CLAIM_FIELDS,
    DERIVED_LINE_FIELDS,
    ClaimError,
    claim_problems,
    parse_claim,
)
from compiler.semantics import ir
from tests.conftest import SHARED, examples

GOOD: dict[str, Any] = {
    "id": "C1", "type": "professional", "pos": "11", "provider": "P1",
    "lines": [
        {"code": "96365", "date": "2024-09-12", "start": "2024-09-12T09:00", "stop": "2024-09-12T10:30",
         "drug": "J1745", "modifiers": ["59"], "units": 1, "charge": 10.5},
        {"code": "J1745", "date": "2024-09-12", "units": 40, "provider": "P2", "pos": "22"},
    ],
}


def broken(path: str, value: object) -> dict[str, Any]:
    claim = copy.deepcopy(GOOD)
    target: Any = claim
    parts = path.split(".")
    for part in parts[:-1]:
        target = target["lines"][int(part[6:-1]) - 1] if part.startswith("lines[") else target[part]
    if value is _DELETE:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value
    return claim


_DELETE = object()


@pytest.mark.parametrize(("path", "value", "message"), [
    ("id", _DELETE, "id: required"),
    ("id", "", "id: must not be empty"),
    ("id", 7, "id: expected a string, got a number"),
    ("type", "dental", "type: 'dental' is not 'professional' or 'institutional'"),
    ("pos", "1", "pos: '1' is not a two-digit place of service"),
    ("bill_type", "13", "bill_type: '13' is not a 3- or 4-digit type of bill"),
    ("lines", [], "lines: expected 1 to 999 lines, got 0"),
    ("lines", {}, "lines: expected an array, got an object"),
    ("lines[1].code", "9636", "lines[1].code: '9636' is not a CPT or HCPCS Level II code"),
    ("lines[1].code", _DELETE, "lines[1].code: required"),
    ("lines[2].date", "2024-02-30", "lines[2].date: '2024-02-30' is not a calendar date"),
    ("lines[2].date", "12/09/2024", "lines[2].date: '12/09/2024' is not YYYY-MM-DD"),
    ("lines[1].start", "9:00", "lines[1].start: '9:00' is not YYYY-MM-DDTHH:MM"),
    ("lines[1].stop", "2024-09-12T08:00", "lines[1].stop: '2024-09-12T08:00' is not after start '2024-09-12T09:00'"),
    ("lines[1].stop", _DELETE, "lines[1].stop: required when start is given"),
    ("lines[1].stop", "2024-09-12T25:00", "lines[1].stop: '2024-09-12T25:00' is not a time of day"),
    ("lines[1].modifiers", ["59", "x"], "lines[1].modifiers[2]: 'x' is not a two-character modifier"),
    ("lines[1].modifiers", ["25", "59", "XS", "XU", "JW"], "lines[1].modifiers: at most 4 modifiers, got 5"),
    ("lines[1].units", 0, "lines[1].units: 0 is not greater than 0"),
    ("lines[1].units", True, "lines[1].units: expected a number, got a boolean"),
    ("lines[1].units", float("nan"), "lines[1].units: nan is not a finite number"),
    ("lines[1].charge", -1, "lines[1].charge: -1 is negative"),
    ("lines[1].drug", "", "lines[1].drug: must not be empty"),
    ("lines[1].supervision", "indirect", "lines[1].supervision: 'indirect' is not 'direct' or 'none'"),
    ("lines[1].member_supplied", "yes", "lines[1].member_supplied: expected a boolean, got a string"),
    ("lines[2].provider", None, "lines[2].provider: expected a string, got null"),
    ("lines[2].pos", 22, "lines[2].pos: expected a string, got a number"),
])
def test_malformed_fields_are_named(path: str, value: object, message: str) -> None:
    with pytest.raises(ClaimError) as caught:
        parse_claim(broken(path, value))
    assert str(caught.value) == message


def test_professional_claim_needs_a_place_of_service() -> None:
    claim = broken("pos", _DELETE)
    with pytest.raises(ClaimError, match=r"^lines\[1\]\.pos: required on a professional claim without pos$"):
        parse_claim(claim)


def test_defaults_and_derived_fields() -> None:
    claim = parse_claim(GOOD)
    first, second = claim.lines
    assert (first.minutes, first.number, second.drug, second.provider, first.provider) == (90, 1, "J1745", "P2", "P1")
    assert second.modifiers == () and second.supervision == "direct" and second.member_supplied is False
    assert second.pos == "22" and first.pos == "11"
    assert claim.by_date["2024-09-12"] == [first, second]
    institutional = parse_claim({"id": "I", "type": "institutional", "bill_type": "0131",
                                 "lines": [{"code": "96365", "date": "2024-01-01", "description": "  "}]})
    assert institutional.bill_class == "13" and institutional.lines[0].description is None


@pytest.mark.parametrize(("path", "message"), [
    ("lines[1].modifier", 'lines[1].modifier: unknown field (did you mean "modifiers"?)'),
    ("lines[2].Code", 'lines[2].Code: unknown field (did you mean "code"?)'),
    ("lines[1].minutes", "lines[1].minutes: unknown field (derived from start and stop; give those)"),
    ("lines[1].number", "lines[1].number: unknown field (derived from the line's position in lines)"),
    ("bill_class", "bill_class: unknown field (derived from bill_type; give that)"),
    ("modifiers", "modifiers: unknown field (a line field: give it on each line)"),
    ("lines[2].member", "lines[2].member: unknown field (a claim field, not a line field)"),
    ("line", 'line: unknown field (did you mean "lines"?)'),
    ("diagnosis", "diagnosis: unknown field"),
    ("lines[1].a b", "lines[1].'a b': unknown field"),
])
def test_unknown_fields_are_errors_naming_the_nearest_field(path: str, message: str) -> None:
    with pytest.raises(ClaimError) as caught:
        parse_claim(broken(path, ["25"]))
    assert str(caught.value) == message


def test_unknown_fields_can_be_ignored_and_the_input_is_not_mutated() -> None:
    claim = copy.deepcopy(GOOD)
    claim["extra"] = {"anything": [1, 2]}
    claim["lines"][0]["modifier"] = "ignored"
    before = json.dumps(claim, sort_keys=True)
    assert parse_claim(claim, unknown_fields="ignore").lines[0].modifiers == ("59",)
    assert json.dumps(claim, sort_keys=True) == before
    with pytest.raises(ClaimError):
        parse_claim(claim)
    with pytest.raises(ClaimError, match=r"^lines\[1\]\.units: 0 is not greater than 0$"):
        parse_claim({**claim, "lines": [{**claim["lines"][0], "units": 0}]}, unknown_fields="ignore")


@pytest.mark.parametrize("value", ["errors", "IGNORE", None, True])
def test_a_wrong_unknown_fields_value_is_the_callers_mistake(value: Any) -> None:
    with pytest.raises(ValueError, match=r"^unknown_fields must be 'error' or 'ignore', not ") as caught:
        parse_claim(GOOD, unknown_fields=value)
    assert not isinstance(caught.value, ClaimError)


def test_every_problem_of_a_claim_is_reported_in_path_order() -> None:
    claim = copy.deepcopy(GOOD)
    del claim["pos"]
    claim["type"] = "dental"
    claim["note"] = "x"
    claim["lines"][0].update({"modifier": ["25"], "units": 0, "code": "9636", "modifiers": ["x", "59", "y"]})
    del claim["lines"][0]["stop"]
    claim["lines"][1].update({"minutes": 10, "date": "2024-02-30"})
    claim["lines"].append("not a line")
    claim["lines"].append({"date": "2024-09-12", "start": "2024-09-12T10:00", "stop": "2024-09-12T09:00"})
    with pytest.raises(ClaimError) as caught:
        parse_claim(claim)
    assert str(caught.value) == "; ".join([
        "type: 'dental' is not 'professional' or 'institutional'",
        "note: unknown field",
        "lines[1].code: '9636' is not a CPT or HCPCS Level II code",
        "lines[1].modifiers[1]: 'x' is not a two-character modifier",
        "lines[1].modifiers[3]: 'y' is not a two-character modifier",
        "lines[1].units: 0 is not greater than 0",
        "lines[1].stop: required when start is given",
        'lines[1].modifier: unknown field (did you mean "modifiers"?)',
        "lines[2].date: '2024-02-30' is not a calendar date",
        "lines[2].minutes: unknown field (derived from start and stop; give those)",
        "lines[3]: expected an object, got a string",
        "lines[4].code: required",
        "lines[4].stop: '2024-09-12T09:00' is not after start '2024-09-12T10:00'",
    ])


def test_each_line_without_a_place_of_service_is_named() -> None:
    claim = broken("pos", _DELETE)
    claim["lines"].append({"code": "96372", "date": "2024-09-12"})
    with pytest.raises(ClaimError) as caught:
        parse_claim(claim)
    assert str(caught.value) == ("lines[1].pos: required on a professional claim without pos; "
                                 "lines[3].pos: required on a professional claim without pos")


def test_the_contract_fields_are_the_fields_rules_read() -> None:
    """One list of contract fields: the IR's typed fields are it plus the derived ones."""
    assert set(ir.LINE_FIELDS) == set(CONTRACT_LINE_FIELDS) | set(DERIVED_LINE_FIELDS)
    assert set(ir.CLAIM_FIELDS) == (set(CONTRACT_CLAIM_FIELDS) - {"lines"}) | set(DERIVED_CLAIM_FIELDS)
    derived = set(DERIVED_LINE_FIELDS) | set(DERIVED_CLAIM_FIELDS)
    assert not derived & set(CONTRACT_LINE_FIELDS + CONTRACT_CLAIM_FIELDS)


def test_the_contract_fields_are_the_schemas() -> None:
    schema_path = SHARED / "contract" / "claim.schema.json"
    if not schema_path.exists():
        pytest.skip("the contract's claim.schema.json is not beside the repository")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    assert tuple(schema["properties"]) == CONTRACT_CLAIM_FIELDS
    assert tuple(schema["$defs"]["line"]["properties"]) == CONTRACT_LINE_FIELDS


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20)


@settings(max_examples=examples(300), deadline=None)
@given(json_values)
def test_any_json_shaped_input_is_a_claim_or_a_claim_error(value: object) -> None:
    try:
        parse_claim(value)
    except ClaimError as error:
        assert ":" in str(error)


def _agree(value: object, unknown_fields: str) -> None:
    """The short path accepts exactly the claims in which the long path finds nothing, and the
    error names what the long path finds."""
    problems = claim_problems(value, unknown_fields == "error")
    try:
        parse_claim(value, unknown_fields)
    except ClaimError as error:
        assert problems and str(error) == "; ".join(problems)
    else:
        assert problems == []


VALID: dict[str, object] = {
    "modifiers": ["25"], "units": 2, "provider": "P1", "pos": "22", "charge": 1.5, "start": "2024-09-12T09:00",
    "stop": "2024-09-12T10:00", "drug": "J1745", "supervision": "none", "member_supplied": True, "description": "d",
}
line_values = st.fixed_dictionaries(
    {"code": st.sampled_from(["96372", "J1745", "9637", 96372]),
     "date": st.sampled_from(["2024-09-12", "2024-02-30", None])},
    optional={name: st.just(VALID.get(name)) | json_values
              for name in (*CONTRACT_LINE_FIELDS[2:], "minutes", "x")})
claim_values = st.fixed_dictionaries(
    {"id": st.sampled_from(["A", ""]), "type": st.sampled_from(["professional", "institutional", "x"]),
     "lines": st.lists(line_values | json_values, min_size=0, max_size=3)},
    optional={"pos": st.sampled_from(["11", "1", 11]), "bill_type": st.sampled_from(["0131", "13"]),
              "provider": json_values, "member": json_values, "bill_class": json_values, "note": json_values})


@settings(max_examples=examples(500), deadline=None)
@given(claim_values | json_values, st.sampled_from(["error", "ignore"]))
def test_both_validation_paths_agree(value: object, unknown_fields: str) -> None:
    _agree(value, unknown_fields)
