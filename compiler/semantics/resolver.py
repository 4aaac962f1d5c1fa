"""AST to IR: load files and their imports, resolve names, expand code sets, check types.

Every problem found goes to the collector; resolution goes on past errors so that one run
reports them all. The result is None when any error was found.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compiler import codes as code_shapes
from compiler.diagnostics import Collector, Label, Severity, Sources, Span
from compiler.semantics import ir
from compiler.syntax import ast
from compiler.syntax.parser import parse_module

DATA_DECLS = (ast.CodesDecl, ast.TableDecl, ast.MapDecl, ast.RankingDecl)
FUNCTIONS = {"ceil": 1, "floor": 1, "abs": 1, "max": -2, "min": -2, "is_cpt": 1, "is_hcpcs": 1, "rank": 2}
RESERVED = {"line", "claim"}
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def _did_you_mean(name: str, candidates: Iterable[str]) -> tuple[str, ...]:
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return (f"did you mean `{close[0]}`?",) if close else ()


@dataclass
class _Origin:
    decl: ast.Decl
    file: str
    inherited: bool = False


@dataclass
class Loader:
    """Reads and parses files once each, following imports and `extends`."""

    out: Collector
    sources: Sources
    modules: dict[str, ast.Module] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    def load(self, path: Path, via: Span | None) -> ast.Module | None:
        key = display_path(path)
        if key in self.modules:
            return self.modules[key]
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else (
                exc.strerror or str(exc))
            self.out.error("missing-import" if via else "unreadable-file",
                           f"cannot read {key}: {reason}", via, "check the path; imports are relative to the "
                           "file that names them")
            return None
        self.sources.add(key, text)
        self.texts[key] = text
        module = parse_module(key, text, self.out)
        self.modules[key] = module
        return module

    def flatten(self, path: Path, via: Span | None, stack: tuple[str, ...]) -> list[_Origin]:
        """Every declaration the file at `path` contributes, imports and base pack included."""
        key = display_path(path)
        if key in stack:
            chain = " -> ".join(Path(p).name for p in (*stack[stack.index(key):], key))
            self.out.error("import-cycle", f"import cycle: {chain}", via,
                           "move the shared declarations into a file that imports neither")
            return []
        module = self.load(path, via)
        if module is None:
            return []
        stack = (*stack, key)
        result: list[_Origin] = []
        for decl in module.decls:
            if isinstance(decl, ast.ImportDecl):
                result.extend(self._import(path, decl, stack))
            elif isinstance(decl, ast.PackDecl):
                base = next((f for f in decl.fields if f.name == "extends"), None)
                if base is not None:
                    result.extend(self._extend(path, base, stack))
                result.append(_Origin(decl, key))
            else:
                result.append(_Origin(decl, key))
        return result

    def _import(self, here: Path, decl: ast.ImportDecl, stack: tuple[str, ...]) -> list[_Origin]:
        target = (here.parent / decl.path).resolve()
        found = [o for o in self.flatten(target, decl.span, stack) if isinstance(o.decl, DATA_DECLS)]
        if decl.names is None:
            return found
        by_name = {o.decl.name: o for o in found if isinstance(o.decl, DATA_DECLS)}
        chosen = []
        for name in decl.names:
            if name in by_name:
                chosen.append(by_name[name])
            else:
                self.out.error("missing-import", f"`{name}` is not declared in {decl.path}", decl.span,
                               *(_did_you_mean(name, by_name) or ("import only names the file declares",)))
        return chosen

    def _extend(self, here: Path, base: ast.PackField, stack: tuple[str, ...]) -> list[_Origin]:
        target = (here.parent / base.value).resolve()
        inherited = []
        for origin in self.flatten(target, base.span, stack):
            if isinstance(origin.decl, ast.PackDecl):
                continue
            inherited.append(_Origin(origin.decl, origin.file, True))
        return inherited


def display_path(path: Path) -> str:
    """How diagnostics name a file: relative to the working folder where that is shorter."""
    absolute = path.resolve()
    try:
        relative = os.path.relpath(absolute)
    except ValueError:
        return str(absolute)
    return relative if not relative.startswith("..") else str(absolute)


class _Scope:
    """The line variables visible in an expression, innermost last."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)


