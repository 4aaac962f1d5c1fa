"""Python backend: one standard-library-only edit module per plan, rendered with jinja2.

The template holds the module's shape. Expressions are translated node by node by `Emitter`
(a dispatch table over the IR, with a test that every node has an entry); literals enter the
output only through `pyrepr`, names only through `Namer`. What operators mean is the runtime's
(compiler/runtime), copied into the module: the emitter writes calls to its functions, or the
plain Python operator where no operand can be absent.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from compiler import codes as code_shapes
from compiler.backends.pycode import Namer, one_group, pydoc, pyrepr, pystr_wrapped, wrap_code
from compiler.backends.tables import pack_tables
from compiler.runtime.values import ARITHMETIC, COMPARISONS, FUNCTIONS, RELATIONS, opt_get, opt_in, opt_neg, rank_table
from compiler.semantics import evidence, ir
from compiler.semantics.names import CODE_TESTS

RUNTIME = Path(__file__).resolve().parents[1] / "runtime"
RUNTIME_PATHS = (RUNTIME / "claims.py", RUNTIME / "values.py")  # copied in this order
# copied after them into a module whose pack reads tables from files or adds values up over lines
TABLES_RUNTIME = RUNTIME / "tables.py"
TEMPLATES = Path(__file__).resolve().parent / "templates"
MODULE_NAMES = {"math", "re", "datetime", "difflib", "Any", "Callable", "Mapping", "Sequence", "dataclass",
                "annotations", "POLICY", "RULES", "EFFECTIVE", "evaluate", "unknown_fields", "claim", "line",
                "parsed", "findings", "hits", "finals", "later", "groups", "first", "rest", "group", "final",
                "message", "suggest", "evidence", "found", "n", "_findings", "_denies", "number", "finding", "os",
                "sys", "json", "hashlib", "array", "Iterable", "TABLES_FILE", "TABLES_DIGEST", "TABLE_FILES", "memo",
                "decided", "raw", "facts", "kind", "code", "by_code", "same_code", "remembered"}


class GenerationError(Exception):
    pass


def runtime_source(tables: bool = False) -> str:
    """The runtime every generated module carries: each runtime file from its begin marker to its
    end marker, in order; with `tables`, the reading of tables and sums too."""
    bodies = []
    for path in (*RUNTIME_PATHS, *((TABLES_RUNTIME,) if tables else ())):
        text = path.read_text(encoding="utf-8")
        begin = text.index("# -- runtime begins")
        end = text.index("# -- runtime ends")
        bodies.append(text[text.index("\n", begin) + 1:end].strip("\n"))
    return "\n\n\n".join(bodies) + "\n"


def _runtime_names(source: str) -> set[str]:
    """Top-level names the runtime defines, so that generated names never shadow them."""
    pattern = re.compile(r"^(?:def|class) ([A-Za-z_][A-Za-z0-9_]*)|^([A-Za-z_][A-Za-z0-9_]*)(?::[^=\n]*)? = ",
                         re.MULTILINE)
    return {m.group(1) or m.group(2) for m in pattern.finditer(source)}


@dataclass
class _Symbols:
    namer: Namer
    sets: dict[frozenset[str], str]
    set_order: list[tuple[str, ir.CodeSet]]
    rankings: dict[str, ir.Ranking]
    # the columns the rules read of each table read from files, in the order they are packed
    table_columns: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    data_tables: dict[str, ir.DataTable] = dataclasses.field(default_factory=dict)
    # what the group functions read of the tables for a line's code, read once per code and claim
    # type (`_code_facts`): (kind, table) -> (name, type, how it is read)
    facts: dict[tuple[str, str], tuple[str, str, str]] = dataclasses.field(default_factory=dict)
    by_code: bool = False  # whether the rules read `claim.by_code`, which the driver then sets

    def fact(self, kind: str, table: str) -> str:
        """The name, in a group function, of what a table holds for the line's code: `row`, the row
        of a table without dates; `rows`, the rows of a dated one (the line's date picks one);
        `partners`, the second keys of the code's rows."""
        key = (kind, table)
        if key not in self.facts:
            symbol = self.table(table)
            name = self.namer.name("fact", f"{kind} {table}")
            read = {"row": f"{symbol}[kind].row1(code, None)", "rows": f"{symbol}[kind].rows(code)",
                    "partners": f"{symbol}[kind].partners(code)"}[kind]
            typed = {"row": "tuple[Any, ...]", "rows": "tuple[tuple[Any, ...], ...]",
                     "partners": "frozenset[str]"}[kind]
            self.facts[key] = (name, typed, read)
        return self.facts[key][0]

    def attribute(self, name: str) -> str:
        return self.namer.name("attribute", name, prefix="_ATTR_", upper=True)

    def table(self, name: str) -> str:
        self.table_columns.setdefault(name, [])
        return self.namer.name("table", name, prefix="_TABLE_", upper=True)

    def no_row(self, name: str) -> str:
        """The module's name for the row a lookup in the table gives when it finds none."""
        self.table(name)
        return self.namer.name("no row", name, prefix="_NO_ROW_", upper=True)

    def table_column(self, table: str, column: str) -> int:
        columns = self.table_columns.setdefault(table, [])
        if column not in columns:
            columns.append(column)
        return columns.index(column)

    def code_set(self, codes: ir.CodeSet) -> str:
        if codes.members in self.sets:
            return self.sets[codes.members]
        label = codes.name or f"set_{len(self.set_order) + 1}"
        name = self.namer.name("set", label, prefix="_SET_", upper=True)
        self.sets[codes.members] = name
        self.set_order.append((name, codes))
        return name


class Emitter:
    """Translates IR expressions to Python expressions with the interpreter's semantics."""

    def __init__(self, symbols: _Symbols, variables: dict[str, str], flagged: dict[str, str],
                 deciding: dict[str, str] | None = None, claim: str = "claim",
                 hoist: dict[tuple[object, ...], str] | None = None) -> None:
        self.symbols = symbols
        self.variables = variables
        self.flagged = flagged
        self.claim = claim  # the name of the parsed claim where the expression stands
        # in a group function: the rows its tests look up, fetched once for the line (key -> name)
        self.hoist = hoist
        self.fetches: list[tuple[str, str]] = []
        self.facts_used = False  # whether a group's tests read the facts of the line's code
        # a rule that reads its own findings: the call that decides another line of it on demand
        self.deciding = deciding or {}
        self.dispatch: dict[type, Callable[[Any], str]] = {
            ir.Const: self._const, ir.SetValue: self._set_value, ir.LineVar: self._line_var,
            ir.LineField: self._line_field, ir.ClaimField: self._claim_field, ir.CodeAttr: self._code_attr,
            ir.MapGet: self._map_get, ir.RankOf: self._rank_of, ir.Func: self._func, ir.Arith: self._arith,
            ir.Neg: self._neg, ir.Compare: self._compare, ir.Member: self._member, ir.Given: self._given,
            ir.Has: self._has, ir.Flagged: self._flagged, ir.Relation: self._relation,
            ir.BoolOp: self._bool_op, ir.Not: self._not, ir.Quant: self._quant,
            ir.TableLookup: self._table_lookup, ir.RowField: self._check_only, ir.CheckDay: self._check_only,
        }

    def emit(self, expr: ir.Expr) -> str:
        handler = self.dispatch.get(type(expr))
        if handler is None:
            raise GenerationError(f"no Python generator for {type(expr).__name__}")
        return handler(expr)

    def _var(self, name: str) -> str:
        return self.variables[name]

    def _const(self, expr: ir.Const) -> str:
        return pyrepr(expr.value)

    def _set_value(self, expr: ir.SetValue) -> str:
        return self.symbols.code_set(expr.codes)

    def _line_var(self, expr: ir.LineVar) -> str:
        return self._var(expr.var)

    def _line_field(self, expr: ir.LineField) -> str:
        return f"{self._var(expr.var)}.{expr.field}"

    def _claim_field(self, expr: ir.ClaimField) -> str:
        return f"{self.claim}.{expr.field}"

    def _code_attr(self, expr: ir.CodeAttr) -> str:
        table = self.symbols.attribute(expr.attribute)
        default = ", False" if expr.type.kind is ir.Kind.BOOL else ""
        return f"{table}.get({self.emit(expr.code)}{default})"

    def _map_get(self, expr: ir.MapGet) -> str:
        table = self.symbols.namer.name("map", expr.map, prefix="_MAP_", upper=True)
        return self._lookup(table, expr.key)

    def _rank_of(self, expr: ir.RankOf) -> str:
        table = self.symbols.namer.name("ranking", expr.ranking, prefix="_RANK_", upper=True)
        for attribute, _ in self.symbols.rankings[expr.ranking].levels:
            self.symbols.attribute(attribute)  # the module computes the ranks from these tables
        return self._lookup(table, expr.code)

    def _lookup(self, table: str, code: ir.Expr) -> str:
        """A code looked up in a table of the module; a code that may be absent (one a map gave)
        goes through `opt_get`, since the tables are keyed by `str`, not `str | None`."""
        if code.type.optional:
            return f"{opt_get.__name__}({table}, {self.emit(code)})"
        return f"{table}.get({self.emit(code)})"

    def _func(self, expr: ir.Func) -> str:
        args = ", ".join(self.emit(a) for a in expr.args)
        runtime = FUNCTIONS[expr.name].__name__
        if expr.name in CODE_TESTS or any(a.type.optional for a in expr.args):
            return f"{runtime}({args})"
        return f"math.{expr.name}({args})" if expr.name in ("ceil", "floor") else f"{expr.name}({args})"

    def _arith(self, expr: ir.Arith) -> str:
        left, right = self.emit(expr.left), self.emit(expr.right)
        if expr.op == "/" or expr.left.type.optional or expr.right.type.optional:
            return f"{ARITHMETIC[expr.op].__name__}({left}, {right})"
        return f"({left} {expr.op} {right})"

    def _neg(self, expr: ir.Neg) -> str:
        inner = self.emit(expr.operand)
        if expr.operand.type.optional:
            return f"{opt_neg.__name__}({inner})"
        return f"-{inner}" if inner[0].isalnum() or inner[0] in "_(" else f"-({inner})"

    def _compare(self, expr: ir.Compare) -> str:
        left, right = self.emit(expr.left), self.emit(expr.right)
        if expr.op == "=" and self.hoist is not None and _table_value_and_constant(expr):
            return f"({left} == {right})"  # in a group's tests: an absent value is never equal to a constant
        if expr.left.type.optional or expr.right.type.optional:
            return f"{COMPARISONS[expr.op].__name__}({left}, {right})"
        op = "==" if expr.op == "=" else expr.op
        return f"({left} {op} {right})"

    def _member(self, expr: ir.Member) -> str:
        item, collection = self.emit(expr.item), self.emit(expr.collection)
        if expr.negated or expr.collection.type.optional:
            return f"{opt_in.__name__}({item}, {collection}, {expr.negated!r})"
        return f"({item} in {collection})"

    def _given(self, expr: ir.Given) -> str:
        if isinstance(expr.value, ir.TableLookup) and expr.value.column is None:
            none = self.symbols.no_row(expr.value.table)
            return f"({self._row(expr.value)} is {'' if expr.negated else 'not '}{none})"
        return f"({self.emit(expr.value)} is {'' if expr.negated else 'not '}None)"

    def _has(self, expr: ir.Has) -> str:
        modifiers, wanted = self.emit(expr.modifiers), self.emit(expr.wanted)
        if expr.any_of:
            return f"({wanted}.isdisjoint({modifiers}))" if expr.negated else \
                f"(not {wanted}.isdisjoint({modifiers}))"
        return f"({wanted} {'not in' if expr.negated else 'in'} {modifiers})"

    def _flagged(self, expr: ir.Flagged) -> str:
        if expr.rule in self.deciding:
            return self.deciding[expr.rule].format(line=self._var(expr.var))
        return f"({self._var(expr.var)}.number in {self.flagged[expr.rule]})"

    def _table_lookup(self, expr: ir.TableLookup) -> str:
        """`_TABLE_X[claim.type].row2(first, second, on)[column]`: the row found (the table's empty
        row, every column absent, when there is none) and the column read of it. In a group
        function the row is looked up once for the line (`hoist`)."""
        row = self._row(expr)
        if expr.column is None:
            return row
        return f"{row}[{self.symbols.table_column(expr.table, expr.column)}]"

    def _row(self, expr: ir.TableLookup) -> str:
        table = self.symbols.table(expr.table)
        on = self.emit(expr.on) if expr.on is not None else "None"
        keys = ", ".join(self.emit(key) for key in expr.keys)
        fetch = f"{table}[{self.claim}.type].row{len(expr.keys)}({keys}, {on})"
        if self.hoist is None or any(isinstance(n, (ir.LineField, ir.LineVar)) and n.var != "line"
                                     for part in (*expr.keys, expr.on) for n in ir.walk(part)):
            return fetch  # a lookup keyed by a quantified line is made for each line it looks at
        key = _row_of(expr)
        if key not in self.hoist:
            if len(expr.keys) == 1 and _is_code_of(expr.keys[0], "line"):  # read once for the code
                self.facts_used = True
                if not self.symbols.data_tables[expr.table].dated:
                    self.hoist[key] = self.symbols.fact("row", expr.table)
                    return self.hoist[key]
                rows = self.symbols.fact("rows", expr.table)
                none = self.symbols.no_row(expr.table)
                fetch = f"{table}[{self.claim}.type].pick({rows}, {on}) if {rows} else {none}"
            self.hoist[key] = self.symbols.namer.name("row", f"{expr.table} row {len(self.hoist) + 1}", prefix="row_")
            self.fetches.append((self.hoist[key], fetch))
        return self.hoist[key]

    def _check_only(self, expr: ir.RowField | ir.CheckDay) -> str:
        raise GenerationError(f"{type(expr).__name__} stands only in a table's checks, which the module does not run")

    def _relation(self, expr: ir.Relation) -> str:
        inner, outer = self._var(expr.inner), self._var(expr.outer)
        if expr.kind == "date":
            return f"({inner}.date == {outer}.date)"
        return f"{RELATIONS[expr.kind].__name__}({inner}, {outer})"

    def _bool_op(self, expr: ir.BoolOp) -> str:
        return f"({self.emit(expr.left)} {expr.op} {self.emit(expr.right)})"

    def _not(self, expr: ir.Not) -> str:
        """Negations are written the way a person would: `not in`, `is None`, `isdisjoint`."""
        operand = expr.operand
        if isinstance(operand, ir.Not):
            return self.emit(operand.operand)
        if isinstance(operand, ir.Flagged) and operand.rule not in self.deciding:
            return f"({self._var(operand.var)}.number not in {self.flagged[operand.rule]})"
        if isinstance(operand, (ir.Has, ir.Given)):
            return self.emit(dataclasses.replace(operand, negated=not operand.negated))
        if (isinstance(operand, ir.Member) and not operand.negated and not operand.collection.type.optional
                and not operand.item.type.optional):
            return f"({self.emit(operand.item)} not in {self.emit(operand.collection)})"
        return f"(not {self.emit(operand)})"

    def loop(self, expr: ir.Quant) -> tuple[str, str, str]:
        """(variable, lines, test) of a quantifier: the lines it ranges over (those of the outer
        line's date when the condition asks for the same date) and the test each must pass."""
        var, domain, test, _ = self.bound_loop(expr, bind=False)
        return var, domain, test

    def bound_loop(self, expr: ir.Quant, bind: bool = True) -> tuple[str, str, str, list[tuple[str, str | None]]]:
        """As `loop`; with `bind`, the sets of codes its test reads are named (name, expression), to
        compute once before the lines (see `_partners`), else each line's test computes them; a set
        that is one of the code's facts (expression None) is named already."""
        var = self.symbols.namer.name("variable", expr.var)
        self.variables[expr.var] = var
        outer = self._var(expr.outer)
        conjuncts = _conjuncts(expr.condition)
        same_date = [c for c in conjuncts if isinstance(c, ir.Relation) and c.kind == "date"
                     and c.inner == expr.var and c.outer == expr.outer]
        same_code = [c for c in conjuncts if _same_code(c, expr.var, expr.outer)][:1]
        if same_code:  # the lines of the code: fewer than those of a date, as a rule
            self.symbols.by_code = True
            domain = f"{self.claim}.by_code[{outer}.code]"
            tests = [self.emit(c) for c in conjuncts if not any(c is s for s in same_code)]
        else:
            domain = f"{self.claim}.by_date[{outer}.date]" if same_date else f"{self.claim}.lines"
            tests = [self.emit(c) for c in conjuncts if not any(c is s for s in same_date)]
        bound = self._partners(expr)
        tests[:0] = [f"{var}.code in {name if bind or value is None else value}" for name, value in bound]
        if "other" in expr.scopes:
            tests.insert(0, f"{var} is not {outer}")
        if "earlier" in expr.scopes:
            tests.insert(0, f"{var}.number < {outer}.number")
        if "later" in expr.scopes:
            tests.insert(0, f"{var}.number > {outer}.number")
        return var, domain, " and ".join(tests) if tests else "True", bound if bind else []

    def _partners(self, expr: ir.Quant) -> list[tuple[str, str | None]]:
        """Sets of codes that a quantified line's code must be in, named: where the condition is
        false whenever a lookup `table[KEY, x.code ...]` finds no row, a line whose code is not among
        the table's second keys for KEY (whatever their dates) cannot satisfy it. KEY does not
        depend on the quantified line, so the set is looked up once, not for each line; in a group
        function, where KEY is the line's code, it is one of the code's facts (value None)."""
        bound: list[tuple[str, str | None]] = []
        for lookup in _strict_lookups(expr.condition):
            if len(lookup.keys) != 2:
                continue
            first, second = lookup.keys
            if (isinstance(second, ir.LineField) and second.var == expr.var and second.field == "code"
                    and not any(isinstance(n, (ir.LineField, ir.LineVar)) and n.var == expr.var
                                for n in ir.walk(first))):
                if self.hoist is not None and _is_code_of(first, "line"):
                    self.facts_used = True
                    name = self.symbols.fact("partners", lookup.table)
                    if name not in [n for n, _ in bound]:
                        bound.append((name, None))
                    continue
                table = self.symbols.table(lookup.table)
                value = f"{table}[{self.claim}.type].partners({self.emit(first)})"
                if value not in [v for _, v in bound]:
                    bound.append((self.symbols.namer.name("partners", f"{expr.var} {len(bound)}",
                                                          prefix="partners_"), value))
        return bound

    def _quant(self, expr: ir.Quant) -> str:
        var, domain, condition, bound = self.bound_loop(expr)
        lines = "".join(f"for {name} in ({value},) " for name, value in bound if value is not None) \
            + f"for {var} in {domain}"
        # a code's facts name its partners before the loop: where none of them is among the claim's
        # codes, no line can pass, and the lines are not looked at (`found`: that no line passes)
        known = [name for name, value in bound if value is None]
        if known:
            self.symbols.by_code = True
        found = " or ".join(f"{name}.isdisjoint({self.claim}.by_code)" for name in known)
        if expr.kind == "any":
            value = f"(not ({found}) and any({condition} {lines}))" if found else f"any({condition} {lines})"
        elif expr.kind == "no":
            value = f"({found} or not any({condition} {lines}))" if found else f"(not any({condition} {lines}))"
        elif expr.kind == "count":
            counted = f"sum(1 {lines} if {condition})"
            value = f"(0 if {found} else {counted})" if found else counted
        elif expr.kind == "sum":
            assert expr.value is not None
            total = f"total_of({self.emit(expr.value)} {lines} if {condition})"
            value = f"(0 if {found} else {total})" if found else total
        else:
            assert expr.then is not None
            first = f"next(({self.emit(expr.then)} {lines} if {condition}), False)"
            value = f"(False if {found} else {first})" if found else first
        alone = self._alone(expr)
        if alone is None:
            return value
        return f"({alone} if len({self.claim}.by_code[{self._var(expr.outer)}.code]) == 1 else {value})"

    def _alone(self, expr: ir.Quant) -> str | None:
        """For a quantifier over the lines of the outer line's code, its value when the outer line
        is the only line of its code (as it is on most claims): its condition read of that line
        alone, with no loop. None for a quantifier over other lines."""
        conjuncts = _conjuncts(expr.condition)
        if not any(_same_code(c, expr.var, expr.outer) for c in conjuncts):
            return None
        if expr.kind == "sum" and (expr.value is None or expr.value.type.optional):
            return None  # an absent value makes the total absent: left to `total_of`
        if {"other", "earlier", "later"} & set(expr.scopes):
            return {"any": "False", "no": "True", "count": "0", "sum": "0", "first": "False"}[expr.kind]
        trivial = [c for c in conjuncts if _same_code(c, expr.var, expr.outer)
                   or (isinstance(c, ir.Relation) and c.kind == "date" and c.inner == expr.var
                       and c.outer == expr.outer)]
        inner = self.variables[expr.var]
        self.variables[expr.var] = self._var(expr.outer)
        try:
            tests = [self.emit(c) for c in conjuncts if not any(c is t for t in trivial)]
            test = " and ".join(tests) if tests else "True"
            if expr.kind == "any":
                return f"({test})"
            if expr.kind == "no":
                return f"(not ({test}))"
            if expr.kind == "count":
                return f"(1 if {test} else 0)"
            if expr.kind == "sum":
                assert expr.value is not None
                return f"(0 + {self.emit(expr.value)} if {test} else 0)"
            assert expr.then is not None
            return f"({self.emit(expr.then)} if {test} else False)"
        finally:
            self.variables[expr.var] = inner


class EvidenceWriter:
    """The statements of a rule's `_evidence_` function: they add to `found` the lines the rule's
    condition rests on, by the recursion of compiler.semantics.evidence."""

    def __init__(self, emitter: Emitter) -> None:
        self.emitter = emitter

    def statements(self, expr: ir.Expr, value: bool | None, indent: int) -> list[str]:
        """Statements at `indent` for `expr`, whose value is `value` (None: test it here)."""
        if value is None and evidence.decided_by_value(expr):
            when_true = self.statements(expr, True, indent + 4)
            when_false = self.statements(expr, False, indent + 4)
            if not when_false:
                return self._if(expr, True, when_true, indent)
            if not when_true:
                return self._if(expr, False, when_false, indent)
            return [*self._if(expr, True, when_true, indent), " " * indent + "else:", *when_false]
        if not evidence.possible(expr, value):
            return []
        if isinstance(expr, ir.Not):
            return self.statements(expr.operand, None if value is None else not value, indent)
        if isinstance(expr, ir.BoolOp):
            assert value is not None
            if evidence.whole(expr, value):
                return [*self.statements(expr.left, value, indent), *self.statements(expr.right, value, indent)]
            return [*self._if(expr.left, value, self.statements(expr.left, value, indent + 4), indent),
                    *self._if(expr.right, value, self.statements(expr.right, value, indent + 4), indent)]
        if isinstance(expr, ir.Quant):
            return self._quant(expr, indent)
        return [statement for operand in evidence.operands(expr)
                for statement in self.statements(operand, None, indent)]

    def one_loop(self, condition: ir.Expr) -> str | None:
        """For the common condition whose evidence is the lines one quantifier finds (with nothing
        of their own), the expression of those lines: in line order, so ascending and unique."""
        expr = condition
        while isinstance(expr, ir.BoolOp) and expr.op == "and":
            sides = [side for side in (expr.left, expr.right) if evidence.possible(side, True)]
            if len(sides) != 1:
                return None
            expr = sides[0]
        if not (isinstance(expr, ir.Quant) and expr.kind in ("any", "count", "sum") and expr.outer == "line"
                and not evidence.possible(expr.condition, True)):
            return None
        var, domain, test = self.emitter.loop(expr)
        if "other" not in expr.scopes:
            test = f"{var} is not line and {test}"
        return f"tuple([{var}.number for {var} in {domain} if {test}])"

    def _if(self, test: ir.Expr, value: bool, body: list[str], indent: int) -> list[str]:
        if not body:
            return []
        condition = self.emitter.emit(test if value else ir.Not(test))
        return [_statement(f"if {condition}:", indent), *body]

    def _quant(self, expr: ir.Quant, indent: int) -> list[str]:
        var, domain, test = self.emitter.loop(expr)
        pad = " " * (indent + 8)
        body = [f"{pad}found.add({var}.number)", *self.statements(expr.condition, True, indent + 8)]
        if expr.kind == "first":
            assert expr.then is not None
            body += [*self.statements(expr.then, None, indent + 8), f"{pad}break"]
        return [f"{' ' * indent}for {var} in {domain}:", _statement(f"if {test}:", indent + 4), *body]


def _statement(text: str, indent: int) -> str:
    """A compound statement's header at `indent`, broken inside parentheses when it is too long."""
    if indent + len(text) <= 100:
        return " " * indent + text
    keyword, rest = text.split(" ", 1)
    if one_group(rest[:-1]):
        return " " * indent + wrap_code(text, indent)
    return " " * indent + wrap_code(f"{keyword} ({rest[:-1]}):", indent)


def _table_value_and_constant(expr: ir.Compare) -> bool:
    """A column read from a table compared with a constant (never absent)."""
    return any(isinstance(a, ir.TableLookup) and a.column is not None and isinstance(b, ir.Const)
               for a, b in ((expr.left, expr.right), (expr.right, expr.left)))


def _strict_lookups(expr: ir.Expr) -> list[ir.TableLookup]:
    """Lookups without whose row `expr` is false: a comparison, `in` or `is given` of what one reads
    (an absent value compares false), and those of either side of an `and`, or of both of an `or`."""
    if isinstance(expr, (ir.Compare, ir.Member)):
        sides = (expr.left, expr.right) if isinstance(expr, ir.Compare) else (expr.item, expr.collection)
        return [s for s in sides if isinstance(s, ir.TableLookup)]
    if isinstance(expr, ir.Given) and not expr.negated and isinstance(expr.value, ir.TableLookup):
        return [expr.value]
    if isinstance(expr, ir.BoolOp):
        left, right = _strict_lookups(expr.left), _strict_lookups(expr.right)
        if expr.op == "and":
            return left + right
        rows = {_row_of(r) for r in right}
        return [r for r in left if _row_of(r) in rows]
    return []


def _is_code_of(expr: ir.Expr, var: str) -> bool:
    """Whether an expression is `VAR.code`."""
    return isinstance(expr, ir.LineField) and expr.var == var and expr.field == "code"


def _same_code(expr: ir.Expr, inner: str, outer: str) -> bool:
    """Whether a conjunct of a quantifier's condition is `inner.code = outer.code` (either way)."""
    return (isinstance(expr, ir.Compare) and expr.op == "="
            and ((_is_code_of(expr.left, inner) and _is_code_of(expr.right, outer))
                 or (_is_code_of(expr.left, outer) and _is_code_of(expr.right, inner))))


def _row_of(lookup: ir.TableLookup) -> tuple[object, ...]:
    """A lookup's row, whatever column it reads."""
    return lookup.table, lookup.keys, lookup.on


def _line_local(expr: ir.Expr) -> bool:
    """Whether an expression reads only the line and the claim: no other line, no rule's findings."""
    return not any(isinstance(node, (ir.Quant, ir.Flagged)) for node in ir.walk(expr))


def _conjuncts(expr: ir.Expr) -> list[ir.Expr]:
    if isinstance(expr, ir.BoolOp) and expr.op == "and":
        return _conjuncts(expr.left) + _conjuncts(expr.right)
    return [expr]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["pyrepr"] = pyrepr
    env.filters["pydoc"] = pydoc
    env.filters["pystr"] = pystr_wrapped
    env.filters["wrap"] = wrap_code
    env.filters["prefix"] = lambda name, prefix: prefix + name
    return env


@dataclass
class _RuleCode:
    rule: ir.Rule
    index: int
    function: str
    finding: str
    doc: str
    condition: str
    params: list[tuple[str, str]]
    message: list[tuple[str, str | None]]
    suggest: str | None
    suggest_if: str | None
    evidence: str | None  # the name of the rule's evidence function, when it can have evidence
    evidence_body: list[str]
    evidence_lines: str | None  # the whole evidence as one expression, where it is that simple
    guard: str | None = None  # the rule's leading tests that read only the line and the claim
    guard_parsed: str | None = None  # the same inside `evaluate`, where the parsed claim is `parsed`
    guard_parts: tuple[list[str], list[ir.Expr]] = ([], [])  # the guard's scope tests and line-local conjuncts
    guard_whole: bool = False  # whether the guard is the whole of the rule's test
    finding_args: str = ""  # what the driver passes the finding function beyond the claim and the line
    rule_args: str = ""  # what the driver passes the rule function beyond the claim and the line
    stage: int = 0  # rules read with `flagged by` are decided, on every line, in an earlier stage
    records: bool = False  # whether the driver keeps the rule's hits (others read them)
    direct: bool = False  # whether a hit is a finding at once (the rule reports and nothing overrides it)
    # a rule that reads its own findings: the functions that decide its lines on demand, and its
    # target set and the rules over it, which `_decide_` tests itself
    decide: str | None = None
    decide_all: str | None = None
    decide_guard: str | None = None  # the guard inside the decide function: `if not (...):`
    candidates: int = 0  # the key in `hits` of the lines that pass its guard, collected in the first stage
    target: str | None = None
    winners: list[int] = dataclasses.field(default_factory=list)

    @property
    def signature(self) -> list[tuple[str, str]]:
        """The rule function's parameters after the claim and the line, with their types."""
        found = [(name, "Sequence[int]") for name, ref in self.params if not (self.decide and ref == self.rule.id)]
        if self.decide is not None:
            found += [("memo", "dict[int, bool]"), ("hits", "dict[int, list[int]]"),
                      ("finals", "dict[int, Sequence[int]]")]
        return found


def _line_of(span_start: int, text: str) -> int:
    return text.count("\n", 0, span_start) + 1


def _docstring(rule: ir.Rule, source_text: str) -> str:
    """What a rule function says about itself: the rule, its policy citation, its source line."""
    lines = [f"{rule.id}: {rule.title}", ""]
    if rule.citation:
        lines.append(f"Policy: {rule.citation}.")
    if rule.covers:
        lines.append(f"Analyst notes: {', '.join(rule.covers)}.")
    lines.append(f"Source: {Path(rule.span.path).name}, line {_line_of(rule.span.start, source_text)}.")
    wrapped = [textwrap.fill(line, 92, subsequent_indent="    ") if line else "" for line in lines]
    return "\n".join(wrapped).replace("\n", "\n    ").replace("\n    \n", "\n\n")


def _scope_tests(rule: ir.Rule, symbols: _Symbols, claim: str) -> list[str]:
    """The tests of a rule's claim types and places, the parsed claim being named `claim`."""
    tests = []
    if rule.claim_types is not None:
        types = rule.claim_types
        tests.append(f"({claim}.type == {pyrepr(types[0])})" if len(types) == 1
                     else f"({claim}.type in {pyrepr(tuple(types))})")
    if rule.places is not None:
        places = symbols.code_set(rule.places)
        tests.append(f"(line.pos {'not in' if rule.places_negated else 'in'} {places})")
    return tests


def _translate_rule(index: int, rule: ir.Rule, namer: Namer, symbols: _Symbols, source_text: str) -> _RuleCode:
    params = [(namer.name("param", ref, prefix="flagged_"), ref) for ref in rule.references]
    reads_itself = rule.id in rule.references
    decide = namer.name("decide", rule.id, prefix="_decide_") if reads_itself else None
    deciding = {rule.id: f"{decide}(claim, {{line}}, memo, hits, finals)"} if reads_itself else {}
    emitter = Emitter(symbols, {"line": "line"}, {ref: name for name, ref in params}, deciding)
    tests = _scope_tests(rule, symbols, "claim")
    guard = list(tests)  # the tests of the line alone that come first: the driver tries them inline
    # the same tests inside `evaluate`, whose parsed claim is `parsed`
    in_evaluate = Emitter(symbols, {"line": "line"}, {}, claim="parsed")
    guard_parsed = _scope_tests(rule, symbols, "parsed")
    if rule.condition is not None:
        tests.append(emitter.emit(rule.condition))
        local = list(itertools.takewhile(_line_local, _conjuncts(rule.condition)))
        guard += [emitter.emit(c) for c in local]
        guard_parsed += [in_evaluate.emit(c) for c in local]
        whole = len(local) == len(_conjuncts(rule.condition))
    else:
        whole = True
    condition = "True" if not tests else tests[0] if len(tests) == 1 else "(" + " and ".join(tests) + ")"
    # the evidence is computed once every line is decided: it reads the rule's own final findings
    writer = EvidenceWriter(Emitter(symbols, {"line": "line"}, {ref: name for name, ref in params})
                            if reads_itself else emitter)
    body = [] if rule.condition is None else writer.statements(rule.condition, True, 4)
    lines = writer.one_loop(rule.condition) if body and rule.condition is not None else None
    return _RuleCode(
        rule=rule, index=index, function=namer.name("function", rule.id, prefix="_rule_"),
        finding=namer.name("finding", rule.id, prefix="_finding_"), doc=_docstring(rule, source_text),
        condition=condition, params=params, message=[(p.text, p.field) for p in rule.message],
        suggest=emitter.emit(rule.suggest) if rule.suggest is not None else None,
        suggest_if=emitter.emit(rule.suggest_if) if rule.suggest_if is not None else None,
        evidence=namer.name("evidence", rule.id, prefix="_evidence_") if body else None, evidence_body=body,
        evidence_lines=lines, guard=" and ".join(guard) if guard else None, guard_whole=whole, decide=decide,
        guard_parsed=" and ".join(guard_parsed) if guard_parsed else None,
        guard_parts=(_scope_tests(rule, symbols, "claim"),
                     list(itertools.takewhile(_line_local, _conjuncts(rule.condition))) if rule.condition else []),
        decide_all=namer.name("decide_all", rule.id, prefix="_self_") if reads_itself else None,
        decide_guard=_statement(f"if not ({' and '.join(guard)}):", 4) if reads_itself and guard else None,

        target=symbols.code_set(rule.target) if reads_itself and rule.target is not None else None)


@dataclass
class _Group:
    """A driver function: the rules of one stage that decide on a line of some codes, in order."""

    name: str
    stage: int
    rules: list[_RuleCode]
    # the whole tests of rules that read tables, as the group writes them (reading the rows it looks
    # up once for the line)
    tests: dict[int, str] = dataclasses.field(default_factory=dict)
    fetches: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    facts: _Symbols | None = None  # where the tests read the facts of the line's code, the module's

    @property
    def doc(self) -> str:
        when = "" if not self.stage else f" (stage {self.stage}: after the rules they read)"
        return textwrap.fill(f"The rules that decide on such a line{when}: "
                             f"{', '.join(r.rule.id for r in self.rules)}.", 92,
                             break_on_hyphens=False).replace("\n", "\n    ")

    @property
    def body(self) -> list[str]:
        """Each rule's test (its guard inline, then its function unless the guard is the whole
        test) and what a hit does: kept for the rules that read it, a finding, or both."""
        statements = []
        if self.facts is not None:  # all of the code's facts, though the group may read only some
            names = [name for name, _, _ in self.facts.facts.values()]
            statements += ["    facts = _CODE_FACTS[claim.type].get(line.code)", "    if facts is None:",
                           "        facts = _code_facts(claim.type, line.code)",
                           "    " + wrap_code(f"{names[0]} = facts[0]" if len(names) == 1
                                              else f"{', '.join(names)} = facts", 4)]
        statements += ["    " + wrap_code(f"{name} = {fetch}", 4) for name, fetch in self.fetches]
        for r in self.rules:
            if r.decide is not None:  # a rule that reads itself decides later: here the lines that pass its guard
                guard = self.tests.get(r.index, r.guard)
                collect = f"hits.setdefault({r.candidates}, []).append(line.number)"
                if guard is None:
                    statements.append("    " + collect)
                else:
                    statements += [_statement(f"if {guard}:", 4), "        " + collect]
                continue
            call = f"{r.function}(claim, line{r.rule_args})"
            test = self.tests.get(r.index) or (r.guard if r.guard_whole else f"{r.guard} and {call}" if r.guard
                                               else call)
            actions = []
            if r.records:
                actions.append(f"hits.setdefault({r.index}, []).append(line.number)")
            if r.direct:
                actions.append(f"findings.append({r.finding}(claim, line{r.finding_args}))")
            if test is None:
                statements += ["    " + wrap_code(action, 4) for action in actions]
            else:
                statements.append(_statement(f"if {test}:", 4))
                statements += ["        " + wrap_code(action, 8) for action in actions]
        return statements


@dataclass
class _Driver:
    """What the module's `evaluate` is made of. Rules are decided line by line, each line handed by
    its code to the group function of the rules that target it; a rule read with `flagged by`
    is decided on every line in a stage before its readers'. Precedence is applied at the end."""

    stages: int
    groups: list[_Group]
    keys: list[str]  # the entries of the dispatch table's map: rule indexes -> group function
    stage_rules: list[tuple[int, ...]]
    untargeted: list[str | None]  # per stage, the group of the lines no target set holds
    untargeted_guards: list[str | None]  # per stage, the test before handing such a line on
    later_guard: str | None  # the same for every later stage together
    reads: list[list[tuple[int, str]]]  # per later stage, the finals it reads: (index, expression)
    losers: list[tuple[_RuleCode, str]]  # reporting rules others override, with their final hits
    # per stage, the rules that read their own findings: each decides every line after the stage's groups
    selves: list[list[_RuleCode]] = dataclasses.field(default_factory=list)


def _stages(code: list[_RuleCode], index: dict[str, int], pack: ir.Pack) -> None:
    """Each rule's stage: 0 when it reads no rule's findings, else one more than the stage of
    every rule it reads and of the rules overriding those (their final hits are complete then)."""
    by_id = {c.rule.id: c for c in code}
    for rule_code in code:
        earlier = [by_id[w].stage for _, ref in rule_code.params if ref in index
                   for w in (ref, *pack.overriders(ref)) if w in by_id]
        rule_code.stage = 1 + max(earlier) if earlier else 0


def _final(rule_index: int, winners: list[int]) -> str:
    hits = f"hits.get({rule_index}, ())"
    if not winners:
        return hits
    tests = " and ".join(f"n not in hits.get({w}, ())" for w in winners)
    return f"[n for n in {hits} if {tests}]"


def _read_final(rule_index: int, winners: list[int]) -> str:
    """The final hits a later stage reads; a rule with no hits (most claims) is not filtered."""
    final = _final(rule_index, winners)
    return final if not winners else f"{final} if {rule_index} in hits else ()"


def _group_guards(rules: list[_RuleCode], symbols: _Symbols,
                  index: dict[str, int]) -> tuple[dict[int, str], list[tuple[str, str]], bool]:
    """The tests of a group's rules that read tables, written whole into the group (not as a call of
    the rule's function) so that each table row the line needs is looked up once for all of them,
    and what the tables hold for the line's code once for each code (`_code_facts`): (test by rule
    index, the rows to look up first, whether the tests read the code's facts)."""
    flagged = {ref: f"finals[{index[ref]}]" if ref in index else "()" for r in rules for _, ref in r.params}
    emitter = Emitter(symbols, {"line": "line"}, flagged, hoist={})
    tests = {}
    for r in rules:
        scope, local = r.guard_parts
        if r.rule.condition is None:
            continue
        if r.decide is not None:  # a rule that reads itself: its guard alone
            if any(isinstance(n, ir.TableLookup) for c in local for n in ir.walk(c)):
                tests[r.index] = " and ".join([*scope, *(emitter.emit(c) for c in local)])
        elif any(isinstance(n, ir.TableLookup) for n in ir.walk(r.rule.condition)):
            tests[r.index] = " and ".join([*scope, *(emitter.emit(c) for c in _conjuncts(r.rule.condition))])
    return tests, emitter.fetches, emitter.facts_used


def _reads_tables(guard: str | None, rules: list[_RuleCode]) -> bool:
    return any(isinstance(n, ir.TableLookup) for r in rules for c in r.guard_parts[1] for n in ir.walk(c))


def _driver(code: list[_RuleCode], pack: ir.Pack, namer: Namer, symbols: _Symbols) -> _Driver:
    index = {c.rule.id: c.index for c in code}
    winners = {c.index: [index[w] for w in pack.overriders(c.rule.id) if w in index] for c in code}
    read = {index[ref] for c in code for _, ref in c.params if ref in index and ref != c.rule.id}
    beaten = {w for ws in winners.values() for w in ws}
    _stages(code, index, pack)
    for c in code:
        c.records = c.index in read or c.index in beaten or bool(winners[c.index])
        c.direct = c.rule.reports and not winners[c.index]
        c.winners = winners[c.index]
        args = "".join(f", finals[{index[ref]}]" if ref in index else ", ()" for _, ref in c.params)
        c.rule_args = args
        c.finding_args = args if c.evidence else ""
        if c.decide is not None:  # its own findings come from the deciding, the others' from finals
            c.rule_args = "".join(f", finals[{index[ref]}]" if ref in index else ", ()" for _, ref in c.params
                                  if ref != c.rule.id) + ", memo, hits, finals"
    selves = [c for c in code if c.decide is not None]
    for c in selves:
        c.candidates = -1 - c.index
    deciding = [c for c in code if (c.records or c.direct) and c.decide is None]  # one that neither reports
    # nor is read decides nothing
    stages = 1 + max((c.stage for c in code), default=0)
    stage_rules = [tuple(c.index for c in deciding if c.stage == s) for s in range(stages)]
    # a rule that reads itself collects, in the first stage, the lines that pass its guard
    stage_rules[0] = tuple(sorted((*stage_rules[0], *(c.index for c in selves))))
    by_index = {c.index: c for c in code}
    keys: dict[tuple[int, ...], str] = {}
    groups: list[_Group] = []

    def group(stage: int, rules: tuple[int, ...]) -> str | None:
        if not rules:
            return None
        if rules not in keys:
            keys[rules] = namer.name("group", f"lines {stage} {len(groups) + 1}", prefix="_")
            members = [by_index[i] for i in rules]
            tests, fetches, facts = _group_guards(members, symbols, index)
            groups.append(_Group(keys[rules], stage, members, tests, fetches, symbols if facts else None))
        return keys[rules]

    untargeted = [tuple(i for i in rules if by_index[i].rule.target is None) for rules in stage_rules]
    codes = sorted({member for c in [*deciding, *selves] if c.rule.target is not None
                    for member in c.rule.target.members})
    for member in codes:
        for stage, rules in enumerate(stage_rules):
            group(stage, tuple(i for i in rules if _sees(by_index[i].rule, member)))
    untargeted_groups = [group(stage, rules) for stage, rules in enumerate(untargeted)]

    def any_guard(rules: tuple[int, ...]) -> str | None:
        tests = [by_index[i].guard_parsed for i in rules]
        if not tests or None in tests or _reads_tables(None, [by_index[i] for i in rules]):
            return None  # a test that reads tables is left to the group, which reads each row once
        return tests[0] if len(tests) == 1 else " or ".join(f"({t})" for t in tests)

    guards = [_guarded(any_guard(rules)) for rules in untargeted]
    later_guard = _guarded(any_guard(tuple(i for rules in untargeted[1:] for i in rules)))
    reads = [[(q, _read_final(q, winners[q])) for q in sorted(read) if _first_reader_stage(code, q, index) == stage]
             for stage in range(1, stages)]
    losers = [(c, _final(c.index, winners[c.index])) for c in [*deciding, *selves]
              if c.rule.reports and winners[c.index]]
    entries = [f"{pyrepr(rules)}: {name}," for rules, name in keys.items()]
    return _Driver(stages, groups, entries, stage_rules, untargeted_groups, guards, later_guard, reads, losers,
                   [[c for c in selves if c.stage == s] for s in range(stages)])


def _sees(rule: ir.Rule, code: str) -> bool:
    """Whether a rule decides on lines of `code`: its target set holds it, or it has none."""
    return rule.target is None or code in rule.target.members


def _guarded(test: str | None) -> str | None:
    """The statement that tests a line no target set holds, in the driver's loop."""
    return None if test is None else _statement(f"if {test}:", 12)


def _first_reader_stage(code: list[_RuleCode], rule_index: int, index: dict[str, int]) -> int:
    """The earliest stage of a rule that reads `rule_index` with `flagged by` (other than itself)."""
    return min(c.stage for c in code for _, ref in c.params if index.get(ref) == rule_index and ref != c.rule.id)


def generate_python(plan: ir.Plan, source_text: str) -> str:
    """The source of the edit module for an analyzed pack; compiled before it is returned."""
    module = python_outputs(plan, source_text)[f"{plan.pack.name}.py"]
    assert isinstance(module, str)
    return module


def _uses_tables(pack: ir.Pack) -> bool:
    """Whether the module needs the runtime of tables and sums."""
    return bool(pack.data_tables) or any(isinstance(node, ir.Quant) and node.kind == "sum"
                                         for rule in pack.rules for expr in (rule.condition, rule.suggest,
                                                                             rule.suggest_if)
                                         for node in ir.walk(expr))


def python_outputs(plan: ir.Plan, source_text: str) -> dict[str, str | bytes]:
    """The edit module of an analyzed pack (`NAME.py`, compiled before it is returned) and, for a
    pack with tables read from files, its data file (`NAME.tables`)."""
    if not isinstance(plan, ir.Plan):
        raise TypeError(f"generate_python needs an analyzed plan (compiler.analysis.checks.analyze returns one), "
                        f"not {type(plan).__name__}")
    pack = plan.pack
    with_tables = _uses_tables(pack)
    runtime = runtime_source(with_tables)
    namer = Namer(MODULE_NAMES | _runtime_names(runtime))
    symbols = _Symbols(namer, {}, [], {r.name: r for r in pack.rankings},
                       data_tables={t.name: t for t in pack.data_tables})
    rules_by_id = {r.id: r for r in pack.rules}
    code = [_translate_rule(index, rules_by_id[rule_id], namer, symbols, source_text)
            for index, rule_id in enumerate(plan.order)]
    targets = [symbols.code_set(c.rule.target) if c.rule.target is not None else None for c in code]
    driver = _driver(code, pack, namer, symbols)
    sets = [(name, codes, _set_literal(codes)) for name, codes in symbols.set_order]
    attributes = []
    for attribute in pack.attributes:
        key = ("attribute", attribute.name)
        if key in namer.names:
            attributes.append((namer.names[key], attribute, _attribute_type(attribute.type)))
    maps = [(namer.names[("map", m.name)], m) for m in pack.maps if ("map", m.name) in namer.names]
    rankings = []
    for ranking in pack.rankings:
        key = ("ranking", ranking.name)
        if key in namer.names:
            levels = ", ".join(f"({namer.names[('attribute', name)]}, {pyrepr(order)})"
                               for name, order in ranking.levels)
            levels = f"({levels},)" if len(ranking.levels) == 1 else f"({levels})"
            rankings.append((namer.names[key], f"{rank_table.__name__}({levels})"))
    tables = None
    files: dict[str, str | bytes] = {}
    if pack.data_tables:
        read = {t.name: symbols.table_columns[t.name] for t in pack.data_tables if t.name in symbols.table_columns}
        data = pack_tables(pack, read)
        files[f"{pack.name}.tables"] = data
        tables = {"file": f"{pack.name}.tables", "digest": hashlib.sha256(data).hexdigest(),
                  "files": {t.name: {f.written: f.digest for f in t.files} for t in pack.data_tables},
                  "symbols": [(namer.names[("table", name)], name) for name in read],
                  "none": [(namer.names[("no row", name)], namer.names[("table", name)]) for name in read
                           if ("no row", name) in namer.names]}
    policy = {"id": pack.policy, "pack": pack.name, "title": pack.title, "version": pack.version,
              "effective": pack.effective, "source": pack.source}
    rules_table = {r.id: {"title": r.title, "citation": r.citation, "disposition": r.disposition}
                   for r in sorted(pack.rules, key=lambda r: r.id) if r.reports}
    source_name = Path(pack.path).name
    module_doc = "\n\n".join((
        textwrap.fill(f"{pack.policy}: {pack.title}", 96),
        f"Version {pack.version}, effective {pack.effective}. Claim edits generated by rulesc from {source_name}\n"
        f"(sha256 {pack.digest}).",
        "Call evaluate(claim) for findings; POLICY and RULES describe the pack.\n"))
    text = _environment().get_template("module.py.j2").render(
        pack=pack, module_doc=module_doc, runtime=runtime, policy=policy, rules_table=rules_table,
        sets=sets, attributes=attributes, maps=maps, rankings=rankings, rules=code, targets=targets,
        driver=driver, reporting=[c for c in code if c.rule.reports], with_tables=with_tables, tables=tables,
        suggesting=any(c.rule.reports and c.rule.suggest is not None for c in code),
        facts=_facts_code(symbols), by_code=symbols.by_code,
    )
    try:
        compile(text, f"{pack.name}.py", "exec")
    except SyntaxError as error:  # pragma: no cover - a generator bug, reported loudly
        raise GenerationError(f"generated module does not compile: {error}") from error
    return {f"{pack.name}.py": text, **files}


def _facts_code(symbols: _Symbols) -> dict[str, Any] | None:
    """What the template writes of the code facts: their type, what each is and how it is read."""
    if not symbols.facts:
        return None
    facts = list(symbols.facts.values())
    return {"type": f"tuple[{', '.join(typed for _, typed, _ in facts)}]", "names": [name for name, _, _ in facts],
            "reads": [read for _, _, read in facts]}


def _set_literal(codes: ir.CodeSet) -> str:
    if codes.texts or len(codes.members) <= 12:
        return pyrepr(frozenset(codes.members))
    runs = code_shapes.compress(codes.members)
    singles = tuple(low for low, high in runs if low == high)
    spans = tuple((low, high) for low, high in runs if low != high)
    return f"expand_codes({pyrepr(singles)}, {pyrepr(spans)})"


def _attribute_type(kind: ir.Type) -> str:
    return {ir.Kind.TEXT: "str", ir.Kind.NUMBER: "float", ir.Kind.BOOL: "bool",
            ir.Kind.CODES: "frozenset[str]"}[kind.kind]

