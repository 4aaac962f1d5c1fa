"""Claim validation's fast path against the full checker: on every claim, the fast path either
declines (and the full checker decides) or accepts a claim the full checker finds nothing wrong
with, and builds the same claim from it. A mutation corpus replaces every field of a few claims
by odd values; hypothesis adds random claims with random values."""

from __future__ import annotations

import collections
import copy
import itertools
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.runtime import claims
from compiler.runtime.claims import (
    CONTRACT_CLAIM_FIELDS,
    CONTRACT_LINE_FIELDS,
    ClaimError,
    _built_claim,
    _fast_claim,
    claim_problems,
    parse_claim,
)
from tests.claimgen import random_claim
from tests.conftest import examples


class Text(str):
    """A string of another class: the fast path leaves it to the full checker."""


class Number(int):
    pass


def snapshot(claim: claims.Claim) -> object:
    """Everything a rule can read of a claim, with the class of each value."""
    def fields(obj: object, names: tuple[str, ...]) -> tuple[object, ...]:
        return tuple((name, type(getattr(obj, name)), getattr(obj, name)) for name in names)

    line_names = claims.Line.__slots__
    head = fields(claim, tuple(n for n in claims.Claim.__slots__ if n not in ("lines", "by_date", "by_code")))
    lines = tuple(fields(line, line_names) for line in claim.lines)
    by_date = {date: [line.number for line in same] for date, same in claim.by_date.items()}
    return head, lines, by_date


Tally = collections.Counter[str]


def compare(raw: object, tally: Tally) -> None:
    """The fast path and the full checker agree on `raw`, in both unknown-field modes."""
    for strict in (True, False):
        fast = _fast_claim(raw, strict)
        problems = claim_problems(raw, strict)
        if fast is not None:
            assert problems == [], (raw, problems)
            assert isinstance(raw, collections.abc.Mapping)
            assert snapshot(fast) == snapshot(_built_claim(raw)), raw
            tally["fast"] += 1
        elif problems:
            tally["rejected"] += 1
        else:
            tally["full path accepted"] += 1
        try:
            parsed = parse_claim(raw, "error" if strict else "ignore")
        except ClaimError as error:
            assert str(error) == "; ".join(problems)
        else:
            assert problems == [] and snapshot(parsed) == snapshot(_built_claim(raw))  # type: ignore[arg-type]


NAN, INF = float("nan"), float("inf")
ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 2, 0.0, -0.0, 1.5, -2.5, NAN, INF, -INF, 10**20, -(10**20), Number(3), "", " ",
    "x", "xx", "25", "59", "JW", "96372", "9637", "J1745", "a1745", "96372 ", "96372\n", "2024-09-12",
    "2024-02-30", "2024-02-29", "2023-02-29", "2024-9-12", "2024-09-12T09:00", "2024-09-12T10:30",
    "2024-09-12T24:00", "2024-09-12T09:60", "2024-02-30T09:00", "11", "1", "011", "22", "0131", "131", "13",
    "professional", "institutional", "direct", "none", "indirect", "P1", "\ud800", Text("96372"), Text("11"),
    Text("2024-09-12"), [], ["25"], ["25", "59"], ["25", "59", "XS", "XU"], ["25", "59", "XS", "XU", "JW"],
    ["25", 25], ["x"], ["25", None], [["25"]], ("25",), [Text("25")], {}, {"a": 1}, collections.OrderedDict(),
    b"96372", object(),
]
_DELETE = object()

BASES: list[dict[str, Any]] = [
    {"id": "C1", "type": "professional", "pos": "11", "provider": "P1", "member": "M1", "lines": [
        {"code": "96365", "date": "2024-09-12", "start": "2024-09-12T09:00", "stop": "2024-09-12T10:30",
         "drug": "J1745", "modifiers": ["59"], "units": 1, "charge": 10.5},
        {"code": "J1745", "date": "2024-09-12", "units": 40, "provider": "P2", "pos": "22",
         "supervision": "none", "member_supplied": True, "description": "compounded"},
        {"code": "99213", "date": "2024-09-13"},
    ]},
    {"id": "I1", "type": "institutional", "bill_type": "0131", "lines": [
        {"code": "96372", "date": "2024-09-12", "charge": 0, "units": 2.5, "description": "  "},
        {"code": "Q5101", "date": "2024-09-12", "modifiers": [], "member_supplied": False}]},
    {"id": "P", "type": "professional", "lines": [{"code": "96372", "date": "2024-09-12", "pos": "11"}]},
]


