"""Text inputs read a line at a time: where a format puts one record (or one resource) on each
line, workers can parse the lines apart from each other (`compiler.batch`).

`read_lines(format, lines, first, follows=...)` reads lines while each one is blank or one whole
JSON value that the streaming reader (`compiler.inputs.jsonstream`) would read as one record
ending its line: not the input's first value when it is an array, nor an array of objects (both
are arrays of records), but an array such as `[1, 2]` after other values, which is one record.
It stops at the first line that is not so (an array of records, a value over several lines, a
broken record, bytes that are not UTF-8) and says where, so that the streaming reader can take
over from there with its positions (told by `follows` whether a value came before). JSON lines
decode with orjson where it is installed and reads the line as `json` does (`decode`); a JSON
line that is not an object is an error record, as `read_claim_records` has it; FHIR lines are
mapped to claims as `compiler.inputs.fhir` maps a resource.

Records read here are numbered from the index the caller gives (FHIR's from 0): whoever gathers
lines from several places numbers them.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from compiler.inputs.records import Position, Record, expect_object

try:
    import orjson

    _fast_loads: Callable[[bytes], Any] | None = orjson.loads
except ImportError:  # pragma: no cover - the `fast` extra is not installed
    _fast_loads = None

SPLIT_FORMATS = ("json", "fhir")
"""The formats whose lines are read apart (the others are read as a whole, in one place)."""

BOM = "\ufeff"
_JSON_SPACE = " \t\r\n"
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
# Digits marked "9", everything else " ": a run of 19 digits is a run of 19 nines, found by a
# plain substring search (a regular expression costs as much as the decoding it guards).
_DIGIT_MARKS = bytes(0x39 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"9" * 19


def decode(text: str) -> object:
    """`json.loads(text)`, faster where orjson is installed, never different.

    orjson reads some texts otherwise than `json`: it refuses NaN and Infinity, lone surrogates
    (`"\\ud800"`, or a surrogate in the text itself) and numbers beyond a double (`1e400`), which
    `json` accepts; and it reads an integer beyond 64 bits as a float. The refusals fall back to
    `json`; a text with a run of 19 digits or more (every integer beyond 64 bits has one) goes to
    `json` without asking orjson. Duplicate keys (the last one wins) and floats (correctly rounded)
    read the same; the tests check all of these."""
    if _fast_loads is not None:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            return json.loads(text)
        if _LONG_RUN not in data.translate(_DIGIT_MARKS):
            try:
                return _fast_loads(data)
            except ValueError:
                pass
    return json.loads(text)


_BLANK = object()


def _one_value(line: str, follows: bool) -> tuple[bool, object]:
    """(True, value) for a line the streaming reader reads as one record ending the line (`follows`:
    after another value); (True, the blank marker) for a blank line; (False, None) for anything else."""
    stripped = line.strip(_JSON_SPACE)
    if not stripped:
        return True, _BLANK
    if stripped[0] == "[" and (not follows or stripped[1:].lstrip(_JSON_SPACE)[:1] in ("{", "]", "")):
        return False, None
    if not line.isascii() and _NOT_UTF8.search(line):
        return False, None
    try:
        return True, decode(line)
    except (ValueError, RecursionError):
        return False, None


def plain_object(line: str) -> dict[str, Any] | None:
    """The object on a line that holds one JSON object and nothing else, starting at its first
    character: the common JSON line, read as `read_lines` reads it. None for any other line
    (blank, indented, an array, a value over several lines, a broken one, bytes that are not
    UTF-8), which `read_lines` and the streaming reader then decide."""
    if line[:1] != "{" or (not line.isascii() and _NOT_UTF8.search(line)):
        return None
    try:
        value = decode(line)
    except (ValueError, RecursionError):
        return None
    return value if type(value) is dict else None


def _column(line: str) -> int:
    """The column where a line's value starts, as the streaming reader counts it."""
    return len(line) - len(line.lstrip(_JSON_SPACE)) + 1


def read_lines(input_format: str, lines: list[str], first: int, index: int = 0,
               follows: bool = False) -> tuple[list[Record], int]:
    """The records of `lines` (numbered from `first` in the input; the records counted from
    `index`; `follows`: a value came before them in the input) up to the first line that is not
    one record; the index of that line in `lines`, or -1 when every line was read."""
    records: list[Record] = []
    claims = _fhir_claims() if input_format == "fhir" else None
    for number, line in enumerate(lines):
        ok, value = _one_value(line, follows)
        if not ok:
            return records, number
        if value is _BLANK:
            continue
        follows = True
        if claims is None:
            records.append(expect_object(Record(index + len(records), Position(first + number, _column(line)), value)))
        else:
            records.extend(claims(Record(0, Position(first + number, _column(line)), value)))
    return records, -1


def holds_a_value(lines: Iterable[str]) -> bool:
    """Whether any of the lines is not blank: the lines after them follow a value."""
    return any(line.strip(_JSON_SPACE) for line in lines)


def _fhir_claims() -> Callable[[Record], Iterator[Record]]:
    """The FHIR reader's mapping; it needs the fhir extra, which FHIR input has."""
    claims_of: Callable[[Record], Iterator[Record]] = importlib.import_module("compiler.inputs.fhir").claims_of
    return claims_of
