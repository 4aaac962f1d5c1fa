"""The data file of a generated module, `NAME.tables`: the rows of its tables, packed.

For each file of each table the rules read, its rows are sorted by their first key, their second
key and the date they apply from (then by their order in the file), and written as:

- the groups: the distinct first keys, each padded with NUL bytes to one width, and where each
  group's rows begin (`I` numbers, one more than the groups);
- the second keys, padded to one width, one per row (tables keyed by two columns);
- one array per column the rules read (and the dates that say when a row applies): for each row,
  the index of its value among the column's distinct values, in bytes of the smallest width that
  holds them (`B`, `H` or `I`); the distinct values themselves are in the header.

The file starts with `RULESC-TABLES 1`, then the length of a JSON header (ten digits) and the
header, which says where each part is. Numbers are little-endian. The same pack gives the same
bytes. compiler/runtime/tables.py reads it.
"""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Mapping, Sequence
from typing import Any

from compiler.runtime.tables import _TABLES_MAGIC
from compiler.semantics import ir
from compiler.semantics.tabledata import TableData


def stored_columns(table: ir.DataTable, read: Sequence[str]) -> list[str]:
    """The columns packed for a table: those the rules read (in that order), then its dates."""
    columns = list(read)
    for name in (table.start, table.end):
        if name is not None and name not in columns:
            columns.append(name)
    return columns


def pack_tables(pack: ir.Pack, read: Mapping[str, Sequence[str]]) -> bytes:
    """The `.tables` file of a pack: every table of `read` (table -> the columns the rules read)."""
    body = bytearray()
    header: dict[str, Any] = {}
    for table in pack.data_tables:
        if table.name not in read:
            continue
        columns = stored_columns(table, read[table.name])
        header[table.name] = [_pack_file(table, table_file, columns, body) for table_file in table.files]
    text = json.dumps({"tables": header}, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return _TABLES_MAGIC + f"{len(text):010d}\n".encode("ascii") + text + b"\n" + bytes(body)


def _ranks(values: Sequence[object]) -> list[int]:
    """The rank of each distinct value in sorted order (absent values first)."""
    order = sorted(range(len(values)), key=lambda i: (values[i] is not None, str(values[i])))
    ranks = [0] * len(values)
    for rank, position in enumerate(order):
        ranks[position] = rank
    return ranks


def _sorted_rows(table: ir.DataTable, data: TableData) -> list[int]:
    """The rows by first key, second key, start date, then place in the file."""
    parts = [*table.key, *([table.start] if table.start is not None else [])]
    ranked = [(_ranks(data.values[name]), data.cells[name], len(data.values[name]) + 1) for name in parts]

    def key(row: int) -> int:
        number = 0
        for ranks, cells, size in ranked:
            number = number * size + ranks[cells[row]]
        return number * (data.count + 1) + row

    return sorted(range(data.count), key=key)


def _append(body: bytearray, numbers: array[Any]) -> int:
    """Append numbers little-endian, aligned to their size; where they start."""
    while len(body) % numbers.itemsize:
        body.append(0)
    at = len(body)
    if sys.byteorder == "big":
        numbers = array(numbers.typecode, numbers)
        numbers.byteswap()
    body.extend(numbers.tobytes())
    return at


def _keys(values: Sequence[object]) -> tuple[list[bytes], int]:
    encoded = [str(v).encode("utf-8") for v in values]
    return encoded, max((len(e) for e in encoded), default=1) or 1


def _pack_file(table: ir.DataTable, table_file: ir.TableFile, columns: Sequence[str],
               body: bytearray) -> dict[str, Any]:
    data = table_file.data
    rows = _sorted_rows(table, data)
    first_cells, first_values = data.cells[table.key[0]], data.values[table.key[0]]
    first_keys, first_width = _keys(first_values)
    groups: list[bytes] = []
    bounds = array("I")
    previous = -1
    for position, row in enumerate(rows):
        cell = first_cells[row]
        if cell != previous:
            groups.append(first_keys[cell].ljust(first_width, b"\0"))
            bounds.append(position)
            previous = cell
    bounds.append(len(rows))
    groups_at = len(body)
    body.extend(b"".join(groups))
    bounds_at = _append(body, bounds)
    second = None
    if len(table.key) > 1:
        cells, values = data.cells[table.key[1]], data.values[table.key[1]]
        keys, width = _keys(values)
        padded = [k.ljust(width, b"\0") for k in keys]
        second_at = len(body)
        body.extend(b"".join(padded[cells[row]] for row in rows))
        second = [second_at, width]
    packed = []
    for name in columns:
        cells, values = data.cells[name], data.values[name]
        renumber: dict[int, int] = {}
        kept: list[object] = []
        for row in rows:
            cell = cells[row]
            if cell not in renumber:
                renumber[cell] = len(kept)
                kept.append(values[cell])
        typecode = "B" if len(kept) <= 1 << 8 else "H" if len(kept) <= 1 << 16 else "I"
        numbers = array(typecode, (renumber[cells[row]] for row in rows))
        packed.append({"name": name, "type": typecode, "values": kept, "offset": _append(body, numbers)})
    dated = [columns.index(table.start) if table.start is not None else None,
             columns.index(table.end) if table.end is not None else None]
    return {"claim_types": list(table_file.claim_types), "csv": table_file.written, "sha256": table_file.digest,
            "rows": len(rows), "groups": [groups_at, len(groups), first_width], "bounds": bounds_at,
            "second": second, "columns": packed, "dated": dated}