class Resolver:
    def __init__(self, out: Collector) -> None:
        self.out = out
        self.set_decls: dict[str, _Origin] = {}
        self.sets: dict[str, ir.CodeSet | None] = {}
        self.tables: list[ir.Table] = []
        self.attributes: dict[str, ir.Attribute] = {}
        self.maps: dict[str, ir.CodeMap] = {}
        self.rankings: dict[str, ir.Ranking] = {}
        self.sections: dict[str, ir.Section] = {}
        self.rule_ids: set[str] = set()
        self._resolving: list[str] = []
        self._references: list[tuple[str, Span]] = []

    # ------------------------------------------------------------ names
    def _claim_name(self, name: str, span: Span, taken: dict[str, Span]) -> bool:
        if name in taken:
            self.out.error("duplicate-id", f"`{name}` is declared twice", span,
                           "give one of them another name",
                           labels=(Label(taken[name], "first declared here"),))
            return False
        if name in RESERVED or name in FUNCTIONS:
            self.out.error("reserved-name", f"`{name}` is a reserved word and cannot name a declaration", span,
                           "choose another name")
            return False
        taken[name] = span
        return True

    # ------------------------------------------------------------ sets
    def resolve_set(self, name: str) -> ir.CodeSet | None:
        if name in self.sets:
            return self.sets[name]
        origin = self.set_decls[name]
        decl = origin.decl
        if name in self._resolving:
            cycle = [*self._resolving[self._resolving.index(name):], name]
            assert isinstance(decl, (ast.CodesDecl, ast.TableDecl))
            self.out.error("set-cycle", "code sets refer to each other in a cycle: " + " -> ".join(cycle),
                           decl.name_span, "a set cannot contain itself; list its codes instead")
            return None
        self._resolving.append(name)
        try:
            if isinstance(decl, ast.TableDecl):
                members = frozenset(row.code for row in decl.rows)
                result: ir.CodeSet | None = ir.CodeSet(name, decl.title, members, False, decl.source, decl.span)
            else:
                assert isinstance(decl, ast.CodesDecl)
                members_or_none = self.set_members(decl.items, texts=decl.kind == "set")
                if members_or_none is None:
                    result = None
                elif not members_or_none:
                    self.out.error("empty-set", f"the set `{name}` has no members", decl.span,
                                   "check the `except` part: it removes every member")
                    result = None
                else:
                    result = ir.CodeSet(name, decl.title, members_or_none, decl.kind == "set", decl.source,
                                        decl.span)
        finally:
            self._resolving.pop()
        self.sets[name] = result
        return result

    def set_members(self, expr: ast.SetItem, texts: bool) -> frozenset[str] | None:
        """The members of a set expression; None when it has errors (already reported)."""
        if isinstance(expr, ast.SetExcept):
            base = self.set_members(expr.base, texts)
            removed = [self.set_members(part, texts) for part in expr.removed]
            if base is None or any(r is None for r in removed):
                return None
            for part in removed:
                assert part is not None
                base = base - part
            return base
        if isinstance(expr, ast.SetUnion):
            parts = [self.set_members(item, texts) for item in expr.items]
            if any(p is None for p in parts):
                return None
            return frozenset().union(*(p for p in parts if p is not None))
        if isinstance(expr, ast.SetCode):
            if texts:
                self._kind_error(expr.span, "a code", "text values")
                return None
            return frozenset({expr.code})
        if isinstance(expr, ast.SetRange):
            if texts:
                self._kind_error(expr.span, "a code range", "text values")
                return None
            problem = code_shapes.range_problem(expr.low, expr.high)
            if problem == "mixed-range":
                self.out.error("mixed-range", f"`{expr.low}..{expr.high}` mixes two kinds of code", expr.span,
                               "both ends of a range must have the same shape, e.g. J0120..J9999 or "
                               "96401..96549")
                return None
            if problem == "reversed-range":
                self.out.error("reversed-range", f"`{expr.low}..{expr.high}` runs backwards", expr.span,
                               f"write the lower code first: {expr.high}..{expr.low}")
                return None
            return code_shapes.expand(expr.low, expr.high)
        if isinstance(expr, ast.SetText):
            if not texts:
                self._kind_error(expr.span, "a quoted text value", "codes")
                return None
            return frozenset({expr.text})
        assert isinstance(expr, ast.SetRef)
        return self._set_ref(expr, texts)

    def _set_ref(self, expr: ast.SetRef, texts: bool) -> frozenset[str] | None:
        name = expr.name
        if name not in self.set_decls:
            if re.fullmatch(r"[A-Za-z]?[0-9]{2,6}[A-Za-z]?", name) or re.fullmatch(r"[a-v][0-9]{4}", name):
                self.out.error("bad-code", f"`{name}` is not a CPT or HCPCS code", expr.span,
                               "CPT codes have five characters (96372, 0075T); HCPCS codes are an upper-case "
                               "letter A-V and four digits (J2357)")
            else:
                self.out.error("unknown-name", f"no code set named `{name}`", expr.span,
                               *(_did_you_mean(name, self.set_decls) or ("declare it with `codes NAME = ...`",)))
            return None
        resolved = self.resolve_set(name)
        if resolved is None:
            return None
        if resolved.texts != texts:
            self._kind_error(expr.span, f"`{name}` ({'text values' if resolved.texts else 'codes'})",
                             "text values" if texts else "codes")
            return None
        return resolved.members

    def _kind_error(self, span: Span, what: str, expected: str) -> None:
        self.out.error("mixed-set", f"{what} cannot stand in a set of {expected}", span,
                       "`codes` sets hold procedure codes; `set` sets hold quoted text such as places "
                       'of service ("22") or modifiers ("59")')

    # ------------------------------------------------------------ data declarations
    def declare_data(self, origins: list[_Origin]) -> None:
        taken: dict[str, Span] = {}
        seen: set[tuple[str, int]] = set()
        for origin in origins:
            if isinstance(origin.decl, DATA_DECLS):
                place = (origin.decl.span.path, origin.decl.span.start)
                if place in seen:  # imported twice, by two routes: one declaration
                    continue
                seen.add(place)
            decl = origin.decl
            if isinstance(decl, (ast.CodesDecl, ast.TableDecl)):
                if self._claim_name(decl.name, decl.name_span, taken):
                    self.set_decls[decl.name] = origin
            elif isinstance(decl, ast.MapDecl):
                if self._claim_name(decl.name, decl.name_span, taken):
                    self._map(decl)
            elif isinstance(decl, ast.RankingDecl):
                if self._claim_name(decl.name, decl.name_span, taken):
                    self.rankings[decl.name] = ir.Ranking(
                        decl.name, decl.title, tuple((lv.attribute, lv.order) for lv in decl.levels), decl.span)
            elif isinstance(decl, ast.SectionDecl):
                if decl.name in self.sections:
                    self.out.error("duplicate-id", f"section `{decl.name}` is declared twice", decl.span,
                                   "give one of them another name",
                                   labels=(Label(self.sections[decl.name].span, "first declared here"),))
                else:
                    self.sections[decl.name] = ir.Section(decl.name, decl.heading, decl.paragraphs, decl.span)
        for name in list(self.set_decls):
            self.resolve_set(name)
        for origin in origins:
            if isinstance(origin.decl, ast.TableDecl) and origin.decl.name in self.set_decls:
                self._table(origin.decl)
        for ranking in self.rankings.values():
            self._check_ranking(ranking)

    def _map(self, decl: ast.MapDecl) -> None:
        seen: dict[str, Span] = {}
        for entry in decl.entries:
            if entry.key in seen:
                self.out.error("duplicate-id", f"`{entry.key}` is mapped twice in `{decl.name}`", entry.span,
                               "a code maps to one code", labels=(Label(seen[entry.key], "first mapped here"),))
            seen[entry.key] = entry.span
        pairs = tuple(sorted({(e.key, e.value) for e in decl.entries}))
        self.maps[decl.name] = ir.CodeMap(decl.name, decl.title, decl.source, pairs, decl.span)

    def _table(self, decl: ast.TableDecl) -> None:
        columns: list[tuple[str, str]] = []
        for column in decl.columns:
            if column.type not in ir.COLUMN_TYPES:
                self.out.error("unknown-type", f"unknown column type `{column.type}`", column.span,
                               *(_did_you_mean(column.type, ir.COLUMN_TYPES)
                                 or ("column types are " + ", ".join(ir.COLUMN_TYPES),)))
                return
            if column.name in self.attributes:
                other = self.attributes[column.name]
                if ir.COLUMN_TYPES[column.type] != other.type:
                    self.out.error("type-mismatch",
                                   f"column `{column.name}` has type {column.type} here and another type in "
                                   f"table `{other.table}`", column.span, "use one type for one attribute",
                                   labels=(Label(other.span, "declared here"),))
                    return
            columns.append((column.name, column.type))
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
            previous = self.attributes.get(name)
            merged = dict(previous.values) if previous else {}
            for code, value in values[name].items():
                if code in merged:
                    self.out.error("duplicate-id", f"`{code}` has a `{name}` in two tables", decl.span,
                                   "give the attribute one home")
                merged[code] = value
            self.attributes[name] = ir.Attribute(name, previous.table if previous else decl.name,
                                                 ir.COLUMN_TYPES[kind], tuple(sorted(merged.items())),
                                                 previous.span if previous else decl.span)

    def _cell(self, kind: str, cell: ast.Cell) -> ir.Value | None:
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
            return self.set_members(cell.value, texts=False)
        assert isinstance(cell.value, (str, int, float))
        return cell.value

    def _check_ranking(self, ranking: ir.Ranking) -> None:
        for attribute, order in ranking.levels:
            known = self.attributes.get(attribute)
            if known is None:
                self.out.error("unknown-attribute", f"no code table has a column `{attribute}`", ranking.span,
                               *(_did_you_mean(attribute, self.attributes)
                                 or ("rank by a column of a code table",)))
                continue
            used = {value for _, value in known.values}
            for symbol in order:
                if symbol not in used:
                    self.out.error("unknown-value", f"no code has `{attribute}` {symbol}", ranking.span,
                                   *(_did_you_mean(symbol, [str(v) for v in used])
                                     or ("rank values that the table's column holds",)))

    # ------------------------------------------------------------ expressions
    def expr(self, node: ast.Expr, scope: _Scope) -> ir.Expr | None:
        method = getattr(self, "_x_" + type(node).__name__, None)
        if method is None:  # pragma: no cover - a test checks every AST expression has a resolver
            raise NotImplementedError(type(node).__name__)
        result: ir.Expr | None = method(node, scope)
        return result

    def condition(self, node: ast.Expr, scope: _Scope) -> ir.Expr | None:
        result = self.expr(node, scope)
        if result is not None and result.type.kind is not ir.Kind.BOOL:
            self.out.error("type-mismatch", f"a condition must be true or false; this is a {result.type}",
                           node.span, "compare it, e.g. `line.units > 1`, or test it with `is given`")
            return None
        return result

    def _x_Number(self, node: ast.Number, scope: _Scope) -> ir.Expr:
        return ir.Const(node.value, ir.NUMBER, node.span)

    def _x_CodeLit(self, node: ast.CodeLit, scope: _Scope) -> ir.Expr:
        return ir.Const(node.code, ir.Type(ir.Kind.CODE), node.span)

    def _x_Text(self, node: ast.Text, scope: _Scope) -> ir.Expr:
        return ir.Const(node.value, ir.Type(ir.Kind.TEXT), node.span)

    def _x_DateLit(self, node: ast.DateLit, scope: _Scope) -> ir.Expr | None:
        if not self.check_date(node.value, node.span):
            return None
        return ir.Const(node.value, ir.Type(ir.Kind.DATE), node.span)

    def _x_Boolean(self, node: ast.Boolean, scope: _Scope) -> ir.Expr:
        return ir.Const(node.value, ir.BOOL, node.span)

    def check_date(self, value: str, span: Span) -> bool:
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            self.out.error("bad-date", f"{value} is not a calendar date", span, "write dates as YYYY-MM-DD")
            return False
        return True

    def _x_Path(self, node: ast.Path, scope: _Scope) -> ir.Expr | None:
        root, fields = node.root, node.fields
        if root in scope.names:
            if not fields:
                return ir.LineVar(root, ir.Type(ir.Kind.LINE), node.span)
            name = fields[0]
            if name not in ir.LINE_FIELDS:
                self.out.error("unknown-field", f"a line has no field `{name}`", node.span,
                               *(_did_you_mean(name, ir.LINE_FIELDS)
                                 or ("line fields: " + ", ".join(ir.LINE_FIELDS),)))
                return None
            value: ir.Expr = ir.LineField(root, name, ir.LINE_FIELDS[name], node.span)
            if len(fields) == 1:
                return value
            if name != "code" or len(fields) > 2:
                self.out.error("unknown-field", f"`{'.'.join(fields)}` does not name a value", node.span,
                               "only a code has attributes, e.g. `line.code.primaries`")
                return None
            return self._attribute(value, fields[1], node.span)
        if root == "claim":
            if len(fields) != 1 or fields[0] not in ir.CLAIM_FIELDS:
                shown = ".".join(fields) or "(nothing)"
                self.out.error("unknown-field", f"a claim has no field `{shown}`", node.span,
                               *(_did_you_mean(shown, ir.CLAIM_FIELDS)
                                 or ("claim fields: " + ", ".join(ir.CLAIM_FIELDS),)))
                return None
            return ir.ClaimField(fields[0], ir.CLAIM_FIELDS[fields[0]], node.span)
        if not fields and root in self.set_decls:
            resolved = self.resolve_set(root)
            if resolved is None:
                return None
            kind = ir.Kind.TEXTS if resolved.texts else ir.Kind.CODES
            return ir.SetValue(resolved, ir.Type(kind), node.span)
        candidates = [*scope.names, "claim", *self.set_decls, *self.maps]
        if root == "line":
            self.out.error("unknown-name", "`line` is not defined here", node.span,
                           "a rule's condition reads its target line as `line`; documentation entries have none")
        else:
            self.out.error("unknown-name", f"`{root}` is not defined", node.span,
                           *(_did_you_mean(root, candidates)
                             or ("name a line (`line`, or a quantified line), `claim`, or a code set",)))
        return None

    def _attribute(self, code: ir.Expr, name: str, span: Span) -> ir.Expr | None:
        attribute = self.attributes.get(name)
        if attribute is None:
            self.out.error("unknown-attribute", f"no code table has a column `{name}`", span,
                           *(_did_you_mean(name, self.attributes) or ("add the column to a code table",)))
            return None
        return ir.CodeAttr(code, name, attribute.type, span)

    def _x_Lookup(self, node: ast.Lookup, scope: _Scope) -> ir.Expr | None:
        key = self.expr(node.key, scope)
        if node.name not in self.maps:
            self.out.error("unknown-name", f"no map named `{node.name}`", node.span,
                           *(_did_you_mean(node.name, self.maps) or ("declare it with `map NAME = A -> B`",)))
            return None
        if key is None:
            return None
        if key.type.kind is not ir.Kind.CODE:
            self.out.error("type-mismatch", f"a map is looked up by a code; this is a {key.type}", node.key.span,
                           "look up a code, e.g. `subsequent[line.code]`")
            return None
        return ir.MapGet(node.name, key, ir.Type(ir.Kind.CODE, True), node.span)

    def _x_Call(self, node: ast.Call, scope: _Scope) -> ir.Expr | None:
        arity = FUNCTIONS.get(node.name)
        if arity is None:
            self.out.error("unknown-name", f"no function named `{node.name}`", node.span,
                           *(_did_you_mean(node.name, FUNCTIONS) or ("functions: " + ", ".join(FUNCTIONS),)))
            return None
        count = len(node.args)
        if (arity >= 0 and count != arity) or (arity < 0 and count < -arity):
            wanted = f"{arity}" if arity >= 0 else f"at least {-arity}"
            self.out.error("bad-arguments", f"`{node.name}` takes {wanted} argument(s), not {count}", node.span,
                           "e.g. `max(0, ceil((p.minutes - 90) / 60))`")
            return None
        if node.name == "rank":
            return self._rank(node, scope)
        args = [self.expr(a, scope) for a in node.args]
        if any(a is None for a in args):
            return None
        checked = [a for a in args if a is not None]
        if node.name in ("is_cpt", "is_hcpcs"):
            if not self._expect(checked[0], (ir.Kind.CODE, ir.Kind.TEXT), "a code", node.args[0].span):
                return None
            return ir.Func(node.name, tuple(checked), ir.BOOL, node.span)
        for arg, source in zip(checked, node.args, strict=True):
            if not self._expect(arg, (ir.Kind.NUMBER,), "a number", source.span):
                return None
        optional = any(a.type.optional for a in checked)
        return ir.Func(node.name, tuple(checked), ir.Type(ir.Kind.NUMBER, optional), node.span)

    def _rank(self, node: ast.Call, scope: _Scope) -> ir.Expr | None:
        code_node, ranking_node = node.args
        code = self.expr(code_node, scope)
        if not (isinstance(ranking_node, ast.Path) and not ranking_node.fields
                and ranking_node.root in self.rankings):
            self.out.error("unknown-name", "the second argument of `rank` names a ranking", ranking_node.span,
                           *(_did_you_mean(getattr(ranking_node, "root", ""), self.rankings)
                             or ("e.g. `rank(x.code, facility_hierarchy)`",)))
            return None
        if code is None or not self._expect(code, (ir.Kind.CODE,), "a code", code_node.span):
            return None
        return ir.RankOf(ranking_node.root, code, ir.Type(ir.Kind.RANK, True), node.span)

    def _expect(self, value: ir.Expr, kinds: tuple[ir.Kind, ...], what: str, span: Span) -> bool:
        if value.type.kind in kinds:
            return True
        self.out.error("type-mismatch", f"expected {what} here, not a {value.type.kind.value}", span,
                       _TYPE_HINTS.get((kinds[0], value.type.kind), "check the operands' types"))
        return False

    def _x_SetLiteral(self, node: ast.SetLiteral, scope: _Scope) -> ir.Expr | None:
        if node.items is None:
            self.out.error("empty-set", "this set is empty", node.span, "list at least one member")
            return None
        texts = _looks_textual(node.items)
        members = self.set_members(node.items, texts)
        if members is None:
            return None
        codes = ir.CodeSet(None, None, members, texts, None, node.span)
        return ir.SetValue(codes, ir.Type(ir.Kind.TEXTS if texts else ir.Kind.CODES), node.span)

    def _x_Arith(self, node: ast.Arith, scope: _Scope) -> ir.Expr | None:
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        if left is None or right is None:
            return None
        if not (self._expect(left, (ir.Kind.NUMBER,), "a number", node.left.span)
                and self._expect(right, (ir.Kind.NUMBER,), "a number", node.right.span)):
            return None
        optional = left.type.optional or right.type.optional or node.op == "/"
        return ir.Arith(node.op, left, right, ir.Type(ir.Kind.NUMBER, optional), node.span)

    def _x_Negate(self, node: ast.Negate, scope: _Scope) -> ir.Expr | None:
        operand = self.expr(node.operand, scope)
        if operand is None or not self._expect(operand, (ir.Kind.NUMBER,), "a number", node.operand.span):
            return None
        return ir.Neg(operand, operand.type, node.span)

    def _x_Compare(self, node: ast.Compare, scope: _Scope) -> ir.Expr | None:
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        if left is None or right is None:
            return None
        lk, rk = left.type.kind, right.type.kind
        comparable = {frozenset({ir.Kind.CODE, ir.Kind.TEXT}), frozenset({ir.Kind.CODE}),
                      frozenset({ir.Kind.TEXT}), frozenset({ir.Kind.NUMBER}), frozenset({ir.Kind.DATE}),
                      frozenset({ir.Kind.DATETIME}), frozenset({ir.Kind.BOOL}), frozenset({ir.Kind.RANK})}
        if frozenset({lk, rk}) not in comparable:
            self.out.error("type-mismatch", f"cannot compare a {lk.value} with a {rk.value}", node.span,
                           _TYPE_HINTS.get((lk, rk)) or _TYPE_HINTS.get((rk, lk)) or "compare values of one kind")
            return None
        ordered = node.op not in ("=", "!=")
        if ordered and lk not in (ir.Kind.NUMBER, ir.Kind.DATE, ir.Kind.DATETIME, ir.Kind.RANK):
            self.out.error("type-mismatch", f"`{node.op}` orders numbers, dates and ranks, not a {lk.value}",
                           node.span, "use `=` or `!=`, or `in` a set")
            return None
        self._check_enum(left, right)
        self._check_enum(right, left)
        return ir.Compare(node.op, left, right, ir.BOOL, node.span)

    def _check_enum(self, field_expr: ir.Expr, literal: ir.Expr) -> None:
        if not (isinstance(literal, ir.Const) and isinstance(literal.value, str)):
            return
        key = None
        if isinstance(field_expr, ir.ClaimField):
            key = ("claim", field_expr.field)
        elif isinstance(field_expr, ir.LineField):
            key = ("line", field_expr.field)
        allowed = ir.FIELD_VALUES.get(key) if key else None
        if allowed and literal.value not in allowed:
            self.out.error("unknown-value", f"{key[0]}.{key[1]} is never {literal.value!r}",  # type: ignore[index]
                           literal.span, *(_did_you_mean(literal.value, allowed)
                                           or ("its values are " + ", ".join(allowed),)))

    def _x_Member(self, node: ast.Member, scope: _Scope) -> ir.Expr | None:
        item, collection = self.expr(node.item, scope), self.expr(node.collection, scope)
        if item is None or collection is None:
            return None
        if collection.type.kind not in (ir.Kind.CODES, ir.Kind.TEXTS):
            self.out.error("type-mismatch", f"`in` needs a set on its right, not a {collection.type.kind.value}",
                           node.collection.span, "name a code set, a table, or write `{96360, 96361}`; "
                           "compare single values with `=`")
            return None
        wanted = (ir.Kind.CODE, ir.Kind.TEXT) if collection.type.kind is ir.Kind.CODES else (ir.Kind.TEXT,)
        if not self._expect(item, wanted, "a code" if collection.type.kind is ir.Kind.CODES else "a text value",
                            node.item.span):
            return None
        return ir.Member(item, collection, node.negated, ir.BOOL, node.span)

    def _x_Given(self, node: ast.Given, scope: _Scope) -> ir.Expr | None:
        value = self.expr(node.value, scope)
        if value is None:
            return None
        return ir.Given(value, node.negated, ir.BOOL, node.span)

    def _x_Has(self, node: ast.Has, scope: _Scope) -> ir.Expr | None:
        modifiers, wanted = self.expr(node.modifiers, scope), self.expr(node.wanted, scope)
        if modifiers is None or wanted is None:
            return None
        if modifiers.type.kind is not ir.Kind.MODIFIERS:
            self.out.error("type-mismatch", f"`has` and `lacks` test a line's modifiers, not a "
                           f"{modifiers.type.kind.value}", node.modifiers.span, 'e.g. `line.modifiers has "25"`')
            return None
        if node.any_of:
            if wanted.type.kind is not ir.Kind.TEXTS:
                self.out.error("type-mismatch", "`has any` needs a set of modifiers", node.wanted.span,
                               'declare one: set distinct_modifiers = "59", "XS"')
                return None
            members = wanted.codes.members if isinstance(wanted, ir.SetValue) else frozenset()
        else:
            if not (isinstance(wanted, ir.Const) and wanted.type.kind is ir.Kind.TEXT):
                self.out.error("type-mismatch", "`has` needs a quoted modifier", node.wanted.span,
                               'e.g. `line.modifiers has "25"`; for a set use `has any`')
                return None
            members = frozenset({str(wanted.value)})
        for modifier in sorted(members):
            if not code_shapes.MODIFIER.fullmatch(modifier):
                self.out.error("bad-modifier", f"{modifier!r} is not a modifier", node.wanted.span,
                               "modifiers are two upper-case letters or digits, e.g. \"59\" or \"XS\"")
                return None
        return ir.Has(modifiers, wanted, node.any_of, node.negated, ir.BOOL, node.span)

    def _x_Flagged(self, node: ast.Flagged, scope: _Scope) -> ir.Expr | None:
        line = self.expr(node.line, scope)
        if line is None:
            return None
        if not isinstance(line, ir.LineVar):
            self.out.error("type-mismatch", "`flagged by` tests a line, e.g. `x flagged by P23`", node.line.span,
                           "name the line variable itself, not one of its fields")
            return None
        self._references.append((node.rule, node.rule_span))
        return ir.Flagged(line.var, node.rule, ir.BOOL, node.span)

    def _x_Relation(self, node: ast.Relation, scope: _Scope) -> ir.Expr | None:
        if len(scope.names) < 2:
            self.out.error("relation-outside-quantifier",
                           f"`{'same ' if node.kind != 'overlapping' else ''}{node.kind}` compares a quantified "
                           "line with the line outside it, and there is no quantified line here", node.span,
                           "use it inside `any other line x where ...`")
            return None
        return ir.Relation(node.kind, scope.names[-1], scope.names[-2], ir.BOOL, node.span)

    def _x_BoolOp(self, node: ast.BoolOp, scope: _Scope) -> ir.Expr | None:
        left, right = self.condition(node.left, scope), self.condition(node.right, scope)
        if left is None or right is None:
            return None
        return ir.BoolOp(node.op, left, right, ir.BOOL, node.span)

    def _x_Not(self, node: ast.Not, scope: _Scope) -> ir.Expr | None:
        operand = self.condition(node.operand, scope)
        return None if operand is None else ir.Not(operand, ir.BOOL, node.span)

    def _x_Quantified(self, node: ast.Quantified, scope: _Scope) -> ir.Expr | None:
        if node.var in scope.names or node.var in RESERVED or node.var in self.set_decls:
            self.out.error("duplicate-id", f"`{node.var}` already names something here", node.var_span,
                           "give the quantified line a new name, such as `x` or `other`")
            return None
        if len(set(node.scopes)) != len(node.scopes) or {"earlier", "later"} <= set(node.scopes):
            self.out.error("bad-scope", "these line scopes contradict or repeat each other", node.span,
                           "use at most one of `earlier` and `later`, and each word once")
            return None
        inner = _Scope([*scope.names, node.var])
        condition = self.condition(node.condition, inner)
        then = self.condition(node.then, inner) if node.then is not None else None
        if condition is None or (node.then is not None and then is None):
            return None
        kind = ir.Type(ir.Kind.NUMBER) if node.kind == "count" else ir.BOOL
        return ir.Quant(node.kind, tuple(node.scopes), node.var, scope.names[-1], condition, then, kind, node.span)

    # ------------------------------------------------------------ rules
    def rule(self, decl: ast.RuleDecl, origin: str) -> ir.Rule | None:
        errors_before = len(self.out.items)
        single = ("cite", "on", "at", "outside", "target", "when", "verdict", "suggest")
        seen: dict[str, Span] = {}
        for clause in decl.clauses:
            if clause.kind in single:
                if clause.kind in seen:
                    self.out.error("duplicate-clause", f"this {decl.kind} has a second `{_clause_word(clause)}`",
                                   clause.span, "join the two into one clause",
                                   labels=(Label(seen[clause.kind], "the first one"),))
                seen.setdefault(clause.kind, clause.span)
        clauses = {c.kind: c for c in reversed(decl.clauses)}
        allowed = {"rule": set(single) | {"covers", "quote", "text", "overrides", "resolves"},
                   "exception": {"covers", "cite", "quote", "text", "on", "at", "outside", "target", "when",
                                 "overrides", "resolves"},
                   "documentation": {"covers", "cite", "quote", "text", "resolves"}}[decl.kind]
        self._check_order(decl, allowed)
        for clause in decl.clauses:
            if clause.kind not in allowed:
                article = "an" if decl.kind == "exception" else "a"
                self.out.error("misplaced-clause", f"{article} {decl.kind} cannot have `{_clause_word(clause)}`",
                               clause.span, _MISPLACED_HINTS[decl.kind])
        if decl.kind == "rule" and "verdict" not in clauses:
            self.out.error("missing-clause", f"rule {decl.id} says neither deny, review nor info", decl.id_span,
                           'add its disposition and message, e.g. deny "96372 is bundled into the E/M"')
        if decl.kind == "exception" and "overrides" not in clauses:
            self.out.error("missing-clause", f"exception {decl.id} does not say which rules it overrides",
                           decl.id_span, "add `overrides RULE-ID`")
        if decl.kind == "documentation" and "covers" not in clauses:
            self.out.error("missing-clause", f"documentation {decl.id} covers no analyst-note row", decl.id_span,
                           "add `covers P09` naming the rows it documents")

        covers = tuple(v for c in decl.clauses if c.kind == "covers" for v in c.values)
        quotes = tuple(ir.Quote(c.values[0], c.span) for c in decl.clauses if c.kind == "quote")
        texts = tuple(c.values[0] for c in decl.clauses if c.kind == "text")
        overrides = tuple(v for c in decl.clauses if c.kind == "overrides" for v in c.values)
        for c in decl.clauses:
            if c.kind == "overrides":
                self._references.extend(zip(c.values, c.value_spans, strict=True))
        resolves = tuple(ir.Resolution(c.values[0], c.values[1], c.span) for c in decl.clauses
                         if c.kind == "resolves")
        citation, section = self._citation(clauses.get("cite"))
        claim_types = tuple(sorted(set(clauses["on"].values))) if "on" in clauses else None
        places, negated = None, False
        if "at" in clauses or "outside" in clauses:
            negated = "at" not in clauses
            places = self._places(clauses["at" if "at" in clauses else "outside"])
        target = None
        if "target" in clauses:
            target_expr = clauses["target"].expr
            assert isinstance(target_expr, (ast.SetUnion, ast.SetExcept))
            members = self.set_members(target_expr, texts=False)
            if members is not None:
                target = ir.CodeSet(_single_name(target_expr), None, members, False, None, target_expr.span)
        variables = _Scope([] if decl.kind == "documentation" else ["line"])
        condition = None
        if "when" in clauses:
            when = clauses["when"].expr
            assert when is not None and not isinstance(when, (ast.SetUnion, ast.SetExcept))
            condition = self.condition(when, variables)
        suggest = suggest_if = None
        if "suggest" in clauses:
            clause = clauses["suggest"]
            assert clause.expr is not None and not isinstance(clause.expr, (ast.SetUnion, ast.SetExcept))
            suggest = self.expr(clause.expr, variables)
            if suggest is not None and suggest.type.kind is not ir.Kind.CODE:
                self.out.error("type-mismatch", f"a suggestion is a code, not a {suggest.type.kind.value}",
                               clause.expr.span, "suggest a code (99211) or a map lookup (subsequent[line.code])")
            if clause.condition is not None:
                suggest_if = self.condition(clause.condition, variables)
        disposition: str | None = None
        message: tuple[ir.MessagePart, ...] = ()
        if decl.kind == "exception":
            disposition = "allow"
        elif "verdict" in clauses:
            verdict = clauses["verdict"]
            disposition = verdict.values[0]
            message = self._message(verdict.values[1], verdict.value_spans[1])
        if any(d.severity is Severity.ERROR for d in self.out.items[errors_before:]):
            return None
        references = tuple(sorted({ref.rule for ref in _walk_flagged(condition, suggest, suggest_if)}))
        return ir.Rule(decl.id, decl.kind, decl.title, disposition, message, citation, section, covers, quotes,
                       texts, claim_types, places, negated, target, condition, suggest, suggest_if, overrides,
                       resolves, references, origin, decl.span, decl.id_span)

    def _check_order(self, decl: ast.RuleDecl, allowed: set[str]) -> None:
        """Clauses come in one order, so that a line that drifts into a neighbouring rule is caught."""
        furthest: ast.Clause | None = None
        for clause in decl.clauses:
            if clause.kind not in allowed:
                continue
            rank = CLAUSE_ORDER.get(clause.kind, 0)
            if furthest is not None and rank < CLAUSE_ORDER.get(furthest.kind, 0):
                article = "an" if decl.kind == "exception" else "a"
                self.out.error("clause-order", f"`{_clause_word(clause)}` comes before "
                               f"`{_clause_word(furthest)}` in {article} {decl.kind}", clause.span,
                               "write the clauses in this order: " + CLAUSE_ORDER_TEXT,
                               labels=(Label(furthest.span, "this clause comes later"),))
                return
            if furthest is None or rank > CLAUSE_ORDER.get(furthest.kind, 0):
                furthest = clause

    def _citation(self, clause: ast.Clause | None) -> tuple[str, str | None]:
        if clause is None:
            return "", None
        name = clause.values[0]
        section = self.sections.get(name)
        if section is None:
            self.out.error("unknown-section", f"no section named `{name}`", clause.value_spans[0],
                           *(_did_you_mean(name, self.sections) or ('declare it: section NAME "Heading"',)))
            return "", None
        detail = clause.values[1] if len(clause.values) > 1 else ""
        return (f"{section.heading}: {detail}" if detail else section.heading), name

    def _places(self, clause: ast.Clause) -> ir.CodeSet | None:
        expr = clause.expr
        assert isinstance(expr, (ast.SetUnion, ast.SetExcept))
        members = self.set_members(expr, texts=True)
        if members is None:
            return None
        bad = sorted(m for m in members if not code_shapes.PLACE.fullmatch(m))
        if bad:
            self.out.error("bad-place", f"{bad[0]!r} is not a place of service", expr.span,
                           'places of service are two digits, e.g. "11" or "22"')
            return None
        return ir.CodeSet(_single_name(expr), None, members, True, None, expr.span)

    def _message(self, text: str, span: Span) -> tuple[ir.MessagePart, ...]:
        parts: list[ir.MessagePart] = []
        position = 0
        exact = span.end - span.start == len(text) + 2  # no escapes: offsets in the text are offsets in the file

        def at(match: re.Match[str]) -> Span:
            if not exact:
                return span
            return Span(span.path, span.start + 1 + match.start(), span.start + 1 + match.end())

        for match in _PLACEHOLDER.finditer(text):
            if match.start() > position:
                parts.append(ir.MessagePart(text[position:match.start()]))
            token = match.group(0)
            position = match.end()
            if token in ("{{", "}}"):
                parts.append(ir.MessagePart(token[0]))
            elif match.group(1) is None:
                self.out.error("bad-message", f"a lone {token!r} in the message", at(match),
                               "name a field of the line in braces, {code}; write {{ or }} for a brace")
            elif match.group(1).strip() not in ir.LINE_FIELDS:
                name = match.group(1).strip()
                self.out.error("unknown-field", f"the message names `{{{name}}}`, which is not a line field",
                               at(match), *(_did_you_mean(name, ir.LINE_FIELDS)
                                       or ("line fields: " + ", ".join(ir.LINE_FIELDS),)))
            else:
                parts.append(ir.MessagePart("", match.group(1).strip()))
        if position < len(text):
            parts.append(ir.MessagePart(text[position:]))
        merged: list[ir.MessagePart] = []
        for part in parts:
            if merged and part.field is None and merged[-1].field is None:
                merged[-1] = ir.MessagePart(merged[-1].text + part.text)
            else:
                merged.append(part)
        return tuple(merged)

    def check_references(self, rules: Sequence[ir.Rule]) -> None:
        known = {rule.id for rule in rules}
        for name, span in self._references:
            if name not in known:
                self.out.error("unknown-rule", f"no rule named `{name}`", span,
                               *(_did_you_mean(name, known) or ("name a rule or exception of this pack",)))


