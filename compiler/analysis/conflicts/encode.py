"""IR expressions as solver formulas over a symbolic claim, with the interpreter's semantics.

The encoding follows `compiler/interpreter/evaluate.py` construct by construct: a comparison with
an absent value is false, arithmetic with one is absent, division by zero is absent, `same provider`
holds when either provider is absent, `flagged by` is the named rule's effective decision on that
line (its raw decision less the rules that take precedence over it). A rule fires raw on a slot when
the slot is a line dated on or after the effective date, its code is in the target, the claim type
and place match and the condition holds.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import z3

from compiler.analysis.changes.canon import stable
from compiler.analysis.conflicts.model import Z3, SymbolicClaim, conj, disj, in_ranges, ite, neg, whole
from compiler.analysis.conflicts.relations import Relations, Row
from compiler.analysis.conflicts.universe import (
    CODE_SHAPE,
    Universe,
    Unsupported,
    is_cpt,
    is_cpt_category_1,
    is_drug_code,
    is_hcpcs,
    merge_ranges,
)
from compiler.analysis.suggestions import deniers_of
from compiler.semantics import ir

# ---------------------------------------------------------------- symbolic values


@dataclass(frozen=True)
class Atom:
    """A code or text value: an id of the universe, or absent."""

    id: Z3
    absent: Z3


@dataclass(frozen=True)
class Num:
    """A number: `value` is a real term. Where the number is known to be whole (minutes, counts,
    line numbers, whole constants and what + - * make of them) `whole` is the same number as an
    integer term, and a whole number divided by a positive whole constant keeps `ratio`
    (numerator, denominator): `ceil` and `floor` of it are then integer division, and comparisons of
    whole numbers stay in integer arithmetic, which the solver decides far more easily than the
    real-to-integer rounding it would need otherwise."""

    value: Z3  # real
    absent: Z3
    whole: Z3 | None = None  # int
    ratio: tuple[Z3, int] | None = None


@dataclass(frozen=True)
class Ordinal:
    """A date (day number) or a time stamp (minutes)."""

    value: Z3
    absent: Z3


@dataclass(frozen=True)
class Rank:
    levels: tuple[Z3, ...]
    absent: Z3


@dataclass(frozen=True)
class Members:
    test: Callable[[Atom], Z3]
    absent: Z3


@dataclass(frozen=True)
class Mods:
    flags: dict[str, Z3]


@dataclass(frozen=True)
class LineRef:
    slot: int


Value = Z3 | Atom | Num | Ordinal | Rank | Members | Mods | LineRef | Row


def absent_of(value: Value, ctx: Any) -> Z3:
    if isinstance(value, (Atom, Num, Ordinal, Rank, Members, Row)):
        return value.absent
    return z3.BoolVal(False, ctx)


# ---------------------------------------------------------------- variants and views


@dataclass(frozen=True)
class Variant:
    """The pack with some declarations taken away (the naive rules of a resolved conflict)."""

    dropped: frozenset[tuple[str, str]] = frozenset()  # (winner, loser) precedences ignored
    stripped: frozenset[tuple[str, str]] = frozenset()  # (rule, other): `not (x flagged by other)` ignored
    unguarded: frozenset[str] = frozenset()  # rules whose suggestion guard is ignored
    relaxed: frozenset[tuple[str, int]] = frozenset()  # (rule, n): the rule's n-th exclusion ignored
    unchecked: frozenset[str] = frozenset()  # tables' `no cycles` checks whose facts are ignored

    def apply(self, pack: ir.Pack) -> ir.Pack:
        """The same variant as a pack the interpreter can run."""
        if not (self.dropped or self.stripped or self.unguarded or self.relaxed):
            return pack
        rules = []
        for rule in pack.rules:
            condition = self.condition(rule)
            if condition is not rule.condition:
                rule = dataclasses.replace(rule, condition=condition)
            if rule.id in self.unguarded:
                rule = dataclasses.replace(rule, suggest_if=None)
            rules.append(rule)
        precedences = tuple(p for p in pack.precedences if (p.winner, p.loser) not in self.dropped)
        return dataclasses.replace(pack, rules=tuple(rules), precedences=precedences)

    def condition(self, rule: ir.Rule) -> ir.Expr | None:
        """The rule's condition in this variant (the same object when the variant leaves it alone)."""
        condition = rule.condition
        if condition is None:
            return None
        ignored = {n for (rid, n) in self.relaxed if rid == rule.id}
        if ignored:  # first, while the nodes are the rule's own
            found = exclusions(condition)
            condition = relax(condition, {id(found[n]) for n in ignored if n < len(found)})
        others = {other for (rid, other) in self.stripped if rid == rule.id}
        if others:
            condition = strip_flagged(condition, others)
        return condition


def exclusions(condition: ir.Expr | None) -> list[ir.Expr]:
    """The parts of a condition that exclude lines: the `not ...`, `not in`, `!=`, `is not given` and
    `lacks` parts of its conjunctions, at the top and inside its quantifiers, in source order.

    A rule's `resolves` that names no other rule (through `not (x flagged by ...)`) and no suggestion
    guard is shown through these: taken away one at a time, one of them lets the conflict it settles
    appear. `not (x flagged by ...)` is a declaration of its own and not among them."""
    found: list[ir.Expr] = []

    def visit(expr: ir.Expr) -> None:
        if isinstance(expr, ir.BoolOp) and expr.op == "and":
            visit(expr.left)
            visit(expr.right)
        elif isinstance(expr, ir.Quant):
            visit(expr.condition)
            if expr.then is not None:
                visit(expr.then)
        elif _excludes(expr):
            found.append(expr)

    if condition is not None:
        visit(condition)
    return sorted(found, key=lambda e: e.span.start)


def _excludes(expr: ir.Expr) -> bool:
    if isinstance(expr, ir.Not):
        return not isinstance(expr.operand, ir.Flagged)
    if isinstance(expr, (ir.Member, ir.Given, ir.Has)):
        return expr.negated
    return isinstance(expr, ir.Compare) and expr.op == "!="


def relax(expr: ir.Expr, targets: set[int]) -> ir.Expr:
    """The expression with each node whose id is in `targets` replaced by true."""
    if id(expr) in targets:
        return ir.Const(True, ir.BOOL, expr.span)
    if isinstance(expr, ir.BoolOp):
        left, right = relax(expr.left, targets), relax(expr.right, targets)
        return expr if left is expr.left and right is expr.right else dataclasses.replace(expr, left=left, right=right)
    if isinstance(expr, ir.Quant):
        condition = relax(expr.condition, targets)
        then = relax(expr.then, targets) if expr.then is not None else None
        if condition is expr.condition and then is expr.then:
            return expr
        return dataclasses.replace(expr, condition=condition, then=then)
    return expr


