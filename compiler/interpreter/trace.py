"""Why a pack decided what it did on a claim (`rulesc explain`): the reference semantics, walked with
a record of every step.

`Explainer` is the interpreter with its one decision, whether a rule applies to a line, taken by a
tracing walk of the IR (`trace`) instead of the plain one: every rule's decision on every edited
line is recorded in the order the interpreter takes it (a rule that reads its own findings decides
its lines on demand here too), with the scope checks, each part of the condition and its value,
the lines each quantifier looked at, the rows each table lookup found, then precedence, the
finding, and for a suggestion the re-billed claim that makes it stand or withholds it. The plain
interpreter (`evaluate.py`) keeps its hot path; the tests hold this walk to the findings of both
engines, rule by rule and line by line.

The walk computes every value with the runtime's operators, as the interpreter does. Where the
interpreter stops early (the right side of an `and` whose left side is false, an `any` that found
its line), the walk goes on, so that every part of a condition is shown with its value; the one
exception is a part that reads the findings of a rule still deciding its lines (`x flagged by R`
inside R itself), where going on would decide lines in another order: that part is marked as not
evaluated, as the interpreter left it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from compiler.interpreter.evaluate import Env, Interpreter, _Run, _scoped
from compiler.runtime.claims import Claim, Finding, Line, parse_claim, rebilled
from compiler.runtime.tables import total_of
from compiler.runtime.values import ARITHMETIC, COMPARISONS, FUNCTIONS, RELATIONS, opt_in, opt_neg
from compiler.semantics import ir
from compiler.semantics.tables import TableIndex

__all__ = ["Candidate", "Check", "ClaimTrace", "Decision", "Explainer", "FoundRow", "Lookup", "Removal", "Step",
           "Suggestion", "Verdict"]

CheckKind = Literal["effective date", "target", "claim type", "place of service"]


@dataclass(frozen=True)
class FoundRow:
    """A row of a table's file: its line in the file (the header is line 1) and its cells."""

    line: int
    cells: tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class Lookup:
    """What a table lookup read: the file of the claim's type (None when no file serves it), the
    keys and date it looked up (None for one that is absent), the rows it found in force on that
    date, and the rows of those keys in force on other dates only."""

    table: str
    file: str | None
    claim_type: str
    keys: tuple[object, ...]
    on: object
    rows: tuple[FoundRow, ...]
    elsewhen: tuple[FoundRow, ...]
    column: str | None


@dataclass(frozen=True)
class Candidate:
    """One line a quantifier looked at: whether its condition held there (with the steps), and what
    `first ... satisfies` then asked of it, or the value `sum` added up for it."""

    line: int
    held: bool
    condition: Step
    then: Step | None = None
    value: Step | None = None


