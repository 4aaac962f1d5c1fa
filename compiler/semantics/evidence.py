"""Evidence: the other lines a finding's decision rests on (README, "Evidence").

The evidence of an expression is taken with the value the expression has on the claim:

- `A and B`, `A or B`: the evidence of every side that has the whole expression's value (both
  sides of a true `and` or a false `or`; the true sides of a true `or`, the false sides of a
  false `and`);
- `not E`: the evidence of E, with E's own (opposite) value;
- `any line x where C` when true, `no line x where C` when false, `count(lines x where C)`: every
  line x in scope for which C holds, with the evidence of C (true) for each;
- `first line p where C satisfies T`: when some p satisfies C, p with the evidence of C (true) and
  of T (with its value) for p; else nothing;
- `any` when false, `no` when true: nothing (a decision on an absence);
- any other expression (comparisons, arithmetic, functions): the evidence of its operands; fields,
  sets, `has`, relations and `flagged by` have none.

A rule's finding on line L has the evidence of its `when` condition (true on L), less L itself,
ascending. Both engines compute it by that recursion; this module holds the part that does not
depend on a claim, so that they cannot disagree on it.
"""

from __future__ import annotations

import dataclasses
import typing

from compiler.semantics import ir

_EXPRESSIONS = typing.get_args(ir.Expr)


def decided_by_value(expr: ir.Expr) -> bool:
    """Whether the evidence of `expr` depends on its value: connectives, `any` and `no`. (That of
    `first` and `count` does not, and that of any other expression is its operands'.)"""
    return isinstance(expr, (ir.BoolOp, ir.Not)) or (isinstance(expr, ir.Quant) and expr.kind in ("any", "no"))


def operands(expr: ir.Expr) -> tuple[ir.Expr, ...]:
    """The expressions a comparison, arithmetic or function is computed from."""
    found: list[ir.Expr] = []
    for field in dataclasses.fields(expr):
        value = getattr(expr, field.name)
        if isinstance(value, _EXPRESSIONS):
            found.append(value)
        elif isinstance(value, tuple):
            found.extend(item for item in value if isinstance(item, _EXPRESSIONS))
    return tuple(found)


def whole(expr: ir.BoolOp, value: bool) -> bool:
    """Whether both sides of `expr` share its value: a true `and`, a false `or`."""
    return (expr.op == "and") == value


def possible(expr: ir.Expr, value: bool | None) -> bool:
    """Whether `expr` can have evidence when its value is `value` (None: whichever it has)."""
    if isinstance(expr, ir.Not):
        return possible(expr.operand, None if value is None else not value)
    if isinstance(expr, ir.BoolOp):
        return possible(expr.left, value) or possible(expr.right, value)
    if isinstance(expr, ir.Quant):
        if expr.kind == "any":
            return value is not False
        if expr.kind == "no":
            return value is not True
        return True
    return any(possible(operand, None) for operand in operands(expr))
