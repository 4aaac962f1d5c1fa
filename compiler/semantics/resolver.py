"""Loaded declarations to IR: the pack header, then the resolution passes in order.

The passes: data declarations (`data.py`), then rules, precedences and examples (`rules.py`),
which type their expressions through `exprs.py`. Each pass returns its result as a value that
the next one reads. Every problem found goes to the collector; resolution goes on past errors
so that one run reports them all. The result is None when any error was found.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from compiler.diagnostics import Collector, Label, Sources, Span
from compiler.semantics import ir
from compiler.semantics.data import Data, resolve_data
from compiler.semantics.exprs import ExprResolver, Scope, check_date
from compiler.semantics.names import Unresolved
from compiler.semantics.rules import resolve_rules
from compiler.semantics.tables import resolve_checks
from compiler.semantics.usage import warn_unused_sets
from compiler.syntax import ast
from compiler.syntax.loader import Loaded, load_pack

_REQUIRED = ("title", "version", "effective", "source")
_ROW_ID = re.compile(r"([A-Z]+)([0-9]+)([a-z]?)")


def resolve_pack(path: str | Path, out: Collector, sources: Sources) -> ir.Pack | None:
    """Load, parse and resolve the pack at `path` (with its imports and base pack)."""
    return resolve(load_pack(path, out, sources), out)


def resolve(loaded: Loaded, out: Collector) -> ir.Pack | None:
    """Resolve a loaded pack: None when it (or anything it reads) has errors."""
    unparsed = [u for m in loaded.modules.values() for u in m.unparsed]
    unresolved = Unresolved(out, loaded.unparsed, any(u.keyword == "table" for u in unparsed))
    header = _pack_header(loaded, out, any(u.keyword == "pack" for u in unparsed)) if loaded.found else None
    data = resolve_data(loaded.origins, unresolved, loaded.tables)
    data_tables = _table_checks(data, unresolved)
    fields = _header_fields(header, out) if header else {}
    rows = _rows(header, out) if header else None
    resolved = resolve_rules(loaded.origins, data, rows, unresolved)
    if out.has_errors or header is None:
        return None
    warn_unused_sets(loaded.origins, out)
    digest = hashlib.sha256()
    for key in sorted(loaded.texts):
        digest.update(Path(key).name.encode("utf-8") + b"\0" + loaded.texts[key].encode("utf-8") + b"\0")
    for table in data_tables:  # the rows of every table are part of the pack, by content
        for table_file in table.files:
            digest.update(f"{table.name}\0{table_file.written}\0{table_file.digest}\0".encode())
    return ir.Pack(
        name=header.name, policy=fields.get("policy", header.name.upper()), title=fields["title"],
        version=fields["version"], effective=fields["effective"], source=fields["source"], path=loaded.path,
        digest=digest.hexdigest(), extends=fields.get("extends"),
        sections=tuple(data.sections.values()),
        sets=tuple(s for s in data.sets.values() if s is not None),
        tables=data.tables, attributes=tuple(data.attributes.values()),
        maps=tuple(data.maps.values()), rankings=tuple(data.rankings.values()),
        rules=resolved.rules, precedences=resolved.precedences, examples=resolved.examples,
        removed=resolved.removed, rows=rows or (), span=header.span,
        rows_span=header.rows[0].span if header.rows else header.span,
        previous=loaded.previous, previous_span=_field_span(header, "previous"),
        data_tables=data_tables,
    )


def _table_checks(data: Data, unresolved: Unresolved) -> tuple[ir.DataTable, ...]:
    """The tables read from files, with their checks' conditions typed: they read the row they check
    (`row.COLUMN`), `warn` the day (`day`), and may look up other tables."""
    exprs = ExprResolver(data, unresolved)

    def condition(expr: ast.Expr, table: str, day: bool) -> ir.Expr | None:
        return exprs.condition(expr, Scope([], table=table, day=day))

    tables = []
    for name, table in data.data_tables.items():
        checked = resolve_checks(table, data.table_decls[name], condition, unresolved.out)
        if checked is not None:
            tables.append(checked)
    return tuple(tables)


def _pack_header(loaded: Loaded, out: Collector, header_unparsed: bool) -> ast.PackDecl | None:
    own = [o.decl for o in loaded.origins if isinstance(o.decl, ast.PackDecl) and o.file == loaded.path]
    if not own:
        if not header_unparsed:  # a header with a syntax error has been reported
            out.error("missing-pack", "this file declares no pack", Span(loaded.path, 0, 0),
                      'start it with: pack NAME, then title, version, effective YYYY-MM-DD and source "FILE"')
        return None
    if len(own) > 1:
        out.error("duplicate-id", "this file declares two packs", own[1].span, "one file holds one pack",
                  labels=(Label(own[0].span, "the first one"),))
    return own[0]


def _field_span(header: ast.PackDecl, name: str) -> Span:
    """Where the header gives a field (its first occurrence); the header itself when it does not."""
    return next((f.span for f in header.fields if f.name == name), header.span)


def _header_fields(header: ast.PackDecl, out: Collector) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in header.fields:
        if item.name in fields:
            out.error("duplicate-clause", f"the pack gives `{item.name}` twice", item.span, "keep one",
                      labels=(Label(_field_span(header, item.name), "the first one"),))
            continue
        fields[item.name] = item.value
        if item.name == "effective":
            check_date(item.value, item.span, out)
    for required in _REQUIRED:
        if required not in fields:
            out.error("missing-clause", f"pack {header.name} has no `{required}`", header.name_span,
                      f"add `{required} ...` to the pack header")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", header.name) or header.name in {"line", "claim"}:
        out.error("bad-pack-name", f"`{header.name}` cannot name a generated module", header.name_span,
                  "use lower case letters, digits and underscores, e.g. cpcp026")
    return fields


# ---------------------------------------------------------------- rows


def _rows(header: ast.PackDecl, out: Collector) -> tuple[str, ...] | None:
    """The rows the header declares, expanded and in order; None when it declares none."""
    if not header.rows:
        return None
    for extra in header.rows[1:]:
        out.error("duplicate-clause", "the pack gives `rows` twice", extra.span, "list every row in one `rows`",
                  labels=(Label(header.rows[0].span, "the first one"),))
    rows: dict[str, Span] = {}
    for item in header.rows[0].items:
        for row in _expand_rows(item, out):
            if row in rows:
                out.error("bad-rows", f"row {row} is declared twice", item.span, "list each row once",
                          labels=(Label(rows[row], "first declared here"),))
            rows.setdefault(row, item.span)
    return tuple(sorted(rows, key=_row_order))


def _expand_rows(item: ast.RowRange, out: Collector) -> list[str]:
    """The ids of one item of `rows`: `P07`, or every id from `P01` to `P36`."""
    if item.high is None:
        return [item.low]
    low, high = _ROW_ID.fullmatch(item.low), _ROW_ID.fullmatch(item.high)
    assert low is not None and high is not None  # the grammar's ROWID
    problem = None
    if low.group(3) or high.group(3):
        problem = "a range of rows runs between ids without a letter after the number"
    elif low.group(1) != high.group(1) or len(low.group(2)) != len(high.group(2)):
        problem = "both ends of a range of rows have the same letter and the same number of digits"
    elif int(low.group(2)) > int(high.group(2)):
        problem = f"write the lower id first: {item.high}..{item.low}"
    if problem is not None:
        out.error("bad-rows", f"`{item.low}..{item.high}` is not a range of rows", item.span, problem,
                  *(() if problem.startswith("write") else ("e.g. rows P01..P36, K1",)))
        return []
    width = len(low.group(2))
    return [f"{low.group(1)}{n:0{width}d}" for n in range(int(low.group(2)), int(high.group(2)) + 1)]


def _row_order(row: str) -> tuple[str, int, str]:
    match = _ROW_ID.fullmatch(row)
    assert match is not None
    return match.group(1), int(match.group(2)), match.group(3)