def strip_flagged(expr: ir.Expr, others: set[str]) -> ir.Expr:
    """The condition with each `not (x flagged by OTHER)` replaced by true."""
    if isinstance(expr, ir.Not) and isinstance(expr.operand, ir.Flagged) and expr.operand.rule in others:
        return ir.Const(True, ir.BOOL, expr.span)
    if isinstance(expr, ir.BoolOp):
        return dataclasses.replace(expr, left=strip_flagged(expr.left, others),
                                   right=strip_flagged(expr.right, others))
    if isinstance(expr, ir.Not):
        return dataclasses.replace(expr, operand=strip_flagged(expr.operand, others))
    if isinstance(expr, ir.Quant):
        then = strip_flagged(expr.then, others) if expr.then is not None else None
        return dataclasses.replace(expr, condition=strip_flagged(expr.condition, others), then=then)
    return expr


@dataclass(frozen=True)
class View:
    """The claim as the rules see it: the symbolic claim itself, or the same claim with one line
    billed as another code (its derived `drug` recomputed)."""

    key: tuple[Any, ...] = ()
    rebilled: int | None = None
    code: Z3 = None


BASE = View()


# ---------------------------------------------------------------- the encoder


class Encoder:
    """Formulas for one symbolic claim and one variant of the pack, memoized per rule and slot.

    `tables` gives the tables read from files as relations (without it a lookup is Unsupported);
    `own_findings` encodes the rules that read their own findings (see `_own`), whose decisions are
    then defined by `definitions`, which every question asked of this encoder must assert too.
    With `abstract`, each `count(...)` is a whole number of its own (named by the count, its lines
    and the view), at least 0 and otherwise free: the formula then holds on every claim where the
    exact one does, so a question it refutes is refuted on claims of every size (`side` holds the
    bounds to assert with it)."""

    def __init__(self, pack: ir.Pack, universe: Universe, claim: SymbolicClaim, variant: Variant,
                 tables: Relations | str | None = None, own_findings: bool = False, name: str = "",
                 abstract: bool = False) -> None:
        self.pack = pack
        self.tables = tables
        self.own_findings = own_findings
        self.name = name
        self.definitions: list[Z3] = []  # var == its decision, for rules that read their own findings
        self.bodies: dict[int, Z3] = {}  # those vars (by AST id) -> their decision
        self._guarded: dict[str, str | None] = {}
        self.abstract = abstract
        self.side: list[Z3] = []
        self._counts: dict[str, Z3] = {}
        self._ranks: dict[tuple[str, int, int], tuple[Atom, Rank]] = {}
        self._touch: dict[tuple[int, tuple[tuple[str, int], ...], int], tuple[ir.Expr, bool]] = {}
        self._rule_touch: dict[tuple[str, int, int], bool] = {}
        self.u = universe
        self.claim = claim
        self.variant = variant
        self.ctx = claim.ctx
        self.false = z3.BoolVal(False, self.ctx)
        self.true = z3.BoolVal(True, self.ctx)
        self.rules = {r.id: r for r in pack.rules if r.edits}
        self._conditions: dict[str, ir.Expr | None] = {}
        self._raw: dict[tuple[str, int, tuple[Any, ...]], Z3] = {}
        self._effective: dict[tuple[str, int, tuple[Any, ...]], Z3] = {}
        self._standing: dict[tuple[str, int], Atom] = {}
        self._deniers: dict[str, tuple[str, ...]] = {}
        self._values: dict[tuple[int, tuple[tuple[str, int], ...], tuple[Any, ...]], tuple[ir.Expr, Value]] = {}
        self._ranges: dict[tuple[int, tuple[tuple[int, int], ...]], tuple[Z3, Z3]] = {}
        self._cases: dict[tuple[str, str], list[tuple[Any, list[tuple[int, int]]]]] = {}
        self._attributes = {a.name: a for a in pack.attributes}
        self._maps = {m.name: dict(m.pairs) for m in pack.maps}
        self._rankings = {r.name: r for r in pack.rankings}
        self._drug_ranges = universe.code_ranges(_drug)
        self.effective_day = datetime.date.fromisoformat(pack.effective).toordinal()
        self._dispatch: dict[type, Callable[[Any, dict[str, int], View], Value]] = {
            ir.Const: self._const, ir.SetValue: self._set_value, ir.LineVar: self._line_var,
            ir.LineField: self._line_field, ir.ClaimField: self._claim_field, ir.CodeAttr: self._code_attr,
            ir.MapGet: self._map_get, ir.RankOf: self._rank_of, ir.Func: self._func, ir.Arith: self._arith,
            ir.Neg: self._neg, ir.Compare: self._compare, ir.Member: self._member, ir.Given: self._given,
            ir.Has: self._has, ir.Flagged: self._flagged, ir.Relation: self._relation,
            ir.BoolOp: self._bool_op, ir.Not: self._not, ir.Quant: self._quant,
            ir.TableLookup: self._table_lookup,
        }

    # ------------------------------------------------------------ rules
    def overriders(self, rule_id: str) -> tuple[str, ...]:
        return tuple(w for w in self.pack.overriders(rule_id)
                     if (w, rule_id) not in self.variant.dropped and w in self.rules)

    def condition(self, rule: ir.Rule) -> ir.Expr | None:
        if rule.id not in self._conditions:
            self._conditions[rule.id] = self.variant.condition(rule)
        return self._conditions[rule.id]

    def raw(self, rule_id: str, slot: int, view: View = BASE) -> Z3:
        if view.rebilled is not None and not self._raw_touches(rule_id, slot, view.rebilled):
            view = BASE  # the same formula: it does not read the re-billed code
        key = (rule_id, slot, view.key)
        if key not in self._raw:
            rule = self.rules[rule_id]
            if rule.id in rule.references:
                self._own(rule, slot, view, key)
            else:
                self._raw[key] = self._encode_raw(rule, slot, view)
        return self._raw[key]

    def _own(self, rule: ir.Rule, slot: int, view: View, key: tuple[str, int, tuple[Any, ...]]) -> None:
        """A rule that reads its own findings decides lines on demand, in line order (the language's
        semantics: a line being decided reads as not flagged). Where every read of its own finding
        on another line waits for a row of a table that lists no circle on one day, between the two
        lines' codes on their common date (`own_reads_guarded`), no line waits on itself, so every
        line's decision is its condition read with the other lines' final decisions, whatever the
        order: a variable per line, defined so (`definitions`), is that decision exactly."""
        if not self.own_findings:
            raise Unsupported(f"{rule.id} reads its own findings")
        if rule.id not in self._guarded:
            self._guarded[rule.id] = own_reads_guarded(rule, self.pack)
        reason = self._guarded[rule.id]
        if reason is not None:
            raise Unsupported(f"{rule.id} reads its own findings {reason}")
        var = z3.Bool(f"own.{self.name}.{rule.id}.{slot}.{'.'.join(map(str, view.key))}", self.ctx)
        self._raw[key] = var  # first: the decision on another line may read this one
        try:
            body = self._encode_raw(rule, slot, view)
        except BaseException:
            del self._raw[key]
            raise
        self.bodies[var.get_id()] = body
        self.definitions.append(var == body)

    def _encode_raw(self, rule: ir.Rule, slot: int, view: View) -> Z3:
        s = self.claim.slots[slot]
        parts = [s.active, s.date >= self.effective_day]
        if rule.target is not None:
            parts.append(self.within(self.code(slot, view), self.u.set_ranges(rule.target.members, False)))
        if rule.claim_types is not None:
            parts.append(self.within(self.claim.header.type, [(self.u.literals[t],) * 2 for t in rule.claim_types]))
        if rule.places is not None:
            inside = conj(neg(s.pos_absent), self.within(s.pos, self.u.set_ranges(rule.places.members, True)))
            parts.append(neg(inside) if rule.places_negated else inside)
        condition = self.condition(rule)
        if condition is not None:
            parts.append(self.boolean(condition, {"line": slot}, view))
        return conj(*parts)

    def effective(self, rule_id: str, slot: int, view: View = BASE) -> Z3:
        if view.rebilled is not None and not self._effective_touches(rule_id, slot, view.rebilled):
            view = BASE
        key = (rule_id, slot, view.key)
        if key not in self._effective:
            winners = [self.raw(w, slot, view) for w in self.overriders(rule_id)]
            raw = self.raw(rule_id, slot, view)
            self._effective[key] = conj(raw, neg(disj(*winners))) if winners else raw
        return self._effective[key]

    def suggestion(self, rule_id: str, slot: int, view: View = BASE) -> Atom:
        """The code the rule's finding on the slot would suggest, whether or not it stands (absent:
        no suggestion): its raw suggestion."""
        rule = self.rules[rule_id]
        if rule.suggest is None:
            return Atom(z3.IntVal(-1, self.ctx), self.true)
        env = {"line": slot}
        value = self.value(rule.suggest, env, view)
        if not isinstance(value, Atom):
            raise Unsupported("a suggestion that is not a code")
        guard = self.true
        if rule.suggest_if is not None and rule.id not in self.variant.unguarded:
            guard = self.boolean(rule.suggest_if, env, view)
        # a suggestion that is not a code the claim can carry (a text) is no suggestion
        is_code = self.within(value.id, [self.u.code_span])
        return Atom(value.id, disj(value.absent, neg(guard), neg(is_code)))

    def standing(self, rule_id: str, slot: int) -> Atom:
        """The code the rule's finding on the slot suggests, as both engines give it: its raw
        suggestion, absent where the line, billed with that code on the same claim, is denied."""
        key = (rule_id, slot)
        if key not in self._standing:
            raw = self.suggestion(rule_id, slot)
            if self.rules[rule_id].suggest is None:
                self._standing[key] = raw
            else:
                self._standing[key] = Atom(raw.id, disj(raw.absent, self.denied_as_suggested(rule_id, slot)))
        return self._standing[key]

    def denied_as_suggested(self, rule_id: str, slot: int, deniers: tuple[str, ...] | None = None) -> Z3:
        """Whether some rule of `deniers` (all that can decide the suggested code: None) denies the
        slot in the claim where it is billed with the rule's raw suggestion (the re-billed view; a
        re-billed claim is never asked about suggestions again)."""
        names = self.deniers(rule_id) if deniers is None else deniers
        for name in (rule_id, *names):  # where the encoder stops for tables read from files (see _table_reader)
            reason = _table_reader(self.rules[name], not isinstance(self.tables, Relations), not self.own_findings)
            if reason is not None:
                raise Unsupported(f"{name} {reason}, which the claim billed with a suggested code cannot encode")
        view = self.suggested_view(rule_id, slot)
        return disj(*[self.effective(b, slot, view) for b in names]) if names else self.false

    def suggested_view(self, rule_id: str, slot: int) -> View:
        """The claim with the slot billed as the rule's raw suggestion (one view per suggested term:
        rules that suggest the same code share it)."""
        suggestion = self.suggestion(rule_id, slot)
        return self.rebilled(slot, suggestion, ("code", suggestion.id.get_id()))

    def deniers(self, rule_id: str) -> tuple[str, ...]:
        """The deny rules that can decide a line billed with what the rule suggests."""
        if rule_id not in self._deniers:
            self._deniers[rule_id] = deniers_of(self.pack, self.rules[rule_id], tuple(self.rules))
        return self._deniers[rule_id]

    def evidence(self, rule_id: str, slot: int, other: int, view: View = BASE) -> Z3:
        """Whether line `other` is in the evidence of the rule's finding on `slot`."""
        condition = self.condition(self.rules[rule_id])
        if condition is None or other == slot:
            return self.false
        return self._evidence(condition, {"line": slot}, view, other)

    # ------------------------------------------------------------ line fields under a view
    def code(self, slot: int, view: View) -> Z3:
        return view.code if view.rebilled == slot else self.claim.slots[slot].code

    def drug(self, slot: int, view: View) -> Atom:
        s = self.claim.slots[slot]
        code = self.code(slot, view)
        return Atom(z3.If(s.drug_given, s.drug, code),
                    conj(neg(s.drug_given), neg(self.within(code, self._drug_ranges))))

    def rebilled(self, slot: int, code: Atom, key: tuple[Any, ...]) -> View:
        return View(("rebilled", slot, *key), slot, code.id)

    # ------------------------------------------------------------ what reads a re-billed code
    # A view re-bills one slot. Whatever does not read that slot's code (or the drug it implies)
    # has the same formula in the view as in the claim itself, so it is built once, in the claim:
    # most of a denier's condition, asked of a re-billed line, is about the other lines.

    def _raw_touches(self, rule_id: str, at: int, slot: int) -> bool:
        key = (rule_id, at, slot)
        known = self._rule_touch.get(key)
        if known is None:
            self._rule_touch[key] = True  # (the order check rejects cycles; stay safe)
            rule = self.rules[rule_id]
            condition = self.condition(rule)
            known = (rule.target is not None and at == slot) or (
                condition is not None and self._touches(condition, {"line": at}, slot))
            self._rule_touch[key] = known
        return known

    def _effective_touches(self, rule_id: str, at: int, slot: int) -> bool:
        return self._raw_touches(rule_id, at, slot) or any(
            self._raw_touches(w, at, slot) for w in self.overriders(rule_id))

    def _touches(self, expr: ir.Expr, env: dict[str, int], slot: int) -> bool:
        """Whether the formula of `expr` under `env` reads the code of `slot` (memoized)."""
        key = (id(expr), tuple(sorted(env.items())), slot)
        known = self._touch.get(key)
        if known is not None:
            return known[1]
        if isinstance(expr, ir.LineField):
            result = expr.field in ("code", "drug") and env[expr.var] == slot
        elif isinstance(expr, ir.Relation):
            result = expr.kind == "drug" and slot in (env[expr.inner], env[expr.outer])
        elif isinstance(expr, ir.Flagged):
            result = expr.rule in self.rules and self._effective_touches(expr.rule, env[expr.var], slot)
        elif isinstance(expr, ir.Quant):
            result = False
            for j in self.scope(expr, env):
                inner = {**env, expr.var: j}
                if self._touches(expr.condition, inner, slot) or (
                        expr.then is not None and self._touches(expr.then, inner, slot)) or (
                        expr.value is not None and self._touches(expr.value, inner, slot)):
                    result = True
                    break
        else:
            result = any(self._touches(child, env, slot) for child in _children(expr))
        self._touch[key] = (expr, result)
        return result

    # ------------------------------------------------------------ expressions
    def value(self, expr: ir.Expr, env: dict[str, int], view: View) -> Value:
        if view.rebilled is not None and not self._touches(expr, env, view.rebilled):
            view = BASE
        key = (id(expr), tuple(sorted(env.items())), view.key)
        cached = self._values.get(key)
        if cached is not None:
            return cached[1]
        method = self._dispatch.get(type(expr))
        if method is None:
            raise Unsupported(f"cannot encode {type(expr).__name__}")
        result = method(expr, env, view)
        self._values[key] = (expr, result)  # the expression is kept so that its id stays its own
        return result

    def within(self, value: Z3, ranges: list[tuple[int, int]]) -> Z3:
        """`in_ranges`, memoized: the same test of the same value is built once."""
        key = (value.get_id(), tuple(ranges))
        cached = self._ranges.get(key)
        if cached is None:
            cached = (value, in_ranges(value, ranges))
            self._ranges[key] = cached
        return cached[1]

    def boolean(self, expr: ir.Expr, env: dict[str, int], view: View) -> Z3:
        value = self.value(expr, env, view)
        if isinstance(value, (Atom, Num, Ordinal, Rank, Members, Mods, LineRef, Row)):
            raise Unsupported(f"{type(expr).__name__} used as a condition")
        return value

    def _const(self, expr: ir.Const, env: dict[str, int], view: View) -> Value:
        kind, value = expr.type.kind, expr.value
        if kind is ir.Kind.BOOL:
            return z3.BoolVal(bool(value), self.ctx)
        if kind is ir.Kind.NUMBER:
            number = z3.RealVal(str(value), self.ctx)
            whole = z3.IntVal(int(value), self.ctx) if float(value).is_integer() else None
            return Num(number, self.false, whole)
        if kind is ir.Kind.DATE:
            return Ordinal(z3.IntVal(datetime.date.fromisoformat(str(value)).toordinal(), self.ctx), self.false)
        if kind is ir.Kind.CODE:
            return Atom(z3.IntVal(self.u.code_id(str(value)), self.ctx), self.false)
        if kind is ir.Kind.TEXT:
            return Atom(z3.IntVal(self.u.text_id(str(value)), self.ctx), self.false)
        raise Unsupported(f"a constant of kind {kind.value}")

    def _set_value(self, expr: ir.SetValue, env: dict[str, int], view: View) -> Value:
        ranges = self.u.set_ranges(expr.codes.members, expr.codes.texts)
        return Members(lambda atom: self.within(atom.id, ranges), self.false)

    def _line_var(self, expr: ir.LineVar, env: dict[str, int], view: View) -> Value:
        return LineRef(env[expr.var])

    def _line_field(self, expr: ir.LineField, env: dict[str, int], view: View) -> Value:
        slot = env[expr.var]
        s = self.claim.slots[slot]
        name = expr.field
        if name == "number":
            return Num(z3.RealVal(slot + 1, self.ctx), self.false, z3.IntVal(slot + 1, self.ctx))
        if name == "code":
            return Atom(self.code(slot, view), self.false)
        if name == "date":
            return Ordinal(s.date, self.false)
        if name == "modifiers":
            return Mods(s.modifiers)
        if name == "units":
            return Num(s.units, self.false)
        if name == "provider":
            return Atom(s.provider, s.provider_absent)
        if name == "pos":
            return Atom(s.pos, s.pos_absent)
        if name == "charge":
            return Num(s.charge, s.charge_absent)
        if name in ("start", "stop"):
            return Ordinal(s.start if name == "start" else s.stop, neg(s.timed))
        if name == "minutes":
            return Num(z3.ToReal(s.stop - s.start), neg(s.timed), s.stop - s.start)
        if name == "drug":
            return self.drug(slot, view)
        if name == "supervision":
            return Atom(z3.If(s.unsupervised, self.u.literals["none"], self.u.literals["direct"]), self.false)
        if name == "member_supplied":
            return s.member_supplied
        if name == "description":
            return Atom(s.description, s.description_absent)
        raise Unsupported(f"the line field {name}")

    def _claim_field(self, expr: ir.ClaimField, env: dict[str, int], view: View) -> Value:
        h = self.claim.header
        fields = {"id": Atom(h.id, self.false), "type": Atom(h.type, self.false), "pos": Atom(h.pos, h.pos_absent),
                  "bill_type": Atom(h.bill_type, h.bill_absent), "bill_class": Atom(h.bill_class, h.bill_absent),
                  "member": Atom(h.member, h.member_absent), "provider": Atom(h.provider, h.provider_absent)}
        if expr.field not in fields:
            raise Unsupported(f"the claim field {expr.field}")
        return fields[expr.field]

    def _atom(self, expr: ir.Expr, env: dict[str, int], view: View) -> Atom:
        value = self.value(expr, env, view)
        if not isinstance(value, Atom):
            raise Unsupported(f"{type(expr).__name__} where a code is expected")
        return value

    def _by_group(self, name: tuple[str, str],
                  value_of: Callable[[str], Any]) -> list[tuple[Any, list[tuple[int, int]]]]:
        """The distinct values `value_of` gives the code groups, each with the id ranges giving it."""
        if name in self._cases:
            return self._cases[name]
        cases: dict[Any, list[tuple[int, int]]] = {}
        order: list[Any] = []
        for group in self.u.groups:
            value = value_of(group.sample)
            if value is None:
                continue
            key = tuple(sorted(value)) if isinstance(value, frozenset) else value
            if key not in cases:
                cases[key] = []
                order.append((key, value))
            cases[key].append((group.lo, group.hi))
        result = [(value, merge_ranges(cases[key])) for key, value in order]
        self._cases[name] = result
        return result

    def _code_attr(self, expr: ir.CodeAttr, env: dict[str, int], view: View) -> Value:
        code = self._atom(expr.code, env, view)
        attribute = self._attributes.get(expr.attribute)
        if attribute is None:
            raise Unsupported(f"the attribute {expr.attribute}")
        lookup = attribute.lookup()
        cases = self._by_group(("attribute", expr.attribute), lookup.get)
        listed = [self.within(code.id, r) for _, r in cases]
        known = conj(neg(code.absent), disj(*listed)) if listed else self.false
        kind = expr.type.kind
        if kind is ir.Kind.BOOL:
            return conj(neg(code.absent), disj(*[self.within(code.id, r) for v, r in cases if v])) \
                if any(v for v, _ in cases) else self.false
        if kind is ir.Kind.CODES:
            def test(item: Atom) -> Z3:
                options = [conj(self.within(code.id, r), self.within(item.id, self.u.set_ranges(v, False)))
                           for v, r in cases]
                return disj(*options) if options else self.false

            return Members(test, neg(known))
        if kind is ir.Kind.NUMBER:
            result: Z3 = z3.RealVal(0, self.ctx)
            for v, r in reversed(cases):
                result = z3.If(self.within(code.id, r), z3.RealVal(str(v), self.ctx), result)
            return Num(result, neg(known))
        if kind is ir.Kind.TEXT:
            atom: Z3 = z3.IntVal(-1, self.ctx)
            for v, r in reversed(cases):
                atom = z3.If(self.within(code.id, r), self.u.text_id(str(v)), atom)
            return Atom(atom, neg(known))
        raise Unsupported(f"an attribute of kind {kind.value}")

    def _map_get(self, expr: ir.MapGet, env: dict[str, int], view: View) -> Value:
        key = self._atom(expr.key, env, view)
        table = self._maps[expr.map]
        cases = self._by_group(("map", expr.map), table.get)
        result: Z3 = whole(self.ctx, -1)
        for v, r in reversed(cases):
            result = ite(self.within(key.id, r), self.u.code_id(v), result)
        known = disj(*[self.within(key.id, r) for _, r in cases]) if cases else self.false
        return Atom(result, disj(key.absent, neg(known)))

    def _rank_of(self, expr: ir.RankOf, env: dict[str, int], view: View) -> Value:
        code = self._atom(expr.code, env, view)
        key = (expr.ranking, code.id.get_id(), code.absent.get_id())  # rules rank the same codes again and again
        known = self._ranks.get(key)
        if known is None:
            known = self._ranks[key] = (code, self._rank(expr.ranking, code))
        return known[1]

    def _rank(self, name: str, code: Atom) -> Rank:
        ranking = self._rankings[name]
        lookups = [(self._attributes[attr].lookup() if attr in self._attributes else {}, order)
                   for attr, order in ranking.levels]

        def rank(sample: str) -> tuple[int, ...] | None:
            levels = []
            for lookup, order in lookups:
                value = lookup.get(sample)
                if value not in order:
                    return None
                levels.append(len(order) - order.index(str(value)))
            return tuple(levels)

        cases = self._by_group(("rank", name), rank)
        levels = []
        for level in range(len(lookups)):
            result: Z3 = whole(self.ctx, 0)
            for v, r in reversed(cases):
                result = ite(self.within(code.id, r), v[level], result)
            levels.append(result)
        known = disj(*[self.within(code.id, r) for _, r in cases]) if cases else self.false
        return Rank(tuple(levels), disj(code.absent, neg(known)))

    def _table_lookup(self, expr: ir.TableLookup, env: dict[str, int], view: View) -> Value:
        """A lookup in a table read from files: the relation's functions at the key atoms and the day,
        in the file of the claim's type; absent when a key or the day is, or no row is found."""
        if not isinstance(self.tables, Relations):
            raise Unsupported(self.tables or "cannot encode TableLookup")
        if any(key.type.kind is not ir.Kind.CODE for key in expr.keys):
            raise Unsupported("a lookup by a key that is not a code")
        keys = [self._atom(key, env, view) for key in expr.keys]
        absent = disj(*[k.absent for k in keys])
        day = None
        if expr.on is not None:
            on = self.value(expr.on, env, view)
            if not isinstance(on, Ordinal):
                raise Unsupported("a lookup on something that is not a date")
            day, absent = on.value, disj(absent, on.absent)
        given, values, missing = self.tables.lookup(expr, [k.id for k in keys], day, self.claim.header.type)
        gone = disj(absent, neg(given))
        if expr.column is None:
            return Row(gone)
        if self.pack.data_table(expr.table).column(expr.column).type == "date":
            return Ordinal(values[0], disj(gone, missing[0]))
        return Num(z3.ToReal(values[0]), gone, values[0])

    def _number(self, expr: ir.Expr, env: dict[str, int], view: View) -> Num:
        value = self.value(expr, env, view)
        if not isinstance(value, Num):
            raise Unsupported(f"{type(expr).__name__} where a number is expected")
        return value

    def _func(self, expr: ir.Func, env: dict[str, int], view: View) -> Value:
        if expr.name in _CODE_TESTS:
            atom = self._atom(expr.args[0], env, view)
            predicate = _CODE_TESTS[expr.name]
            return conj(neg(atom.absent), self.within(atom.id, self.u.code_ranges(predicate)))
        args = [self._number(a, env, view) for a in expr.args]
        absent = disj(*[a.absent for a in args])
        first = args[0].value
        if expr.name in ("ceil", "floor"):
            rounded = _rounded(args[0], expr.name == "ceil")
            return Num(z3.ToReal(rounded), absent, rounded)
        if expr.name == "abs":
            whole = args[0].whole
            return Num(z3.If(first >= 0, first, -first), absent,
                       None if whole is None else z3.If(whole >= 0, whole, -whole))
        if expr.name in ("max", "min"):
            wholes = [a.whole for a in args]
            if all(w is not None for w in wholes):
                picked = _extreme(wholes, expr.name == "max")
                return Num(z3.ToReal(picked), absent, picked)
            return Num(_extreme([a.value for a in args], expr.name == "max"), absent)
        raise Unsupported(f"the function {expr.name}")

    def _arith(self, expr: ir.Arith, env: dict[str, int], view: View) -> Value:
        left, right = self._number(expr.left, env, view), self._number(expr.right, env, view)
        absent = disj(left.absent, right.absent)
        lw, rw = left.whole, right.whole
        if expr.op == "+":
            return Num(left.value + right.value, absent, lw + rw if lw is not None and rw is not None else None)
        if expr.op == "-":
            return Num(left.value - right.value, absent, lw - rw if lw is not None and rw is not None else None)
        if expr.op == "*":
            return Num(left.value * right.value, absent, lw * rw if lw is not None and rw is not None else None)
        if expr.op == "/":
            divisor = right.whole
            if (left.whole is not None and divisor is not None and z3.is_int_value(divisor)
                    and divisor.as_long() > 0):
                return Num(left.value / right.value, absent, ratio=(left.whole, divisor.as_long()))
            zero = right.value == 0
            safe = z3.If(zero, z3.RealVal(1, self.ctx), right.value)
            return Num(z3.If(zero, z3.RealVal(0, self.ctx), left.value / safe), disj(absent, zero))
        raise Unsupported(f"the operator {expr.op}")

    def _neg(self, expr: ir.Neg, env: dict[str, int], view: View) -> Value:
        operand = self._number(expr.operand, env, view)
        return Num(-operand.value, operand.absent, None if operand.whole is None else -operand.whole)

    def _compare(self, expr: ir.Compare, env: dict[str, int], view: View) -> Value:
        left, right = self.value(expr.left, env, view), self.value(expr.right, env, view)
        op = expr.op
        absent = disj(absent_of(left, self.ctx), absent_of(right, self.ctx))
        if isinstance(left, Num) and isinstance(right, Num) and left.whole is not None and right.whole is not None:
            core = _order(op, left.whole, right.whole)
        elif isinstance(left, (Num, Ordinal)) and isinstance(right, (Num, Ordinal)):
            core = _order(op, left.value, right.value)
        elif isinstance(left, Atom) and isinstance(right, Atom):
            if op not in ("=", "!="):
                raise Unsupported(f"`{op}` between codes or texts")
            core = left.id == right.id if op == "=" else left.id != right.id
        elif isinstance(left, Rank) and isinstance(right, Rank):
            core = _lexicographic(op, left.levels, right.levels, self.ctx)
        elif z3.is_bool(left) and z3.is_bool(right):
            if op not in ("=", "!="):
                raise Unsupported(f"`{op}` between conditions")
            core = left == right if op == "=" else left != right
        else:
            raise Unsupported(f"a comparison of {type(left).__name__} with {type(right).__name__}")
        return conj(neg(absent), core)

    def _member(self, expr: ir.Member, env: dict[str, int], view: View) -> Value:
        item = self._atom(expr.item, env, view)
        collection = self.value(expr.collection, env, view)
        if not isinstance(collection, Members):
            raise Unsupported("`in` over something that is not a set")
        inside = collection.test(item)
        return conj(neg(item.absent), neg(collection.absent), neg(inside) if expr.negated else inside)

    def _given(self, expr: ir.Given, env: dict[str, int], view: View) -> Value:
        absent = absent_of(self.value(expr.value, env, view), self.ctx)
        return absent if expr.negated else neg(absent)

    def _has(self, expr: ir.Has, env: dict[str, int], view: View) -> Value:
        modifiers = self.value(expr.modifiers, env, view)
        if not isinstance(modifiers, Mods):
            raise Unsupported("`has` on something that is not a line's modifiers")
        wanted = expr.wanted
        if isinstance(wanted, ir.Const):
            names = [str(wanted.value)]
        elif isinstance(wanted, ir.SetValue):
            names = sorted(wanted.codes.members)
        else:
            raise Unsupported("`has` with a computed modifier")
        flags = [modifiers.flags[n] for n in names if n in modifiers.flags]
        found = disj(*flags) if flags else self.false
        return neg(found) if expr.negated else found

    def _flagged(self, expr: ir.Flagged, env: dict[str, int], view: View) -> Value:
        if expr.rule not in self.rules:
            raise Unsupported(f"`flagged by {expr.rule}`, which is not an edit rule")
        return self.effective(expr.rule, env[expr.var], view)

    def _relation(self, expr: ir.Relation, env: dict[str, int], view: View) -> Value:
        i, o = env[expr.inner], env[expr.outer]
        a, b = self.claim.slots[i], self.claim.slots[o]
        if expr.kind == "date":
            return a.date == b.date
        if expr.kind == "provider":
            return disj(a.provider_absent, b.provider_absent, a.provider == b.provider)
        if expr.kind == "drug":
            da, db = self.drug(i, view), self.drug(o, view)
            return conj(neg(da.absent), neg(db.absent), da.id == db.id)
        if expr.kind == "overlapping":
            later_start = z3.If(a.start >= b.start, a.start, b.start)
            earlier_stop = z3.If(a.stop <= b.stop, a.stop, b.stop)
            return conj(a.timed, b.timed, later_start < earlier_stop)
        raise Unsupported(f"the relation {expr.kind}")

    def _bool_op(self, expr: ir.BoolOp, env: dict[str, int], view: View) -> Value:
        left, right = self.boolean(expr.left, env, view), self.boolean(expr.right, env, view)
        return conj(left, right) if expr.op == "and" else disj(left, right)

    def _not(self, expr: ir.Not, env: dict[str, int], view: View) -> Value:
        return neg(self.boolean(expr.operand, env, view))

    def scope(self, expr: ir.Quant, env: dict[str, int]) -> list[int]:
        outer = env[expr.outer]
        slots = []
        for j in range(self.claim.size):
            if "other" in expr.scopes and j == outer:
                continue
            if "earlier" in expr.scopes and j >= outer:
                continue
            if "later" in expr.scopes and j <= outer:
                continue
            slots.append(j)
        return slots

    def _count_of(self, expr: ir.Quant, env: dict[str, int], view: View) -> Z3:
        """The free whole number that stands for a count (see the class's note): the same count of
        the same lines in the same view is the same number."""
        where = (view.rebilled, view.code.sexpr() if view.code is not None else None)
        name = "count:" + hashlib.sha256(repr((stable(expr), sorted(env.items()), where)).encode()).hexdigest()[:20]
        if name not in self._counts:
            self._counts[name] = z3.Int(name, self.ctx)
            self.side.append(self._counts[name] >= 0)
        return self._counts[name]

    def _holds(self, expr: ir.Quant, env: dict[str, int], view: View) -> list[tuple[int, Z3]]:
        result = []
        for j in self.scope(expr, env):
            inner = {**env, expr.var: j}
            result.append((j, conj(self.claim.slots[j].active, self.boolean(expr.condition, inner, view))))
        return result

    def _quant(self, expr: ir.Quant, env: dict[str, int], view: View) -> Value:
        if expr.kind == "count" and self.abstract:
            whole = self._count_of(expr, env, view)
            return Num(z3.ToReal(whole), self.false, whole)
        holds = self._holds(expr, env, view)
        if expr.kind == "any":
            return disj(*[h for _, h in holds]) if holds else self.false
        if expr.kind == "no":
            return neg(disj(*[h for _, h in holds])) if holds else self.true
        if expr.kind == "count":
            total = z3.Sum([z3.If(h, 1, 0) for _, h in holds]) if holds else z3.IntVal(0, self.ctx)
            return Num(z3.ToReal(total), self.false, total)
        if expr.kind == "sum":  # as count, each counted line adding its value; absent when one is
            assert expr.value is not None
            values = [(h, self._number(expr.value, {**env, expr.var: j}, view)) for j, h in holds]
            zero = z3.RealVal(0, self.ctx)
            real = z3.Sum([z3.If(h, v.value, zero) for h, v in values]) if values else zero
            whole = None
            if all(v.whole is not None for _, v in values):
                whole = z3.Sum([z3.If(h, v.whole, 0) for h, v in values]) if values else z3.IntVal(0, self.ctx)
            absent = disj(*[conj(h, v.absent) for h, v in values]) if values else self.false
            return Num(real, absent, whole)
        if expr.kind == "first":
            assert expr.then is not None
            result: Z3 = self.false
            for j, h in reversed(holds):
                result = z3.If(h, self.boolean(expr.then, {**env, expr.var: j}, view), result)
            return result
        raise Unsupported(f"the quantifier {expr.kind}")

    # ------------------------------------------------------------ evidence
    def _evidence(self, expr: ir.Expr, env: dict[str, int], view: View, other: int) -> Z3:
        """Whether line `other` is in the evidence of `expr`, evaluated true under `env`."""
        if isinstance(expr, ir.BoolOp):
            left = self._evidence(expr.left, env, view, other)
            right = self._evidence(expr.right, env, view, other)
            if expr.op == "and":
                return disj(left, right)
            return disj(conj(self.boolean(expr.left, env, view), left),
                         conj(self.boolean(expr.right, env, view), right))
        if isinstance(expr, ir.Quant):
            if expr.kind in ("any", "count", "sum"):
                return self._counted(expr, env, view, other)
            if expr.kind == "first":
                assert expr.then is not None
                options: list[Z3] = []
                earlier: list[Z3] = []
                for j, h in self._holds(expr, env, view):
                    inner = {**env, expr.var: j}
                    found = self.true if j == other else disj(self._evidence(expr.condition, inner, view, other),
                                                          self._evidence(expr.then, inner, view, other))
                    options.append(conj(h, neg(disj(*earlier)) if earlier else self.true, found))
                    earlier.append(h)
                return disj(*options) if options else self.false
            return self.false
        if isinstance(expr, (ir.Compare, ir.Arith, ir.Func, ir.Neg)):
            counts = [self._counted(q, env, view, other) for q in _counts(expr)]
            return disj(*counts) if counts else self.false
        return self.false

    def _counted(self, expr: ir.Quant, env: dict[str, int], view: View, other: int) -> Z3:
        options = []
        for j, h in self._holds(expr, env, view):
            if j == other:
                options.append(h)
            else:
                options.append(conj(h, self._evidence(expr.condition, {**env, expr.var: j}, view, other)))
        return disj(*options) if options else self.false


