"""What the language's operators mean on values that may be absent, and ranks.

Standard library only. The section between the markers is copied into every generated module,
which calls these functions by name; the interpreter calls the same functions through the tables
below the section, so the two engines share one meaning for every operator.

A comparison with an absent value is false; arithmetic and functions with one give an absent
value; division by zero gives an absent value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from compiler.runtime.claims import Line, is_cpt, is_cpt_category_1, is_hcpcs, overlapping, same_drug, same_provider

# -- runtime begins (copied into generated modules from here to the end marker)


def opt_eq(a: Any, b: Any) -> bool:
    return a is not None and b is not None and bool(a == b)


def opt_ne(a: Any, b: Any) -> bool:
    return a is not None and b is not None and bool(a != b)


def opt_lt(a: Any, b: Any) -> bool:
    return a is not None and b is not None and bool(a < b)


def opt_le(a: Any, b: Any) -> bool:
    return a is not None and b is not None and bool(a <= b)


def opt_gt(a: Any, b: Any) -> bool:
    return a is not None and b is not None and bool(a > b)


def opt_ge(a: Any, b: Any) -> bool:
    return a is not None and b is not None and bool(a >= b)


def opt_in(item: Any, collection: Any, negated: bool) -> bool:
    """`item in collection` (or `not in`); false when either is absent."""
    if item is None or collection is None:
        return False
    return (item in collection) != negated


def opt_add(a: Any, b: Any) -> Any:
    return None if a is None or b is None else a + b


def opt_sub(a: Any, b: Any) -> Any:
    return None if a is None or b is None else a - b


def opt_mul(a: Any, b: Any) -> Any:
    return None if a is None or b is None else a * b


def opt_div(a: Any, b: Any) -> Any:
    return None if a is None or b is None or b == 0 else a / b


def opt_neg(a: Any) -> Any:
    return None if a is None else -a


def opt_ceil(a: Any) -> Any:
    return None if a is None else math.ceil(a)


def opt_floor(a: Any) -> Any:
    return None if a is None else math.floor(a)


def opt_abs(a: Any) -> Any:
    return None if a is None else abs(a)


def opt_max(*values: Any) -> Any:
    return None if any(v is None for v in values) else max(values)


def opt_min(*values: Any) -> Any:
    return None if any(v is None for v in values) else min(values)


_Value = TypeVar("_Value")


def opt_get(table: Mapping[str, _Value], key: str | None) -> _Value | None:
    """`table.get(key)` for a key that may be absent (a code looked up in a map): absent for an
    absent key. Written out so that the generated module stays well typed."""
    return None if key is None else table.get(key)


def rank_table(levels: Sequence[tuple[Mapping[str, object], Sequence[str]]]) -> dict[str, tuple[int, ...]]:
    """Each code's rank under a ranking: per level (a code table column and its categories, highest
    first), the category's height. A code missing from any level has no rank (absent)."""
    codes: set[str] = set()
    for values, _ in levels:
        codes.update(values)
    table: dict[str, tuple[int, ...]] = {}
    for code in sorted(codes):
        rank: list[int] = []
        for values, order in levels:
            value = values.get(code)
            if value not in order:
                break
            rank.append(len(order) - order.index(str(value)))
        else:
            table[code] = tuple(rank)
    return table


# -- runtime ends

# The operators of the language by their IR spelling. The interpreter calls these; the Python
# backend writes their names into generated code (or, where no operand can be absent, the plain
# Python operator, which means the same there).
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": opt_eq, "!=": opt_ne, "<": opt_lt, "<=": opt_le, ">": opt_gt, ">=": opt_ge,
}
ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {"+": opt_add, "-": opt_sub, "*": opt_mul, "/": opt_div}
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "is_cpt": is_cpt, "is_cpt_category_1": is_cpt_category_1, "is_hcpcs": is_hcpcs, "ceil": opt_ceil,
    "floor": opt_floor, "abs": opt_abs,
    "max": opt_max, "min": opt_min,
}
RELATIONS: dict[str, Callable[[Line, Line], bool]] = {
    "date": lambda a, b: a.date == b.date, "provider": same_provider, "drug": same_drug,
    "overlapping": overlapping,
}
