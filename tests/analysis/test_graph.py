"""The dependency graph of a pack and its exports."""

from __future__ import annotations

import json
from pathlib import Path

from compiler.analysis.graph import EXPORTERS, pack_graph, to_dot, to_json, to_mermaid
from tests.conftest import PACK
from tests.helpers import compile_ok

PACKS = Path(__file__).parent / "packs"


def test_cpcp026_graph_has_rules_sets_rows_and_every_kind_of_edge() -> None:
    pack, _ = compile_ok(PACK)
    graph = pack_graph(pack)
    kinds = {data["kind"] for _, _, data in graph.edges(data=True)}
    assert kinds >= {"targets", "reads", "covers", "reads findings of", "overrides", "takes precedence over", "at"}
    assert graph.nodes["rule:K4-same-drug-push"]["kind"] == "exception"
    assert graph.has_edge("rule:P26-em-needs-modifier-25", "rule:P23-injection-with-em")
    assert graph.has_edge("rule:P02-hydration-not-concurrent", "rule:P15-facility-hierarchy")
    assert graph.has_edge("rule:P02-hydration-not-concurrent", "set:hydration")
    assert graph.has_edge("rule:P01-concurrent-once-per-day", "row:P03")
    data = json.loads(to_json(graph))
    precedence = next(e for e in data["edges"] if e["kind"] == "takes precedence over")
    assert precedence["resolves"] == "K1"


def test_exports_are_deterministic_and_well_formed() -> None:
    pack, _ = compile_ok(PACK)
    for name, export in EXPORTERS.items():
        assert export(pack_graph(pack)) == export(pack_graph(pack)), name
    dot = to_dot(pack_graph(pack))
    assert dot.startswith('digraph "cpcp026" {') and dot.rstrip().endswith("}")
    assert '"rule:P02-hydration-not-concurrent" -> "rule:P15-facility-hierarchy" ' \
           '[label="takes precedence over (K1)"];' in dot
    mermaid = to_mermaid(pack_graph(pack))
    assert mermaid.startswith("flowchart LR\n")
    assert "-->|\"overrides (K4)\"|" in mermaid


def test_labels_are_escaped_in_every_format() -> None:
    from compiler.analysis.graph import _dot_text, _mermaid_text

    assert _dot_text('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    assert _mermaid_text('a"<b>') == '"a#34;#60;b#62;"'
    pack, _ = compile_ok(Path(__file__).parents[1] / "packs" / "escaping.rules")
    dot = to_dot(pack_graph(pack))
    for line in dot.splitlines()[2:-1]:
        assert line.startswith('  "') and line.endswith("];"), line
    json.loads(to_json(pack_graph(pack)))