def _children(expr: ir.Expr) -> list[ir.Expr]:
    """The operands of an expression that is not a quantifier."""
    if isinstance(expr, (ir.Arith, ir.Compare, ir.BoolOp)):
        return [expr.left, expr.right]
    if isinstance(expr, (ir.Neg, ir.Not)):
        return [expr.operand]
    if isinstance(expr, ir.Member):
        return [expr.item, expr.collection]
    if isinstance(expr, ir.Given):
        return [expr.value]
    if isinstance(expr, ir.Has):
        return [expr.modifiers, expr.wanted]
    if isinstance(expr, (ir.CodeAttr, ir.RankOf)):
        return [expr.code]
    if isinstance(expr, ir.MapGet):
        return [expr.key]
    if isinstance(expr, ir.Func):
        return list(expr.args)
    if isinstance(expr, ir.TableLookup):
        return [*expr.keys, *([] if expr.on is None else [expr.on])]
    return []


def _table_reader(rule: ir.Rule, tables: bool = True, own: bool = True) -> str | None:
    """Why an encoder without tables (`tables`) or without rules that read their own findings
    (`own`) cannot encode the rule in any claim, a re-billed one included (None: it can). Both
    reach `raw` as Unsupported too; the re-billed claim says so before it builds its view (the
    conflict analyzer's encoders have both; the change report's do not)."""
    if own and rule.id in rule.references:
        return "reads its own findings"
    if tables:
        for expr in (rule.condition, rule.suggest, rule.suggest_if):
            if any(isinstance(node, ir.TableLookup) for node in ir.walk(expr)):
                return "looks rows up in a table read from files"
    return None


