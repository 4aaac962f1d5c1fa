"""The first resolution pass: data declarations (code sets, tables, maps, rankings, sections).

Its result, `Data`, is what the later passes look names up in. Named sets are expanded to their
members here, each once, in any order (a set may refer to a set declared after it); a cycle of
sets is one error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from compiler import codes as code_shapes
from compiler.diagnostics import Label, Span, did_you_mean
from compiler.semantics import ir
from compiler.semantics.names import FUNCTIONS, RESERVED, Unresolved
from compiler.semantics.tables import resolve_layout
from compiler.syntax import ast
from compiler.syntax.loader import Origin, TableText
from compiler.syntax.vocabulary import COLUMN_TYPES, ColumnType, word


@dataclass(frozen=True)
class Data:
    """The data declarations of a pack, resolved. `sets` holds every code set and table by name
    (a table stands for the set of its codes), None for one that had errors."""

    sets: Mapping[str, ir.CodeSet | None]
    tables: tuple[ir.Table, ...]
    attributes: Mapping[str, ir.Attribute]
    maps: Mapping[str, ir.CodeMap]
    rankings: Mapping[str, ir.Ranking]
    sections: Mapping[str, ir.Section]
    # tables read from files, by name (their checks' conditions not typed yet), and their declarations
    data_tables: Mapping[str, ir.DataTable] = field(default_factory=dict)
    table_decls: Mapping[str, ast.TableDecl] = field(default_factory=dict)

    def expander(self, unresolved: Unresolved) -> SetExpander:
        """Expands the set expressions of rules and expressions against these sets."""
        return SetExpander(unresolved, self.sets.get, self.sets, self.table_decls)


class SetExpander:
    """The members of set expressions; names are looked up through `named`, which returns None
    for a set that had errors (already reported)."""

    def __init__(self, unresolved: Unresolved, named: Callable[[str], ir.CodeSet | None],
                 known: Collection[str], file_tables: Collection[str] = ()) -> None:
        self.out = unresolved.out
        self.unresolved = unresolved
        self.named = named
        self.known = known
        self.file_tables = file_tables

    def members(self, expr: ast.SetItem, texts: bool) -> frozenset[str] | None:
        """The members of a set expression; None when it has errors (already reported)."""
        if isinstance(expr, ast.SetExcept):
            base = self.members(expr.base, texts)
            removed = [self.members(part, texts) for part in expr.removed]
            if base is None or any(r is None for r in removed):
                return None
            for part in removed:
                assert part is not None
                base = base - part
            return base
        if isinstance(expr, ast.SetUnion):
            parts = [self.members(item, texts) for item in expr.items]
            if any(p is None for p in parts):
                return None
            return frozenset().union(*(p for p in parts if p is not None))
        if isinstance(expr, ast.SetCode):
            if texts:
                self.kind_error(expr.span, "a code", "text values")
                return None
            return frozenset({expr.code})
        if isinstance(expr, ast.SetRange):
            if texts:
                self.kind_error(expr.span, "a code range", "text values")
                return None
            return self._range(expr)
        if isinstance(expr, ast.SetText):
            if not texts:
                self.kind_error(expr.span, "a quoted text value", "codes")
                return None
            return frozenset({expr.text})
        return self._reference(expr, texts)

    def _range(self, expr: ast.SetRange) -> frozenset[str] | None:
        problem = code_shapes.range_problem(expr.low, expr.high)
        if problem == "mixed-range":
            self.out.error("mixed-range", f"`{expr.low}..{expr.high}` mixes two kinds of code", expr.span,
                           "both ends of a range must have the same shape, e.g. J0120..J9999 or 96401..96549")
            return None
        if problem == "reversed-range":
            self.out.error("reversed-range", f"`{expr.low}..{expr.high}` runs backwards", expr.span,
                           f"write the lower code first: {expr.high}..{expr.low}")
            return None
        return code_shapes.expand(expr.low, expr.high)

    def _reference(self, expr: ast.SetRef, texts: bool) -> frozenset[str] | None:
        name = expr.name
        if name not in self.known and name in self.file_tables:
            self.out.error("type-mismatch", f"`{name}` is a table read from files, not a set of codes", expr.span,
                           f"look a code up in it instead: {name}[line.code ...] is given")
            return None
        if name not in self.known:
            if re.fullmatch(r"[A-Za-z]?[0-9]{2,6}[A-Za-z]?", name) or re.fullmatch(r"[a-v][0-9]{4}", name):
                self.out.error("bad-code", f"`{name}` is not a CPT or HCPCS code", expr.span,
                               "CPT codes have five characters (96372, 0075T); HCPCS codes are an upper-case "
                               "letter A-V and four digits (J2357)")
            else:
                self.unresolved.report("unknown-name", name, f"no code set named `{name}`", expr.span, self.known,
                                       "declare it with `codes NAME = ...`")
            return None
        resolved = self.named(name)
        if resolved is None:
            return None
        if resolved.texts != texts:
            self.kind_error(expr.span, f"`{name}` ({'text values' if resolved.texts else 'codes'})",
                            "text values" if texts else "codes")
            return None
        return resolved.members

    def kind_error(self, span: Span, what: str, expected: str) -> None:
        self.out.error("mixed-set", f"{what} cannot stand in a set of {expected}", span,
                       "`codes` sets hold procedure codes; `set` sets hold quoted text such as places "
                       'of service ("22") or modifiers ("59")')


def resolve_data(origins: Sequence[Origin], unresolved: Unresolved,
                 tables: Mapping[tuple[str, str], TableText] | None = None) -> Data:
    """Resolve the data declarations among `origins` (the other declarations are skipped);
    `tables` holds the files tables read, as the loader read them."""
    return _DataPass(unresolved, tables or {}).run(origins)


class _DataPass:
    def __init__(self, unresolved: Unresolved, tables: Mapping[tuple[str, str], TableText]) -> None:
        self.out = unresolved.out
        self.unresolved = unresolved
        self.table_texts = tables
        self.data_tables: dict[str, ir.DataTable] = {}
        self.table_decls: dict[str, ast.TableDecl] = {}
        self.set_decls: dict[str, ast.CodesDecl | ast.TableDecl] = {}
        self.sets: dict[str, ir.CodeSet | None] = {}
        self.tables: list[ir.Table] = []
        self.attributes: dict[str, ir.Attribute] = {}
        self.maps: dict[str, ir.CodeMap] = {}
        self.rankings: dict[str, ir.Ranking] = {}
        self.sections: dict[str, ir.Section] = {}
        self._resolving: list[str] = []
        self.expander = SetExpander(unresolved, self._resolve_set, self.set_decls)

    def run(self, origins: Sequence[Origin]) -> Data:
        taken: dict[str, Span] = {}
        for decl in _distinct(origins):
            if isinstance(decl, ast.TableDecl) and (decl.files or decl.clauses):
                if self._claim_name(decl.name, decl.name_span, taken):
                    self.table_decls[decl.name] = decl
                    self._file_table(decl)
            elif isinstance(decl, (ast.CodesDecl, ast.TableDecl)):
                if self._claim_name(decl.name, decl.name_span, taken):
                    self.set_decls[decl.name] = decl
            elif isinstance(decl, ast.MapDecl):
                if self._claim_name(decl.name, decl.name_span, taken):
                    self._map(decl)
            elif isinstance(decl, ast.RankingDecl):
                if self._claim_name(decl.name, decl.name_span, taken):
                    self.rankings[decl.name] = ir.Ranking(
                        decl.name, decl.title, tuple((lv.attribute, lv.order) for lv in decl.levels), decl.span)
            elif isinstance(decl, ast.SectionDecl):
                self._section(decl)
        for name in list(self.set_decls):
            self._resolve_set(name)
        for decl in self.set_decls.values():
            if isinstance(decl, ast.TableDecl):
                self._table(decl)
        for ranking in self.rankings.values():
            self._check_ranking(ranking)
        return Data(dict(self.sets), tuple(self.tables), dict(self.attributes), dict(self.maps),
                    dict(self.rankings), dict(self.sections), dict(self.data_tables), dict(self.table_decls))

    def _file_table(self, decl: ast.TableDecl) -> None:
        """A table read from files: its layout and rows (a code table with their clauses is a mistake)."""
        if not decl.files:
            self.out.error("bad-table", f"table `{decl.name}` lists its rows, so it has no key, dates or checks",
                           decl.clauses[0].span, 'read the rows from a file (file "NAME.csv"), or remove the clause')
            return
        if decl.rows:
            self.out.error("bad-table", f"table `{decl.name}` reads its rows from a file and lists rows too",
                           decl.rows[0].span, "keep the rows in the file")
            return
        table = resolve_layout(decl, self.table_texts, self.out)
        if table is not None:
            self.data_tables[decl.name] = table

    def _claim_name(self, name: str, span: Span, taken: dict[str, Span]) -> bool:
        if name in taken:
            self.out.error("duplicate-id", f"`{name}` is declared twice", span, "give one of them another name",
                           labels=(Label(taken[name], "first declared here"),))
            return False
        if name in RESERVED or name in FUNCTIONS:
            self.out.error("reserved-name", f"`{name}` is a reserved word and cannot name a declaration", span,
                           "choose another name")
            return False
        taken[name] = span
        return True

    def _section(self, decl: ast.SectionDecl) -> None:
        if decl.name in self.sections:
            self.out.error("duplicate-id", f"section `{decl.name}` is declared twice", decl.span,
                           "give one of them another name",
                           labels=(Label(self.sections[decl.name].span, "first declared here"),))
        else:
            self.sections[decl.name] = ir.Section(decl.name, decl.heading, decl.paragraphs, decl.span)

    # ------------------------------------------------------------ sets
    def _resolve_set(self, name: str) -> ir.CodeSet | None:
        if name in self.sets:
            return self.sets[name]
        decl = self.set_decls[name]
        if name in self._resolving:
            cycle = [*self._resolving[self._resolving.index(name):], name]
            self.out.error("set-cycle", "code sets refer to each other in a cycle: " + " -> ".join(cycle),
                           decl.name_span, "a set cannot contain itself; list its codes instead")
            return None
        self._resolving.append(name)
        try:
            result = self._set(decl)
        finally:
            self._resolving.pop()
        self.sets[name] = result
        return result

    def _set(self, decl: ast.CodesDecl | ast.TableDecl) -> ir.CodeSet | None:
        if isinstance(decl, ast.TableDecl):
            return ir.CodeSet(decl.name, decl.title, frozenset(row.code for row in decl.rows), False, decl.source,
                              decl.span)
        texts = decl.kind == "set"
        members = self.expander.members(decl.items, texts)
        if members is None:
            return None
        if not members:
            self.out.error("empty-set", f"the set `{decl.name}` has no members", decl.span,
                           "check the `except` part: it removes every member")
            return None
        return ir.CodeSet(decl.name, decl.title, members, texts, decl.source, decl.span)

    # ------------------------------------------------------------ maps, tables, rankings
    def _map(self, decl: ast.MapDecl) -> None:
        seen: dict[str, Span] = {}
        for entry in decl.entries:
            if entry.key in seen:
                self.out.error("duplicate-id", f"`{entry.key}` is mapped twice in `{decl.name}`", entry.span,
                               "a code maps to one code", labels=(Label(seen[entry.key], "first mapped here"),))
            seen[entry.key] = entry.span
        pairs = tuple(sorted({(e.key, e.value) for e in decl.entries}))
        self.maps[decl.name] = ir.CodeMap(decl.name, decl.title, decl.source, pairs, decl.span)

    def _columns(self, decl: ast.TableDecl) -> list[tuple[str, ColumnType]] | None:
        columns: list[tuple[str, ColumnType]] = []
        for column in decl.columns:
            if column.values or column.placeholder is not None or column.type in ("code", "whole", "date"):
                self.out.error("unknown-type", f"`{column.type}` is a column type of tables read from files",
                               column.span, "a code table's columns are text, symbol, number, flag or codes; "
                               'read published rows from a file: file "NAME.csv"')
                return None
            if column.type not in ir.COLUMN_TYPES:
                self.out.error("unknown-type", f"unknown column type `{column.type}`", column.span,
                               *(did_you_mean(column.type, ir.COLUMN_TYPES)
                                 or ("column types are " + ", ".join(ir.COLUMN_TYPES),)))
                return None
            other = self.attributes.get(column.name)
            if other is not None and ir.COLUMN_TYPES[column.type] != other.type:
                self.out.error("type-mismatch", f"column `{column.name}` has type {column.type} here and another "
                               f"type in table `{other.table}`", column.span, "use one type for one attribute",
                               labels=(Label(other.span, "declared here"),))
                return None
            columns.append((column.name, word(column.type, COLUMN_TYPES)))
        return columns

    def _table(self, decl: ast.TableDecl) -> None:
        columns = self._columns(decl)
        if columns is None:
            return
        values: dict[str, dict[str, ir.Value]] = {name: {} for name, _ in columns}
        rows: list[ir.TableRow] = []
        seen: dict[str, Span] = {}
        for row in decl.rows:
            if row.code in seen:
                self.out.error("duplicate-id", f"`{row.code}` has two rows in table `{decl.name}`", row.span,
                               "merge the rows", labels=(Label(seen[row.code], "first row here"),))
                continue
            seen[row.code] = row.span
            if len(row.cells) != len(columns):
                self.out.error("bad-table-row",
                               f"this row has {len(row.cells)} values; table `{decl.name}` has "
                               f"{len(columns)} columns ({', '.join(n for n, _ in columns)})", row.span,
                               "write one value per column, `-` where a value is absent")
                continue
            cells: list[ir.Value | None] = []
            for (name, kind), cell in zip(columns, row.cells, strict=True):
                value = self._cell(kind, cell)
                cells.append(value)
                if value is not None:
                    values[name][row.code] = value
            rows.append(ir.TableRow(row.code, tuple(cells), row.span))
        self.tables.append(ir.Table(decl.name, decl.title, decl.source, tuple(columns), tuple(rows), decl.span))
        for name, kind in columns:
            self._attribute(decl, name, kind, values[name])

    def _attribute(self, decl: ast.TableDecl, name: str, kind: ColumnType, values: dict[str, ir.Value]) -> None:
        """Merge one column into the attribute of that name, which several tables may give."""
        previous = self.attributes.get(name)
        merged = dict(previous.values) if previous else {}
        for code, value in values.items():
            if code in merged:
                self.out.error("duplicate-id", f"`{code}` has a `{name}` in two tables", decl.span,
                               "give the attribute one home")
            merged[code] = value
        self.attributes[name] = ir.Attribute(name, previous.table if previous else decl.name,
                                             ir.COLUMN_TYPES[kind], tuple(sorted(merged.items())),
                                             previous.span if previous else decl.span)

    def _cell(self, kind: ColumnType, cell: ast.Cell) -> ir.Value | None:
        if cell.kind == "absent":
            return False if kind == "flag" else None
        expected = {"text": ("text",), "symbol": ("word",), "number": ("number",), "flag": ("word",),
                    "codes": ("codes",)}[kind]
        if cell.kind not in expected or (kind == "flag" and cell.value not in ("yes", "no")):
            shown = {"text": 'a quoted text', "symbol": "a word", "number": "a number", "flag": "yes or no",
                     "codes": "a set of codes in braces"}[kind]
            self.out.error("type-mismatch", f"this {kind} column needs {shown}", cell.span,
                           "write `-` where a value is absent")
            return None
        if kind == "flag":
            return cell.value == "yes"
        if kind == "codes":
            assert isinstance(cell.value, (ast.SetUnion, ast.SetExcept))
            return self.expander.members(cell.value, texts=False)
        assert isinstance(cell.value, (str, int, float))
        return cell.value

    def _check_ranking(self, ranking: ir.Ranking) -> None:
        for attribute, order in ranking.levels:
            known = self.attributes.get(attribute)
            if known is None and self.unresolved.tables_unparsed:
                continue  # the column may be in the table that did not parse
            if known is None:
                self.out.error("unknown-attribute", f"no code table has a column `{attribute}`", ranking.span,
                               *(did_you_mean(attribute, self.attributes)
                                 or ("rank by a column of a code table",)))
                continue
            used = {value for _, value in known.values}
            for symbol in order:
                if symbol not in used:
                    self.out.error("unknown-value", f"no code has `{attribute}` {symbol}", ranking.span,
                                   *(did_you_mean(symbol, [str(v) for v in used])
                                     or ("rank values that the table's column holds",)))


def _distinct(origins: Sequence[Origin]) -> list[ast.Decl]:
    """The declarations in order, a data declaration imported twice (by two routes) once."""
    seen: set[tuple[str, int]] = set()
    result: list[ast.Decl] = []
    for origin in origins:
        if isinstance(origin.decl, ast.DATA_DECLS):
            place = (origin.decl.span.path, origin.decl.span.start)
            if place in seen:
                continue
            seen.add(place)
        result.append(origin.decl)
    return result