CLAUSE_ORDER = {"covers": 1, "cite": 2, "quote": 3, "text": 4, "on": 5, "at": 6, "outside": 6, "target": 7,
                "when": 8, "verdict": 9, "suggest": 10, "overrides": 11, "resolves": 12}
CLAUSE_ORDER_TEXT = ("covers, cite, quote, text, on ... claims, at/outside, target, when, deny/review/info, "
                     "suggest, overrides, resolves")

_TYPE_HINTS: dict[tuple[ir.Kind, ir.Kind], str] = {
    (ir.Kind.CODE, ir.Kind.NUMBER): "codes are not numbers: write the code with five characters, e.g. 96372",
    (ir.Kind.NUMBER, ir.Kind.CODE): "codes are not numbers: compare a code with a code (line.code = 96372)",
    (ir.Kind.NUMBER, ir.Kind.TEXT): "write the number without quotes",
    (ir.Kind.TEXT, ir.Kind.NUMBER): "quote text values, e.g. \"22\"",
    (ir.Kind.NUMBER, ir.Kind.DATETIME): "use `line.minutes` for the minutes between start and stop",
    (ir.Kind.NUMBER, ir.Kind.BOOL): "a condition cannot be used as a number",
}
_MISPLACED_HINTS = {
    "rule": "",
    "exception": "an exception allows what the rules it overrides deny; it has no disposition, message or "
                 "suggestion",
    "documentation": "documentation entries hold covers, cite, quote and text; write a rule for an edit",
}


