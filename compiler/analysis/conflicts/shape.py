"""What a question's formulas need from a claim: how many lines a witness can need, and whether
a "no such claim" answer holds for claims of any size.

A formula that only asks whether other lines exist (any / no, the relations between two lines)
has the small-model property: a claim that satisfies it keeps satisfying it when every line is
removed except the one the rules decide and one witness line per existential quantifier in
positive polarity (counted after pushing negations inward and inlining `flagged by` and the rules
that take precedence). Universal quantifiers (`no`, `not any`) stay true on fewer lines. `first`,
`earlier`/`later`, line numbers, `count` and arithmetic over other lines' fields break that
argument: such questions are answered for claims of a bounded size only.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.semantics import ir


@dataclass(frozen=True)
class Shape:
    exists: int = 0  # existential quantifiers in positive polarity
    bounded: bool = False  # the small-model argument does not apply
    ordered: bool = False  # the answer depends on the order of the lines

    def __add__(self, other: Shape) -> Shape:
        return Shape(self.exists + other.exists, self.bounded or other.bounded, self.ordered or other.ordered)


NONE = Shape()


class Shapes:
    """Shapes of rules' conditions, with `flagged by` inlined, memoized per rule and polarity."""

    def __init__(self, rules: dict[str, ir.Rule], overriders: dict[str, tuple[str, ...]]) -> None:
        self.rules = rules
        self.overriders = overriders
        self._raw: dict[tuple[str, bool], Shape] = {}
        # by node identity: a node's shape is asked for in both polarities by its parent, so
        # without this a deep expression would cost time exponential in its depth
        self._exprs: dict[tuple[int, bool, frozenset[str]], tuple[ir.Expr, Shape]] = {}

    def raw(self, rule_id: str, positive: bool = True) -> Shape:
        key = (rule_id, positive)
        if key not in self._raw:
            self._raw[key] = NONE  # only a rule that reads its own findings comes back here
            rule = self.rules[rule_id]
            shape = NONE if rule.condition is None else self.expr(rule.condition, positive, frozenset())
            if rule_id in rule.references:
                # its decision on a line rests on its decisions on others, and theirs on others again:
                # a chain of lines (add-on codes after add-on codes) no count of quantifiers bounds
                shape = shape + Shape(0, True)
            self._raw[key] = shape
        return self._raw[key]

    def effective(self, rule_id: str, positive: bool = True) -> Shape:
        shape = self.raw(rule_id, positive)
        for winner in self.overriders.get(rule_id, ()):
            if winner in self.rules:
                shape = shape + self.raw(winner, not positive)
        return shape

    def expr(self, expr: ir.Expr | None, positive: bool, quantified: frozenset[str]) -> Shape:
        if expr is None:
            return NONE
        key = (id(expr), positive, quantified)
        known = self._exprs.get(key)
        if known is not None and known[0] is expr:
            return known[1]
        shape = self._expr(expr, positive, quantified)
        self._exprs[key] = (expr, shape)
        return shape

    def _expr(self, expr: ir.Expr, positive: bool, quantified: frozenset[str]) -> Shape:
        if isinstance(expr, ir.Quant):
            inner = quantified | {expr.var}
            ordered = expr.kind == "first" or bool({"earlier", "later"} & set(expr.scopes))
            bounded = ordered or expr.kind in ("count", "sum")
            base = Shape(0, bounded, ordered)
            if expr.kind in ("any", "no"):
                witness = positive if expr.kind == "any" else not positive
                inner_polarity = positive if expr.kind == "any" else not positive
                own = Shape(1 if witness else 0)
                return base + own + self.expr(expr.condition, inner_polarity, inner)
            both = (self.expr(expr.condition, True, inner) + self.expr(expr.condition, False, inner)
                    + self.expr(expr.then, True, inner) + self.expr(expr.then, False, inner)
                    + self.expr(expr.value, True, inner) + self.expr(expr.value, False, inner))
            return base + Shape(1) + both
        if isinstance(expr, ir.Not):
            return self.expr(expr.operand, not positive, quantified)
        if isinstance(expr, ir.BoolOp):
            return self.expr(expr.left, positive, quantified) + self.expr(expr.right, positive, quantified)
        if isinstance(expr, ir.Flagged):
            return self.effective(expr.rule, positive) if expr.rule in self.rules else NONE
        if isinstance(expr, ir.LineField):
            return Shape(0, True, True) if expr.field == "number" else NONE
        if isinstance(expr, (ir.Arith, ir.Neg, ir.Func)):
            over_lines = any(isinstance(n, ir.LineField) and n.var in quantified for n in _children(expr))
            shape = Shape(0, over_lines)
            for child in _operands(expr):
                shape = shape + self.expr(child, True, quantified) + self.expr(child, False, quantified)
            return shape
        shape = NONE
        for child in _operands(expr):
            shape = shape + self.expr(child, True, quantified) + self.expr(child, False, quantified)
        return shape


def _operands(expr: ir.Expr) -> list[ir.Expr]:
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
    return []


def _children(expr: ir.Expr) -> list[ir.Expr]:
    """Every node below `expr` (quantifiers included)."""
    found: list[ir.Expr] = []
    stack = list(_operands(expr))
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(_operands(node))
        if isinstance(node, ir.Quant):
            stack.append(node.condition)
            if node.then is not None:
                stack.append(node.then)
            if node.value is not None:
                stack.append(node.value)
    return found
