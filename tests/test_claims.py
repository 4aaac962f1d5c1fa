"""Claim validation (the contract's input side): every malformed field is named by its path."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.runtime.claims import ClaimError, parse_claim

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


def test_unknown_fields_are_ignored_and_the_input_is_not_mutated() -> None:
    claim = copy.deepcopy(GOOD)
    claim["extra"] = {"anything": [1, 2]}
    claim["lines"][0]["note"] = "ignored"
    before = json.dumps(claim, sort_keys=True)
    parse_claim(claim)
    assert json.dumps(claim, sort_keys=True) == before


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_shaped_input_is_a_claim_or_a_claim_error(value: object) -> None:
    try:
        parse_claim(value)
    except ClaimError as error:
        assert ":" in str(error)