def _clause_word(clause: ast.Clause) -> str:
    if clause.kind == "verdict":
        return clause.values[0]
    return {"on": "on ... claims"}.get(clause.kind, clause.kind)


def _single_name(expr: ast.SetExpr) -> str | None:
    if isinstance(expr, ast.SetUnion) and len(expr.items) == 1 and isinstance(expr.items[0], ast.SetRef):
        return expr.items[0].name
    return None


def _looks_textual(expr: ast.SetItem) -> bool:
    if isinstance(expr, ast.SetText):
        return True
    if isinstance(expr, ast.SetUnion):
        return bool(expr.items) and _looks_textual(expr.items[0])
    if isinstance(expr, ast.SetExcept):
        return _looks_textual(expr.base)
    return False


def walk(expr: ir.Expr | None) -> Iterable[ir.Expr]:
    """Every node of an expression, parents before children."""
    if expr is None:
        return
    yield expr
    if isinstance(expr, (ir.Arith, ir.Compare, ir.BoolOp)):
        yield from walk(expr.left)
        yield from walk(expr.right)
    elif isinstance(expr, (ir.Neg, ir.Not)):
        yield from walk(expr.operand)
    elif isinstance(expr, ir.Member):
        yield from walk(expr.item)
        yield from walk(expr.collection)
    elif isinstance(expr, ir.Given):
        yield from walk(expr.value)
    elif isinstance(expr, ir.Has):
        yield from walk(expr.modifiers)
        yield from walk(expr.wanted)
    elif isinstance(expr, (ir.CodeAttr, ir.RankOf)):
        yield from walk(expr.code)
    elif isinstance(expr, ir.MapGet):
        yield from walk(expr.key)
    elif isinstance(expr, ir.Func):
        for arg in expr.args:
            yield from walk(arg)
    elif isinstance(expr, ir.Quant):
        yield from walk(expr.condition)
        yield from walk(expr.then)


