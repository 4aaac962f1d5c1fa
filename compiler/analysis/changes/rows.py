"""The rows of a table's files compared between two versions of a pack (contract/DIFF.md, `tables`).

Rows are matched by the table's key and, for a dated table, the start of their date range: a key in
one version only is a row added or removed, a key in both with other values a row changed. Files of
millions of rows are compared without holding an object per row of both versions: each row becomes
one integer (the positions of its cells among the values of both versions, column by column),
computed at C speed with `map`, the integers of one version are held as a set while those of the
other are looked up in it, and only the rows that differ are decoded.

Each file also gets a `direction` for the rules that read it, over the days a pack edits (on or
after its effective date): whether what a lookup finds there only appears (rows added, date ranges
extended), only goes away (rows removed, ranges cut short), stays the same, or changes otherwise
(`compiler.analysis.changes.monotone` says what that means for a rule's decisions).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress, count, repeat
from operator import add, mul, not_
from typing import Any, Literal

from compiler.analysis.changes.model import MAX_ROWS, RowChange, RowCounts, TableChange
from compiler.semantics import ir
from compiler.semantics.tabledata import TableData

#: how what the lookups of a file find changes between the versions, on the days a pack edits
Direction = Literal["same", "grow", "shrink", "mixed"]


@dataclass(frozen=True)
class Reads:
    """What the rules of both versions read of one table: its columns (None: whether a row is
    there), and whether every lookup of it is dated by the line being decided (`on line.date`), so
    that it only ever looks at days on or after the pack's effective date."""

    columns: frozenset[str | None]
    on_line_date: bool


def table_reads(packs: Iterable[ir.Pack]) -> dict[str, Reads]:
    """What the rules of the packs read of each table read from files, by table name."""
    columns: dict[str, set[str | None]] = {}
    dated_by_line: dict[str, bool] = {}
    for pack in packs:
        dated = {t.name: t.dated for t in pack.data_tables}
        for rule in pack.rules:
            for expr in (rule.condition, rule.suggest, rule.suggest_if):
                for node in ir.walk(expr):
                    if not isinstance(node, ir.TableLookup):
                        continue
                    columns.setdefault(node.table, set()).add(node.column)
                    by_line = not dated.get(node.table, False) or _is_line_date(node.on)
                    dated_by_line[node.table] = dated_by_line.get(node.table, True) and by_line
    return {name: Reads(frozenset(found), dated_by_line[name]) for name, found in columns.items()}


def _is_line_date(expr: ir.Expr | None) -> bool:
    """`line.date`: the date of the line a rule decides, which is never before the pack's effective
    date (earlier lines are not edited)."""
    return isinstance(expr, ir.LineField) and expr.var == "line" and expr.field == "date"


@dataclass(frozen=True)
class Side:
    """A table file under one version."""

    table: ir.DataTable
    file: ir.TableFile

    @property
    def data(self) -> TableData:
        return self.file.data

    def key(self, row: int) -> tuple[Any, ...]:
        """The row's key: its key columns in the order of the file's columns."""
        return tuple(self.data.value(c.name, row) for c in self.table.columns if c.name in self.table.key)

    def match(self, row: int) -> tuple[Any, ...]:
        """What rows are matched by: the key, and the start of the date range of a dated table."""
        start = () if self.table.start is None else (self.data.value(self.table.start, row),)
        return (*self.key(row), *start)

    def values(self, row: int) -> dict[str, Any]:
        """The row's other columns, in the file's order."""
        return {c.name: self.data.value(c.name, row) for c in self.table.columns if c.name not in self.table.key}

    def all_values(self, row: int) -> dict[str, Any]:
        return {c.name: self.data.value(c.name, row) for c in self.table.columns}

    def days(self, row: int) -> tuple[str | None, str | None]:
        """The row's date range: the first day it applies and the first it no longer does (None: no
        such day; an undated table's rows apply on every day)."""
        table, data = self.table, self.data
        start = data.value(table.start, row) if table.start is not None else None
        end = data.value(table.end, row) if table.end is not None else None
        return (start if isinstance(start, str) else None), (end if isinstance(end, str) else None)

    def layout(self) -> tuple[Any, ...]:
        table = self.table
        return table.columns, table.key, table.start, table.end, self.file.claim_types


