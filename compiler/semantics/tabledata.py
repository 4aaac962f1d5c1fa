"""The rows of one table file, column by column (what the IR holds of a table read from files).

Each cell is the index of its value among the distinct values of its column, so that millions of
rows cost a few bytes each and the values themselves (codes, dates, indicators) exist once.
compiler/semantics/tables.py reads them from CSV text; this module holds only the data, so that
the IR can name its type.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from compiler.diagnostics import Span


class TableData:
    """The rows of one table file, in file order, column by column.

    `cells[column][row]` is the index of the row's value in `values[column]`; `lines[row]` is the
    row's line in the file (the header is line 1) and `starts`/`ends` its character offsets, for
    diagnostics."""

    __slots__ = ("cells", "count", "ends", "lines", "memo", "path", "starts", "values")

    def __init__(self, path: str, columns: Sequence[str]) -> None:
        self.path = path
        self.count = 0
        self.lines = array("I")
        self.starts = array("q")
        self.ends = array("q")
        self.cells: dict[str, array[int]] = {name: array("I") for name in columns}
        self.values: dict[str, list[object]] = {name: [] for name in columns}
        # what checks found about these rows, by what they checked (compiler/analysis/tables.py), so
        # that rows read once (the language server keeps them) are checked once
        self.memo: dict[object, object] = {}

    def value(self, column: str, row: int) -> object:
        return self.values[column][self.cells[column][row]]

    def span(self, row: int) -> Span:
        return Span(self.path, self.starts[row], self.ends[row])

    def applies(self, row: int, start: str | None, end: str | None, day: str) -> bool:
        """Whether the row applies on `day` (ISO), by its `start` and `end` date columns."""
        if start is None:
            return True
        begins = self.value(start, row)
        if not isinstance(begins, str) or begins > day:
            return False
        ends = self.value(end, row) if end is not None else None
        return not isinstance(ends, str) or day < ends

    def before(self, row: int, end: str | None, effective: str) -> bool:
        """Whether the row applies only before `effective` (its end date is on or before it)."""
        if end is None:
            return False
        ends = self.value(end, row)
        return isinstance(ends, str) and ends <= effective
