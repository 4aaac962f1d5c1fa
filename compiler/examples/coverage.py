"""Whether a pack's examples cover its rules: a warning for each rule no example names."""

from __future__ import annotations

from compiler.diagnostics import Collector
from compiler.semantics import ir


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
