"""Claims in Parquet (pyarrow).

Two layouts are read, told apart by their columns (docs/FORMATS.md gives both schemas):

- **one row per claim**: the claim's fields as columns (`id`, `type`, `pos`, `bill_type`,
  `member`, `provider`) and `lines`, a list of structs whose fields are the line's (`code`,
  `date`, `modifiers`, `units`, ...);
- **one row per line**: the line's fields as columns under their contract names, and the claim's
  fields prefixed with `claim_` (`claim_id`, `claim_type`, `claim_pos`...), repeated on each
  row of the claim; an optional `line` column numbers the lines from 1.

Column types are those a writer would pick: strings, or `date32` for `date`, timestamps for
`start` and `stop`, integers, floats or decimals for `units` and `charge`. A null is an absent
field. A column the contract does not name is passed on to the claim under its name (without
`claim_` at the claim level), where the engine reports it as an unknown field unless told to
ignore such fields.

Memory stays bounded: files are read a batch of rows at a time. The one-row-per-line layout
must be **sorted by `claim_id`** (as `ORDER BY claim_id, line` writes it): the rows of a claim
are then consecutive, a claim is complete when the id changes, and the order is verified as
rows go by in constant memory. A claim whose id comes after a larger one is an error record
(its rows are not assembled, since its other rows may lie anywhere); sort the file first.

Positions are rows counted from 1 (`row 1200`), with the file's name when a folder of files is
read (`part-3.parquet, row 12`); a claim of the one-row-per-line layout is where its first row is.
A folder is read file by file in the order of their paths, a file row group by row group.

Damage. Rows that cannot be read (a damaged page) are one error record where they start, with the
file's name (`claims.parquet, row 8193: rows 8193 to 16384 cannot be read: ...`), and reading goes
on with the next row group. In the one-row-per-line layout, a claim whose rows may go on into rows
that cannot be read, or start in them, is an error record too (never a claim evaluated without
some of its lines): the claim being gathered when the damage starts, and the first claim after it
unless its first row has `line` 1.

Results are written as Parquet by `compiler.batch.parquet`.
"""

from __future__ import annotations

import datetime
import decimal
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from compiler.inputs.records import Ordinal, Record

BATCH = 8192
CLAIM_FIELDS = ("id", "type", "pos", "bill_type", "member", "provider")
LINE_FIELDS = ("code", "date", "modifiers", "units", "provider", "pos", "charge", "start", "stop", "drug",
               "supervision", "member_supplied", "description")

# ------------------------------------------------------------------ schemas a writer can use

_LINE_TYPE = pa.struct([
    ("code", pa.string()), ("date", pa.string()), ("modifiers", pa.list_(pa.string())), ("units", pa.float64()),
    ("provider", pa.string()), ("pos", pa.string()), ("charge", pa.float64()), ("start", pa.string()),
    ("stop", pa.string()), ("drug", pa.string()), ("supervision", pa.string()), ("member_supplied", pa.bool_()),
    ("description", pa.string()),
])
CLAIMS_SCHEMA = pa.schema([(name, pa.string()) for name in CLAIM_FIELDS] + [("lines", pa.list_(_LINE_TYPE))])
LINES_SCHEMA = pa.schema([(f"claim_{name}", pa.string()) for name in CLAIM_FIELDS] + [("line", pa.int32())]
                         + [(f.name, f.type) for f in _LINE_TYPE])


def claims_table(claims: list[dict[str, Any]]) -> pa.Table:
    """Contract claims as a one-row-per-claim table (CLAIMS_SCHEMA)."""
    return pa.Table.from_pylist(claims, schema=CLAIMS_SCHEMA)


def lines_table(claims: list[dict[str, Any]]) -> pa.Table:
    """Contract claims as a one-row-per-line table (LINES_SCHEMA), in the order given."""
    rows = [{**{f"claim_{k}": claim.get(k) for k in CLAIM_FIELDS}, "line": n, **line}
            for claim in claims for n, line in enumerate(claim["lines"], 1)]
    return pa.Table.from_pylist(rows, schema=LINES_SCHEMA)


# ------------------------------------------------------------------ reading


