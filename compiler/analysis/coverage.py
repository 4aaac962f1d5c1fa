"""What the pack covers: the rows of the policy's specification it declares (`rows P01..P36`).
Whether its examples cover its rules is `compiler.examples.coverage`."""

from __future__ import annotations

from compiler.semantics import ir


def uncovered_rows(pack: ir.Pack) -> list[str]:
    """The rows the header declares that no rule, exception or documentation entry in force (a
    base pack's included) names in `covers`, nor any declaration in `resolves`; the conflict
    analyzer reports each as an `uncovered-row` entry."""
    named = {row for rule in pack.rules for row in rule.covers}
    named |= {res.conflict for rule in pack.rules for res in rule.resolves}
    named |= {res.conflict for p in pack.precedences for res in p.resolves}
    return [row for row in pack.rows if row not in named]
