"""The second resolution pass: expressions, typed.

Each AST expression becomes a typed IR expression or None (after reporting why). The pass reads
the data declarations (`Data`) and records the rules that expressions name (`flagged by`) in
`references`, for the rules pass to check once every rule id is known.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from compiler import codes as code_shapes
from compiler.diagnostics import Collector, Span, did_you_mean
from compiler.semantics import ir
from compiler.semantics.data import Data
from compiler.semantics.names import CODE_TESTS, FUNCTIONS, RESERVED, Unresolved
from compiler.syntax import ast


class Scope:
    """The line variables visible in an expression, innermost last. In a table's checks there is no
    line: `table` names the table whose row is `row`, and `day` says whether `day` is defined."""

    def __init__(self, names: Sequence[str], table: str | None = None, day: bool = False) -> None:
        self.names = list(names)
        self.table = table
        self.day = day


def check_date(value: str, span: Span, out: Collector) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        out.error("bad-date", f"{value} is not a calendar date", span, "write dates as YYYY-MM-DD")
        return False
    return True


class ExprResolver:
    def __init__(self, data: Data, unresolved: Unresolved) -> None:
        self.out = unresolved.out
        self.data = data
        self.unresolved = unresolved
        self.sets = data.expander(unresolved)
        self.references: list[tuple[str, Span]] = []  # (rule id, where) for each `flagged by`

    def expr(self, node: ast.Expr, scope: Scope) -> ir.Expr | None:
        resolve = RESOLVERS.get(type(node))
        if resolve is None:  # pragma: no cover - a test checks every AST expression has a resolver
            raise NotImplementedError(type(node).__name__)
        return resolve(self, node, scope)

    def condition(self, node: ast.Expr, scope: Scope) -> ir.Expr | None:
        result = self.expr(node, scope)
        if result is not None and result.type.kind is not ir.Kind.BOOL:
            hint = _ROW_HINT if result.type.kind is ir.Kind.ROW else \
                "compare it, e.g. `line.units > 1`, or test it with `is given`"
            self.out.error("type-mismatch", f"a condition must be true or false; this is a {result.type}",
                           node.span, hint)
            return None
        return result

    def _x_Number(self, node: ast.Number, scope: Scope) -> ir.Expr:
        return ir.Const(node.value, ir.NUMBER, node.span)

    def _x_CodeLit(self, node: ast.CodeLit, scope: Scope) -> ir.Expr:
        return ir.Const(node.code, ir.Type(ir.Kind.CODE), node.span)

    def _x_Text(self, node: ast.Text, scope: Scope) -> ir.Expr:
        return ir.Const(node.value, ir.Type(ir.Kind.TEXT), node.span)

    def _x_DateLit(self, node: ast.DateLit, scope: Scope) -> ir.Expr | None:
        if not check_date(node.value, node.span, self.out):
            return None
        return ir.Const(node.value, ir.Type(ir.Kind.DATE), node.span)

    def _x_Boolean(self, node: ast.Boolean, scope: Scope) -> ir.Expr:
        return ir.Const(node.value, ir.BOOL, node.span)

    def _x_Path(self, node: ast.Path, scope: Scope) -> ir.Expr | None:
        root, fields = node.root, node.fields
        if scope.table is not None and root in ("row", "day", "line", "claim"):
            return self._check_path(node, scope)
        if root in scope.names:
            if not fields:
                return ir.LineVar(root, ir.Type(ir.Kind.LINE), node.span)
            name = fields[0]
            if name not in ir.LINE_FIELDS:
                self.out.error("unknown-field", f"a line has no field `{name}`", node.span,
                               *(did_you_mean(name, ir.LINE_FIELDS)
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
                               *(did_you_mean(shown, ir.CLAIM_FIELDS)
                                 or ("claim fields: " + ", ".join(ir.CLAIM_FIELDS),)))
                return None
            return ir.ClaimField(fields[0], ir.CLAIM_FIELDS[fields[0]], node.span)
        if not fields and root in self.data.table_decls:
            self.out.error("type-mismatch", f"`{root}` is a table read from files, not a set of codes", node.span,
                           f"look a code up in it: {root}[line.code ...] is given")
            return None
        if not fields and root in self.data.sets:
            resolved = self.data.sets[root]
            if resolved is None:
                return None
            kind = ir.Kind.TEXTS if resolved.texts else ir.Kind.CODES
            return ir.SetValue(resolved, ir.Type(kind), node.span)
        if root == "line":
            self.out.error("unknown-name", "`line` is not defined here", node.span,
                           "a rule's condition reads its target line as `line`; documentation entries have none")
        else:
            self.unresolved.report("unknown-name", root, f"`{root}` is not defined", node.span,
                                   [*scope.names, "claim", *self.data.sets, *self.data.maps],
                                   "name a line (`line`, or a quantified line), `claim`, or a code set")
        return None

    def _check_path(self, node: ast.Path, scope: Scope) -> ir.Expr | None:
        """`row.COLUMN` and `day` in a table's checks (which see no claim)."""
        assert scope.table is not None
        table = self.data.data_tables[scope.table]
        names = [c.name for c in table.columns]
        if node.root == "row":
            if len(node.fields) != 1 or node.fields[0] not in names:
                shown = ".".join(node.fields) or "(nothing)"
                self.out.error("unknown-field", f"table `{table.name}` has no column `{shown}`", node.span,
                               *(did_you_mean(shown, names) or ("columns: " + ", ".join(names),)))
                return None
            column = table.column(node.fields[0])
            return ir.RowField(table.name, column.name, ir.FILE_COLUMN_TYPES[column.type], node.span)
        if node.root == "day" and scope.day and not node.fields:
            return ir.CheckDay(ir.Type(ir.Kind.DATE), node.span)
        where = "a table's `warn`" if node.root == "day" else "a table's checks"
        self.out.error("unknown-name", f"`{node.root}` is not defined in {where}", node.span,
                       "a table's checks read the row they check as `row.COLUMN`" +
                       (", and `warn` the day as `day`" if node.root != "day" else ""))
        return None

    def _attribute(self, code: ir.Expr, name: str, span: Span) -> ir.Expr | None:
        attribute = self.data.attributes.get(name)
        if attribute is None:
            if not self.unresolved.tables_unparsed:  # the column may be in the table that did not parse
                self.out.error("unknown-attribute", f"no code table has a column `{name}`", span,
                               *(did_you_mean(name, self.data.attributes) or ("add the column to a code table",)))
            return None
        return ir.CodeAttr(code, name, attribute.type, span)

    def _x_Lookup(self, node: ast.Lookup, scope: Scope) -> ir.Expr | None:
        if node.name in self.data.data_tables:
            return self._table_lookup(node, scope)
        if node.name in self.data.table_decls:
            return None  # a table read from files with errors of its own, reported
        if node.name in self.data.maps and (node.more_keys or node.on is not None or node.fields):
            self.out.error("bad-lookup", f"`{node.name}` is a map: it is looked up by one code, `{node.name}[code]`",
                           node.span, "tables read from files take more keys, `on` a date and `.COLUMN`")
            return None
        if node.name not in self.data.maps and any(t.name == node.name for t in self.data.tables):
            self.out.error("bad-lookup", f"`{node.name}` is a code table: it gives codes attributes", node.span,
                           f"read a column as an attribute of a code, e.g. line.code.COLUMN "
                           f"(with line.code in {node.name})")
            return None
        key = self.expr(node.key, scope)
        if node.name not in self.data.maps:
            self.unresolved.report("unknown-name", node.name, f"no map named `{node.name}`", node.span,
                                   self.data.maps, "declare it with `map NAME = A -> B`")
            return None
        if key is None:
            return None
        if key.type.kind is not ir.Kind.CODE:
            self.out.error("type-mismatch", f"a map is looked up by a code; this is a {key.type}", node.key.span,
                           "look up a code, e.g. `subsequent[line.code]`")
            return None
        return ir.MapGet(node.name, key, ir.Type(ir.Kind.CODE, True), node.span)

    def _table_lookup(self, node: ast.Lookup, scope: Scope) -> ir.Expr | None:
        table = self.data.data_tables[node.name]
        keys_written = (node.key, *node.more_keys)
        keys = [self.expr(k, scope) for k in keys_written]
        on = self.expr(node.on, scope) if node.on is not None else None
        if any(k is None for k in keys) or (node.on is not None and on is None):
            return None
        if len(keys) > len(table.key):
            self.out.error("bad-lookup", f"`{table.name}` is keyed by {_listed(table.key)}: at most "
                           f"{len(table.key)} key(s), not {len(keys)}", node.span,
                           f"e.g. {table.name}[{', '.join('line.code' for _ in table.key)}"
                           f"{' on line.date' if table.dated else ''}]")
            return None
        for key, written in zip(keys, keys_written, strict=True):
            assert key is not None
            if not self._expect(key, (ir.Kind.CODE, ir.Kind.TEXT), "a code", written.span):
                return None
        if table.dated and on is None:
            self.out.error("bad-lookup", f"the rows of `{table.name}` apply from a date: say on which date to "
                           "look them up", node.span, f"e.g. {table.name}[line.code ... on line.date]")
            return None
        if not table.dated and on is not None:
            self.out.error("bad-lookup", f"the rows of `{table.name}` always apply: it is looked up without "
                           "`on`", node.span, f"e.g. {table.name}[line.code]")
            return None
        if on is not None and node.on is not None and not self._expect(on, (ir.Kind.DATE,), "a date", node.on.span):
            return None
        checked = tuple(k for k in keys if k is not None)
        if not node.fields:
            return ir.TableLookup(table.name, checked, on, None, ir.Type(ir.Kind.ROW, True), node.span)
        names = [c.name for c in table.columns]
        column = node.fields[0]
        if len(node.fields) > 1 or column not in names:
            shown = ".".join(node.fields)
            self.out.error("bad-lookup", f"table `{table.name}` has no column `{shown}`", node.span,
                           *(did_you_mean(shown, names) or ("columns: " + ", ".join(names),)))
            return None
        if len(checked) < len(table.key) and column not in table.one_per_first_key():
            self.out.error("bad-lookup", f"a lookup by `{table.key[0]}` alone finds several rows, whose "
                           f"`{column}` may differ", node.span,
                           f"declare `one {column} per {table.key[0]}` in table `{table.name}`, or give every key")
            return None
        kind = table.column(column).type
        return ir.TableLookup(table.name, checked, on, column, ir.FILE_COLUMN_TYPES[kind], node.span)

    def _x_Call(self, node: ast.Call, scope: Scope) -> ir.Expr | None:
        arity = FUNCTIONS.get(node.name)
        if arity is None:
            self.out.error("unknown-name", f"no function named `{node.name}`", node.span,
                           *(did_you_mean(node.name, FUNCTIONS) or ("functions: " + ", ".join(FUNCTIONS),)))
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
        if node.name in CODE_TESTS:
            if not self._expect(checked[0], (ir.Kind.CODE, ir.Kind.TEXT), "a code", node.args[0].span):
                return None
            return ir.Func(node.name, tuple(checked), ir.BOOL, node.span)
        for arg, source in zip(checked, node.args, strict=True):
            if not self._expect(arg, (ir.Kind.NUMBER,), "a number", source.span):
                return None
        optional = any(a.type.optional for a in checked)
        return ir.Func(node.name, tuple(checked), ir.Type(ir.Kind.NUMBER, optional), node.span)

    def _rank(self, node: ast.Call, scope: Scope) -> ir.Expr | None:
        code_node, ranking_node = node.args
        code = self.expr(code_node, scope)
        if not (isinstance(ranking_node, ast.Path) and not ranking_node.fields
                and ranking_node.root in self.data.rankings):
            name = getattr(ranking_node, "root", "")
            self.unresolved.report("unknown-name", name, "the second argument of `rank` names a ranking",
                                   ranking_node.span, self.data.rankings, "e.g. `rank(x.code, facility_hierarchy)`")
            return None
        if code is None or not self._expect(code, (ir.Kind.CODE,), "a code", code_node.span):
            return None
        return ir.RankOf(ranking_node.root, code, ir.Type(ir.Kind.RANK, True), node.span)

    def _expect(self, value: ir.Expr, kinds: tuple[ir.Kind, ...], what: str, span: Span) -> bool:
        if value.type.kind in kinds:
            return True
        if value.type.kind is ir.Kind.ROW:
            self.out.error("type-mismatch", f"expected {what} here, not a table row", span, _ROW_HINT)
            return False
        self.out.error("type-mismatch", f"expected {what} here, not a {value.type.kind.value}", span,
                       _TYPE_HINTS.get((kinds[0], value.type.kind), "check the operands' types"))
        return False

    def _x_SetLiteral(self, node: ast.SetLiteral, scope: Scope) -> ir.Expr | None:
        if node.items is None:
            self.out.error("empty-set", "this set is empty", node.span, "list at least one member")
            return None
        texts = _looks_textual(node.items)
        members = self.sets.members(node.items, texts)
        if members is None:
            return None
        codes = ir.CodeSet(None, None, members, texts, None, node.span)
        return ir.SetValue(codes, ir.Type(ir.Kind.TEXTS if texts else ir.Kind.CODES), node.span)

    def _x_Arith(self, node: ast.Arith, scope: Scope) -> ir.Expr | None:
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        if left is None or right is None:
            return None
        if not (self._expect(left, (ir.Kind.NUMBER,), "a number", node.left.span)
                and self._expect(right, (ir.Kind.NUMBER,), "a number", node.right.span)):
            return None
        optional = left.type.optional or right.type.optional or node.op == "/"
        return ir.Arith(node.op, left, right, ir.Type(ir.Kind.NUMBER, optional), node.span)

    def _x_Negate(self, node: ast.Negate, scope: Scope) -> ir.Expr | None:
        operand = self.expr(node.operand, scope)
        if operand is None or not self._expect(operand, (ir.Kind.NUMBER,), "a number", node.operand.span):
            return None
        return ir.Neg(operand, operand.type, node.span)

    def _x_Compare(self, node: ast.Compare, scope: Scope) -> ir.Expr | None:
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        if left is None or right is None:
            return None
        lk, rk = left.type.kind, right.type.kind
        if ir.Kind.ROW in (lk, rk):
            self.out.error("type-mismatch", "a table row cannot be compared", node.span, _ROW_HINT)
            return None
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
                           literal.span, *(did_you_mean(literal.value, allowed)
                                           or ("its values are " + ", ".join(allowed),)))

    def _x_Member(self, node: ast.Member, scope: Scope) -> ir.Expr | None:
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

    def _x_Given(self, node: ast.Given, scope: Scope) -> ir.Expr | None:
        value = self.expr(node.value, scope)
        if value is None:
            return None
        return ir.Given(value, node.negated, ir.BOOL, node.span)

    def _x_Has(self, node: ast.Has, scope: Scope) -> ir.Expr | None:
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

    def _x_Flagged(self, node: ast.Flagged, scope: Scope) -> ir.Expr | None:
        line = self.expr(node.line, scope)
        if line is None:
            return None
        if not isinstance(line, ir.LineVar):
            self.out.error("type-mismatch", "`flagged by` tests a line, e.g. `x flagged by P23`", node.line.span,
                           "name the line variable itself, not one of its fields")
            return None
        self.references.append((node.rule, node.rule_span))
        return ir.Flagged(line.var, node.rule, ir.BOOL, node.span)

    def _x_Relation(self, node: ast.Relation, scope: Scope) -> ir.Expr | None:
        if len(scope.names) < 2:
            self.out.error("relation-outside-quantifier",
                           f"`{'same ' if node.kind != 'overlapping' else ''}{node.kind}` compares a quantified "
                           "line with the line outside it, and there is no quantified line here", node.span,
                           "use it inside `any other line x where ...`")
            return None
        return ir.Relation(node.kind, scope.names[-1], scope.names[-2], ir.BOOL, node.span)

    def _x_BoolOp(self, node: ast.BoolOp, scope: Scope) -> ir.Expr | None:
        left, right = self.condition(node.left, scope), self.condition(node.right, scope)
        if left is None or right is None:
            return None
        return ir.BoolOp(node.op, left, right, ir.BOOL, node.span)

    def _x_Not(self, node: ast.Not, scope: Scope) -> ir.Expr | None:
        operand = self.condition(node.operand, scope)
        return None if operand is None else ir.Not(operand, ir.BOOL, node.span)

    def _x_Quantified(self, node: ast.Quantified, scope: Scope) -> ir.Expr | None:
        if not scope.names:
            self.out.error("unknown-name", "a quantifier looks at a claim's lines, and a table's checks have none",
                           node.span, "a table's checks read the row they check as `row.COLUMN`")
            return None
        if node.var in scope.names or node.var in RESERVED or node.var in self.data.sets:
            self.out.error("duplicate-id", f"`{node.var}` already names something here", node.var_span,
                           "give the quantified line a new name, such as `x` or `other`")
            return None
        if len(set(node.scopes)) != len(node.scopes) or {"earlier", "later"} <= set(node.scopes):
            self.out.error("bad-scope", "these line scopes contradict or repeat each other", node.span,
                           "use at most one of `earlier` and `later`, and each word once")
            return None
        inner = Scope([*scope.names, node.var])
        condition = self.condition(node.condition, inner)
        then = self.condition(node.then, inner) if node.then is not None else None
        value = self.expr(node.value, inner) if node.value is not None else None
        if condition is None or (node.then is not None and then is None) or (node.value is not None and value is None):
            return None
        if node.kind == "sum":
            assert value is not None and node.value is not None
            if not self._expect(value, (ir.Kind.NUMBER,), "a number to add up", node.value.span):
                return None
            kind = ir.Type(ir.Kind.NUMBER, value.type.optional)
        else:
            kind = ir.Type(ir.Kind.NUMBER) if node.kind == "count" else ir.BOOL
        return ir.Quant(node.kind, tuple(node.scopes), node.var, scope.names[-1], condition, then, kind, node.span,
                        value)


