"""Tables read from files: their declaration (columns, key, dates, files by claim type), their rows
read from CSV text and checked cell by cell (kept column by column, `TableData` in tabledata.py),
the conditions of their checks, and the plain reading of a lookup (`TableIndex`).
"""

from __future__ import annotations

import csv
import datetime
import re
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence

from compiler.diagnostics import Collector, Label, Span, did_you_mean
from compiler.semantics import ir
from compiler.semantics.tabledata import TableData
from compiler.syntax import ast
from compiler.syntax.loader import TableText
from compiler.syntax.vocabulary import CLAIM_TYPES, FILE_COLUMN_TYPES, ClaimType, FileColumnType, word

_CODE = re.compile(r"(?:[0-9]{4}[0-9A-Z]|[A-V][0-9]{4})\Z")
_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})\Z")
_WHOLE = re.compile(r"[0-9]+\Z")
#: at most this many cells and rows that do not fit are reported per file (then a count of the rest)
SHOWN_PROBLEMS = 20

_CODE_TABLE_TYPES = ("text", "symbol", "number", "flag", "codes")


# ---------------------------------------------------------------- reading a file


def _cells(line: str) -> list[str]:
    if '"' not in line:
        return line.split(",")
    return next(csv.reader([line]), [])


def _lines(text: str) -> Iterator[tuple[int, int, int, str]]:
    """(line number, start, end, text) of each line, the line ending left out."""
    number, start, size = 1, 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            end = size
        stop = end - 1 if end > start and text[end - 1] == "\r" else end
        yield number, start, stop, text[start:stop]
        number, start = number + 1, end + 1


def _cell_span(path: str, start: int, line: str, index: int) -> Span:
    """Where cell `index` of a line starting at `start` is (unquoted lines exactly; else the line)."""
    if '"' in line:
        return Span(path, start, start + len(line))
    offset = start
    for cell in line.split(",")[:index]:
        offset += len(cell) + 1
    width = len(line.split(",")[index]) if index < len(line.split(",")) else 0
    return Span(path, offset, offset + max(width, 1))


class _Decoder:
    """Turns the text of one column's cells into values, remembering each distinct text once."""

    def __init__(self, column: ir.FileColumn) -> None:
        self.column = column
        self.known: dict[str, int] = {}
        self.values: list[object] = []
        self.positions: dict[object, int] = {}
        self.allowed = {str(v) for v in column.values}

    def decode(self, text: str) -> tuple[object, str | None]:
        """The value of a cell, or (None, why not)."""
        kind = self.column.type
        if kind == "text":
            return text, None
        if kind == "code":
            if _CODE.match(text) or text == self.column.placeholder:
                return text, None
            extra = f" or {self.column.placeholder}" if self.column.placeholder else ""
            return None, f"is not a CPT or HCPCS code{extra}"
        if kind == "whole":
            return (int(text), None) if _WHOLE.match(text) else (None, "is not a whole number")
        if kind == "date":
            if text in ("", "*"):
                return None, None
            found = _DATE.match(text)
            if found is None:
                return None, "is not a date"
            try:
                return datetime.date(int(found[1]), int(found[2]), int(found[3])).isoformat(), None
            except ValueError:
                return None, "is not a calendar date"
        if text and text[0] in self.allowed:
            return int(text[0]), None
        shown = ", ".join(str(v) for v in self.column.values)
        return None, f"does not start with one of the indicators {shown}"

    def index(self, text: str) -> int | str:
        """The index of the cell's value among the column's values, or why it does not fit."""
        known = self.known.get(text)
        if known is not None:
            return known
        value, problem = self.decode(text)
        if problem is not None:
            return problem
        position = self.positions.get(value)
        if position is None:
            position = self.positions[value] = len(self.values)
            self.values.append(value)
        self.known[text] = position
        return position


_HINTS: dict[str, str] = {
    "code": "CPT codes have five characters (96372, 0075T); HCPCS codes are an upper-case letter A-V and four "
            "digits (J2357)",
    "whole": "write a whole number with digits only, e.g. 12",
    "date": "write dates as YYYYMMDD, or * for none",
    "text": "",
}


