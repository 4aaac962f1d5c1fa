"""Tables read from files as a generated module reads them, and sums over lines.

Standard library only. The section between the markers is copied into the generated module of a
pack that reads tables from files or adds values up over lines (only then, so other modules stay
as they were); the interpreter uses `total_of` from here, and reads tables its own plain way
(compiler/semantics/tables.py), so the tests compare two readings of the same rows.

`rulesc build` writes the rows the rules read into `NAME.tables` beside the module (see
compiler/backends/tables.py): for each file of each table, the rows grouped by their first key and
sorted by their second, each column an array of indexes into the column's distinct values. The
module reads it once, when imported, checks its sha256 against the one it records, and decodes a
group of rows only when a lookup asks for it (and remembers a bounded number of answers).
"""

from __future__ import annotations

import hashlib
import json
import sys
from array import array
from collections.abc import Iterable, Mapping
from typing import Any

# -- runtime begins (copied into generated modules from here to the end marker)


def total_of(values: Iterable[Any]) -> Any:
    """`sum(...)` over lines: the values added up in line order, from 0; absent when one is absent."""
    total: Any = 0
    for value in values:
        if value is None:
            return None
        total = total + value
    return total


_TABLES_MAGIC = b"RULESC-TABLES 1\n"
_TABLES_REMEMBERED = 1 << 16


def _table_array(blob: bytes, typecode: str, offset: int, count: int) -> array[Any]:
    """`count` little-endian numbers of `typecode` at `offset`."""
    numbers: array[Any] = array(typecode)
    numbers.frombytes(blob[offset:offset + count * numbers.itemsize])
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


class TableRows:
    """The rows of one file of a table, for one or more claim types (an empty one for a claim type
    that no file serves)."""

    __slots__ = ("_columns", "_end", "_groups", "_memo", "_second", "_start", "_width")

    def __init__(self, header: Mapping[str, Any] | None = None, blob: bytes = b"", base: int = 0) -> None:
        self._groups: dict[str, tuple[int, int]] = {}
        self._second = b""
        self._width = 0
        self._columns: list[tuple[list[Any], array[Any]]] = []
        self._start: tuple[list[Any], array[Any]] | None = None
        self._end: tuple[list[Any], array[Any]] | None = None
        self._memo: dict[Any, tuple[int, ...]] = {}
        if header is None:
            return
        offset, count, width = header["groups"]
        offset += base
        keys = blob[offset:offset + count * width]
        bounds = _table_array(blob, "I", base + header["bounds"], count + 1)
        self._groups = {keys[i * width:(i + 1) * width].rstrip(b"\0").decode("utf-8"): (bounds[i], bounds[i + 1])
                        for i in range(count)}
        rows = header["rows"]
        if header["second"] is not None:
            offset, self._width = header["second"]
            self._second = blob[base + offset:base + offset + rows * self._width]
        for column in header["columns"]:
            cells = _table_array(blob, column["type"], base + column["offset"], rows)
            self._columns.append((column["values"], cells))
        start, end = header["dated"]
        self._start = self._columns[start] if start is not None else None
        self._end = self._columns[end] if end is not None else None

    def _rows(self, key: Any, first: str, second: str | None) -> tuple[int, ...]:
        """The rows with these keys (the second None: the whole group of the first), remembered."""
        bounds = self._groups.get(first)
        found: tuple[int, ...] = ()
        if bounds is not None and second is None:
            found = tuple(range(bounds[0], bounds[1]))
        elif bounds is not None and second is not None:
            width = self._width
            wanted = second.encode("utf-8").ljust(width, b"\0")
            keys, stop = self._second, bounds[1] * width
            at = keys.find(wanted, bounds[0] * width, stop) if len(wanted) == width else -1
            while at >= 0 and at % width:
                at = keys.find(wanted, at + 1, stop)
            if at >= 0:
                row, rows = at // width, []
                while row < bounds[1] and keys[row * width:(row + 1) * width] == wanted:
                    rows.append(row)
                    row += 1
                found = tuple(rows)
        if len(self._memo) >= _TABLES_REMEMBERED:
            self._memo.clear()
        self._memo[key] = found
        return found

    def _pick(self, rows: tuple[int, ...], on: str | None, column: int) -> Any:
        """Column `column` of the first row that applies on `on` (-1: True for a row); None when none."""
        start = self._start
        if start is None:
            if not rows:
                return None
            row = rows[0]
        else:
            if on is None:
                return None
            starts, start_cells = start
            end = self._end
            for row in rows:
                if starts[start_cells[row]] <= on:
                    if end is None:
                        break
                    stop = end[0][end[1][row]]
                    if stop is None or on < stop:
                        break
            else:
                return None
        if column < 0:
            return True
        values, cells = self._columns[column]
        return values[cells[row]]

    def get1(self, first: str | None, on: str | None, column: int) -> Any:
        """A lookup by the first key: column `column` of its row (-1: whether there is one)."""
        if first is None:
            return None
        rows = self._memo.get(first)
        if rows is None:
            rows = self._rows(first, first, None)
        return self._pick(rows, on, column)

    def get2(self, first: str | None, second: str | None, on: str | None, column: int) -> Any:
        """A lookup by both keys: column `column` of its row (-1: whether there is one)."""
        if first is None or second is None:
            return None
        key = (first, second)
        rows = self._memo.get(key)
        if rows is None:
            rows = self._rows(key, first, second)
        return self._pick(rows, on, column)


def load_tables(blob: bytes, name: str, digest: str, claim_types: tuple[str, ...]) -> dict[str, dict[str, TableRows]]:
    """The tables of a `.tables` file, checked against its sha256: for each table, its rows for each
    claim type."""
    if hashlib.sha256(blob).hexdigest() != digest:
        raise ImportError(f"{name} is not the data file this module was built with (sha256 {digest}); "
                          "write both again with `rulesc build`")
    if not blob.startswith(_TABLES_MAGIC):
        raise ImportError(f"{name} is not a rulesc tables file")
    at = len(_TABLES_MAGIC)
    size = int(blob[at:at + 10])
    header = json.loads(blob[at + 11:at + 11 + size].decode("utf-8"))
    base = at + 12 + size
    tables: dict[str, dict[str, TableRows]] = {}
    for table_name, files in header["tables"].items():
        by_type = {kind: TableRows() for kind in claim_types}
        for table_file in files:
            rows = TableRows(table_file, blob, base)
            for kind in table_file["claim_types"]:
                by_type[kind] = rows
        tables[table_name] = by_type
    return tables


# -- runtime ends