_ROW_HINT = "read one of its columns (`limits[line.code].limit`), or test it with `is given`"


def _listed(names: Sequence[str]) -> str:
    return " and ".join(f"`{n}`" for n in names)


def _looks_textual(expr: ast.SetItem) -> bool:
    if isinstance(expr, ast.SetText):
        return True
    if isinstance(expr, ast.SetUnion):
        return bool(expr.items) and _looks_textual(expr.items[0])
    if isinstance(expr, ast.SetExcept):
        return _looks_textual(expr.base)
    return False


_TYPE_HINTS: dict[tuple[ir.Kind, ir.Kind], str] = {
    (ir.Kind.CODE, ir.Kind.NUMBER): "codes are not numbers: write the code with five characters, e.g. 96372",
    (ir.Kind.NUMBER, ir.Kind.CODE): "codes are not numbers: compare a code with a code (line.code = 96372)",
    (ir.Kind.NUMBER, ir.Kind.TEXT): "write the number without quotes",
    (ir.Kind.TEXT, ir.Kind.NUMBER): "quote text values, e.g. \"22\"",
    (ir.Kind.NUMBER, ir.Kind.DATETIME): "use `line.minutes` for the minutes between start and stop",
    (ir.Kind.NUMBER, ir.Kind.BOOL): "a condition cannot be used as a number",
}

