"""The measured impact of a new version of a pack on real claims (`rulesc diff --input`): the
counts of the pair engine's differences (`compiler.batch.pairs`, tallied by
`compiler.batch.sinks.Tally`) as the report's `impact` object (contract/DIFF.md).

The run itself, both packs' modules on every record of an input, is `compiler.pipeline.measure_impact`.
"""

from __future__ import annotations

from compiler.analysis.changes.model import Impact, RuleImpact
from compiler.batch.sinks import Tally


def impact_of(tally: Tally) -> Impact:
    """The report's impact object from a tally of differences."""
    by_rule = {rule: RuleImpact(**counts) for rule, counts in sorted(tally.by_rule.items())}
    return Impact(tally.claims, tally.changed, tally.lines_changed, by_rule, tally.errors)
