"""The dependency graph of a pack and its exports (`rulesc graph`)."""

from __future__ import annotations

import json
from pathlib import Path

from compiler.analysis.depgraph import pack_graph
from compiler.backends.graph import EXPORTERS, dot_text, to_dot, to_json
from tests.conftest import PACK
from tests.helpers import compile_ok, run_cli


def test_cpcp026_graph_has_rules_sets_rows_and_every_kind_of_edge() -> None:
    pack, sources = compile_ok(PACK)
    graph = pack_graph(pack, sources.text(pack.path))
    kinds = {data["kind"] for _, _, data in graph.edges(data=True)}
    assert kinds == {"covers", "targets", "uses", "precedence", "overrides", "reads"}
    assert graph.nodes["exception:K4-same-drug-push"]["kind"] == "exception"
    assert graph.edges["rule:P26-em-needs-modifier-25", "rule:P23-injection-with-em"]["kind"] == "reads"
    assert graph.edges["rule:P02-hydration-not-concurrent", "rule:P15-facility-hierarchy"]["resolves"] == "K1"
    assert graph.has_edge("rule:P02-hydration-not-concurrent", "codes:hydration")
    assert graph.has_edge("rule:P01-concurrent-once-per-day", "row:P03")
    data = json.loads(to_json(graph))
    precedence = next(e for e in data["edges"] if e["kind"] == "precedence")
    assert precedence["resolves"] == "K1"
    assert {n["id"] for n in data["nodes"]} == set(graph.nodes)


def test_exports_are_deterministic_and_well_formed() -> None:
    pack, _ = compile_ok(PACK)
    for name, export in EXPORTERS.items():
        assert export(pack_graph(pack)) == export(pack_graph(pack)), name
    dot = to_dot(pack_graph(pack), "cpcp026")
    assert dot.startswith('digraph "cpcp026" {') and dot.rstrip().endswith("}")
    assert '"rule:P02-hydration-not-concurrent" -> "rule:P15-facility-hierarchy" [label="precedence (K1)"];' in dot
    assert EXPORTERS["mermaid"](pack_graph(pack)).startswith("flowchart LR\n")


def test_labels_are_escaped_in_every_format() -> None:
    assert dot_text('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    pack, _ = compile_ok(Path(__file__).parents[1] / "packs" / "escaping.rules")
    dot = to_dot(pack_graph(pack))
    for line in dot.splitlines()[2:-1]:
        assert line.startswith('  "') and line.endswith("];"), line
    json.loads(to_json(pack_graph(pack)))


def test_the_graph_command_prints_each_format() -> None:
    for fmt, start in (("dot", 'digraph "cpcp026" {'), ("mermaid", "flowchart LR"), ("json", "{")):
        code, out, _ = run_cli("graph", str(PACK), "--format", fmt)
        assert code == 0 and out.startswith(start), fmt
    code, _, err = run_cli("graph", str(PACK), "--format", "png")
    assert code == 2 and "invalid choice" in err
