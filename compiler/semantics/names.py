"""Names the language keeps for itself, and how a pass reports a name that resolves to nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from compiler.diagnostics import Collector, Span, did_you_mean

# Built-in functions and their arity (negative: at least that many arguments).
FUNCTIONS = {"ceil": 1, "floor": 1, "abs": 1, "max": -2, "min": -2, "is_cpt": 1, "is_cpt_category_1": 1, "is_hcpcs": 1,
             "rank": 2}
# The functions that test the shape of a code (a condition, false for an absent value).
CODE_TESTS = frozenset({"is_cpt", "is_cpt_category_1", "is_hcpcs"})
RESERVED = frozenset({"line", "claim"})


@dataclass(frozen=True)
class Unresolved:
    """Reports a reference that names nothing, with the closest name as a hint.

    A reference to a declaration that did not parse is not reported: its syntax error already
    says what went wrong, and "no rule named X" would be a second, misleading error.
    """

    out: Collector
    unparsed: frozenset[str] = frozenset()
    tables_unparsed: bool = False  # a code attribute may be a column of a table that did not parse

    def report(self, code: str, name: str, message: str, span: Span | None, candidates: Iterable[str],
               otherwise: str) -> None:
        if name in self.unparsed:
            return
        self.out.error(code, message, span, *(did_you_mean(name, candidates) or (otherwise,)))