def _walk_flagged(*exprs: ir.Expr | None) -> Iterable[ir.Flagged]:
    for expr in exprs:
        for node in walk(expr):
            if isinstance(node, ir.Flagged):
                yield node


# ---------------------------------------------------------------- the pack


def _pack_header(origins: list[_Origin], path: str, out: Collector) -> ast.PackDecl | None:
    own = [o.decl for o in origins if isinstance(o.decl, ast.PackDecl) and o.file == path]
    if not own:
        out.error("missing-pack", "this file declares no pack", Span(path, 0, 0),
                  'start it with: pack NAME, then title, version, effective YYYY-MM-DD and source "FILE"')
        return None
    if len(own) > 1:
        out.error("duplicate-id", "this file declares two packs", own[1].span, "one file holds one pack",
                  labels=(Label(own[0].span, "the first one"),))
    return own[0]


def _header_fields(header: ast.PackDecl, resolver: Resolver, out: Collector) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in header.fields:
        if item.name in fields:
            out.error("duplicate-clause", f"the pack gives `{item.name}` twice", item.span, "keep one")
        fields[item.name] = item.value
        if item.name == "effective":
            resolver.check_date(item.value, item.span)
    for required in ("title", "version", "effective", "source"):
        if required not in fields:
            out.error("missing-clause", f"pack {header.name} has no `{required}`", header.name_span,
                      f"add `{required} ...` to the pack header")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", header.name) or header.name in {"line", "claim"}:
        out.error("bad-pack-name", f"`{header.name}` cannot name a generated module", header.name_span,
                  "use lower case letters, digits and underscores, e.g. cpcp026")
    return fields