def own_reads_guarded(rule: ir.Rule, pack: ir.Pack) -> str | None:
    """Why the lines a rule that reads its own findings decides might wait on each other in a circle
    (None: they never do). Each read `x flagged by RULE` must stand in a chain of `and`s under the
    quantifier of x, after (the interpreter reads `and` left to right and stops at a false part)
    `same date` and a lookup that finds a row keyed by the two lines' codes, `T[line.code, x.code on
    line.date]` (either order; `is given`, a comparison of one of its columns, or `in`), in a table
    whose every file is checked `no cycles` between its two keys: then line L waits for line M only
    where a row joins their codes on their date, and a circle of waits would be a circle of rows on
    one day from the pack's effective date (the lines a rule decides are dated from it), which the
    check refused."""
    tables = {t.name: t for t in pack.data_tables}

    def guarded(path: list[ir.Expr], var: str) -> str | None:
        quant = next((node for node in reversed(path) if isinstance(node, ir.Quant) and node.var == var), None)
        if quant is None or quant.outer != "line":
            return f"on a line that is not one of the lines it quantifies over (`{var} flagged by {rule.id}`)"
        below = path[path.index(quant) + 1:]
        guards: list[ir.Expr] = []
        for parent, child in zip(below, [*below[1:], None], strict=True):
            if isinstance(parent, ir.BoolOp) and parent.op == "and":
                if child is parent.right:
                    guards += _conjuncts(parent.left)
            elif isinstance(parent, ir.Not) and child is parent.operand:
                continue
            elif parent is not below[-1]:
                return "under something other than `and` and `not`"
        if not any(isinstance(g, ir.Relation) and g.kind == "date" and {g.inner, g.outer} == {var, "line"}
                   for g in guards):
            return "without `same date` before the read"
        for guard in guards:
            lookup = _found_by(guard)
            if lookup is None or len(lookup.keys) != 2:
                continue
            codes = {(k.var, k.field) for k in lookup.keys if isinstance(k, ir.LineField)}
            day = lookup.on
            if codes != {(var, "code"), ("line", "code")} or not (
                    isinstance(day, ir.LineField) and day.field == "date" and day.var in (var, "line")):
                continue
            table = tables.get(lookup.table)
            if table is not None and any(c.kind == "acyclic" and c.where is None and set(c.columns) == set(table.key)
                                         for c in table.checks):
                return None
        return ("without a lookup before the read that finds a row keyed by both lines' codes on their date, "
                "in a table checked `no cycles` between its keys")

    def visit(expr: ir.Expr | None, path: list[ir.Expr]) -> str | None:
        if expr is None:
            return None
        here = [*path, expr]
        if isinstance(expr, ir.Flagged) and expr.rule == rule.id:
            return guarded(here, expr.var)
        for child in _operands(expr):
            found = visit(child, here)
            if found is not None:
                return found
        return None

    return visit(rule.condition, [])


