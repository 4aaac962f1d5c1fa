"""What every claim reader yields: a record, its value or why it could not be read, and where it is.

The position is format-neutral on purpose: the JSON reader fills in a line and a column
(`Position`); the X12, FHIR and Parquet readers count segments, Bundle entries and rows
(`Ordinal`). Everything downstream (the `eval` writers, a parallel evaluator that must restore
input order) only orders records by `index` and prints their position with `str()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Position:
    """Where a record starts in a text input: a line and a column, both counted from 1.

    Columns count characters (code points), not bytes; a byte order mark is not counted."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"

    def to_dict(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column}


@dataclass(frozen=True, slots=True)
class Ordinal:
    """Where a record is in an input made of numbered parts: the 14th segment of an X12 file,
    the 3rd entry of a FHIR Bundle, the 1200th row of a Parquet file. Counted from 1.

    `label` says what is there (`segment 14 (CLM)`); `within` is the enclosing place, a position
    or a file name (`line 1, column 1, entry 3`, `part-0.parquet, row 12`)."""

    kind: str
    number: int
    label: str | None = None
    within: Position | Ordinal | str | None = None

    def __str__(self) -> str:
        text = f"{self.kind} {self.number}"
        if self.label:
            text += f" ({self.label})"
        return text if self.within is None else f"{self.within}, {text}"

    def to_dict(self) -> dict[str, object]:
        found: dict[str, object] = {self.kind: self.number}
        if self.label:
            found["label"] = self.label
        if isinstance(self.within, str):
            found["within"] = self.within
        elif self.within is not None:
            found["within"] = self.within.to_dict()
        return found


Where: TypeAlias = Position | Ordinal


@dataclass(frozen=True, slots=True)
class Record:
    """One record of the input, in input order: a decoded value, or the reason it has none.

    `index` counts records from 0 in input order. `error` is None for a record that was read;
    otherwise it says what is wrong and where (the place of the fault, which may lie after
    `position`, the start of the record) and `value` is None. `claim_id` is the claim's id
    where a reader knows it although the claim could not be read (an X12 CLM01, the id column
    of a Parquet row), so that the error result can still name the claim."""

    index: int
    position: Where
    value: object = None
    error: str | None = None
    claim_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def kind(value: object) -> str:
    """What a decoded JSON value is, for a message: `an array`, `a number`, `null`..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def expect_object(record: Record) -> Record:
    """The record, or, when its value is not a JSON object (a claim is one), an error record in
    its place: `line 4, column 1: expected a claim object, got an array`."""
    if record.error is not None or isinstance(record.value, dict):
        return record
    return Record(record.index, record.position,
                  error=f"{record.position}: expected a claim object, got {kind(record.value)}")