def mutants(base: dict[str, Any]) -> list[object]:
    """`base` with each field of the claim and of each line (given or not, and a few the contract
    does not name) replaced by each odd value or deleted; and the odd values as whole lines."""
    found: list[object] = []
    claim_fields = [*CONTRACT_CLAIM_FIELDS, "bill_class", "note"]
    line_fields = [*CONTRACT_LINE_FIELDS, "minutes", "modifier"]
    targets = [(None, name) for name in claim_fields]
    targets += [(index, name) for index in range(len(base["lines"])) for name in line_fields]
    for (index, name), value in itertools.product(targets, [*ODD_VALUES, _DELETE]):
        claim = copy.deepcopy(base)
        target = claim if index is None else claim["lines"][index]
        if value is _DELETE:
            if name not in target:
                continue
            del target[name]
        else:
            target[name] = value
        found.append(claim)
    for value in ODD_VALUES:
        claim = copy.deepcopy(base)
        claim["lines"][-1] = value
        found.append(claim)
    found.append(collections.OrderedDict(base))
    found.append({**base, "lines": [collections.OrderedDict(line) for line in base["lines"]]})
    found.append({**base, "lines": tuple(base["lines"])})
    return found


def test_the_mutation_corpus_finds_no_difference() -> None:
    tally: Tally = collections.Counter()
    for base in BASES:
        compare(base, tally)
        for mutant in mutants(base):
            compare(mutant, tally)
    for value in ODD_VALUES:
        compare(value, tally)
    # The corpus is not vacuous: each path is taken many times, and the full checker accepts
    # claims the fast path leaves to it (strings of another class, an OrderedDict, a null in a
    # field the contract does not name when unknown fields are ignored).
    assert tally["fast"] > 300 and tally["rejected"] > 3000 and tally["full path accepted"] > 50, tally


def test_the_fast_path_takes_the_usual_claims() -> None:
    """Guards against a fast path that declines everything (which the corpus test would allow)."""
    rng = random.Random(12)
    taken = sum(_fast_claim(random_claim(rng, malformed=0), True) is not None for _ in range(500))
    assert taken == 500
    for base in BASES:
        assert _fast_claim(base, True) is not None


def test_remembered_values_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claims, "_GOOD_DATES", set())
    monkeypatch.setattr(claims, "_REMEMBERED", 3)
    days = [f"2024-01-{day:02d}" for day in range(1, 11)]
    claim = {"id": "D", "type": "institutional", "lines": [{"code": "96372", "date": day} for day in days]}
    assert [line.date for line in parse_claim(claim).lines] == days
    assert len(claims._GOOD_DATES) == 3
    assert _fast_claim({**claim, "lines": [{"code": "96372", "date": "2024-02-30"}]}, True) is None


odd_value = st.sampled_from(ODD_VALUES) | st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10)


@settings(max_examples=examples(400), deadline=None)
@given(st.randoms(use_true_random=False),
       st.lists(st.tuples(st.sampled_from([*CONTRACT_CLAIM_FIELDS, *CONTRACT_LINE_FIELDS, "minutes", "x"]),
                          odd_value), max_size=3))
def test_random_claims_with_random_values_find_no_difference(rng: random.Random,
                                                              changes: list[tuple[str, Any]]) -> None:
    claim = random_claim(rng)
    for name, value in changes:
        if name in CONTRACT_CLAIM_FIELDS:
            claim[name] = value
        elif isinstance(claim.get("lines"), list) and claim["lines"] and isinstance(claim["lines"][0], dict):
            rng.choice([line for line in claim["lines"] if isinstance(line, dict)] or [{}])[name] = value
    compare(claim, collections.Counter())


def test_stamps_keep_their_messages() -> None:
    """The stamp check was split into a reusable part: its three messages are unchanged."""
    def message(stop: str) -> str:
        return claim_problems({"id": "S", "type": "institutional", "lines": [
            {"code": "96365", "date": "2024-09-12", "start": "2024-09-12T09:00", "stop": stop}]})[0]

    assert message("9:00") == "lines[1].stop: '9:00' is not YYYY-MM-DDTHH:MM"
    assert message("2024-02-30T25:00") == "lines[1].stop: '2024-02-30T25:00' is not a calendar date and time"
    assert message("2024-09-12T25:00") == "lines[1].stop: '2024-09-12T25:00' is not a time of day"