@dataclass
class FileDiff:
    """One file of a table under both versions (one side None: the file is in one version only),
    the rows that differ, and how what its lookups find changes."""

    table: str
    old: Side | None
    new: Side | None
    added: list[int] = field(default_factory=list)  # rows of the new file
    removed: list[int] = field(default_factory=list)  # rows of the old file
    changed: list[tuple[int, int]] = field(default_factory=list)  # (old row, new row)
    direction: Direction = "same"

    @property
    def path(self) -> str:
        side = self.new or self.old
        assert side is not None
        return side.file.path

    @property
    def claim_types(self) -> frozenset[str]:
        return frozenset(t for side in (self.old, self.new) if side is not None for t in side.file.claim_types)

    @property
    def differs(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def row_changes(self, limit: int = MAX_ROWS) -> list[tuple[RowChange, int | None, int | None]]:
        """The first `limit` changed rows, in the order of their keys (then added, removed, changed
        under one key), without witnesses, each with its row in the old and in the new file."""
        found: list[tuple[tuple[Any, ...], RowChange, int | None, int | None]] = []
        old, new = self.old, self.new
        if new is not None:
            found += [((*_order(new.match(r)), 0), RowChange("added", new.key(r), None, new.values(r)), None, r)
                      for r in self.added]
        if old is not None:
            found += [((*_order(old.match(r)), 1), RowChange("removed", old.key(r), old.values(r), None), r, None)
                      for r in self.removed]
        if old is not None and new is not None:
            found += [((*_order(new.match(n)), 2), RowChange("changed", new.key(n), old.values(o), new.values(n)), o, n)
                      for o, n in self.changed]
        found.sort(key=lambda item: item[0])
        return [(change, o, n) for _, change, o, n in found[:limit]]

    def counts(self) -> RowCounts:
        return RowCounts(self.old.data.count if self.old else 0, self.new.data.count if self.new else 0,
                         len(self.added), len(self.removed), len(self.changed))

    def report(self, changes: Sequence[RowChange]) -> TableChange:
        side = self.new or self.old
        assert side is not None
        return TableChange(self.table, self.path, self.old.file.digest if self.old else None,
                           self.new.file.digest if self.new else None, self.counts(), tuple(changes),
                           side.table.start, side.file.written)


def _order(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Values that sort whatever their types (None first)."""
    return tuple((0, "") if v is None else (1, v) if isinstance(v, str) else (2, v) for v in values)


# ---------------------------------------------------------------- pairing the files


def file_diffs(old: ir.Pack, new: ir.Pack) -> list[FileDiff]:
    """Every file of every table read from files of either pack, paired across the versions (by
    the claim types a file serves, else by the name the pack gives it), sorted by table and file,
    with the rows that differ and the direction of the change for the rules of both packs."""
    reads = table_reads((old, new))
    effective = max(old.effective, new.effective)
    old_tables = {t.name: t for t in old.data_tables}
    new_tables = {t.name: t for t in new.data_tables}
    diffs = []
    for name in sorted(set(old_tables) | set(new_tables)):
        for old_side, new_side in _paired(old_tables.get(name), new_tables.get(name)):
            diff = FileDiff(name, old_side, new_side)
            _compare_rows(diff)
            diff.direction = _direction(diff, reads.get(name), effective)
            diffs.append(diff)
    diffs.sort(key=lambda d: (d.table, d.path))
    return diffs


def _paired(old: ir.DataTable | None, new: ir.DataTable | None) -> list[tuple[Side | None, Side | None]]:
    olds = [Side(old, f) for f in old.files] if old is not None else []
    news = [Side(new, f) for f in new.files] if new is not None else []
    pairs: list[tuple[Side | None, Side | None]] = []
    alike: tuple[Callable[[Side, Side], bool], ...] = (lambda a, b: a.file.claim_types == b.file.claim_types,
                                                       lambda a, b: a.file.written == b.file.written)
    for same in alike:
        for new_side in list(news):
            match = next((o for o in olds if same(o, new_side)), None)
            if match is not None:
                pairs.append((match, new_side))
                olds.remove(match)
                news.remove(new_side)
    pairs += [(o, None) for o in olds]
    pairs += [(None, n) for n in news]
    return pairs


# ---------------------------------------------------------------- the rows that differ


def _compare_rows(diff: FileDiff) -> None:
    old, new = diff.old, diff.new
    if old is None or new is None:
        if new is not None:
            diff.added = list(range(new.data.count))
        if old is not None:
            diff.removed = list(range(old.data.count))
        return
    if [c.name for c in old.table.columns] != [c.name for c in new.table.columns]:
        columns = [c.name for c in new.table.columns] + [c.name for c in old.table.columns
                                                          if c.name not in {n.name for n in new.table.columns}]
    else:
        columns = [c.name for c in new.table.columns]
    old_codes, new_codes = _row_codes(old.data, new.data, columns)
    removed, added = _unmatched(old_codes, new_codes, old.data.count, new.data.count)
    if _match_columns(old) != _match_columns(new):  # rows of other keys cannot be the same rows
        diff.added, diff.removed = added, removed
        return
    by_match: dict[tuple[Any, ...], list[int]] = {}
    for row in removed:
        by_match.setdefault(old.match(row), []).append(row)
    for row in added:
        gone = by_match.get(new.match(row))
        if gone:
            diff.changed.append((gone.pop(0), row))
        else:
            diff.added.append(row)
    diff.removed = sorted(r for rows in by_match.values() for r in rows)


def _match_columns(side: Side) -> tuple[str | None, ...]:
    return (*side.table.key, side.table.start)


def _row_codes(old: TableData, new: TableData,
               columns: Sequence[str]) -> tuple[Callable[[], Iterator[int]], Callable[[], Iterator[int]]]:
    """For each version, a function giving its rows as integers, in file order: equal integers are
    rows of equal values in every column (a column a version lacks has a value of its own)."""
    plans: tuple[list[tuple[list[int] | None, int, int]], list[tuple[list[int] | None, int, int]]] = ([], [])
    weight = 1
    for name in columns:
        positions: dict[Any, int] = {}
        for value in (*new.values.get(name, ()), *old.values.get(name, ())):
            positions.setdefault(value, len(positions))
        missing = len(positions)
        for plan, data in zip(plans, (old, new), strict=True):
            if name in data.values:
                plan.append(([positions[v] for v in data.values[name]], weight, 0))
            else:
                plan.append((None, weight, missing))
        weight *= missing + 1

    def codes(data: TableData, plan: list[tuple[list[int] | None, int, int]]) -> Callable[[], Iterator[int]]:
        def run() -> Iterator[int]:
            total: Iterator[int] | None = None
            constant = 0
            for (positions, weight, missing), name in zip(plan, columns, strict=True):
                if positions is None:
                    constant += missing * weight
                    continue
                column: Iterator[int] = map(positions.__getitem__, data.cells[name])
                if weight != 1:
                    column = map(mul, column, repeat(weight))
                total = column if total is None else map(add, total, column)
            if total is None:
                return iter(repeat(constant, data.count))
            return map(add, total, repeat(constant)) if constant else total
        return run

    return codes(old, plans[0]), codes(new, plans[1])


def _unmatched(old: Callable[[], Iterator[int]], new: Callable[[], Iterator[int]], old_count: int,
               new_count: int) -> tuple[list[int], list[int]]:
    """The rows of the old file no row of the new one equals, and those of the new file no row of
    the old one equals (a row repeated is matched once per copy); one set at a time is held."""
    held = set(new())
    repeated = len(held) != new_count
    removed = list(compress(count(), map(not_, map(held.__contains__, old()))))
    del held
    held = set(old())
    repeated = repeated or len(held) != old_count
    added = list(compress(count(), map(not_, map(held.__contains__, new()))))
    del held
    if not repeated:
        return removed, added
    left = Counter(new())
    removed = []
    for row, code in enumerate(old()):
        if left[code] > 0:
            left[code] -= 1
        else:
            removed.append(row)
    right = Counter(old())
    added = []
    for row, code in enumerate(new()):
        if right[code] > 0:
            right[code] -= 1
        else:
            added.append(row)
    return removed, added


# ---------------------------------------------------------------- what the lookups find


#: what one row's change does to the lookups that can find it
Effect = Literal["none", "grow", "shrink", "mixed"]


def row_effect(diff: FileDiff, reads: Reads | None, effective: str, old_row: int | None,
               new_row: int | None) -> Effect:
    """What a row added (old_row None), removed (new_row None) or changed does to the lookups of
    the rules, on the days a pack edits: nothing (it changes only columns no rule reads, or only
    days before the effective date when every lookup is dated by the line decided), lookups that
    find it where they found nothing (`grow`) or the reverse (`shrink`), or other values (`mixed`)."""
    old, new = diff.old, diff.new
    if reads is None:
        return "none"
    if old is None or new is None or old.layout() != new.layout():
        return "mixed"
    table = new.table
    late = reads.on_line_date  # only days on or after the effective date are looked at

    def counts(side: Side, row: int) -> bool:
        if not late or table.start is None:
            return True
        start, end = side.days(row)
        return start is not None and (end is None or (end > effective and end > start))

    if old_row is None:
        assert new_row is not None
        return "grow" if counts(new, new_row) else "none"
    if new_row is None:
        return "shrink" if counts(old, old_row) else "none"
    read = {c for c in reads.columns if c is not None} | set(table.key) | {c for c in (table.start, table.end) if c}
    before, after = old.all_values(old_row), new.all_values(new_row)
    differing = {name for name in read if before.get(name) != after.get(name)}
    if not differing or not (counts(old, old_row) or counts(new, new_row)):
        return "none"
    if late and differing == {table.end}:
        ends = old.days(old_row)[1], new.days(new_row)[1]
        return "grow" if ends[1] is None or (ends[0] is not None and ends[1] > ends[0]) else "shrink"
    return "mixed"


def _direction(diff: FileDiff, reads: Reads | None, effective: str) -> Direction:
    """How what the rules' lookups find in this file changes, on the days a pack edits.

    A row added can only make a lookup find a row where it found none: on a day on or after the
    effective date each key has at most one row in force in either version (the tables' key check),
    so a row in force in the old file there is still in force in the new one unless some row was
    removed or cut short. Rows in force only before the effective date, and columns no rule reads,
    do not count when every lookup is dated by the line being decided."""
    if reads is None or not diff.differs:
        return "same"
    if diff.old is None or diff.new is None:
        return "mixed"
    effects: set[Effect] = set()
    for o, n in diff.changed:
        effects.add(row_effect(diff, reads, effective, o, n))
        if "mixed" in effects:
            return "mixed"
    if diff.added:
        effects |= {row_effect(diff, reads, effective, None, r) for r in diff.added}
    if diff.removed:
        effects |= {row_effect(diff, reads, effective, r, None) for r in diff.removed}
    effects.discard("none")
    if "mixed" in effects or {"grow", "shrink"} <= effects:
        return "mixed"
    return "grow" if "grow" in effects else "shrink" if "shrink" in effects else "same"
