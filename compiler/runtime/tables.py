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
import os
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
    that no file serves). A lookup decodes the rows of its key once, as tuples of their values, and
    remembers them (a bounded number of keys)."""

    __slots__ = ("_columns", "_end", "_groups", "_memo", "_partners", "_second", "_start", "_width", "none")

    def __init__(self, none: tuple[Any, ...], header: Mapping[str, Any] | None = None, blob: bytes = b"",
                 base: int = 0) -> None:
        self.none = none  # the row a lookup that finds none gives: every column absent (one per table)
        self._groups: dict[str, tuple[int, int]] = {}
        self._second = b""
        self._width = 0
        self._columns: list[tuple[list[Any], array[Any]]] = []
        self._start = -1  # the column that says from when a row applies (-1: every row always applies)
        self._end = -1  # the column that says until when (-1: none)
        self._memo: dict[Any, tuple[tuple[Any, ...], ...]] = {}
        self._partners: dict[str, frozenset[str]] = {}
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
        self._start = -1 if start is None else start
        self._end = -1 if end is None else end

    def _decoded(self, begin: int, end: int) -> tuple[tuple[Any, ...], ...]:
        return tuple(tuple(values[cells[row]] for values, cells in self._columns) for row in range(begin, end))

    def _load(self, key: Any, first: str, second: str | None) -> tuple[tuple[Any, ...], ...]:
        """The rows with these keys (the second None: the whole group of the first), decoded and
        remembered."""
        bounds = self._groups.get(first)
        found: tuple[tuple[Any, ...], ...] = ()
        if bounds is not None and second is None:
            found = self._decoded(bounds[0], bounds[1])
        elif bounds is not None and second is not None:
            width = self._width
            wanted = second.encode("utf-8").ljust(width, b"\0")
            keys, stop = self._second, bounds[1] * width
            at = keys.find(wanted, bounds[0] * width, stop) if len(wanted) == width else -1
            while at >= 0 and at % width:
                at = keys.find(wanted, at + 1, stop)
            if at >= 0:
                row = at // width
                last = row + 1
                while last < bounds[1] and keys[last * width:(last + 1) * width] == wanted:
                    last += 1
                found = self._decoded(row, last)
        if len(self._memo) >= _TABLES_REMEMBERED:
            self._memo.clear()
        self._memo[key] = found
        return found

    def rows(self, first: str) -> tuple[tuple[Any, ...], ...]:
        """The rows whose first key is `first` (whatever their dates), decoded and remembered: what
        `pick` chooses from. A module reads them once for each code (its code facts)."""
        rows = self._memo.get(first)
        if rows is None:
            rows = self._load(first, first, None)
        return rows

    def pick(self, rows: tuple[tuple[Any, ...], ...], on: str | None) -> tuple[Any, ...]:
        """Of `rows`, the first that applies on `on` (the first of all for a table without dates);
        the empty row when none does."""
        start, end = self._start, self._end
        if start < 0:
            return rows[0] if rows else self.none
        if on is None:
            return self.none
        for row in rows:
            if row[start] <= on and (end < 0 or row[end] is None or on < row[end]):
                return row
        return self.none

    def row1(self, first: str | None, on: str | None) -> tuple[Any, ...]:
        """The row of a lookup by the first key (one that applies on `on`, for a dated table); the
        empty row `none` when there is none."""
        if first is None:
            return self.none
        rows = self._memo.get(first)
        if rows is None:
            rows = self._load(first, first, None)
        if not rows:
            return self.none
        return rows[0] if self._start < 0 else self.pick(rows, on)

    def row2(self, first: str | None, second: str | None, on: str | None) -> tuple[Any, ...]:
        """The row of a lookup by both keys, or `none`."""
        if first is None or second is None:
            return self.none
        key = (first, second)
        rows = self._memo.get(key)
        if rows is None:
            rows = self._load(key, first, second)
        if not rows:
            return self.none
        return rows[0] if self._start < 0 else self.pick(rows, on)

    def partners(self, first: str | None) -> frozenset[str]:
        """The second keys of the rows whose first key is `first` (whatever their dates): a line
        whose code is not among them has no row with it."""
        if first is None:
            return frozenset()
        found = self._partners.get(first)
        if found is None:
            bounds = self._groups.get(first)
            found = frozenset()
            if bounds is not None:
                width, keys = self._width, self._second
                found = frozenset(keys[row * width:(row + 1) * width].rstrip(b"\0").decode("utf-8")
                                  for row in range(bounds[0], bounds[1]))
            if len(self._partners) >= _TABLES_REMEMBERED:
                self._partners.clear()
            self._partners[first] = found
        return found


def tables_file(namespace: Mapping[str, Any], name: str) -> bytes:
    """The bytes of a module's tables file `name`, read from the folder the module was imported from
    (`namespace` is the module's globals). A native build knows only its file's bare name while it
    is imported: the folder is then the first entry of sys.path that holds that file, where the
    import found it."""
    here = str(namespace.get("__file__") or "")
    if os.path.dirname(here):
        folders = [os.path.dirname(os.path.abspath(here))]
    else:
        folders = [entry or os.curdir for entry in sys.path if os.path.isfile(os.path.join(entry or os.curdir, here))]
    for folder in folders[:1]:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path, "rb") as stream:
                return stream.read()
    raise ImportError(f"{name} is not beside {here or 'the module'}: `rulesc build` writes it there")


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
        none: tuple[Any, ...] = (None,) * max((len(f["columns"]) for f in files), default=0)
        by_type = {kind: TableRows(none) for kind in claim_types}
        for table_file in files:
            rows = TableRows(none, table_file, blob, base)
            for kind in table_file["claim_types"]:
                by_type[kind] = rows
        tables[table_name] = by_type
    return tables


# -- runtime ends
