"""The pack's dependency graph (`compiler.analysis.depgraph`) as DOT, Mermaid or JSON: what
`rulesc graph` prints and the Markdown document draws.

Every export walks the graph in its own stable order (nodes by kind and declaration, edges by
their ends), so the same pack always gives the same bytes. Labels are escaped for each format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import networkx as nx

from compiler.analysis.depgraph import layout_edge

_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 _.,:/()+-]")
_MERMAID_EDGES = {"covers": "---", "targets": "-->", "uses": "-.->", "precedence": "==>|over|",
                  "overrides": "==>|overrides|", "reads": "-.->|findings read by|"}
_MERMAID_STYLES = {
    "row": "fill:#f1f3f5,stroke:#868e96,color:#212529",
    "rule": "fill:#e7f0ff,stroke:#1c5fd4,color:#0b2a66",
    "exception": "fill:#e6f7ec,stroke:#2b8a3e,color:#0b3d1c",
    "documentation": "fill:#fff4e0,stroke:#c77700,color:#4a2c00",
    "codes": "fill:#f8f0fc,stroke:#9c36b5,color:#3b0a4a",
    "values": "fill:#f8f0fc,stroke:#9c36b5,color:#3b0a4a",
    "table": "fill:#fff0f6,stroke:#c2255c,color:#4a0a20",
    "map": "fill:#fff0f6,stroke:#c2255c,color:#4a0a20",
    "ranking": "fill:#fff0f6,stroke:#c2255c,color:#4a0a20",
}


def mermaid_label(text: str) -> str:
    """Label text for Mermaid: anything outside a small safe set becomes an entity code (`#35;`),
    so that no name or title can end the label or inject a directive."""
    return "".join(ch if _MERMAID_SAFE.fullmatch(ch) else f"#{ord(ch)};" for ch in text)



def to_mermaid(graph: nx.DiGraph) -> str:
    """A Mermaid flowchart of the whole graph, left to right."""
    ids = {node: f"n{index}" for index, node in enumerate(graph.nodes, 1)}
    lines = ["flowchart LR"]
    for kind, style in _MERMAID_STYLES.items():
        lines.append(f"  classDef {kind} {style}")
    for node, data in graph.nodes(data=True):
        lines.append(f"  {ids[node]}[\"{mermaid_label(data['name'])}\"]:::{data['kind']}")
    for source, target, data in graph.edges(data=True):
        left, right = layout_edge(graph, source, target)
        lines.append(f"  {ids[left]} {_MERMAID_EDGES[data['kind']]} {ids[right]}")
    return "\n".join(lines) + "\n"


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