def read_rows(text: TableText, columns: Sequence[ir.FileColumn], start: str | None,
              out: Collector) -> TableData | None:
    """The rows of one file, each cell checked against its column; None after reporting why not.
    Read once per text and columns: the rows and the diagnostics are kept in the text's memo."""
    key = ("rows", tuple(columns), start)
    kept = text.memo.get(key)
    if isinstance(kept, tuple):
        data, problems = kept
        out.items.extend(problems)
        return data  # type: ignore[no-any-return]
    first = len(out.items)
    data = _read_rows(text, columns, start, out)
    text.memo[key] = (data, tuple(out.items[first:]))
    return data


def _read_rows(text: TableText, columns: Sequence[ir.FileColumn], start: str | None,
               out: Collector) -> TableData | None:
    path = text.path
    names = [c.name for c in columns]
    data = TableData(path, names)
    lines = _lines(text.text)
    header = next(lines, None)
    if header is None:
        out.error("bad-table-header", f"{path} is empty", Span(path, 0, 0),
                  f"its first line names the columns: {','.join(names)}")
        return None
    number, begin, end, first = header
    if not _header_fits(first.removeprefix("\ufeff"), names, path, begin, end, out):
        return None
    decoders = [_Decoder(c) for c in columns]
    cells = [data.cells[name] for name in names]
    problems = 0
    start_index = names.index(start) if start is not None else -1
    for number, begin, end, line in lines:
        if not line.strip():
            continue
        values = _cells(line)
        if len(values) != len(names):
            problems += 1
            if problems <= SHOWN_PROBLEMS:
                out.error("bad-table-row", f"row {number} of {path} has {_count(len(values), 'value')}; the table has "
                          f"{len(names)} columns ({', '.join(names)})", Span(path, begin, end),
                          "write one value per column, separated by commas; quote a value that holds a comma")
            continue
        row: list[int] = []
        for index, (decoder, cell) in enumerate(zip(decoders, values, strict=True)):
            found = decoder.index(cell)
            if isinstance(found, int) and index == start_index and decoder.values[found] is None:
                found = "gives no date"
            if isinstance(found, str):
                problems += 1
                if problems <= SHOWN_PROBLEMS:
                    _bad_cell(decoder.column, cell, found, number, Span(path, begin, end), line, index, out,
                              start_index == index)
            else:
                row.append(found)
        if len(row) == len(names):
            for column_cells, found in zip(cells, row, strict=True):
                column_cells.append(found)
            data.lines.append(number)
            data.starts.append(begin)
            data.ends.append(end)
            data.count += 1
    if problems > SHOWN_PROBLEMS:
        out.error("bad-table-cell", f"{path}: {problems - SHOWN_PROBLEMS} more values or rows do not fit the "
                  f"table (the first {SHOWN_PROBLEMS} are shown)", Span(path, 0, 0),
                  "fix the ones shown, then check again")
    if problems:
        return None
    for decoder in decoders:
        data.values[decoder.column.name] = decoder.values
    return data


def _header_fits(first: str, names: list[str], path: str, begin: int, end: int, out: Collector) -> bool:
    got = [cell.strip() for cell in _cells(first)]
    if got == names:
        return True
    hint = f"the first line of {path} names the table's columns in order: {','.join(names)}"
    span = Span(path, begin, end)
    for index, (have, want) in enumerate(zip(got, names, strict=False)):
        if have != want:
            what = (f"lacks the column `{want}`" if want not in got and have in names
                    else f"names `{have}` where the table declares `{want}`")
            out.error("bad-table-header", f"the header of {path} {what} (column {index + 1})", span, hint)
            return False
    if len(got) < len(names):
        missing = ", ".join(f"`{n}`" for n in names[len(got):])
        out.error("bad-table-header", f"the header of {path} lacks the column{'s' if len(names) - len(got) > 1 else ''}"
                  f" {missing}", span, hint)
    else:
        extra = ", ".join(f"`{n}`" for n in got[len(names):])
        out.error("bad-table-header", f"the header of {path} has columns the table does not declare: {extra}", span,
                  hint)
    return False


def _bad_cell(column: ir.FileColumn, cell: str, problem: str, number: int, line_span: Span, line: str, index: int,
              out: Collector, is_start: bool) -> None:
    span = _cell_span(line_span.path, line_span.start, line, index)
    if is_start and problem == "gives no date":
        out.error("bad-table-cell", f"row {number}, column {column.name}: the row gives no date from which it "
                  "applies", span, f"every row gives its `{column.name}` (YYYYMMDD); `*` is for no end date")
        return
    if column.type == "indicator":
        hint = ("the first character of an indicator is its value: "
                + ", ".join(str(v) for v in column.values))
    else:
        hint = _HINTS[column.type]
        if column.type == "code" and column.placeholder:
            hint += f"; the word {column.placeholder} is allowed too"
    out.error("bad-table-cell", f"row {number}, column {column.name}: {cell!r} {problem}", span, hint)