def _operands(expr: ir.Expr) -> list[ir.Expr]:
    """The operands of an expression, a quantifier's included."""
    if isinstance(expr, (ir.Arith, ir.Compare, ir.BoolOp)):
        return [expr.left, expr.right]
    if isinstance(expr, (ir.Neg, ir.Not)):
        return [expr.operand]
    if isinstance(expr, ir.Member):
        return [expr.item, expr.collection]
    if isinstance(expr, ir.Given):
        return [expr.value]
    if isinstance(expr, ir.Has):
        return [expr.modifiers, expr.wanted]
    if isinstance(expr, (ir.CodeAttr, ir.RankOf)):
        return [expr.code]
    if isinstance(expr, ir.MapGet):
        return [expr.key]
    if isinstance(expr, ir.TableLookup):
        return [*expr.keys, *([expr.on] if expr.on is not None else [])]
    if isinstance(expr, ir.Func):
        return list(expr.args)
    if isinstance(expr, ir.Quant):
        return [e for e in (expr.condition, expr.then, expr.value) if e is not None]
    return []


def _conjuncts(expr: ir.Expr) -> list[ir.Expr]:
    if isinstance(expr, ir.BoolOp) and expr.op == "and":
        return [*_conjuncts(expr.left), *_conjuncts(expr.right)]
    return [expr]