def _collect_rules(origins: list[_Origin], out: Collector) -> tuple[list[_Origin], list[str]]:
    """The rule declarations in force: a pack's own rule replaces an inherited one of the same id,
    and `remove rule` drops an inherited one."""
    removed = [o.decl for o in origins if isinstance(o.decl, ast.RemoveDecl) and not o.inherited]
    chosen: dict[str, _Origin] = {}
    first_span: dict[tuple[str, bool], Span] = {}
    for origin in origins:
        decl = origin.decl
        if not isinstance(decl, ast.RuleDecl):
            continue
        key = (decl.id, origin.inherited)
        if key in first_span:
            out.error("duplicate-id", f"`{decl.id}` is declared twice", decl.id_span,
                      "rule ids are unique in a pack; rename one",
                      labels=(Label(first_span[key], "first declared here"),))
            continue
        first_span[key] = decl.id_span
        if decl.id in chosen and chosen[decl.id].inherited and not origin.inherited:
            chosen[decl.id] = origin  # the contract pack's own version replaces the base rule
        elif decl.id not in chosen:
            chosen[decl.id] = origin
    removed_ids: list[str] = []
    for decl in removed:
        assert isinstance(decl, ast.RemoveDecl)
        origin_or_none = chosen.get(decl.rule)
        if origin_or_none is None or not origin_or_none.inherited:
            out.error("unknown-rule", f"no inherited rule named `{decl.rule}` to remove", decl.span,
                      *(_did_you_mean(decl.rule, chosen) or ("`remove rule` applies to a base pack's rules",)))
            continue
        del chosen[decl.rule]
        removed_ids.append(decl.rule)
    return list(chosen.values()), removed_ids


