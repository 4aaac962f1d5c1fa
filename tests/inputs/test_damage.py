"""Damaged input never makes a reader raise: whatever is cut, swapped or garbled in an X12 file or
a FHIR Claim, every record comes out in order, and claims the damage did not touch still read."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import examples
from tests.inputs.common import DATA

X12_TEXT = (DATA / "837p-scenarios.x12").read_text(encoding="utf-8") if DATA.exists() else ""
CHARS = st.sampled_from([*"*:~^\n ABC0129-", "ISA", "CLM*", "SE*", "LX*", "HL*", "GS*", "\u00e9"])


@settings(max_examples=examples(30), deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(X12_TEXT)), st.integers(0, 12), CHARS), max_size=4))
def test_damaged_x12_never_raises(edits: list[tuple[int, int, str]]) -> None:
    pytest.importorskip("pyx12", reason="X12 input needs the x12 extra (pyx12)")
    from compiler.inputs.x12 import read_x12_records

    text = X12_TEXT
    for at, length, replacement in edits:
        text = text[:at] + replacement + text[at + length:]
    records = list(read_x12_records(io.StringIO(text)))
    assert records and [r.index for r in records] == list(range(len(records)))
    assert all((r.value is None) == (r.error is not None) for r in records)
    if not edits:
        assert all(r.ok for r in records)


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=4),
                           lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner,
                                                                                       max_size=2), max_leaves=4)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


@settings(max_examples=examples(60), deadline=None)
@given(st.data())
def test_damaged_fhir_claims_never_raise(data: st.DataObject) -> None:
    pytest.importorskip("fhir.resources", reason="FHIR input needs the fhir extra (fhir.resources)")
    from compiler.inputs.fhir import read_fhir_records

    bundle = json.loads((DATA / "fhir-bundle.json").read_text(encoding="utf-8"))
    damaged = copy.deepcopy(bundle)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(damaged)[1:]))
        parent = damaged
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = data.draw(JSON_VALUES)
    records = list(read_fhir_records(io.StringIO(json.dumps(damaged))))
    assert [r.index for r in records] == list(range(len(records)))
    assert all((r.value is None) == (r.error is not None) for r in records)