def _found_by(guard: ir.Expr) -> ir.TableLookup | None:
    """The lookup that must find a row for `guard` to hold (a comparison with an absent value, `in`
    with one and `is given` of a row not found are false)."""
    if isinstance(guard, ir.Given) and not guard.negated and isinstance(guard.value, ir.TableLookup):
        return guard.value
    if isinstance(guard, ir.Compare):
        for side in (guard.left, guard.right):
            if isinstance(side, ir.TableLookup) and side.column is not None:
                return side
    if isinstance(guard, ir.Member) and not guard.negated and isinstance(guard.item, ir.TableLookup):
        return guard.item
    return None


def _counts(expr: ir.Expr) -> list[ir.Quant]:
    """The `count` quantifiers of an arithmetic expression or comparison."""
    if isinstance(expr, ir.Quant):
        return [expr] if expr.kind in ("count", "sum") else []
    if isinstance(expr, (ir.Compare, ir.Arith)):
        return [*_counts(expr.left), *_counts(expr.right)]
    if isinstance(expr, ir.Neg):
        return _counts(expr.operand)
    if isinstance(expr, ir.Func):
        return [q for a in expr.args for q in _counts(a)]
    return []


def _rounded(number: Num, up: bool) -> Z3:
    """`ceil` (up) or `floor` of a number, as an integer term: integer division for a whole number
    over a positive whole constant, the number itself when whole, else the solver's rounding."""
    if number.ratio is not None:
        numerator, denominator = number.ratio  # z3's `/` on integers, divisor > 0: floor division
        return -((-numerator) / denominator) if up else numerator / denominator
    if number.whole is not None:
        return number.whole
    return -z3.ToInt(-number.value) if up else z3.ToInt(number.value)