def resolve_pack(path: str | Path, out: Collector, sources: Sources) -> ir.Pack | None:
    """Load, parse and resolve the pack at `path` (with its imports and base pack)."""
    loader = Loader(out, sources)
    display = display_path(Path(path))
    origins = loader.flatten(Path(path), None, ())
    header = _pack_header(origins, display, out) if display in loader.modules else None
    resolver = Resolver(out)
    resolver.declare_data(origins)
    fields = _header_fields(header, resolver, out) if header else {}
    rule_origins, removed = _collect_rules(origins, out)
    rules = []
    for origin in rule_origins:
        assert isinstance(origin.decl, ast.RuleDecl)
        resolved = resolver.rule(origin.decl, origin.file)
        if resolved is not None:
            rules.append(resolved)
    precedences = _precedences(origins, rules, resolver, out)
    resolver.check_references([*rules, *_unresolved_rule_stubs(rule_origins, rules)])
    examples = _examples(origins, {r.id for r in rules} | {o.decl.id for o in rule_origins
                                                           if isinstance(o.decl, ast.RuleDecl)}, out)
    if out.has_errors or header is None:
        return None
    digest = hashlib.sha256()
    for key in sorted(loader.texts):
        digest.update(Path(key).name.encode("utf-8") + b"\0" + loader.texts[key].encode("utf-8") + b"\0")
    base = fields.get("extends")
    return ir.Pack(
        name=header.name, policy=fields.get("policy", header.name.upper()), title=fields["title"],
        version=fields["version"], effective=fields["effective"], source=fields["source"], path=display,
        digest=digest.hexdigest(), extends=base,
        sections=tuple(resolver.sections.values()),
        sets=tuple(s for s in resolver.sets.values() if s is not None),
        tables=tuple(resolver.tables), attributes=tuple(resolver.attributes.values()),
        maps=tuple(resolver.maps.values()), rankings=tuple(resolver.rankings.values()),
        rules=tuple(rules), precedences=precedences, examples=examples, removed=tuple(removed),
        span=header.span,
    )