@dataclass(frozen=True)
class Step:
    """One node of an expression as the walk evaluated it: its value (None: absent), the steps of
    its operands, the lines a quantifier looked at, what a lookup read, and `lines`: the claim lines
    the node reads itself (a field's line; both lines of a relation). `evaluated` is False for a
    part the interpreter did not evaluate and the walk could not (see the module's note)."""

    expr: ir.Expr
    value: Any
    parts: tuple[Step, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    lookup: Lookup | None = None
    lines: tuple[int, ...] = ()
    evaluated: bool = True


@dataclass(frozen=True)
class Check:
    """A scope check of a rule on a line: the line's date against the pack's effective date, its
    code against the target, the claim's type, the line's place of service."""

    kind: CheckKind
    held: bool


@dataclass(frozen=True)
class Decision:
    """Whether a rule applies to a line: the checks in order (up to the first that failed) and its
    condition's steps (None when it has none, or a check failed first)."""

    rule: str
    line: int
    checks: tuple[Check, ...]
    condition: Step | None
    applies: bool


@dataclass(frozen=True)
class Removal:
    """A rule or exception that takes precedence over the rule, and whether it applies to the line
    (then the rule says nothing there)."""

    winner: str
    declared_by: Literal["precedence", "overrides"]
    resolves: tuple[str, ...]
    applies: bool


@dataclass(frozen=True)
class Suggestion:
    """A finding's suggestion: its guard (`suggest ... if`), the code, and whether it stands: the
    claim with the line billed as the code, and the `deny` rules that decide that line there (each
    with its precedence), which withhold the code."""

    guard: Step | None
    value: Step | None
    code: str | None
    stands: bool
    rebilled: Claim | None = None
    denied_by: tuple[Verdict, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """One rule on one line: its decision, precedence, and what came of it (`finding`, None when it
    gives none)."""

    rule: ir.Rule
    line: int
    decision: Decision
    precedence: tuple[Removal, ...]
    finding: Finding | None
    suggestion: Suggestion | None = None

    @property
    def removed(self) -> bool:
        return any(removal.applies for removal in self.precedence)


@dataclass(frozen=True)
class ClaimTrace:
    """A claim explained: its verdicts in line order (rules in the pack's order on each line) and
    its findings as `evaluate` returns them."""

    claim: Claim
    verdicts: tuple[Verdict, ...]
    findings: tuple[Finding, ...]
    effective: str


class _TracedRun(_Run):
    """A run that keeps each rule's decision on each line, as it was taken."""

    def __init__(self, claim: Claim, effective: str) -> None:
        super().__init__(claim, effective)
        self.decisions: dict[tuple[str, int], Decision] = {}


class Explainer(Interpreter):
    """The interpreter that says why: `explain(claim)` gives every rule's verdict on every line."""

    def __init__(self, plan: ir.Plan) -> None:
        super().__init__(plan)
        self.explainers: dict[type, Callable[[Any, Env, _Run], Step]] = {
            ir.Const: self._leaf, ir.SetValue: self._leaf, ir.LineVar: self._line_read,
            ir.LineField: self._line_read, ir.ClaimField: self._leaf, ir.CodeAttr: self._operands,
            ir.MapGet: self._operands, ir.RankOf: self._operands, ir.Func: self._operands, ir.Arith: self._operands,
            ir.Neg: self._operands, ir.Compare: self._operands, ir.Member: self._operands, ir.Given: self._operands,
            ir.Has: self._operands, ir.Flagged: self._flagged_step, ir.Relation: self._relation_step,
            ir.BoolOp: self._bool_step, ir.Not: self._operands, ir.Quant: self._quant_step,
            ir.TableLookup: self._lookup_step, ir.RowField: self._not_in_rules, ir.CheckDay: self._not_in_rules,
        }
        self._precedences = {(p.winner, p.loser): p for p in self.pack.precedences}

    # ------------------------------------------------------------ claims
    def explain(self, raw_claim: object, unknown_fields: str = "error") -> ClaimTrace:
        """Every rule's verdict on every line of the claim; ClaimError for a malformed claim, as
        `evaluate` raises it."""
        claim = parse_claim(raw_claim, unknown_fields)
        run = _TracedRun(claim, self.pack.effective)
        for rule_id in self.plan.order:
            self._raw(rule_id, run)
        verdicts = []
        for line in claim.lines:
            for rule in self.pack.rules:
                if rule.edits:
                    verdicts.append(self._verdict(rule, line, run, suggest=True))
        findings = sorted((v.finding for v in verdicts if v.finding is not None), key=lambda f: (f.line, f.rule))
        return ClaimTrace(claim, tuple(verdicts), tuple(findings), self.pack.effective)

    def _verdict(self, rule: ir.Rule, line: Line, run: _TracedRun, suggest: bool) -> Verdict:
        if line.date < self.pack.effective:
            decision = Decision(rule.id, line.number, (Check("effective date", False),), None, False)
            return Verdict(rule, line.number, decision, (), None)
        decided = run.decisions.get((rule.id, line.number))
        if decided is None:  # every edit rule decides every edited line through _applies
            raise AssertionError(f"{rule.id} was not decided on line {line.number}")
        decision = decided
        removals = tuple(self._removal(winner, rule.id, line.number in self._raw(winner, run))
                         for winner in self._overriders[rule.id])
        finding = None
        suggestion = None
        if rule.reports and decision.applies and not any(r.applies for r in removals):
            finding = self._finding(rule, line, run)
            if rule.suggest is not None:
                suggestion = self._suggestion(rule, line, run, suggest)
                code = suggestion.code if suggestion.stands else None
                finding = Finding(finding.rule, finding.line, finding.disposition, finding.message, finding.citation,
                                  code, finding.evidence)
        return Verdict(rule, line.number, decision, removals, finding, suggestion)

    def _removal(self, winner: str, loser: str, applies: bool) -> Removal:
        declared = self._precedences.get((winner, loser))
        return Removal(winner, declared.declared_by if declared is not None else "precedence",
                       tuple(r.conflict for r in declared.resolves) if declared is not None else (), applies)

    def _suggestion(self, rule: ir.Rule, line: Line, run: _TracedRun, check: bool) -> Suggestion:
        env: Env = {"line": line}
        guard = None if rule.suggest_if is None else self.trace(rule.suggest_if, env, run)
        if guard is not None and not guard.value:
            return Suggestion(guard, None, None, False)
        assert rule.suggest is not None
        value = self.trace(rule.suggest, env, run)
        code = value.value if isinstance(value.value, str) else None
        if code is None or not check:
            return Suggestion(guard, value, code, code is not None)
        claim = rebilled(run.claim, line.number, code)
        denied_by = self._denied_by(claim, line.number)
        return Suggestion(guard, value, code, not denied_by, claim, denied_by)

    def _denied_by(self, claim: Claim, number: int) -> tuple[Verdict, ...]:
        """The `deny` rules that decide line `number` of a re-billed claim, precedence applied (what
        `Interpreter._denies` asks, every rule answered)."""
        run = _TracedRun(claim, self.pack.effective)
        line = claim.lines[number - 1]
        if line.date < self.pack.effective:
            return ()
        found = []
        for rule in self._deniers:
            if not self._applies_to(rule, line, run):
                continue
            removals = tuple(self._removal(w, rule.id, self._applies_to(self._rules[w], line, run))
                             for w in self._overriders[rule.id])
            if any(r.applies for r in removals):
                continue
            decision = run.decisions.get((rule.id, number)) or Decision(rule.id, number, (), None, True)
            found.append(Verdict(rule, number, decision, removals, self._finding(rule, line, run)))
        return tuple(found)

    # ------------------------------------------------------------ the decision, traced
    def _applies(self, rule: ir.Rule, line: Line, run: _Run) -> bool:
        decision = self._decide_traced(rule, line, run)
        if isinstance(run, _TracedRun):
            run.decisions.setdefault((rule.id, line.number), decision)
        return decision.applies

    def _decide_traced(self, rule: ir.Rule, line: Line, run: _Run) -> Decision:
        checks: list[Check] = [Check("effective date", True)]
        scope: list[tuple[CheckKind, bool]] = []
        if rule.target is not None:
            scope.append(("target", line.code in rule.target.members))
        if rule.claim_types is not None:
            scope.append(("claim type", run.claim.type in rule.claim_types))
        if rule.places is not None:
            scope.append(("place of service", (line.pos in rule.places.members) != rule.places_negated))
        for kind, held in scope:
            checks.append(Check(kind, held))
            if not held:
                return Decision(rule.id, line.number, tuple(checks), None, False)
        if rule.condition is None:
            return Decision(rule.id, line.number, tuple(checks), None, True)
        step = self.trace(rule.condition, {"line": line}, run)
        return Decision(rule.id, line.number, tuple(checks), step, bool(step.value))

    # ------------------------------------------------------------ expressions, traced
    def trace(self, expr: ir.Expr, env: Env, run: _Run) -> Step:
        """The steps of `expr` in `env`; its value is the one `eval` gives."""
        return self.explainers[type(expr)](expr, env, run)

    def _leaf(self, expr: ir.Expr, env: Env, run: _Run) -> Step:
        return Step(expr, self.eval(expr, env, run))

    def _line_read(self, expr: ir.LineVar | ir.LineField, env: Env, run: _Run) -> Step:
        return Step(expr, self.eval(expr, env, run), lines=(env[expr.var].number,))

    def _operands(self, expr: ir.Expr, env: Env, run: _Run) -> Step:
        """A node computed from its operands: each traced, then the node's own operator applied to
        their values (the interpreter's operators, one per node type)."""
        parts = tuple(self.trace(operand, env, run) for operand in _operands_of(expr))
        return Step(expr, _apply(self, expr, [part.value for part in parts]), parts)

    def _flagged_step(self, expr: ir.Flagged, env: Env, run: _Run) -> Step:
        return Step(expr, self._flagged(expr, env, run), lines=(env[expr.var].number,))

    def _relation_step(self, expr: ir.Relation, env: Env, run: _Run) -> Step:
        inner, outer = env[expr.inner], env[expr.outer]
        return Step(expr, RELATIONS[expr.kind](inner, outer), lines=(inner.number, outer.number))

    def _bool_step(self, expr: ir.BoolOp, env: Env, run: _Run) -> Step:
        left = self.trace(expr.left, env, run)
        needed = bool(left.value) == (expr.op == "and")
        if needed or self._pure(expr.right, run):
            right = self.trace(expr.right, env, run)
        else:
            right = Step(expr.right, None, evaluated=False)
        both = bool(left.value), bool(right.value)
        return Step(expr, (both[0] and both[1]) if expr.op == "and" else (both[0] or both[1]), (left, right))

    def _quant_step(self, expr: ir.Quant, env: Env, run: _Run) -> Step:
        lines = _scoped(run.claim.lines, expr.scopes, env[expr.outer])
        pure = all(self._pure(part, run) for part in (expr.condition, expr.then, expr.value) if part is not None)
        inner: Env = dict(env)
        candidates: list[Candidate] = []
        for line in lines:
            inner[expr.var] = line
            condition = self.trace(expr.condition, inner, run)
            held = bool(condition.value)
            if expr.kind == "first" and held:
                assert expr.then is not None
                candidates.append(Candidate(line.number, True, condition, then=self.trace(expr.then, inner, run)))
                break
            value = self.trace(expr.value, inner, run) if expr.kind == "sum" and held and expr.value else None
            candidates.append(Candidate(line.number, held, condition, value=value))
            if held and not pure and expr.kind in ("any", "no"):
                break
            if value is not None and value.value is None and not pure:  # the interpreter stops at an absent value
                break
        held_lines = [c for c in candidates if c.held]
        result: Any
        if expr.kind == "any":
            result = bool(held_lines)
        elif expr.kind == "no":
            result = not held_lines
        elif expr.kind == "count":
            result = len(held_lines)
        elif expr.kind == "sum":
            result = total_of(c.value.value if c.value is not None else None for c in held_lines)
        else:
            found = held_lines[0] if held_lines else None
            result = bool(found.then.value) if found is not None and found.then is not None else False
        return Step(expr, result, candidates=tuple(candidates))

    def _lookup_step(self, expr: ir.TableLookup, env: Env, run: _Run) -> Step:
        keys = tuple(self.trace(key, env, run) for key in expr.keys)
        on = self.trace(expr.on, env, run) if expr.on is not None else None
        parts = (*keys, *((on,) if on is not None else ()))
        table = self._tables[expr.table]
        table_file = table.file_for(run.claim.type)
        values = tuple(key.value for key in keys)
        day = on.value if on is not None else None
        if table_file is None or any(v is None for v in values) or (on is not None and day is None):
            lookup = Lookup(table.name, table_file.path if table_file else None, run.claim.type, values, day, (), (),
                            expr.column)
            return Step(expr, None, parts, lookup=lookup)
        index_key = (table.name, table_file.path)
        index = self._indexes.get(index_key)
        if index is None:
            index = self._indexes[index_key] = TableIndex(table, table_file)
        rows = index.rows(list(values), day)
        every = index.rows(list(values), None) if table.dated else rows
        data = table_file.data
        names = [c.name for c in table.columns]

        def found(row: int) -> FoundRow:
            return FoundRow(data.lines[row], tuple((name, data.value(name, row)) for name in names))

        lookup = Lookup(table.name, table_file.path, run.claim.type, values, day, tuple(found(r) for r in rows),
                        tuple(found(r) for r in every if r not in rows), expr.column)
        value = data.value(expr.column, rows[0]) if rows and expr.column is not None else (True if rows else None)
        return Step(expr, value, parts, lookup=lookup)

    def _not_in_rules(self, expr: ir.Expr, env: Env, run: _Run) -> Step:
        raise TypeError(f"{type(expr).__name__} belongs to a table's checks, not to a rule")  # typing keeps it out

    def _pure(self, expr: ir.Expr, run: _Run) -> bool:
        """Whether evaluating `expr` now decides nothing out of the interpreter's order: it reads the
        findings of no rule that is deciding its lines on demand."""
        return not any(isinstance(node, ir.Flagged) and node.rule in run.deciding for node in ir.walk(expr))


def _operands_of(expr: ir.Expr) -> Sequence[ir.Expr]:
    if isinstance(expr, (ir.Arith, ir.Compare)):
        return (expr.left, expr.right)
    if isinstance(expr, (ir.Neg, ir.Not)):
        return (expr.operand,)
    if isinstance(expr, ir.Member):
        return (expr.item, expr.collection)
    if isinstance(expr, ir.Given):
        return (expr.value,)
    if isinstance(expr, ir.Has):
        return (expr.modifiers, expr.wanted)
    if isinstance(expr, (ir.CodeAttr, ir.RankOf)):
        return (expr.code,)
    if isinstance(expr, ir.MapGet):
        return (expr.key,)
    if isinstance(expr, ir.Func):
        return expr.args
    raise TypeError(f"{type(expr).__name__} is not computed from operands")


def _apply(interpreter: Explainer, expr: ir.Expr, values: list[Any]) -> Any:
    """The value of a node from its operands' values, by the runtime's operators."""
    if isinstance(expr, ir.Arith):
        return ARITHMETIC[expr.op](values[0], values[1])
    if isinstance(expr, ir.Compare):
        return COMPARISONS[expr.op](values[0], values[1])
    if isinstance(expr, ir.Neg):
        return opt_neg(values[0])
    if isinstance(expr, ir.Not):
        return not values[0]
    if isinstance(expr, ir.Member):
        return opt_in(values[0], values[1], expr.negated)
    if isinstance(expr, ir.Given):
        return (values[0] is None) == expr.negated
    if isinstance(expr, ir.Has):
        modifiers, wanted = values
        found = not wanted.isdisjoint(modifiers) if expr.any_of else wanted in modifiers
        return found != expr.negated
    if isinstance(expr, ir.CodeAttr):
        default = False if expr.type.kind is ir.Kind.BOOL else None
        return interpreter._attributes[expr.attribute].get(values[0], default)
    if isinstance(expr, ir.MapGet):
        return interpreter._maps[expr.map].get(values[0])
    if isinstance(expr, ir.RankOf):
        return interpreter._ranks[expr.ranking].get(values[0])
    if isinstance(expr, ir.Func):
        return FUNCTIONS[expr.name](*values)
    raise TypeError(f"{type(expr).__name__} is not computed from operands")

