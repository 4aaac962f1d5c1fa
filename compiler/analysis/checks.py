"""Checks over the resolved pack, run in a fixed order; each may refine the pack it is given.

Analysis ends with a plan (the pack and its evaluation order), the only thing engines accept.
"""

from __future__ import annotations

from collections.abc import Callable

from compiler.analysis import order, tables
from compiler.diagnostics import Collector
from compiler.semantics import ir

Check = Callable[[ir.Pack, Collector], ir.Pack]

CHECKS: tuple[Check, ...] = (
    order.check_precedence,
    tables.check_tables,
)


def analyze(pack: ir.Pack, out: Collector) -> ir.Plan | None:
    """Run every check, then plan the evaluation; None when the rules cannot be ordered."""
    for check in CHECKS:
        pack = check(pack, out)
    return order.plan(pack, out)