def parquet_files(path: str | os.PathLike[str]) -> list[tuple[Path, str | None]]:
    """The files to read and the name each position gives: the file itself (no name), or every
    `*.parquet` file under a folder, by path, named relative to the folder."""
    root = Path(path)
    if root.is_dir():
        return [(p, p.relative_to(root).as_posix()) for p in sorted(root.rglob("*.parquet")) if p.is_file()]
    return [(root, None)]


def read_parquet_records(path: str | os.PathLike[str], batch_size: int = BATCH) -> Iterator[Record]:
    """Every claim of a Parquet file or folder, in order; see the module doc."""
    count = 0
    for number, (file, name) in enumerate(parquet_files(path), 1):
        for record in read_parquet_file(file, name, batch_size, file_number=number):
            yield Record(count, record.position, record.value, record.error, record.claim_id)
            count += 1


def read_parquet_file(file: str | os.PathLike[str], name: str | None = None, batch_size: int = BATCH,
                      file_number: int = 1) -> Iterator[Record]:
    """The claims of one file; `name` goes into every position (None for a lone file). A file
    that cannot be read gives an error record; rows that cannot be read, an error record each
    time (see the module doc)."""
    label = name or str(file)
    try:
        source = pq.ParquetFile(file)
    except (OSError, pa.ArrowException) as error:
        yield Record(0, Ordinal("file", file_number, label), error=f"{label}: not a readable Parquet file: {error}")
        return
    names = set(source.schema_arrow.names)
    if "lines" in names and "claim_id" not in names:
        yield from ClaimRows(name, label=label).records(_batches(source, batch_size))
    elif "claim_id" in names:
        yield from _LineRows(name, label, "line" in names).records(_batches(source, batch_size))
    else:
        yield Record(0, Ordinal("file", file_number, label),
                     error=f"{label}: neither layout: a claim table has a `lines` column, a line table a "
                           f"`claim_id` column (the columns are {', '.join(sorted(names))})")


@dataclass(frozen=True)
class Damage:
    """Rows `first` to `last` of a file cannot be read, for `reason`."""

    first: int
    last: int
    reason: str

    def record(self, index: int, label: str) -> Record:
        where = Ordinal("row", self.first, within=label)
        rows = f"row {self.first}" if self.first == self.last else f"rows {self.first} to {self.last}"
        return Record(index, where, error=f"{where}: {rows} cannot be read: {self.reason}")


Batch = list[dict[str, Any]] | Damage


def _batches(source: Any, batch_size: int) -> Iterator[Batch]:
    """The rows of a file a batch at a time, row group by row group; the rows of a row group that
    cannot be read from some batch on are one `Damage`."""
    metadata = source.metadata
    first = 1
    for group in range(metadata.num_row_groups):
        size = metadata.row_group(group).num_rows
        read = 0
        try:
            for batch in source.iter_batches(batch_size=batch_size, row_groups=[group]):
                rows = batch.to_pylist()
                read += len(rows)
                yield rows
        except (OSError, pa.ArrowException) as error:
            yield Damage(first + read, first + size - 1, " ".join(str(error).split()))
        first += size


def _plain(name: str, value: Any) -> Any:
    """An Arrow value as the contract's JSON value."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if name == "date" else value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer() and name in ("units", "charge"):
        return int(value)
    return value


_AS_IS = frozenset({str, int, bool, list})


def _fields(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The non-null fields of a row (those starting with `prefix`, without it) as JSON values."""
    fields: dict[str, Any] = {}
    cut = len(prefix)
    for key, value in row.items():
        if value is None or (cut and not key.startswith(prefix)):
            continue
        name = key[cut:]
        fields[name] = value if value.__class__ in _AS_IS else _plain(name, value)  # the common types as is
    return fields


