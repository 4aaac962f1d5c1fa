"""The dependency graph of a pack: rules, code sets, precedences, exceptions, `flagged by`
references and covered rows, as a networkx graph with deterministic dot, mermaid and JSON exports.

Node ids are typed (`rule:P02...`, `set:hydration`, `row:P02`) so that a rule and a code set of the
same name stay apart; every export lists nodes and edges sorted, so the same pack gives the same
bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

import networkx as nx

from compiler.semantics import ir
from compiler.semantics.resolver import walk


def pack_graph(pack: ir.Pack) -> nx.MultiDiGraph:
    """Nodes: rules (with kind and disposition), named code sets, rows. Edges (with `kind`): a rule
    `targets` or `reads` a set, `covers` a row, `reads findings of` another rule (`flagged by`), and a
    rule `takes precedence over` another (a precedence) or `overrides` it (an exception)."""
    graph = nx.MultiDiGraph(name=pack.name)
    for rule in pack.rules:
        graph.add_node(f"rule:{rule.id}", type="rule", label=rule.id, kind=rule.kind,
                       disposition=rule.disposition or "")
    for rule in pack.rules:
        node = f"rule:{rule.id}"
        if rule.target is not None and rule.target.name:
            _edge(graph, node, _set(graph, rule.target.name), "targets")
        if rule.places is not None and rule.places.name:
            _edge(graph, node, _set(graph, rule.places.name), "outside" if rule.places_negated else "at")
        for expr in (rule.condition, rule.suggest, rule.suggest_if):
            for sub in walk(expr):
                if isinstance(sub, ir.SetValue) and sub.codes.name:
                    _edge(graph, node, _set(graph, sub.codes.name), "reads")
                elif isinstance(sub, ir.Flagged):
                    _edge(graph, node, f"rule:{sub.rule}", "reads findings of")
        for row in rule.covers:
            row_node = f"row:{row}"
            graph.add_node(row_node, type="row", label=row)
            _edge(graph, node, row_node, "covers")
    for precedence in pack.precedences:
        kind = "overrides" if precedence.declared_by == "overrides" else "takes precedence over"
        label = precedence.resolves[0].conflict if precedence.resolves else ""
        _edge(graph, f"rule:{precedence.winner}", f"rule:{precedence.loser}", kind, label)
    return graph


def _set(graph: nx.MultiDiGraph, name: str) -> str:
    node = f"set:{name}"
    graph.add_node(node, type="set", label=name)
    return node


def _edge(graph: nx.MultiDiGraph, source: str, target: str, kind: str, resolves: str = "") -> None:
    for _, _, data in graph.edges(source, data=True) if graph.has_node(source) else ():
        if data.get("kind") == kind and data.get("target") == target:
            return
    graph.add_edge(source, target, kind=kind, target=target, resolves=resolves)


def _nodes(graph: nx.MultiDiGraph) -> list[tuple[str, dict[str, Any]]]:
    return sorted(graph.nodes(data=True), key=lambda item: item[0])


def _edges(graph: nx.MultiDiGraph) -> list[tuple[str, str, str, str]]:
    return sorted((s, t, d["kind"], d.get("resolves", "")) for s, t, d in graph.edges(data=True))


def to_json(graph: nx.MultiDiGraph) -> str:
    data = {
        "pack": graph.graph.get("name", ""),
        "nodes": [{"id": node, **{k: attrs[k] for k in sorted(attrs)}} for node, attrs in _nodes(graph)],
        "edges": [{"source": s, "target": t, "kind": k, **({"resolves": r} if r else {})}
                  for s, t, k, r in _edges(graph)],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_SHAPES = {"rule": "box", "set": "ellipse", "row": "note"}


def to_dot(graph: nx.MultiDiGraph) -> str:
    lines = [f"digraph {_dot_text(str(graph.graph.get('name', 'pack')))} {{", "  rankdir=LR;"]
    for node, attrs in _nodes(graph):
        shape = _SHAPES.get(attrs.get("type", ""), "box")
        style = ', style="dashed"' if attrs.get("kind") == "exception" else ""
        lines.append(f"  {_dot_text(node)} [label={_dot_text(attrs.get('label', node))}, shape={shape}{style}];")
    for source, target, kind, resolves in _edges(graph):
        label = kind + (f" ({resolves})" if resolves else "")
        lines.append(f"  {_dot_text(source)} -> {_dot_text(target)} [label={_dot_text(label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return '"' + re.sub(r'["<>]', lambda m: f"#{ord(m.group(0))};", text) + '"'


def to_mermaid(graph: nx.MultiDiGraph) -> str:
    ids = {node: f"n{index}" for index, (node, _) in enumerate(_nodes(graph))}
    lines = ["flowchart LR"]
    for node, attrs in _nodes(graph):
        label = _mermaid_text(str(attrs.get("label", node)))
        kind = attrs.get("type")
        shape = f"([{label}])" if kind == "set" else f">{label}]" if kind == "row" else f"[{label}]"
        lines.append(f"  {ids[node]}{shape}")
    for source, target, kind, resolves in _edges(graph):
        label = _mermaid_text(kind + (f" ({resolves})" if resolves else ""))
        lines.append(f"  {ids[source]} -->|{label}| {ids[target]}")
    return "\n".join(lines) + "\n"


EXPORTERS = {"dot": to_dot, "mermaid": to_mermaid, "json": to_json}