def _extreme(values: list[Z3], largest: bool) -> Z3:
    result = values[0]
    for value in values[1:]:
        result = z3.If(value > result if largest else value < result, value, result)
    return result


_CODE_TESTS: dict[str, Callable[[str], bool]] = {
    "is_cpt": is_cpt, "is_cpt_category_1": is_cpt_category_1, "is_hcpcs": is_hcpcs}


def _drug(code: str) -> bool:
    return bool(CODE_SHAPE.match(code)) and is_drug_code(code)


def _order(op: str, left: Z3, right: Z3) -> Z3:
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    raise Unsupported(f"the comparison {op}")


def _lexicographic(op: str, left: tuple[Z3, ...], right: tuple[Z3, ...], ctx: Any) -> Z3:
    """Python's tuple comparison of two rank tuples."""
    if op in ("=", "!="):
        same = z3.BoolVal(len(left) == len(right), ctx)
        if len(left) == len(right) and left:
            same = conj(*[a == b for a, b in zip(left, right, strict=True)])
        return same if op == "=" else neg(same)
    if op in (">", ">="):
        return _lexicographic("<" if op == ">" else "<=", right, left, ctx)

    def less(a: tuple[Z3, ...], b: tuple[Z3, ...]) -> Z3:
        if not a or not b:
            return z3.BoolVal(not a and bool(b), ctx)
        return disj(a[0] < b[0], conj(a[0] == b[0], less(a[1:], b[1:])))

    strictly = less(left, right)
    return strictly if op == "<" else disj(strictly, _lexicographic("=", left, right, ctx))