class ClaimRows:
    """Rows of the one-row-per-claim layout as records; rows are numbered from `first`; `label`
    names the file where rows cannot be read."""

    def __init__(self, name: str | None, first: int = 1, label: str | None = None) -> None:
        self.name, self.first, self.label = name, first, label or name or "the file"

    def records(self, batches: Iterator[Batch]) -> Iterator[Record]:
        number = self.first - 1
        count = 0
        for rows in batches:
            if isinstance(rows, Damage):
                yield rows.record(count, self.label)
                count += 1
                number = rows.last
                continue
            for row in rows:
                number += 1
                position = Ordinal("row", number, within=self.name)
                claim = _fields(row)
                lines = claim.get("lines")
                if isinstance(lines, list):
                    claim["lines"] = [_fields(line) if isinstance(line, dict) else line for line in lines]
                claim_id = claim.get("id") if isinstance(claim.get("id"), str) else None
                yield Record(count, position, claim, claim_id=claim_id)
                count += 1


class _LineRows:
    """Rows of the one-row-per-line layout, assembled into claims as they go by."""

    def __init__(self, name: str | None, label: str, numbered: bool) -> None:
        self.name, self.label = name, label
        self.numbered = numbered  # the table has a `line` column
        self.count = 0
        self.last: str | None = None  # the largest claim id so far
        self.damage: Damage | None = None  # rows that could not be read, just before the claim being gathered

    def _record(self, first: int, value: object = None, error: str | None = None,
                claim_id: str | None = None) -> Record:
        self.count += 1
        where = Ordinal("row", first, within=self.name)
        return Record(self.count - 1, where, value, None if error is None else f"{where}: {error}", claim_id)

    def records(self, batches: Iterator[Batch]) -> Iterator[Record]:
        number = 0
        group: list[tuple[int, dict[str, Any]]] = []
        for rows in batches:
            if isinstance(rows, Damage):
                if group:
                    yield self._cut(group, rows, "its rows may go on in")
                    group = []
                yield rows.record(self.count, self.label)
                self.count += 1
                self.damage, number = rows, rows.last
                continue
            for row in rows:
                number += 1
                claim_id = row.get("claim_id")
                if group and claim_id == group[0][1].get("claim_id"):
                    group.append((number, row))
                    continue
                if group:
                    yield self._claim(group)
                group = [(number, row)]
        if group:
            yield self._claim(group)

    def _cut(self, group: list[tuple[int, dict[str, Any]]], damage: Damage, how: str) -> Record:
        """A claim that may have rows among those that cannot be read."""
        claim_id = group[0][1].get("claim_id")
        return self._record(group[0][0], claim_id=claim_id if isinstance(claim_id, str) else None,
                            error=f"claim {claim_id!r} is not read: {how} rows {damage.first} to {damage.last}, "
                                  "which cannot be read")

    def _claim(self, group: list[tuple[int, dict[str, Any]]]) -> Record:
        first = group[0][0]
        damage, self.damage = self.damage, None
        if damage is not None and not (self.numbered and group[0][1].get("line") == 1):
            return self._cut(group, damage, "its first rows may be in")
        claim_id = group[0][1].get("claim_id")
        if not isinstance(claim_id, str):
            return self._record(first, error=f"claim_id is {claim_id!r}, not a claim id")
        if self.last is not None and claim_id < self.last:
            return self._record(first, claim_id=claim_id,
                                error=f"claim {claim_id!r} comes after claim {self.last!r}: the one-row-per-line "
                                      f"layout must be sorted by claim_id (ORDER BY claim_id, line)")
        self.last = claim_id
        claim = _fields(group[0][1], "claim_")
        for number, row in group[1:]:
            other = _fields(row, "claim_")
            if other != claim:
                differs = sorted(k for k in other.keys() | claim.keys() if other.get(k) != claim.get(k))
                return self._record(first, claim_id=claim_id,
                                    error=f"claim_{differs[0]} differs between the rows of claim {claim_id!r} "
                                          f"(row {first}: {claim.get(differs[0])!r}, row {number}: "
                                          f"{other.get(differs[0])!r})")
        lines = []
        for expected, (number, row) in enumerate(group, 1):
            line = {k: _plain(k, v) for k, v in row.items() if v is not None and not k.startswith("claim_")}
            given = line.pop("line", expected)
            if given != expected:
                return self._record(first, claim_id=claim_id,
                                    error=f"line {given!r} at row {number}, where line {expected} of claim "
                                          f"{claim_id!r} was due (rows are in line order, numbered from 1)")
            lines.append(line)
        claim["lines"] = lines
        return self._record(first, claim, claim_id=claim_id)
