"""Which rules decide whether a suggestion stands.

A finding's suggested code stands only where the line, billed with that code on the same claim,
gets no `deny` finding (docs/LANGUAGE.md, "suggest"). Only the deny rules that can decide a line of
that code take part: the analyzer encodes them in the re-billed claim, a change report compares
them, a replay keeps them. Standard library only (no solver).
"""

from __future__ import annotations

from compiler.semantics import ir


def suggested_codes(pack: ir.Pack, rule: ir.Rule) -> frozenset[str] | None:
    """The codes a rule can suggest (None: it cannot be told from the rule alone)."""
    expr = rule.suggest
    if expr is None:
        return frozenset()
    if isinstance(expr, ir.Const) and isinstance(expr.value, str):
        return frozenset({expr.value})
    if isinstance(expr, ir.MapGet):
        return frozenset(value for m in pack.maps if m.name == expr.map for _, value in m.pairs)
    return None


def deniers_of(pack: ir.Pack, rule: ir.Rule, ids: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The reporting `deny` rules (of `ids`, else of the pack) that can decide a line billed with a
    code the rule suggests: those whose target holds one of the codes, and those without a target.
    Whether the rule's suggestion stands depends on them alone."""
    codes = suggested_codes(pack, rule)
    if codes is not None and not codes:
        return ()
    wanted = None if ids is None else set(ids)
    return tuple(r.id for r in pack.rules
                 if r.edits and r.reports and r.disposition == "deny" and (wanted is None or r.id in wanted)
                 and (codes is None or r.target is None or bool(codes & r.target.members)))
