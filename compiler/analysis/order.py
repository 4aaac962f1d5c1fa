"""Evaluation order: a rule that reads another rule's findings (`flagged by`) runs after it and
after every rule that takes precedence over it."""

from __future__ import annotations

import networkx as nx

from compiler.diagnostics import Collector, Label
from compiler.semantics import ir


def dependency_graph(pack: ir.Pack) -> nx.DiGraph:
    """Edges run from a rule to the rules whose evaluation needs it."""
    graph = nx.DiGraph()
    edit_rules = [r for r in pack.rules if r.edits]
    graph.add_nodes_from(r.id for r in edit_rules)
    for rule in edit_rules:
        for reference in rule.references:
            if reference != rule.id:  # a rule that reads its own findings decides its lines on demand
                graph.add_edge(reference, rule.id, why="flagged", rule=rule.id)
            for winner in pack.overriders(reference):
                graph.add_edge(winner, rule.id, why="precedence", rule=rule.id)
    return graph


def plan(pack: ir.Pack, out: Collector) -> ir.Plan | None:
    """The pack with its evaluation order; None (and a diagnostic) when rules read each other in a cycle."""
    graph = dependency_graph(pack)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        edit_rules = {rule.id for rule in pack.rules if rule.edits}
        return ir.Plan(pack, tuple(r for r in nx.lexicographical_topological_sort(graph) if r in edit_rules))
    labels = []
    for source, target in cycle:
        rule = pack.rule(target)
        labels.append(Label(rule.span, f"{target} reads the findings of {source}"))
    first = pack.rule(cycle[0][1])
    out.error("dependency-cycle", "rules read each other's findings in a cycle: "
              + " -> ".join([cycle[0][0], *(t for _, t in cycle)]), first.id_span,
              "break the cycle: one of these rules must decide without the other's findings",
              labels=labels)
    return None


def check_precedence(pack: ir.Pack, out: Collector) -> ir.Pack:
    """Precedence must be a partial order: no cycles, and no rule over itself."""
    known = {r.id for r in pack.rules}
    graph = nx.DiGraph()
    for precedence in pack.precedences:
        if precedence.winner in known and precedence.loser in known:
            graph.add_edge(precedence.winner, precedence.loser, span=precedence.span)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return pack
    labels = [Label(graph.edges[s, t]["span"], f"{s} takes precedence over {t}") for s, t in cycle]
    out.error("precedence-cycle", "precedence declarations form a cycle: "
              + " -> ".join([cycle[0][0], *(t for _, t in cycle)]), labels[0].span,
              "remove one of these declarations; precedence must run one way", labels=labels)
    return pack