# The resolver of each AST expression type (a test checks that every type has one).
RESOLVERS: dict[type, Callable[[ExprResolver, Any, Scope], ir.Expr | None]] = {
    ast.Number: ExprResolver._x_Number,
    ast.CodeLit: ExprResolver._x_CodeLit,
    ast.Text: ExprResolver._x_Text,
    ast.DateLit: ExprResolver._x_DateLit,
    ast.Boolean: ExprResolver._x_Boolean,
    ast.Path: ExprResolver._x_Path,
    ast.Lookup: ExprResolver._x_Lookup,
    ast.Call: ExprResolver._x_Call,
    ast.SetLiteral: ExprResolver._x_SetLiteral,
    ast.Arith: ExprResolver._x_Arith,
    ast.Negate: ExprResolver._x_Negate,
    ast.Compare: ExprResolver._x_Compare,
    ast.Member: ExprResolver._x_Member,
    ast.Given: ExprResolver._x_Given,
    ast.Has: ExprResolver._x_Has,
    ast.Flagged: ExprResolver._x_Flagged,
    ast.Relation: ExprResolver._x_Relation,
    ast.BoolOp: ExprResolver._x_BoolOp,
    ast.Not: ExprResolver._x_Not,
    ast.Quantified: ExprResolver._x_Quantified,
}
