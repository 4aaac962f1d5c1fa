"""What the pack covers: the rows of the policy's specification it declares (`rows P01..P36`),
and its own rules by its examples."""

from __future__ import annotations

from compiler.diagnostics import Collector
from compiler.semantics import ir


def uncovered_rows(pack: ir.Pack) -> list[str]:
    """The rows the header declares that no rule, exception or documentation entry in force (a
    base pack's included) names in `covers`, nor any declaration in `resolves`; the conflict
    analyzer reports each as an `uncovered-row` entry."""
    named = {row for rule in pack.rules for row in rule.covers}
    named |= {res.conflict for rule in pack.rules for res in rule.resolves}
    named |= {res.conflict for p in pack.precedences for res in p.resolves}
    return [row for row in pack.rows if row not in named]


def check_examples(pack: ir.Pack, out: Collector) -> ir.Pack:
    """A warning for each rule of the pack's own file (not an exception, which gives no finding,
    nor a documentation entry) that no example of the pack names in an expectation `by RULE`.

    Evaluation is not run here: an example that expects a finding without naming its rule does
    not count, since nothing static says which rule it means. Like every warning about what a
    pack lacks, it is given only for a pack without errors, where it cannot bury one."""
    if out.has_errors:
        return pack
    named = {e.rule for example in pack.examples for e in example.expected if e.rule is not None}
    for rule in pack.rules:
        if rule.kind == "rule" and rule.origin == pack.path and rule.id not in named:
            out.warning("untested-rule", f"no example names rule {rule.id}", rule.id_span,
                        f"add an example whose expectation names it: expect line N {rule.disposition} by {rule.id}")
    return pack
