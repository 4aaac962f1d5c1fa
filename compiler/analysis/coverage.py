"""What the pack covers: the rows of the policy's specification it declares (`rows P01..P36`),
and its own rules by its examples."""

from __future__ import annotations

from compiler.diagnostics import Collector
from compiler.semantics import ir


def check_rows(pack: ir.Pack, out: Collector) -> ir.Pack:
    """Each row the header declares is named by the `covers` of some rule, exception or
    documentation entry in force (a base pack's included). An error per uncovered row, at the
    header's `rows`."""
    covered = {row for rule in pack.rules for row in rule.covers}
    for row in pack.rows:
        if row not in covered:
            out.error("uncovered-row", f"no rule, exception or documentation entry covers row {row}", pack.rows_span,
                      f"add `covers {row}` to the declaration that implements it, or a documentation entry "
                      "that says why no edit does")
    return pack


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
