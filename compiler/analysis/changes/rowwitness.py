"""Witness claims for the rows of a table that changed (contract/DIFF.md, `tables`).

A row names the codes of its key and the days it applies, so the claims that meet it are built
from the row itself: a claim of a type the row's file serves, with a line for each code of its key
(in the order of the file's columns) on a day the row applies under one version and not the other
(then on days both apply), and the fields the rules read set so that they decide: one unit, then
each whole number the row gives (and one more), then those of the rows other tables hold for the
lines' codes; no modifier, then one of each kind of modifier the rules test for, on each line in
turn. Each candidate is run through both packs' interpreters; the first on which a rule that reads
the table decides a line of the row's codes, on a day the row applies, differently under the two
versions is shrunk (`compiler.analysis.conflicts.witness.shrink`, as every witness of the change
report) while it still shows that, and reported with every finding of both versions on that line.

A row whose change no rule can see has no witness without a search (`rows.row_effect`: a column no
rule reads, days before the effective date), and neither has a row on which no candidate shows a
difference: the row does not decide alone the claims built from it. Every candidate run is also
evidence for the rules' own entries: the first few claims on which each rule gains or loses a line
are kept (`evidence`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from compiler.analysis.changes.model import Direction, Witness
from compiler.analysis.changes.rows import FileDiff, Side
from compiler.analysis.conflicts.witness import Claim, dependencies, shrink
from compiler.runtime.claims import Finding
from compiler.semantics import ir
from compiler.semantics.tables import TableIndex
from compiler.syntax.vocabulary import CLAIM_TYPES

#: a pack's findings on a claim (None: the claim is not valid), exceptions' decisions included as
#: `info` findings of theirs
Run = Callable[[Claim], list[Finding] | None]

#: the most claims kept as evidence of each rule's change in each direction
_EVIDENCE = 3

#: the most units a candidate line gets
_MOST_UNITS = 999


class RowWitnesses:
    """Builds and replays the claims of changed rows through both versions."""

    def __init__(self, old: ir.Pack, new: ir.Pack, run_old: Run, run_new: Run, exceptions: frozenset[str]) -> None:
        self.packs = (old, new)
        self.runs = (run_old, run_new)
        self.exceptions = exceptions
        self.effective = max(old.effective, new.effective)
        self.readers = (_readers(old), _readers(new))
        self.modifiers = _modifier_kinds((old, new))
        self._indexes: dict[tuple[int, str, str], TableIndex] = {}
        #: (rule, direction) -> the first claims run on which the rule decides a line that way
        self.evidence: dict[tuple[str, Direction], list[Claim]] = {}

    # ------------------------------------------------------------ one row
    def witness(self, diff: FileDiff, old_row: int | None, new_row: int | None) -> Witness | None:
        side = diff.new if new_row is not None else diff.old
        row = new_row if new_row is not None else old_row
        assert side is not None and row is not None
        codes = _codes(side, row)
        if not codes:
            return None
        spans = [s.days(r) for s, r in ((diff.old, old_row), (diff.new, new_row)) if s is not None and r is not None]
        dated = side.table.dated
        readers = (self.readers[0].get(diff.table, frozenset()), self.readers[1].get(diff.table, frozenset()))

        def applies(day: str) -> bool:
            return not dated or any(_in_force(span, day) for span in spans)

        def shows(claim: Claim) -> tuple[int, list[Finding], list[Finding]] | None:
            found = self._run(claim)
            if found is None:
                return None
            old, new = found
            for number, line in enumerate(claim["lines"], 1):
                if line["code"] not in codes or not applies(line["date"]):
                    continue
                before = _decisions(old, number, readers[0])
                after = _decisions(new, number, readers[1])
                if before != after:
                    return number, [f for f in old if f.line == number], [f for f in new if f.line == number]
            return None

        for claim in self.candidates(diff, old_row, new_row):
            if shows(claim) is None:
                continue
            claim = shrink(claim, lambda c: shows(c) is not None, self.effective)
            shown = shows(claim)
            assert shown is not None
            line, old, new = shown
            return Witness(claim, line, _direction(old, new), [self._public(f) for f in old],
                           [self._public(f) for f in new])
        return None

    def _public(self, finding: Finding) -> dict[str, Any]:
        return finding.to_dict()

    def _run(self, claim: Claim) -> tuple[list[Finding], list[Finding]] | None:
        """Both versions' findings on the claim, exceptions left out; each rule's gain or loss of a
        line (exceptions' included) kept as evidence."""
        old, new = (run(claim) for run in self.runs)
        if old is None or new is None:
            return None
        for rule, direction in _moves(old, new):
            kept = self.evidence.setdefault((rule, direction), [])
            if len(kept) < _EVIDENCE and claim not in kept:
                kept.append(claim)
        return ([f for f in old if f.rule not in self.exceptions], [f for f in new if f.rule not in self.exceptions])

    def seek(self, wanted: tuple[str, Direction], rows: Iterable[tuple[FileDiff, int | None, int | None]],
             budget: int) -> bool:
        """Run more claims built from these rows until one shows the rule deciding a line in that
        direction (kept in `evidence`), at most `budget` of them."""
        for diff, old_row, new_row in rows:
            for claim in self.candidates(diff, old_row, new_row):
                if wanted in self.evidence or budget <= 0:
                    return wanted in self.evidence
                budget -= 1
                self._run(claim)
        return wanted in self.evidence

    # ------------------------------------------------------------ candidates
    def candidates(self, diff: FileDiff, old_row: int | None, new_row: int | None) -> Iterator[Claim]:
        """The claims built from a row added (old_row None), removed (new_row None) or changed."""
        side = diff.new if new_row is not None else diff.old
        row = new_row if new_row is not None else old_row
        assert side is not None and row is not None
        codes = _codes(side, row)
        if not codes:
            return
        spans = [s.days(r) for s, r in ((diff.old, old_row), (diff.new, new_row)) if s is not None and r is not None]
        values = [s.values(r) for s, r in ((diff.old, old_row), (diff.new, new_row)) if s is not None and r is not None]
        table = side.table
        for claim_type in (t for t in CLAIM_TYPES if t in diff.claim_types):
            for day in _days(table.dated, spans, self.effective):
                for units in self._units(table, values, codes, claim_type, day):
                    for modifiers in [None, *((i, m) for m in self.modifiers for i in range(len(codes)))]:
                        yield _claim(claim_type, day, codes, units, modifiers)

    def _units(self, table: ir.DataTable, values: Sequence[dict[str, Any]], codes: Sequence[str], claim_type: str,
               day: str) -> list[int]:
        found = [1]
        wholes = [c.name for c in table.columns if c.type == "whole"]
        for row in values:
            found += [u for name in wholes if isinstance(row.get(name), int) for u in (row[name], row[name] + 1)]
        for index, pack in enumerate(self.packs):
            for other in pack.data_tables:
                if len(other.key) != 1 or not any(c.type == "whole" for c in other.columns):
                    continue
                table_file = other.file_for(claim_type)
                if table_file is None:
                    continue
                lookup = self._index(index, other, table_file)
                for code in codes:
                    for hit in lookup.rows([code], day if other.dated else None):
                        found += [u for c in other.columns if c.type == "whole"
                                  for value in (table_file.data.value(c.name, hit),) if isinstance(value, int)
                                  for u in (value, value + 1)]
        return [u for u in dict.fromkeys(found) if 1 <= u <= _MOST_UNITS]

    def _index(self, index: int, table: ir.DataTable, table_file: ir.TableFile) -> TableIndex:
        key = (index, table.name, table_file.path)
        if key not in self._indexes:
            self._indexes[key] = TableIndex(table, table_file)
        return self._indexes[key]


def _codes(side: Side, row: int) -> tuple[str, ...]:
    """The codes of the row's key, in the order of the file's columns (a placeholder, such as an
    add-on's CCCCC, is not a code a line can have)."""
    table = side.table
    out = []
    for column in table.columns:
        if column.name in table.key and column.type == "code":
            value = side.data.value(column.name, row)
            if isinstance(value, str) and value != column.placeholder:
                out.append(value)
    return tuple(out)


def _in_force(span: tuple[str | None, str | None], day: str) -> bool:
    start, end = span
    return start is not None and start <= day and (end is None or day < end)


def _days(dated: bool, spans: Sequence[tuple[str | None, str | None]], effective: str) -> list[str]:
    """Days on or after the effective date on which some version's row applies: first those on which
    the versions differ (one row applies, the other not), then the others."""
    if not dated:
        return [effective]
    points: set[str] = set()
    for start, end in spans:
        if start is None:
            continue
        first = max(start, effective)
        points.add(first)
        if end is not None:
            points.add(end)
            points.add((datetime.date.fromisoformat(end) - datetime.timedelta(days=1)).isoformat())
    useful = [d for d in sorted(points) if d >= effective and any(_in_force(s, d) for s in spans)]
    differing = [d for d in useful if len({_in_force(s, d) for s in spans}) > 1]
    return differing + [d for d in useful if d not in differing]


def _claim(claim_type: str, day: str, codes: Sequence[str], units: int,
           modifiers: tuple[int, str] | None) -> Claim:
    lines: list[dict[str, Any]] = []
    for index, code in enumerate(codes):
        line: dict[str, Any] = {"code": code, "date": day}
        if units != 1:
            line["units"] = units
        if modifiers is not None and modifiers[0] == index:
            line["modifiers"] = [modifiers[1]]
        lines.append(line)
    claim: Claim = {"id": "T", "type": claim_type}
    if claim_type == "professional":
        claim["pos"] = "11"
    claim["provider"] = "P1"
    claim["lines"] = lines
    return claim


def _decisions(findings: Sequence[Finding], line: int, rules: frozenset[str]) -> set[tuple[str, str, str | None]]:
    return {(f.rule, f.disposition, f.suggest) for f in findings if f.line == line and f.rule in rules}


def _direction(old: Sequence[Finding], new: Sequence[Finding]) -> Direction:
    before = {(f.rule, f.disposition, f.suggest) for f in old}
    after = {(f.rule, f.disposition, f.suggest) for f in new}
    if after - before and not before - after:
        return "broader"
    if before - after and not after - before:
        return "narrower"
    return "outcome"


def _moves(old: Sequence[Finding], new: Sequence[Finding]) -> Iterator[tuple[str, Direction]]:
    """Each rule's gain (broader) or loss (narrower) of a line, or other decision on one (outcome)."""
    before = {(f.rule, f.line): f for f in old}
    after = {(f.rule, f.line): f for f in new}
    for key in sorted(set(before) | set(after)):
        o, n = before.get(key), after.get(key)
        if o is None:
            yield key[0], "broader"
        elif n is None:
            yield key[0], "narrower"
        elif o.disposition != n.disposition or o.suggest != n.suggest:
            yield key[0], "outcome"


def _readers(pack: ir.Pack) -> dict[str, frozenset[str]]:
    """By table: the rules whose decisions depend on a lookup of it, theirs or of a rule they read
    or that takes precedence over them."""
    direct: dict[str, set[str]] = {}
    for rule in pack.rules:
        for expr in (rule.condition, rule.suggest, rule.suggest_if):
            for node in ir.walk(expr):
                if isinstance(node, ir.TableLookup):
                    direct.setdefault(node.table, set()).add(rule.id)
    out: dict[str, set[str]] = {}
    for rule in pack.rules:
        if not rule.edits:
            continue
        needed = dependencies(pack, frozenset({rule.id}))
        for table, readers in direct.items():
            if needed & readers:
                out.setdefault(table, set()).add(rule.id)
    return {table: frozenset(rules) for table, rules in out.items()}


def _modifier_kinds(packs: Sequence[ir.Pack]) -> list[str]:
    """One modifier for each way the rules' modifier tests tell modifiers apart (the smallest of
    those in exactly the same sets), in order."""
    tested: list[frozenset[str]] = []
    for pack in packs:
        for rule in pack.rules:
            for expr in (rule.condition, rule.suggest_if):
                for node in ir.walk(expr):
                    if not isinstance(node, ir.Has):
                        continue
                    wanted = node.wanted
                    if isinstance(wanted, ir.SetValue):
                        members = wanted.codes.members
                    elif isinstance(wanted, ir.Const) and isinstance(wanted.value, str):
                        members = frozenset({wanted.value})
                    else:
                        continue
                    if members not in tested:
                        tested.append(members)
    kinds: dict[tuple[bool, ...], str] = {}
    for modifier in sorted(set().union(*tested)) if tested else ():
        kinds.setdefault(tuple(modifier in s for s in tested), modifier)
    return sorted(kinds.values())