def _unresolved_rule_stubs(origins: list[_Origin], rules: list[ir.Rule]) -> list[ir.Rule]:
    """Rules that had errors still count as names, so references to them are not reported twice."""
    have = {r.id for r in rules}
    stubs = []
    for origin in origins:
        decl = origin.decl
        if isinstance(decl, ast.RuleDecl) and decl.id not in have:
            stubs.append(ir.Rule(decl.id, decl.kind, decl.title, None, (), "", None, (), (), (), None, None,
                                 False, None, None, None, None, (), (), (), origin.file))
    return stubs


def _precedences(origins: list[_Origin], rules: list[ir.Rule], resolver: Resolver,
                 out: Collector) -> tuple[ir.Precedence, ...]:
    result: list[ir.Precedence] = []
    for rule in rules:
        for loser in rule.overrides:
            result.append(ir.Precedence(rule.id, loser, rule.resolves, "overrides", rule.span))
    for origin in origins:
        decl = origin.decl
        if not isinstance(decl, ast.PrecedenceDecl):
            continue
        resolver._references.extend(zip((decl.winner, *decl.losers), decl.rule_spans, strict=True))
        resolves = tuple(ir.Resolution(c.values[0], c.values[1], c.span) for c in decl.resolves)
        for loser in decl.losers:
            if loser == decl.winner:
                out.error("precedence-cycle", f"`{loser}` cannot take precedence over itself", decl.span,
                          "name two different rules")
                continue
            result.append(ir.Precedence(decl.winner, loser, resolves, "precedence", decl.span))
    return tuple(result)


def _examples(origins: list[_Origin], rule_ids: set[str], out: Collector) -> tuple[ir.Example, ...]:
    result = []
    names: dict[str, Span] = {}
    for origin in origins:
        decl = origin.decl
        if not isinstance(decl, ast.ExampleDecl) or origin.inherited:
            continue
        if decl.name in names:
            out.error("duplicate-id", f"two examples are named {decl.name!r}", decl.span, "rename one",
                      labels=(Label(names[decl.name], "first declared here"),))
        names[decl.name] = decl.span
        if not decl.has_claim:
            out.error("bad-example", f"example {decl.name!r} has no claim", decl.span,
                      'add: claim {"id": "X1", "type": "professional", ...}')
        if not decl.expectations:
            out.error("bad-example", f"example {decl.name!r} expects nothing at all", decl.span,
                      "add `expect nothing` or `expect line N deny`")
        for expectation in decl.expectations:
            if expectation.rule is not None and expectation.rule not in rule_ids:
                out.error("unknown-rule", f"no rule named `{expectation.rule}`", expectation.span,
                          *(_did_you_mean(expectation.rule, rule_ids) or ("name a rule of this pack",)))
            if expectation.line is not None and expectation.line < 1:
                out.error("bad-example", "line numbers start at 1", expectation.span, "count lines from 1")
        expected = tuple(ir.Expected(e.kind, e.line, e.disposition, e.rule, e.suggest, e.text, e.span)
                         for e in decl.expectations)
        result.append(ir.Example(decl.name, decl.note, decl.claim, expected, decl.span))
    return tuple(result)
