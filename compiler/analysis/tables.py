"""Tables are data, and data is checked as data: keys, `one ... per ...`, circles of arrows
(`no cycles`), `require` and `warn`, file by file, each failure naming its file and rows.

Circles are found without listing them: rows whose codes cannot be on a circle (no arrow in, or
none out) are set aside first, then networkx's strongly connected components of what is left,
day by day, give every circle there is; one circle of each component is shown. Rows that apply
only before the pack's effective date take no part (an edit deleted before the pack applies meets
no claim it edits); `require` holds for every row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import networkx as nx

from compiler.diagnostics import Collector, Label, Span
from compiler.runtime.values import ARITHMETIC, COMPARISONS, FUNCTIONS, opt_in, opt_neg
from compiler.semantics import ir
from compiler.semantics.tabledata import TableData
from compiler.semantics.tables import TableIndex
from compiler.syntax.vocabulary import CLAIM_TYPES

#: at most this many rows are named per check and file (then a count of the rest)
SHOWN = 20
#: the results of at most this many ways of checking one file's rows are kept (`TableData.memo`)
REMEMBERED = 8


def check_tables(pack: ir.Pack, out: Collector) -> ir.Pack:
    """Every check of every table read from files."""
    checker = _Checker(pack, out)
    for table in pack.data_tables:
        for table_file in table.files:
            # the same rows checked the same way are found once (the language server keeps the rows
            # between checks): a check may look up other tables, so all of them are in the key, by
            # their declarations and their files' digests (spans take no part in equality)
            key = ("checks", table, pack.effective, pack.data_tables)
            kept = table_file.data.memo.get(key)
            if isinstance(kept, tuple):
                out.items.extend(kept)
                continue
            first = len(out.items)
            checker.file(table, table_file)
            if len(table_file.data.memo) >= REMEMBERED:  # declarations edited again and again: start afresh
                table_file.data.memo.clear()
            table_file.data.memo[key] = tuple(out.items[first:])
    return pack


class _Checker:
    def __init__(self, pack: ir.Pack, out: Collector) -> None:
        self.pack = pack
        self.out = out
        self.effective = pack.effective
        self.indexes: dict[tuple[str, str], TableIndex] = {}

    def index(self, table: ir.DataTable, table_file: ir.TableFile) -> TableIndex:
        key = (table.name, table_file.path)
        if key not in self.indexes:
            self.indexes[key] = TableIndex(table, table_file)
        return self.indexes[key]

    def file(self, table: ir.DataTable, table_file: ir.TableFile) -> None:
        data = table_file.data
        current = [r for r in range(data.count) if not data.before(r, table.end, self.effective)]
        self.keys(table, data, current)
        for check in table.checks:
            if check.kind == "one":
                self.one(table, data, current, check)
            elif check.kind == "acyclic":
                self.acyclic(table, table_file, current, check)
            elif check.kind == "require":
                self.require(table, table_file, check)
            else:
                self.warn(table, table_file, current, check)

    # ------------------------------------------------------------ keys
    def keys(self, table: ir.DataTable, data: TableData, rows: Sequence[int]) -> None:
        """Rows of one key: one, or several whose dates never share a day."""
        cells = [data.cells[name] for name in table.key]
        width = len(data.values[table.key[-1]]) + 1
        if len(cells) == 1:
            def key(row: int) -> int:
                return cells[0][row]
        else:
            def key(row: int) -> int:
                return cells[0][row] * width + cells[1][row]
        shown = 0
        for group in _groups(sorted(rows, key=lambda r: (key(r), _start(table, data, r), r)), key):
            for first, second in _overlaps(table, data, group):
                shown += 1
                if shown > SHOWN:
                    continue
                codes = ", ".join(str(data.value(name, second)) for name in table.key)
                when = " on a day in common" if table.start is not None else ""
                self.out.error("duplicate-key", f"rows {data.lines[first]} and {data.lines[second]} of {data.path} "
                               f"have one key ({codes}){when}", data.span(second),
                               "keep one row per key; an edit deleted and added again gives dates that do not "
                               "overlap" if table.start is not None else "keep one row per key",
                               labels=(Label(data.span(first), f"row {data.lines[first]}"),))
        self._more(data, shown, "duplicate-key", "rows share a key")

    def _more(self, data: TableData, count: int, code: str, what: str) -> None:
        if count > SHOWN:
            self.out.error(code, f"{data.path}: {count - SHOWN} more {what} (the first {SHOWN} are shown)",
                           Span(data.path, 0, 0), "fix the rows shown, then check again")

    # ------------------------------------------------------------ one ... per ...
    def one(self, table: ir.DataTable, data: TableData, rows: Sequence[int], check: ir.TableCheck) -> None:
        column, per = check.columns
        first: dict[int, int] = {}
        shown = 0
        reported: set[int] = set()
        for row in rows:
            group = data.cells[per][row]
            seen = first.setdefault(group, row)
            if data.cells[column][seen] != data.cells[column][row] and group not in reported:
                reported.add(group)
                shown += 1
                if shown > SHOWN:
                    continue
                self.out.error("inconsistent-rows", f"rows {data.lines[seen]} and {data.lines[row]} of {data.path} "
                               f"give {per} {data.value(per, row)} two values of {column}: "
                               f"{data.value(column, seen)} and {data.value(column, row)}", data.span(row),
                               f"table `{table.name}` says `one {column} per {per}`: give every row of "
                               f"{data.value(per, row)} the same {column}",
                               labels=(Label(data.span(seen), f"row {data.lines[seen]}"),))
        self._more(data, shown, "inconsistent-rows", "values of the column differ")

    # ------------------------------------------------------------ no cycles
    def acyclic(self, table: ir.DataTable, table_file: ir.TableFile, rows: Sequence[int],
                check: ir.TableCheck) -> None:
        data = table_file.data
        source, target = check.columns
        keep = self._filter(table, table_file, check.where)
        arrows: dict[tuple[object, object], list[int]] = {}
        for row in rows:
            if keep(row):
                arrows.setdefault((data.value(source, row), data.value(target, row)), []).append(row)
        both = self._both_ways(table, data, arrows)
        for a, b in both:  # each pair listed both ways is one error; longer circles are looked for without them
            arrows.pop((a, b), None)
            arrows.pop((b, a), None)
        core = _cyclic_core(arrows)
        if not core:
            return
        graph = nx.DiGraph()
        graph.add_edges_from(core)
        shown: set[frozenset[int]] = set()
        for component in sorted((sorted(c, key=str) for c in nx.strongly_connected_components(graph)
                                 if len(c) > 1 or graph.has_edge(next(iter(c)), next(iter(c)))), key=str):
            self._circles(table, data, component, arrows, source, target, shown)

    def _both_ways(self, table: ir.DataTable, data: TableData,
                   arrows: dict[tuple[object, object], list[int]]) -> list[tuple[object, object]]:
        """The pairs listed both ways (and codes listed over themselves) by rows that share a day,
        each reported with the first two such rows."""
        found = []
        for (a, b), forth in sorted(arrows.items(), key=lambda item: min(item[1])):
            back = arrows.get((b, a))
            if back is None or (str(a) > str(b) and (b, a) in arrows):
                continue
            pair = next(((r, s) for r in forth for s in back if r != s or a == b
                         if self._share_a_day(table, data, [r, s])), None)
            if pair is None:
                continue
            found.append((a, b))
            day = self._common_day(table, data, list(pair))
            assert day is not None
            rows = [pair[0]] if a == b else sorted(pair)
            codes = [a, b] if data.lines[rows[0]] == data.lines[pair[0]] else [b, a]
            self._report_circle(table, data, rows, codes, day)
        return found

    def _share_a_day(self, table: ir.DataTable, data: TableData, rows: list[int]) -> bool:
        return self._common_day(table, data, rows) is not None

    def _common_day(self, table: ir.DataTable, data: TableData, rows: list[int]) -> str | None:
        """The first day (from the pack's effective date) on which all the rows apply; None when none."""
        if table.start is None:
            return self.effective
        day = max([self.effective, *(str(data.value(table.start, r)) for r in rows)])
        return day if all(data.applies(r, table.start, table.end, day) for r in rows) else None

    def _circles(self, table: ir.DataTable, data: TableData, component: list[Any],
                 arrows: dict[tuple[object, object], list[int]], source: str, target: str,
                 shown: set[frozenset[int]]) -> None:
        """The circles of one component: for each day a row of it starts, the arrows that apply then."""
        nodes = set(component)
        rows = [r for (a, b), found in arrows.items() if a in nodes and b in nodes for r in found]
        days = sorted({max(str(data.value(table.start, r)), self.effective) for r in rows}) \
            if table.start is not None else [self.effective]
        for day in days:
            graph = nx.DiGraph()
            for (a, b), found in arrows.items():
                if a in nodes and b in nodes:
                    applying = [r for r in found if data.applies(r, table.start, table.end, day)]
                    if applying:
                        graph.add_edge(a, b, row=applying[0])
            for part in sorted((sorted(c, key=str) for c in nx.strongly_connected_components(graph)), key=str):
                if len(part) == 1 and not graph.has_edge(part[0], part[0]):
                    continue
                cycle = nx.find_cycle(graph.subgraph(part), source=part[0])
                circle = [graph.edges[a, b]["row"] for a, b, *_ in cycle]
                turn = circle.index(min(circle))  # shown from its first row in the file
                circle, cycle = circle[turn:] + circle[:turn], cycle[turn:] + cycle[:turn]
                if frozenset(circle) in shown:
                    continue
                shown.add(frozenset(circle))
                self._report_circle(table, data, circle, [a for a, *_ in cycle], day)

    def _report_circle(self, table: ir.DataTable, data: TableData, rows: list[int], codes: list[Any],
                       day: str) -> None:
        numbers = [data.lines[r] for r in rows]
        if len(rows) == 1:
            what = f"row {numbers[0]} of {data.path} lists {codes[0]} over itself"
        elif len(rows) == 2:
            what = (f"rows {numbers[0]} and {numbers[1]} of {data.path} list {codes[0]} over {codes[1]} and "
                    f"{codes[1]} over {codes[0]}")
        else:
            listed = ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
            what = f"rows {listed} of {data.path} form a circle: {' over '.join(str(c) for c in [*codes, codes[0]])}"
        shown_day = f" (all of them apply on {day})" if table.start is not None else ""
        self.out.error("table-cycle", what + shown_day, data.span(rows[0]),
                       "correct or remove one of these rows: on a claim with these codes each line would be "
                       "denied because of another",
                       labels=tuple(Label(data.span(r), f"row {data.lines[r]}") for r in rows[1:]))

    def _filter(self, table: ir.DataTable, table_file: ir.TableFile, where: ir.Expr | None) -> Callable[[int], bool]:
        """Whether a row satisfies a condition of the row alone, remembered per combination of the
        cells it reads."""
        if where is None:
            return lambda row: True
        read = sorted({n.column for n in ir.walk(where) if isinstance(n, ir.RowField)})
        claim_type = table_file.claim_types[0]
        evaluator = _RowEvaluator(self, claim_type)
        if any(isinstance(n, (ir.TableLookup, ir.CheckDay)) for n in ir.walk(where)):
            return lambda row: bool(evaluator.value(where, table_file.data, row, None))
        cells = [table_file.data.cells[name] for name in read]
        known: dict[tuple[int, ...], bool] = {}

        def keep(row: int) -> bool:
            combination = tuple(c[row] for c in cells)
            found = known.get(combination)
            if found is None:
                found = known[combination] = bool(evaluator.value(where, table_file.data, row, None))
            return found

        return keep

    # ------------------------------------------------------------ require
    def require(self, table: ir.DataTable, table_file: ir.TableFile, check: ir.TableCheck) -> None:
        assert check.condition is not None
        data = table_file.data
        holds = self._filter(table, table_file, check.condition)
        shown = 0
        for row in range(data.count):
            if holds(row):
                continue
            shown += 1
            if shown <= SHOWN:
                self.out.error("row-requirement", f"row {data.lines[row]} of {data.path}: "
                               f"{_message(check.message, data, row)}", data.span(row),
                               f"table `{table.name}` requires this of every row; correct the row")
        self._more(data, shown, "row-requirement", "rows do not satisfy it")

    # ------------------------------------------------------------ warn
    def warn(self, table: ir.DataTable, table_file: ir.TableFile, rows: Sequence[int], check: ir.TableCheck) -> None:
        assert check.condition is not None
        data = table_file.data
        (per,) = check.columns
        looked_up = sorted({n.table for expr in (check.where, check.condition) for n in ir.walk(expr)
                            if isinstance(n, ir.TableLookup)})
        # the claim types that read the same files are one case
        cases: dict[tuple[str | None, ...], list[str]] = {}
        for claim_type in table_file.claim_types:
            files = tuple(getattr(self.pack.data_table(name).file_for(claim_type), "path", None) for name in looked_up)
            cases.setdefault(files, []).append(claim_type)
        groups: dict[int, list[int]] = {}
        for row in rows:
            groups.setdefault(data.cells[per][row], []).append(row)
        for claim_types in cases.values():
            evaluator = _RowEvaluator(self, claim_types[0])
            whom = " and ".join(claim_types) if looked_up and len(cases) > 1 else None
            for group in groups.values():
                self._warn_group(table, data, group, check, evaluator, whom)

    def _warn_group(self, table: ir.DataTable, data: TableData, group: list[int], check: ir.TableCheck,
                    evaluator: _RowEvaluator, claim_type: str | None) -> None:
        assert check.condition is not None
        days = {self.effective}
        for row in group:
            days.update(_bounds(table, data, row))
            days.update(evaluator.bounds(check.condition, data, row))
            if check.where is not None:
                days.update(evaluator.bounds(check.where, data, row))
        for day in sorted(d for d in days if d >= self.effective):
            applying = [r for r in group if data.applies(r, table.start, table.end, day)
                        and (check.where is None or evaluator.value(check.where, data, r, day))]
            if not applying:
                continue
            evaluator.found = []
            if all(evaluator.value(check.condition, data, r, day) for r in applying):
                found = sorted(set(evaluator.found), key=lambda pair: (pair[0].path, pair[1]))
                for_whom = f" ({claim_type} claims, from {day})" if claim_type else f" (from {day})"
                labels = [Label(data.span(r), f"row {data.lines[r]}") for r in applying[1:]]
                labels += [Label(d.span(r), f"row {d.lines[r]} of {d.path}") for d, r in found]
                self.out.warning("table-warning", f"rows {_rows(data, applying)} of {data.path}: "
                                 f"{_message(check.message, data, applying[0])}{for_whom}", data.span(applying[0]),
                                 f"table `{table.name}` warns of this; the data may be right: check it",
                                 labels=labels)
                return


def _rows(data: TableData, rows: Sequence[int]) -> str:
    numbers = [str(data.lines[r]) for r in rows]
    return numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + f" and {numbers[-1]}"


def _message(parts: Sequence[ir.MessagePart], data: TableData, row: int) -> str:
    return "".join(p.text if p.field is None else _shown(data.value(p.field, row)) for p in parts)


def _shown(value: object) -> str:
    return "none" if value is None else str(value)


def _start(table: ir.DataTable, data: TableData, row: int) -> str:
    return str(data.value(table.start, row)) if table.start is not None else ""


def _bounds(table: ir.DataTable, data: TableData, row: int) -> list[str]:
    """The days on which a row starts and stops applying."""
    found = []
    for column in (table.start, table.end):
        if column is not None:
            value = data.value(column, row)
            if isinstance(value, str):
                found.append(value)
    return found


def _groups(rows: Iterable[int], key: Callable[[int], int]) -> Iterator[list[int]]:
    group: list[int] = []
    current: int | None = None
    for row in rows:
        value = key(row)
        if value != current and group:
            yield group
            group = []
        current = value
        group.append(row)
    if group:
        yield group


def _overlaps(table: ir.DataTable, data: TableData, group: list[int]) -> Iterator[tuple[int, int]]:
    """Pairs of rows of one key (sorted by start) that share a day: each row that starts before the
    latest end so far, with the row of that end."""
    if len(group) < 2:
        return
    if table.start is None:
        for row in group[1:]:
            yield group[0], row
        return
    latest: tuple[str | None, int] | None = None  # (end, row); None end: never ends
    for row in group:
        start = str(data.value(table.start, row))
        end = data.value(table.end, row) if table.end is not None else None
        if latest is not None and (latest[0] is None or start < latest[0]):
            yield latest[1], row
        if latest is None or (latest[0] is not None and (end is None or str(end) > latest[0])):
            latest = (end if isinstance(end, str) else None, row)


def _cyclic_core(arrows: dict[tuple[object, object], list[int]]) -> list[tuple[object, object]]:
    """The arrows left once codes with no arrow in or none out are set aside, again and again: only
    they can lie on a circle."""
    succ: dict[object, set[object]] = {}
    pred: dict[object, set[object]] = {}
    for a, b in arrows:
        succ.setdefault(a, set()).add(b)
        pred.setdefault(b, set()).add(a)
        succ.setdefault(b, set())
        pred.setdefault(a, set())
    queue = [n for n in succ if not succ[n] or not pred[n]]
    gone: set[object] = set()
    while queue:
        node = queue.pop()
        if node in gone:
            continue
        gone.add(node)
        for other in succ[node]:
            pred[other].discard(node)
            if not pred[other] and other not in gone:
                queue.append(other)
        for other in pred[node]:
            succ[other].discard(node)
            if not succ[other] and other not in gone:
                queue.append(other)
    return [(a, b) for a, b in arrows if a not in gone and b not in gone]


class _RowEvaluator:
    """The value of a check's condition on one row of a file (and a day): the language's operators,
    with lookups into other tables read in the file of one claim type."""

    def __init__(self, checker: _Checker, claim_type: str) -> None:
        self.checker = checker
        self.claim_type = claim_type if claim_type in CLAIM_TYPES else "professional"
        self.found: list[tuple[TableData, int]] = []

    def value(self, expr: ir.Expr, data: TableData, row: int, day: str | None) -> Any:
        if isinstance(expr, ir.Const):
            return expr.value
        if isinstance(expr, ir.SetValue):
            return expr.codes.members
        if isinstance(expr, ir.RowField):
            return data.value(expr.column, row)
        if isinstance(expr, ir.CheckDay):
            return day
        if isinstance(expr, ir.TableLookup):
            rows, found_in = self._lookup(expr, data, row, day)
            if not rows or found_in is None:
                return None
            self.found.append((found_in.data, rows[0]))
            return True if expr.column is None else found_in.data.value(expr.column, rows[0])
        if isinstance(expr, ir.BoolOp):
            left = bool(self.value(expr.left, data, row, day))
            if expr.op == "and":
                return left and bool(self.value(expr.right, data, row, day))
            return left or bool(self.value(expr.right, data, row, day))
        if isinstance(expr, ir.Not):
            return not self.value(expr.operand, data, row, day)
        if isinstance(expr, ir.Compare):
            return COMPARISONS[expr.op](self.value(expr.left, data, row, day), self.value(expr.right, data, row, day))
        if isinstance(expr, ir.Member):
            return opt_in(self.value(expr.item, data, row, day), self.value(expr.collection, data, row, day),
                          expr.negated)
        if isinstance(expr, ir.Given):
            return (self.value(expr.value, data, row, day) is None) == expr.negated
        if isinstance(expr, ir.Arith):
            return ARITHMETIC[expr.op](self.value(expr.left, data, row, day), self.value(expr.right, data, row, day))
        if isinstance(expr, ir.Neg):
            return opt_neg(self.value(expr.operand, data, row, day))
        if isinstance(expr, ir.Func):
            return FUNCTIONS[expr.name](*(self.value(a, data, row, day) for a in expr.args))
        raise TypeError(f"{type(expr).__name__} cannot stand in a table's checks")  # typing keeps it out

    def _lookup(self, expr: ir.TableLookup, data: TableData, row: int,
                day: str | None) -> tuple[list[int], ir.TableFile | None]:
        table = self.checker.pack.data_table(expr.table)
        table_file = table.file_for(self.claim_type)
        if table_file is None:
            return [], None
        keys = [self.value(k, data, row, day) for k in expr.keys]
        on = self.value(expr.on, data, row, day) if expr.on is not None else None
        if any(k is None for k in keys) or (expr.on is not None and on is None):
            return [], table_file
        return self.checker.index(table, table_file).rows(keys, on), table_file

    def bounds(self, expr: ir.Expr, data: TableData, row: int) -> set[str]:
        """The days on which the rows the condition's lookups can find start or stop applying."""
        days: set[str] = set()
        for node in ir.walk(expr):
            if isinstance(node, ir.TableLookup):
                table = self.checker.pack.data_table(node.table)
                table_file = table.file_for(self.claim_type)
                if table_file is None or table.start is None:
                    continue
                keys = [self.value(k, data, row, None) for k in node.keys]
                if any(k is None for k in keys):
                    continue
                for found in self.checker.index(table, table_file).rows(keys, None):
                    days.update(_bounds(table, table_file.data, found))
        return days
