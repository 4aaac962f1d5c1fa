"""Tables read from files as the policy documents show them: what each declares (columns, key,
dates, checks) and, for each file, its digest, its row count, the dates its rows apply and how many
rows give each indicator value; the rows themselves only when the file is small, so that documents
stay small whatever the size of the tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from compiler.backends.markup import Phrase, phrase
from compiler.semantics import ir
from compiler.semantics.tabledata import TableData

#: a file with at most this many rows is listed whole
LISTED_ROWS = 60


@dataclass(frozen=True)
class FileView:
    path: str
    claim_types: str
    digest: str
    rows: int
    dates: str
    indicators: tuple[str, ...]
    columns: tuple[str, ...]
    listed: tuple[tuple[str, ...], ...]  # the rows, when the file is small


@dataclass(frozen=True)
class DataTableView:
    anchor: str
    name: str
    title: str
    source: str | None
    layout: str
    checks: tuple[Phrase, ...]
    files: tuple[FileView, ...]
    used_by: Phrase


def _type(column: ir.FileColumn) -> str:
    if column.type == "indicator":
        return f"indicator({', '.join(str(v) for v in column.values)})"
    if column.placeholder is not None:
        return f'code or "{column.placeholder}"'
    return column.type


def layout(table: ir.DataTable) -> str:
    columns = ", ".join(f"{c.name} ({_type(c)})" for c in table.columns)
    text = f"Columns: {columns}. Rows are found by {' and '.join(table.key)}"
    if table.start is not None:
        until = f" until {table.end} (the first day it no longer applies)" if table.end is not None else ""
        text += f"; a row applies from {table.start}{until}"
    return text + "."


def checks(table: ir.DataTable, inline: Callable[[ir.Expr], Phrase]) -> tuple[Phrase, ...]:
    """Each check of the table in words, its conditions written by `inline`."""
    found: list[Phrase] = []
    for check in table.checks:
        if check.kind == "one":
            found.append((f"all rows with one {check.columns[1]} give one {check.columns[0]} (an error otherwise)",))
        elif check.kind == "acyclic":
            where = phrase(" among the rows where ", inline(check.where)) if check.where is not None else ()
            found.append(phrase(f"no circle of rows {check.columns[0]} → {check.columns[1]}", where,
                                " whose rows all apply on one day (an error naming the rows otherwise)"))
        elif check.kind == "require" and check.condition is not None:
            found.append(phrase("every row satisfies: ", inline(check.condition), " (an error otherwise)"))
        elif check.kind == "warn" and check.condition is not None:
            where = phrase(" (and ", inline(check.where), ")") if check.where is not None else ()
            message = "".join(p.text if p.field is None else "{" + p.field + "}" for p in check.message)
            found.append(phrase(f"a warning, “{message}”, when on some day every row of one {check.columns[0]}",
                                where, " satisfies: ", inline(check.condition)))
    return tuple(found)


def _counts(data: TableData, column: str) -> Counter[object]:
    """How many rows give each value of a column (counted over the cells, fast on millions of rows)."""
    values = data.values[column]
    found: Counter[object] = Counter()
    for cell, count in Counter(data.cells[column]).items():
        found[values[cell]] += count
    return found


def file_view(table: ir.DataTable, table_file: ir.TableFile) -> FileView:
    data = table_file.data
    dates = "every row always applies"
    if table.start is not None:
        starts = [v for v in data.values[table.start] if isinstance(v, str)]
        dates = (f"rows apply from {min(starts)} (the earliest) to {max(starts)} (the latest start)"
                 if starts else "no rows")
        if table.end is not None:
            ends = _counts(data, table.end)
            ended = [v for v in ends if isinstance(v, str)]
            dates += (f"; {ends.get(None, 0)} without an end, {sum(ends[v] for v in ended)} with one"
                      + (f" (the latest {max(ended)})" if ended else ""))
    indicators = []
    for column in table.columns:
        if column.type == "indicator":
            counts = _counts(data, column.name)
            shown = ", ".join(f"{value}: {counts.get(value, 0)}" for value in column.values)
            indicators.append(f"{column.name}: {shown}")
    listed: tuple[tuple[str, ...], ...] = ()
    if data.count <= LISTED_ROWS:
        listed = tuple((str(data.lines[r]), *(_cell(data.value(c.name, r)) for c in table.columns))
                       for r in range(data.count))
    return FileView(table_file.written, " and ".join(table_file.claim_types), table_file.digest, data.count, dates,
                    tuple(indicators), ("row", *(c.name for c in table.columns)), listed)


def _cell(value: object) -> str:
    return "" if value is None else str(value)