# ---------------------------------------------------------------- the declaration


def resolve_layout(decl: ast.TableDecl, tables: Mapping[tuple[str, str], TableText],
                   out: Collector) -> ir.DataTable | None:
    """The table a `table ... file` declaration describes, with the rows of its files; None after
    reporting why not. Its checks' conditions are typed later (`resolve_checks`)."""
    errors = len([d for d in out.items if d.severity.value == "error"])
    columns = _columns(decl, out)
    if columns is None:
        return None
    by_name = {c.name: c for c in columns}
    key = _key(decl, by_name, out)
    start, end = _applies(decl, by_name, out)
    checks = _structural_checks(decl, by_name, key, out)
    files = _files(decl, tables, columns, start, out)
    if files is None or key is None or len([d for d in out.items if d.severity.value == "error"]) > errors:
        return None
    return ir.DataTable(decl.name, decl.title, decl.source, tuple(columns), key, start, end, tuple(checks),
                        tuple(files), decl.span)


def _columns(decl: ast.TableDecl, out: Collector) -> list[ir.FileColumn] | None:
    columns: list[ir.FileColumn] = []
    seen: dict[str, Span] = {}
    ok = True
    for column in decl.columns:
        if column.name in seen:
            out.error("duplicate-id", f"table `{decl.name}` has two columns `{column.name}`", column.span,
                      "give each column its own name", labels=(Label(seen[column.name], "the first one"),))
            ok = False
            continue
        seen[column.name] = column.span
        kind = column.type
        if kind not in FILE_COLUMN_TYPES:
            hint = ("a table read from files has the column types code, whole, date, indicator(...) and text"
                    if kind in _CODE_TABLE_TYPES else
                    (did_you_mean(kind, FILE_COLUMN_TYPES) or ("column types: " + ", ".join(FILE_COLUMN_TYPES),))[0])
            out.error("unknown-type", f"unknown column type `{kind}` in a table read from files", column.span, hint)
            ok = False
            continue
        if (kind == "indicator") != bool(column.values):
            out.error("unknown-type", f"`{kind}` {'needs' if kind == 'indicator' else 'takes no'} a list of values",
                      column.span, "an indicator lists the digits it may be: indicator(0, 1, 9)")
            ok = False
            continue
        if any(len(v) != 1 for v in column.values) or len(set(column.values)) != len(column.values):
            out.error("unknown-type", "an indicator's values are digits, each once", column.span,
                      "e.g. indicator(1, 2, 3)")
            ok = False
            continue
        if column.placeholder is not None and kind != "code":
            out.error("unknown-type", f"only a code column admits a placeholder word, not a {kind} column",
                      column.span, 'e.g. primary_code: code or "CCCCC"')
            ok = False
            continue
        columns.append(ir.FileColumn(column.name, word(kind, FILE_COLUMN_TYPES),
                                     tuple(int(v) for v in column.values), column.placeholder, column.span))
    return columns if ok else None


def _clauses(decl: ast.TableDecl, kind: str) -> list[ast.TableClause]:
    return [c for c in decl.clauses if c.kind == kind]


def _need(decl: ast.TableDecl, clause: ast.TableClause, name: str, by_name: Mapping[str, ir.FileColumn],
          types: tuple[FileColumnType, ...], out: Collector) -> bool:
    column = by_name.get(name)
    if column is None:
        out.error("bad-table", f"table `{decl.name}` has no column `{name}`", clause.span,
                  *(did_you_mean(name, by_name) or ("name a column of the table's `columns`",)))
        return False
    if types and column.type not in types:
        out.error("bad-table", f"`{name}` is {_article(column.type)} {column.type} column; `{clause.kind}` needs a "
                  f"{' or '.join(types)} column", clause.span, _CLAUSE_HINTS[clause.kind])
        return False
    return True


_CLAUSE_HINTS = {
    "key": "a table's key is one or two code columns: key column_2, column_1",
    "applies": "the dates say when a row applies: applies from effective_date until deletion_date",
    "one": "e.g. one aoc_type per addon_code",
    "acyclic": "arrows run between code columns: no cycles column_1 -> column_2",
    "require": "",
    "warn": "",
}


