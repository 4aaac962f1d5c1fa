"""The whole pack as one dependency graph, for pictures and exports.

Nodes are the pack's rules, exceptions and documentation entries, the data they use (code sets,
value sets, tables, maps, rankings) and the analyst-note rows they cover. Edges say why two nodes
meet: a rule `targets` a set or `uses` one (or a table, map or ranking) in its conditions or
suggestion; a rule takes `precedence` over another (declared by `precedence`) or `overrides` it
(declared by an exception); a rule `reads` another's findings (`flagged by`); a rule or entry
`covers` a row; a ranking `uses` the tables its levels come from.

The graph is built in one deterministic order (nodes by kind and declaration, edges by their ends)
so that everything drawn from it is the same from build to build.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Iterator

import networkx as nx

from compiler.semantics import ir

NODE_KINDS = ("row", "rule", "exception", "documentation", "codes", "values", "table", "map", "ranking")
EDGE_KINDS = ("covers", "targets", "uses", "precedence", "overrides", "reads")
RULE_KINDS = ("rule", "exception", "documentation")
DATA_KINDS = ("codes", "values", "table", "map", "ranking")

_EXPR_TYPES = typing.get_args(ir.Expr)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ROW = re.compile(r"([A-Za-z]*)([0-9]*)(.*)")


def node_id(kind: str, name: str) -> str:
    """Node ids name their kind, so that a set and a rule with the same name stay apart."""
    return f"{kind}:{name}"


def row_key(row: str) -> tuple[str, int, str]:
    """Rows in natural order: P2 before P10."""
    match = _ROW.fullmatch(row)
    assert match is not None
    letters, digits, rest = match.groups()
    return letters, int(digits) if digits else -1, rest


def declared_rows(pack: ir.Pack) -> tuple[str, ...]:
    """The rows the pack declares it covers, or (for packs without that header) the rows its
    rules and entries name; naturally ordered."""
    rows = set(getattr(pack, "rows", ()) or ())
    for rule in pack.rules:
        rows.update(rule.covers)
    return tuple(sorted(rows, key=row_key))


def subexpressions(expr: ir.Expr) -> Iterator[ir.Expr]:
    """`expr` and every expression inside it, depth first, in field order."""
    yield expr
    for field in dataclasses.fields(expr):
        value = getattr(expr, field.name)
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            if isinstance(item, _EXPR_TYPES):
                yield from subexpressions(item)


class _Builder:
    def __init__(self, pack: ir.Pack, source_text: str | None) -> None:
        self.pack = pack
        self.source_text = source_text
        self.graph = nx.DiGraph()
        self.tables = {t.name for t in pack.tables}
        self.set_names = {s.name for s in pack.sets if s.name is not None}
        self.attributes = {a.name: a.table for a in pack.attributes}

    def add_node(self, kind: str, name: str, title: str | None, order: int) -> None:
        self.graph.add_node(node_id(kind, name), kind=kind, name=name, title=title or "", order=order)

    def set_node(self, name: str) -> str:
        if name in self.tables:
            return node_id("table", name)
        codes = next(s for s in self.pack.sets if s.name == name)
        return node_id("values" if codes.texts else "codes", name)

    def add_edge(self, source: str, target: str, kind: str, resolves: str = "") -> None:
        if source in self.graph and target in self.graph and not self.graph.has_edge(source, target):
            self.graph.add_edge(source, target, kind=kind, resolves=resolves)

    def set_names_of(self, codes: ir.CodeSet) -> list[str]:
        """The declared sets a set was written with: its own name, or for a literal set such as
        `{initial_codes, addon_codes}` the declared names in its source text (the IR keeps a literal
        set's members, not the names it was built from)."""
        if codes.name is not None:
            return [codes.name] if codes.name in self.set_names else []
        if self.source_text is None or codes.span.path != self.pack.path:
            return []
        text = self.source_text[codes.span.start:codes.span.end]
        return sorted({name for name in _NAME.findall(text) if name in self.set_names})

    def build(self) -> nx.DiGraph:
        pack = self.pack
        for order, row in enumerate(declared_rows(pack)):
            self.add_node("row", row, None, order)
        for order, rule in enumerate(pack.rules):
            self.add_node(str(rule.kind), rule.id, rule.title, order)
        for order, codes in enumerate(pack.sets):
            if codes.name is not None and codes.name not in self.tables:
                self.add_node("values" if codes.texts else "codes", codes.name, codes.title, order)
        for order, table in enumerate(pack.tables):
            self.add_node("table", table.name, table.title, order)
        for order, data_table in enumerate(pack.data_tables, len(pack.tables)):
            self.add_node("table", data_table.name, data_table.title, order)
        for order, code_map in enumerate(pack.maps):
            self.add_node("map", code_map.name, code_map.title, order)
        for order, ranking in enumerate(pack.rankings):
            self.add_node("ranking", ranking.name, ranking.title, order)
            for attribute, _ in ranking.levels:
                if attribute in self.attributes:
                    self.add_edge(node_id("ranking", ranking.name), node_id("table", self.attributes[attribute]),
                                  "uses")
        for rule in pack.rules:
            self.add_rule_edges(rule)
        for precedence in pack.precedences:
            winner, loser = pack.rule(precedence.winner), pack.rule(precedence.loser)
            kind = "overrides" if precedence.declared_by == "overrides" else "precedence"
            resolves = ", ".join(r.conflict for r in precedence.resolves)
            self.add_edge(node_id(str(winner.kind), winner.id), node_id(str(loser.kind), loser.id), kind, resolves)
        return _sorted_copy(self.graph)

    def add_rule_edges(self, rule: ir.Rule) -> None:
        me = node_id(str(rule.kind), rule.id)
        for row in rule.covers:
            self.add_edge(me, node_id("row", row), "covers")
        if rule.target is not None:
            for name in self.set_names_of(rule.target):
                self.add_edge(me, self.set_node(name), "targets")
        if rule.places is not None:
            for name in self.set_names_of(rule.places):
                self.add_edge(me, self.set_node(name), "uses")
        for root in (rule.condition, rule.suggest, rule.suggest_if):
            if root is None:
                continue
            for expr in subexpressions(root):
                for target, kind in self.uses(expr):
                    self.add_edge(me, target, kind)

    def uses(self, expr: ir.Expr) -> list[tuple[str, str]]:
        if isinstance(expr, ir.SetValue):
            return [(self.set_node(name), "uses") for name in self.set_names_of(expr.codes)]
        if isinstance(expr, ir.CodeAttr) and expr.attribute in self.attributes:
            return [(node_id("table", self.attributes[expr.attribute]), "uses")]
        if isinstance(expr, ir.MapGet):
            return [(node_id("map", expr.map), "uses")]
        if isinstance(expr, ir.TableLookup):
            return [(node_id("table", expr.table), "uses")]
        if isinstance(expr, ir.RankOf):
            return [(node_id("ranking", expr.ranking), "uses")]
        if isinstance(expr, ir.Flagged):
            read = next((r for r in self.pack.rules if r.id == expr.rule), None)
            return [(node_id(str(read.kind), read.id), "reads")] if read is not None else []
        return []


def node_sort_key(graph: nx.DiGraph, node: str) -> tuple[int, int, str]:
    data = graph.nodes[node]
    return NODE_KINDS.index(data["kind"]) if data["kind"] in NODE_KINDS else len(NODE_KINDS), data["order"], node


def _sorted_copy(graph: nx.DiGraph) -> nx.DiGraph:
    """The same graph with nodes and edges inserted in a stable order."""
    out = nx.DiGraph()
    nodes = sorted(graph.nodes, key=lambda n: node_sort_key(graph, n))
    out.add_nodes_from((n, graph.nodes[n]) for n in nodes)
    position = {n: i for i, n in enumerate(nodes)}
    edges = sorted(graph.edges(data=True), key=lambda e: (position[e[0]], position[e[1]], e[2]["kind"]))
    out.add_edges_from(edges)
    return out


def pack_graph(pack: ir.Pack, source_text: str | None = None) -> nx.DiGraph:
    """The pack's dependency graph; with `source_text` (the pack's file), literal sets link to the
    declared sets they name."""
    return _Builder(pack, source_text).build()


def layout_edge(graph: nx.DiGraph, source: str, target: str) -> tuple[str, str]:
    """An edge oriented the way pictures draw it, left to right: a row before the rules that cover
    it, a rule before the rules that read its findings; every other edge as it is."""
    if graph.edges[source, target]["kind"] in ("covers", "reads"):
        return target, source
    return source, target
