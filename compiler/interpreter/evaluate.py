"""The reference semantics: evaluate an analyzed pack on a claim, straight from the IR.

Generated modules must return exactly what this returns; the tests hold them to it. What each
operator means is the runtime's (compiler/runtime), shared with generated modules; this module
holds only the walk over the IR.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from compiler.runtime.claims import Claim, ClaimError, Finding, Line, field_text, parse_claim, standing
from compiler.runtime.tables import total_of
from compiler.runtime.values import ARITHMETIC, COMPARISONS, FUNCTIONS, RELATIONS, opt_in, opt_neg, rank_table
from compiler.semantics import evidence, ir
from compiler.semantics.tables import TableIndex

__all__ = ["ClaimError", "Finding", "Interpreter"]

Env = dict[str, Line]


class _Run:
    """The state of one evaluation: the claim, its edited lines and the lines each rule has matched
    so far."""

    def __init__(self, claim: Claim, effective: str) -> None:
        self.claim = claim
        self.edited = [line for line in claim.lines if line.date >= effective]
        self.raw: dict[str, frozenset[int]] = {}
        self.final: dict[str, frozenset[int]] = {}
        # a rule that reads its own findings, while it decides: each line decided so far, raw and final
        self.deciding: dict[str, dict[int, tuple[bool, bool]]] = {}


class Interpreter:
    def __init__(self, plan: ir.Plan) -> None:
        if not isinstance(plan, ir.Plan):
            raise TypeError(f"Interpreter runs an analyzed plan (compiler.analysis.checks.analyze returns one), "
                            f"not {type(plan).__name__}")
        self.plan = plan
        pack = self.pack = plan.pack
        self._attributes = {a.name: a.lookup() for a in pack.attributes}
        self._maps = {m.name: dict(m.pairs) for m in pack.maps}
        self._ranks = {r.name: rank_table(tuple((self._attributes[name], order) for name, order in r.levels))
                       for r in pack.rankings}
        self._overriders = {r.id: pack.overriders(r.id) for r in pack.rules}
        self._rules = {r.id: r for r in pack.rules}
        self._deniers = tuple(r for r in pack.rules if r.reports and r.disposition == "deny")
        self._tables = {t.name: t for t in pack.data_tables}
        self._indexes: dict[tuple[str, str], TableIndex] = {}
        self._dispatch: dict[type, Callable[[Any, Env, _Run], Any]] = {
            ir.Const: self._const, ir.SetValue: self._set_value, ir.LineVar: self._line_var,
            ir.LineField: self._line_field, ir.ClaimField: self._claim_field, ir.CodeAttr: self._code_attr,
            ir.MapGet: self._map_get, ir.RankOf: self._rank_of, ir.Func: self._func, ir.Arith: self._arith,
            ir.Neg: self._neg, ir.Compare: self._compare, ir.Member: self._member, ir.Given: self._given,
            ir.Has: self._has, ir.Flagged: self._flagged, ir.Relation: self._relation,
            ir.BoolOp: self._bool_op, ir.Not: self._not, ir.Quant: self._quant,
            ir.TableLookup: self._table_lookup, ir.RowField: self._row_field, ir.CheckDay: self._row_field,
        }

    # ------------------------------------------------------------ claims
    def evaluate(self, raw_claim: object, unknown_fields: str = "error", *,
                 raw_suggestions: bool = False) -> list[Finding]:
        """Findings for one claim, as a generated module's `evaluate` returns them: ClaimError for a
        malformed claim or (unless unknown_fields="ignore") a field the contract does not name,
        ValueError for any other unknown_fields than "error" and "ignore". With `raw_suggestions`,
        each finding carries the code its rule suggests, whether or not it stands (the analyzer
        reads them so)."""
        claim = parse_claim(raw_claim, unknown_fields)
        run = self._decide(claim)
        findings = []
        for rule in self.pack.rules:
            if not rule.reports:
                continue
            for number in sorted(self._final(rule.id, run)):
                findings.append(self._finding(rule, claim.lines[number - 1], run))
        if not raw_suggestions:
            standing(claim, findings, self._denies)
        findings.sort(key=lambda f: (f.line, f.rule))
        return findings

    def _decide(self, claim: Claim) -> _Run:
        """Every rule's raw decisions on the claim's lines dated on or after the effective date."""
        run = _Run(claim, self.pack.effective)
        for rule_id in self.plan.order:
            self._raw(rule_id, run)
        return run

    def _raw(self, rule_id: str, run: _Run) -> frozenset[int]:
        """The edited lines the rule applies to (decided once per evaluation)."""
        if rule_id not in run.raw:
            rule = self._rules.get(rule_id)
            if rule is None or not rule.edits:
                run.raw[rule_id] = frozenset()
            elif rule_id in rule.references:  # it reads its own findings: decided line by line, on demand
                run.raw[rule_id] = self._decide_all(rule, run)
            else:
                run.raw[rule_id] = frozenset(line.number for line in run.edited if self._applies(rule, line, run))
        return run.raw[rule_id]

    def _denies(self, claim: Claim, number: int) -> bool:
        """Whether a reporting `deny` rule decides line `number` of the claim (one billed as a
        suggested code), precedence applied; suggestions are not asked about again. Only that line
        is decided, and on the other lines only the rules read there with `flagged by` (a rule that
        reads its own findings decides the lines it reads, as `evaluate` does)."""
        run = _Run(claim, self.pack.effective)
        line = claim.lines[number - 1]
        if line.date < self.pack.effective:
            return False
        return any(self._applies_to(rule, line, run)
                   and not any(self._applies_to(self._rules[w], line, run) for w in self._overriders[rule.id])
                   for rule in self._deniers)

    def _applies_to(self, rule: ir.Rule, line: Line, run: _Run) -> bool:
        """Whether the rule applies to one line: decided alone, or, for a rule that reads its own
        findings, among its decisions on all the lines."""
        if rule.id in rule.references:
            return line.number in self._raw(rule.id, run)
        return self._applies(rule, line, run)

    def _applies(self, rule: ir.Rule, line: Line, run: _Run) -> bool:
        if rule.target is not None and line.code not in rule.target.members:
            return False
        if rule.claim_types is not None and run.claim.type not in rule.claim_types:
            return False
        if rule.places is not None and (line.pos in rule.places.members) == rule.places_negated:
            return False
        return rule.condition is None or bool(self.eval(rule.condition, {"line": line}, run))

    def _decide_all(self, rule: ir.Rule, run: _Run) -> frozenset[int]:
        """The lines a rule that reads its own findings applies to: decided in line order, each on
        demand when another line's decision asks for it first (see `_decide_line`)."""
        run.deciding[rule.id] = {}
        for line in run.edited:
            self._decide_line(rule, line, run)
        decided = run.deciding.pop(rule.id)
        return frozenset(number for number, (raw, _) in decided.items() if raw)

    def _decide_line(self, rule: ir.Rule, line: Line, run: _Run) -> bool:
        """Whether the rule's final finding falls on `line`; a line being decided reads as not flagged."""
        decided = run.deciding[rule.id]
        if line.number in decided:
            return decided[line.number][1]
        if line.date < self.pack.effective:
            return False
        decided[line.number] = (False, False)
        raw = self._applies(rule, line, run)
        final = raw and not any(line.number in self._raw(w, run) for w in self._overriders.get(rule.id, ()))
        decided[line.number] = (raw, final)
        return final

    def _final(self, rule_id: str, run: _Run) -> frozenset[int]:
        if rule_id not in run.final:
            hits = self._raw(rule_id, run)
            for winner in self._overriders.get(rule_id, ()):
                hits = hits - self._raw(winner, run)
            run.final[rule_id] = hits
        return run.final[rule_id]

    def _finding(self, rule: ir.Rule, line: Line, run: _Run) -> Finding:
        env = {"line": line}
        message = "".join(part.text if part.field is None else field_text(getattr(line, part.field))
                          for part in rule.message)
        suggest = None
        if rule.suggest is not None and (rule.suggest_if is None or self.eval(rule.suggest_if, env, run)):
            value = self.eval(rule.suggest, env, run)
            suggest = value if isinstance(value, str) else None
        found = set() if rule.condition is None else self._evidence(rule.condition, env, run, True)
        found.discard(line.number)
        assert rule.disposition is not None
        return Finding(rule.id, line.number, rule.disposition, message, rule.citation, suggest,
                       tuple(sorted(found)))

    # ------------------------------------------------------------ evidence
    def _evidence(self, expr: ir.Expr, env: Env, run: _Run, value: bool | None) -> set[int]:
        """The lines `expr` rests on, given its value (None: compute it where it matters)."""
        if value is None and evidence.decided_by_value(expr):
            value = bool(self.eval(expr, env, run))
        if not evidence.possible(expr, value):
            return set()
        if isinstance(expr, ir.Not):
            return self._evidence(expr.operand, env, run, None if value is None else not value)
        found: set[int] = set()
        if isinstance(expr, ir.BoolOp):
            assert value is not None
            both = evidence.whole(expr, value)
            for side in (expr.left, expr.right):
                if both or bool(self.eval(side, env, run)) == value:
                    found |= self._evidence(side, env, run, value)
        elif isinstance(expr, ir.Quant):
            inner_env = dict(env)
            for line in _scoped(run.claim.lines, expr.scopes, env[expr.outer]):
                inner_env[expr.var] = line
                if self.eval(expr.condition, inner_env, run):
                    found.add(line.number)
                    found |= self._evidence(expr.condition, inner_env, run, True)
                    if expr.kind == "first":
                        assert expr.then is not None
                        found |= self._evidence(expr.then, inner_env, run, None)
                        break
        else:
            for operand in evidence.operands(expr):
                found |= self._evidence(operand, env, run, None)
        return found

    # ------------------------------------------------------------ expressions
    def eval(self, expr: ir.Expr, env: Env, run: _Run) -> Any:
        return self._dispatch[type(expr)](expr, env, run)

    def _const(self, expr: ir.Const, env: Env, run: _Run) -> Any:
        return expr.value

    def _set_value(self, expr: ir.SetValue, env: Env, run: _Run) -> Any:
        return expr.codes.members

    def _line_var(self, expr: ir.LineVar, env: Env, run: _Run) -> Any:
        return env[expr.var]

    def _line_field(self, expr: ir.LineField, env: Env, run: _Run) -> Any:
        return getattr(env[expr.var], expr.field)

    def _claim_field(self, expr: ir.ClaimField, env: Env, run: _Run) -> Any:
        return getattr(run.claim, expr.field)

    def _code_attr(self, expr: ir.CodeAttr, env: Env, run: _Run) -> Any:
        default = False if expr.type.kind is ir.Kind.BOOL else None
        return self._attributes[expr.attribute].get(self.eval(expr.code, env, run), default)

    def _map_get(self, expr: ir.MapGet, env: Env, run: _Run) -> Any:
        return self._maps[expr.map].get(self.eval(expr.key, env, run))

    def _rank_of(self, expr: ir.RankOf, env: Env, run: _Run) -> Any:
        return self._ranks[expr.ranking].get(self.eval(expr.code, env, run))

    def _func(self, expr: ir.Func, env: Env, run: _Run) -> Any:
        return FUNCTIONS[expr.name](*(self.eval(arg, env, run) for arg in expr.args))

    def _arith(self, expr: ir.Arith, env: Env, run: _Run) -> Any:
        return ARITHMETIC[expr.op](self.eval(expr.left, env, run), self.eval(expr.right, env, run))

    def _neg(self, expr: ir.Neg, env: Env, run: _Run) -> Any:
        return opt_neg(self.eval(expr.operand, env, run))

    def _compare(self, expr: ir.Compare, env: Env, run: _Run) -> Any:
        return COMPARISONS[expr.op](self.eval(expr.left, env, run), self.eval(expr.right, env, run))

    def _member(self, expr: ir.Member, env: Env, run: _Run) -> Any:
        return opt_in(self.eval(expr.item, env, run), self.eval(expr.collection, env, run), expr.negated)

    def _given(self, expr: ir.Given, env: Env, run: _Run) -> Any:
        return (self.eval(expr.value, env, run) is None) == expr.negated

    def _has(self, expr: ir.Has, env: Env, run: _Run) -> Any:
        modifiers = self.eval(expr.modifiers, env, run)
        wanted = self.eval(expr.wanted, env, run)
        found = not wanted.isdisjoint(modifiers) if expr.any_of else wanted in modifiers
        return found != expr.negated

    def _flagged(self, expr: ir.Flagged, env: Env, run: _Run) -> Any:
        if expr.rule in run.deciding:  # the rule reads its own findings while it decides
            return self._decide_line(self._rules[expr.rule], env[expr.var], run)
        return env[expr.var].number in self._final(expr.rule, run)

    def _table_lookup(self, expr: ir.TableLookup, env: Env, run: _Run) -> Any:
        table = self._tables[expr.table]
        table_file = table.file_for(run.claim.type)
        if table_file is None:
            return None
        keys = [self.eval(key, env, run) for key in expr.keys]
        on = self.eval(expr.on, env, run) if expr.on is not None else None
        if any(key is None for key in keys) or (expr.on is not None and on is None):
            return None
        index_key = (table.name, table_file.path)
        index = self._indexes.get(index_key)
        if index is None:
            index = self._indexes[index_key] = TableIndex(table, table_file)
        rows = index.rows(keys, on)
        if not rows:
            return None
        return True if expr.column is None else table_file.data.value(expr.column, rows[0])

    def _row_field(self, expr: ir.RowField | ir.CheckDay, env: Env, run: _Run) -> Any:
        raise TypeError(f"{type(expr).__name__} belongs to a table's checks, not to a rule")  # typing keeps it out

    def _relation(self, expr: ir.Relation, env: Env, run: _Run) -> Any:
        return RELATIONS[expr.kind](env[expr.inner], env[expr.outer])

    def _bool_op(self, expr: ir.BoolOp, env: Env, run: _Run) -> Any:
        if expr.op == "and":
            return bool(self.eval(expr.left, env, run)) and bool(self.eval(expr.right, env, run))
        return bool(self.eval(expr.left, env, run)) or bool(self.eval(expr.right, env, run))

    def _not(self, expr: ir.Not, env: Env, run: _Run) -> Any:
        return not self.eval(expr.operand, env, run)

    def _quant(self, expr: ir.Quant, env: Env, run: _Run) -> Any:
        outer = env[expr.outer]
        candidates = _scoped(run.claim.lines, expr.scopes, outer)
        inner_env = dict(env)

        def holds(line: Line) -> bool:
            inner_env[expr.var] = line
            return bool(self.eval(expr.condition, inner_env, run))

        if expr.kind == "any":
            return any(holds(line) for line in candidates)
        if expr.kind == "no":
            return not any(holds(line) for line in candidates)
        if expr.kind == "count":
            return sum(1 for line in candidates if holds(line))
        if expr.kind == "sum":
            assert expr.value is not None
            value = expr.value
            return total_of(self.eval(value, inner_env, run) for line in candidates if holds(line))
        for line in candidates:
            if holds(line):
                assert expr.then is not None
                return bool(self.eval(expr.then, inner_env, run))
        return False


def _scoped(lines: Iterable[Line], scopes: tuple[str, ...], outer: Line) -> list[Line]:
    result = []
    for line in lines:
        if "other" in scopes and line is outer:
            continue
        if "earlier" in scopes and line.number >= outer.number:
            continue
        if "later" in scopes and line.number <= outer.number:
            continue
        result.append(line)
    return result