def _single(decl: ast.TableDecl, kind: str, out: Collector) -> ast.TableClause | None:
    found = _clauses(decl, kind)
    for extra in found[1:]:
        out.error("bad-table", f"table `{decl.name}` gives `{kind}` twice", extra.span, "keep one",
                  labels=(Label(found[0].span, "the first one"),))
    return found[0] if found else None


def _key(decl: ast.TableDecl, by_name: Mapping[str, ir.FileColumn], out: Collector) -> tuple[str, ...] | None:
    clause = _single(decl, "key", out)
    if clause is None:
        out.error("bad-table", f"table `{decl.name}` does not say how its rows are found", decl.name_span,
                  "add its key: one or two code columns, e.g. key code")
        return None
    if not 1 <= len(clause.names) <= 2 or len(set(clause.names)) != len(clause.names):
        out.error("bad-table", f"a key is one code column or two different ones, not {len(clause.names)}",
                  clause.span, _CLAUSE_HINTS["key"])
        return None
    if not all(_need(decl, clause, name, by_name, ("code",), out) for name in clause.names):
        return None
    return clause.names


def _applies(decl: ast.TableDecl, by_name: Mapping[str, ir.FileColumn],
             out: Collector) -> tuple[str | None, str | None]:
    clause = _single(decl, "applies", out)
    if clause is None:
        return None, None
    if not all(_need(decl, clause, name, by_name, ("date",), out) for name in clause.names):
        return None, None
    return clause.names[0], clause.names[1] if len(clause.names) > 1 else None


def _structural_checks(decl: ast.TableDecl, by_name: Mapping[str, ir.FileColumn], key: tuple[str, ...] | None,
                       out: Collector) -> list[ir.TableCheck]:
    """`one` and `no cycles` (their `where` is typed with the other conditions, later)."""
    checks = []
    for clause in decl.clauses:
        if clause.kind == "one" and all(_need(decl, clause, n, by_name, (), out) for n in clause.names):
            checks.append(ir.TableCheck("one", clause.names, span=clause.span))
        elif clause.kind == "acyclic" and all(_need(decl, clause, n, by_name, ("code",), out) for n in clause.names):
            checks.append(ir.TableCheck("acyclic", clause.names, span=clause.span))
    return checks


def _files(decl: ast.TableDecl, tables: Mapping[tuple[str, str], TableText], columns: Sequence[ir.FileColumn],
           start: str | None, out: Collector) -> list[ir.TableFile] | None:
    """Each file with the claim types it serves, and its rows."""
    named: dict[ClaimType, Span] = {}
    default: ast.TableFile | None = None
    ok = True
    for table_file in decl.files:
        if table_file.claim_types is None:
            if default is not None:
                out.error("bad-table", f"table `{decl.name}` has two files for every claim type", table_file.span,
                          "name the claim type each file is for: file \"...\" for professional claims",
                          labels=(Label(default.span, "the first one"),))
                ok = False
            default = table_file
            continue
        for claim_type in table_file.claim_types:
            if claim_type in named:
                out.error("bad-table", f"table `{decl.name}` has two files for {claim_type} claims", table_file.span,
                          "one file serves each claim type", labels=(Label(named[claim_type], "the first one"),))
                ok = False
            named[claim_type] = table_file.span
    rest = tuple(t for t in CLAIM_TYPES if t not in named)
    if default is not None and not rest:
        out.error("bad-table", f"this file of table `{decl.name}` serves no claim type: the others serve them all",
                  default.span, "remove it, or say which claim type it is for")
        ok = False
    if not ok:
        return None
    files = []
    here = decl.span.path
    for table_file in decl.files:
        text = tables.get((here, table_file.path))
        if text is None:  # reported when it was read
            ok = False
            continue
        data = read_rows(text, columns, start, out)
        if data is None:
            ok = False
            continue
        types = rest if table_file.claim_types is None else tuple(sorted(table_file.claim_types))
        files.append(ir.TableFile(text.path, table_file.path, types, text.digest, data, table_file.span))
    return files if ok else None


# ---------------------------------------------------------------- the checks' conditions


Resolve = Callable[[ast.Expr, str, bool], "ir.Expr | None"]


