"""What every claim reader yields: a record, its value or why it could not be read, and where it is.

The position is format-neutral on purpose: the JSON reader fills in a line and a column; a reader
for X12 segments or CSV rows will put its own coordinates in the same place, and everything
downstream (the `eval` writer, a parallel evaluator that must restore input order) only orders
records by `index` and prints their position with `str()`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Position:
    """Where a record starts in its input: a line and a column, both counted from 1.

    Columns count characters (code points), not bytes; a byte order mark is not counted."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"

    def to_dict(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column}


@dataclass(frozen=True, slots=True)
class Record:
    """One record of the input, in input order: a decoded value, or the reason it has none.

    `index` counts records from 0 in input order. `error` is None for a record that was read;
    otherwise it says what is wrong and where (the place of the fault, which may lie after
    `position`, the start of the record) and `value` is None."""

    index: int
    position: Position
    value: object = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
