"""What a question's formulas need from a claim: how many lines a witness can need, and whether
a "no such claim" answer holds for claims of any size.

A formula that only asks whether other lines exist (any / no, the relations between two lines)
has the small-model property: a claim that satisfies it keeps satisfying it when every line is
removed except the one the rules decide and one witness line per existential quantifier in
positive polarity (counted after pushing negations inward and inlining `flagged by` and the rules
that take precedence). Universal quantifiers (`no`, `not any`) stay true on fewer lines. `first`,
`earlier`/`later`, line numbers, `count` and arithmetic over other lines' fields break that
argument: such questions are answered for claims of a bounded size only.

A `count(...)` compared with a constant needs as many counted lines as it takes for the comparison
to turn in the polarity it stands in (`count(...) >= 4` holds from 4 counted lines, `not (count(...)
< 3)` from 3, `count(...) = 2` from 2; `count(...) < 3` needs none), each with the witnesses its
own condition needs: `counted` adds them up, and the question is sized to reach them. Every other
use of a count (compared with another count or a field, inside arithmetic) keeps the bounded size.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.semantics import ir


@dataclass(frozen=True)
class Shape:
    exists: int = 0  # existential quantifiers in positive polarity (counts aside)
    bounded: bool = False  # the small-model argument does not apply
    ordered: bool = False  # the answer depends on the order of the lines
    counted: int = 0  # lines the counts compared with constants need to turn, their witnesses included
    counts: bool = False  # some `count(...)`: its value may be taken as any whole number (`abstract`)
    fixed: bool = False  # bounded by something else than counts (first, order, line numbers, arithmetic)

    def __add__(self, other: Shape) -> Shape:
        return Shape(self.exists + other.exists, self.bounded or other.bounded, self.ordered or other.ordered,
                     self.counted + other.counted, self.counts or other.counts, self.fixed or other.fixed)

    def either(self, other: Shape) -> Shape:
        """The shape of a disjunction (in the polarity where one side true makes it true): a claim
        that satisfies it keeps doing so with the witnesses of the side that holds."""
        return Shape(max(self.exists, other.exists), self.bounded or other.bounded, self.ordered or other.ordered,
                     max(self.counted, other.counted), self.counts or other.counts, self.fixed or other.fixed)

    @property
    def abstract(self) -> Shape:
        """The shape once every count's value is a free whole number: no lines for the counts, and
        bounded only by what else it reads."""
        return Shape(self.exists, self.fixed, self.ordered, 0, False, self.fixed)


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
        """The rule decides the line: it fires and no rule taking precedence does (positive); or it
        does not fire, or one of those does (negative)."""
        shape = self.raw(rule_id, positive)
        for winner in self.overriders.get(rule_id, ()):
            if winner in self.rules:
                other = self.raw(winner, not positive)
                shape = shape + other if positive else shape.either(other)
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
        if isinstance(expr, ir.Compare):
            threshold = _count_threshold(expr)
            if threshold is not None:
                count, op, constant = threshold
                return self._count(count, _needed(op, constant, positive), quantified)
        if isinstance(expr, ir.Quant):
            inner = quantified | {expr.var}
            ordered = expr.kind == "first" or bool({"earlier", "later"} & set(expr.scopes))
            if expr.kind == "count":  # a count used otherwise than against a constant
                return Shape(1, True, ordered, 0, True, ordered) + self._both(expr, inner)
            if expr.kind == "sum":  # arithmetic over other lines: answered for bounded claims
                return Shape(1, True, ordered, 0, False, True) + self._both(expr, inner)
            base = Shape(0, ordered, ordered, 0, False, ordered)
            if expr.kind in ("any", "no"):
                witness = positive if expr.kind == "any" else not positive
                inner_polarity = positive if expr.kind == "any" else not positive
                own = Shape(1 if witness else 0)
                return base + own + self.expr(expr.condition, inner_polarity, inner)
            return base + Shape(1) + self._both(expr, inner)
        if isinstance(expr, ir.Not):
            return self.expr(expr.operand, not positive, quantified)
        if isinstance(expr, ir.BoolOp):
            left, right = self.expr(expr.left, positive, quantified), self.expr(expr.right, positive, quantified)
            return left + right if (expr.op == "and") == positive else left.either(right)
        if isinstance(expr, ir.Flagged):
            return self.effective(expr.rule, positive) if expr.rule in self.rules else NONE
        if isinstance(expr, ir.LineField):
            return Shape(0, True, True, fixed=True) if expr.field == "number" else NONE
        if isinstance(expr, (ir.Arith, ir.Neg, ir.Func)):
            over_lines = any(isinstance(n, ir.LineField) and n.var in quantified for n in _children(expr))
            shape = Shape(0, over_lines, fixed=over_lines)
            for child in _operands(expr):
                shape = shape + self.expr(child, True, quantified) + self.expr(child, False, quantified)
            return shape
        shape = NONE
        for child in _operands(expr):
            shape = shape + self.expr(child, True, quantified) + self.expr(child, False, quantified)
        return shape


    def _both(self, expr: ir.Quant, inner: frozenset[str]) -> Shape:
        """A quantifier's condition (and `then`, and a sum's value) in both polarities."""
        return (self.expr(expr.condition, True, inner) + self.expr(expr.condition, False, inner)
                + self.expr(expr.then, True, inner) + self.expr(expr.then, False, inner)
                + self.expr(expr.value, True, inner) + self.expr(expr.value, False, inner))

    def _count(self, count: ir.Quant, needed: int, quantified: frozenset[str]) -> Shape:
        """A count compared with a constant that needs `needed` counted lines to turn."""
        inner = quantified | {count.var}
        ordered = bool({"earlier", "later"} & set(count.scopes))
        holding = self.expr(count.condition, True, inner)  # what each counted line needs
        flags = self._both(count, inner)
        return Shape(0, True, ordered or flags.ordered, needed * (1 + holding.exists + holding.counted), True,
                     ordered or flags.fixed)


def _count_threshold(expr: ir.Compare) -> tuple[ir.Quant, str, float] | None:
    """`count(...) OP constant` (either way round) as (the count, OP with the count on the left, the
    constant); None for any other comparison."""
    flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
    for count, other, op in ((expr.left, expr.right, expr.op), (expr.right, expr.left, flipped.get(expr.op))):
        if (isinstance(count, ir.Quant) and count.kind == "count" and op is not None
                and isinstance(other, ir.Const) and isinstance(other.value, (int, float))
                and not isinstance(other.value, bool)):
            return count, op, float(other.value)
    return None


def _needed(op: str, constant: float, positive: bool) -> int:
    """The fewest counted lines n for which `n OP constant` is `positive` (0 when none is: the
    comparison then never turns that way and needs no line)."""
    def holds(n: int) -> bool:
        return {"<": n < constant, "<=": n <= constant, ">": n > constant, ">=": n >= constant,
                "=": n == constant, "!=": n != constant}[op]

    for n in range(0, max(0, int(constant)) + 2):
        if holds(n) == positive:
            return n
    return 0


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
