"""`rulesc graph`: the pack's dependency graph (`compiler.analysis.depgraph`) as DOT, Mermaid or JSON.

Every export walks the graph in its own stable order (nodes by kind and declaration, edges by
their ends), so the same pack always gives the same bytes. Labels are escaped for each format.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import networkx as nx

from compiler.analysis.depgraph import layout_edge, to_mermaid

_SHAPES = {"row": "note", "rule": "box", "exception": "box", "documentation": "note", "codes": "ellipse",
           "values": "ellipse", "table": "folder", "map": "folder", "ranking": "folder"}


def _edge_label(data: dict[str, str]) -> str:
    return data["kind"] + (f" ({data['resolves']})" if data.get("resolves") else "")


def to_json(graph: nx.DiGraph) -> str:
    """Nodes (id, kind, name, title) and edges (source, target, kind, resolves where one does)."""
    data = {
        "nodes": [{"id": node, "kind": attrs["kind"], "name": attrs["name"], "title": attrs["title"]}
                  for node, attrs in graph.nodes(data=True)],
        "edges": [{"source": source, "target": target, "kind": attrs["kind"],
                   **({"resolves": attrs["resolves"]} if attrs.get("resolves") else {})}
                  for source, target, attrs in graph.edges(data=True)],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def dot_text(text: str) -> str:
    """A DOT string literal: backslashes first, then quotes and line breaks."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: nx.DiGraph, name: str = "pack") -> str:
    lines = [f"digraph {dot_text(name)} {{", "  rankdir=LR;"]
    for node, attrs in graph.nodes(data=True):
        style = ', style="dashed"' if attrs["kind"] == "exception" else ""
        lines.append(f"  {dot_text(node)} [label={dot_text(attrs['name'])}, shape={_SHAPES[attrs['kind']]}{style}];")
    for source, target, attrs in graph.edges(data=True):
        left, right = layout_edge(graph, source, target)
        lines.append(f"  {dot_text(left)} -> {dot_text(right)} [label={dot_text(_edge_label(attrs))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


EXPORTERS: dict[str, Callable[[nx.DiGraph], str]] = {"dot": to_dot, "mermaid": to_mermaid, "json": to_json}