def resolve_checks(table: ir.DataTable, decl: ast.TableDecl, condition: Resolve,
                   out: Collector) -> ir.DataTable | None:
    """The table with its checks' conditions typed by `condition(expr, table, with_day)`; None after
    reporting why not."""
    checks: list[ir.TableCheck] = []
    structural = iter(c for c in table.checks)
    ok = True
    for clause in decl.clauses:
        if clause.kind in ("one", "acyclic"):
            check = next(structural)
            if clause.kind == "acyclic" and clause.where is not None:
                where = condition(clause.where, table.name, False)
                ok = ok and where is not None
                check = ir.TableCheck("acyclic", check.columns, where=where, span=check.span)
            checks.append(check)
        elif clause.kind == "require":
            assert clause.condition is not None and clause.message is not None
            required = condition(clause.condition, table.name, False)
            message = _message(table, clause.message, clause.span, out)
            ok = ok and required is not None and message is not None
            checks.append(ir.TableCheck("require", (), required, None, message or (), clause.span))
        elif clause.kind == "warn":
            assert clause.condition is not None and clause.message is not None
            per = clause.names[0]
            if per not in {c.name for c in table.columns}:
                out.error("bad-table", f"table `{table.name}` has no column `{per}`", clause.span,
                          *(did_you_mean(per, [c.name for c in table.columns]) or ("name a column of the table",)))
                ok = False
                continue
            where = condition(clause.where, table.name, True) if clause.where is not None else None
            holds = condition(clause.condition, table.name, True)
            message = _message(table, clause.message, clause.span, out)
            ok = ok and holds is not None and message is not None and (clause.where is None or where is not None)
            checks.append(ir.TableCheck("warn", (per,), holds, where, message or (), clause.span))
    if not ok:
        return None
    return ir.DataTable(table.name, table.title, table.source, table.columns, table.key, table.start, table.end,
                        tuple(checks), table.files, table.span)


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def _message(table: ir.DataTable, text: str, span: Span, out: Collector) -> tuple[ir.MessagePart, ...] | None:
    """A check's message: text, and `{COLUMN}` for a value of the row."""
    parts: list[ir.MessagePart] = []
    position = 0
    names = [c.name for c in table.columns]
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > position:
            parts.append(ir.MessagePart(text[position:match.start()]))
        token = match.group(0)
        position = match.end()
        if token in ("{{", "}}"):
            parts.append(ir.MessagePart(token[0]))
        elif match.group(1) is None:
            out.error("bad-message", "a lone brace in this message", span, "write {{ or }} for a brace")
            return None
        elif match.group(1) not in names:
            out.error("unknown-field", f"table `{table.name}` has no column `{match.group(1)}`", span,
                      *(did_you_mean(match.group(1), names) or ("columns: " + ", ".join(names),)))
            return None
        else:
            parts.append(ir.MessagePart("", match.group(1)))
    if position < len(text):
        parts.append(ir.MessagePart(text[position:]))
    return tuple(parts)


# ---------------------------------------------------------------- finding rows by their key


class TableIndex:
    """The rows of one file of a table by key: the plain reading of a lookup, which the reference
    interpreter and the tables' checks use (the generated module reads a packed form of the same
    rows). The rows are grouped by their first key when first asked for; a lookup by two keys
    reads its group."""

    def __init__(self, table: ir.DataTable, table_file: ir.TableFile) -> None:
        self.table = table
        self.data = table_file.data
        self._groups: dict[object, array[int]] | None = None

    def _build(self) -> dict[object, array[int]]:
        data = self.data
        values, cells = data.values[self.table.key[0]], data.cells[self.table.key[0]]
        groups: dict[object, array[int]] = {}
        for row in range(data.count):
            first = values[cells[row]]
            group = groups.get(first)
            if group is None:
                group = groups[first] = array("I")
            group.append(row)
        self._groups = groups
        return groups

    def rows(self, keys: Sequence[object], on: str | None) -> list[int]:
        """The rows with these keys (all of them, or the first alone), applying on `on` when the table
        is dated, in file order."""
        groups = self._groups if self._groups is not None else self._build()
        found: Sequence[int] = groups.get(keys[0], ())
        if len(keys) > 1:
            second = self.table.key[1]
            found = [r for r in found if self.data.value(second, r) == keys[1]]
        if self.table.start is None or on is None:
            return list(found)
        return [r for r in found if self.data.applies(r, self.table.start, self.table.end, on)]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"
