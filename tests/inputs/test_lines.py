"""Lines read apart: the decoder reads every text as `json` does, with orjson or without."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.inputs import lines
from tests.conftest import examples


def _same(a: object, b: object) -> bool:
    """Equal values of equal types all the way down (NaN equal to NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b  # type: ignore[arg-type]
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)  # type: ignore[index]
    return a == b


def _read(text: str) -> tuple[str, object]:
    try:
        return "ok", lines.decode(text)
    except ValueError as error:
        return "error", type(error).__name__


def _reference(text: str) -> tuple[str, object]:
    try:
        return "ok", json.loads(text)
    except ValueError as error:
        return "error", type(error).__name__


numbers = st.one_of(st.integers(), st.integers(-(10**40), 10**40), st.floats(allow_nan=False).map(repr),
                    st.from_regex(r"-?[0-9]{1,25}(\.[0-9]{1,25})?([eE][-+]?[0-9]{1,3})?", fullmatch=True))
values = st.recursive(
    st.none() | st.booleans() | numbers | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=10)


def _text(value: object) -> str:
    if isinstance(value, str) and value[:1] in "-0123456789" and value[1:2] != "":
        return value  # a number literal as written
    return json.dumps(value)


@settings(max_examples=examples(500), deadline=None)
@given(st.lists(st.tuples(st.text(max_size=4), values), max_size=4),
       st.sampled_from(["", " NaN", " Infinity", ' "\\ud800"', " 1e400", " 123456789012345678901234"]))
def test_decode_reads_every_text_as_json_does(pairs: list[tuple[str, object]], odd: str) -> None:
    """Objects with duplicate keys, numbers as written (integers beyond 64 bits, long floats), and
    what orjson refuses: decode gives json's value, of json's types, or json's refusal."""
    members = [f"{json.dumps(key)}: {_text(value)}" for key, value in pairs]
    if odd:
        members.append(f'"odd":{odd}')
    text = "{" + ", ".join(members + members[:1]) + "}"
    got, want = _read(text), _reference(text)
    assert got[0] == want[0] and (got[0] == "error" or _same(got[1], want[1])), text


def test_decode_without_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lines, "_fast_loads", None)
    assert _same(lines.decode('{"a": 1, "a": 2.5, "b": NaN}'), {"a": 2.5, "b": float("nan")})


def test_orjson_is_used_where_installed() -> None:
    """The `fast` extra: when orjson is importable, decode uses it (the dev install includes it)."""
    orjson = pytest.importorskip("orjson")
    assert lines._fast_loads is orjson.loads
