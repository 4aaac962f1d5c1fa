"""Checks over the resolved pack, run in a fixed order; each may refine the pack it is given."""

from __future__ import annotations

from collections.abc import Callable

from compiler.analysis import coverage, order
from compiler.diagnostics import Collector
from compiler.semantics import ir

Check = Callable[[ir.Pack, Collector], ir.Pack]

CHECKS: tuple[Check, ...] = (
    order.check_precedence,
    order.check,
    coverage.check_rows,
    coverage.check_examples,
)


def analyze(pack: ir.Pack, out: Collector) -> ir.Pack:
    for check in CHECKS:
        pack = check(pack, out)
    return pack
