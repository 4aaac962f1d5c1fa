"""A layered, left-to-right layout of the pack graph in integer coordinates, for an inline SVG.

Columns come from networkx's topological generations: the analyst-note rows first, then the rules
by generation of the precedence and `flagged by` edges among them (a rule that yields to or reads
another stands to its right), then the data they use in one column (an edge between two data
nodes, such as a ranking and the table it reads, is drawn as an arc on the right).
Within a column, nodes are ordered by the mean position of their neighbours to the left (exact
fractions, ties by declaration order), which keeps most edges short. Text widths are estimated
from the character count of a monospace font. Everything is an integer, so the picture is the same
bytes on every machine, with no system binary and no numeric library.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import networkx as nx

from compiler.analysis.depgraph import DATA_KINDS, RULE_KINDS, layout_edge

NODE_HEIGHT = 24
NODE_GAP = 8
COLUMN_GAP = 80
MARGIN = 16
HEADER = 36
CHAR_WIDTH_FIFTHS = 36  # 7.2 px per character of 12 px monospace, in fifths of a pixel
TEXT_PAD = 14
MAX_LABEL = 40
HEADING_CHAR_WIDTH = 9


@dataclass(frozen=True)
class Box:
    node: str
    kind: str
    label: str
    title: str
    x: int
    y: int
    width: int
    height: int

    @property
    def text_x(self) -> int:
        return self.x + TEXT_PAD // 2

    @property
    def text_y(self) -> int:
        return self.y + self.height // 2 + 4


@dataclass(frozen=True)
class Wire:
    kind: str
    path: str
    source: str
    target: str


@dataclass(frozen=True)
class Heading:
    x: int
    text: str


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    boxes: tuple[Box, ...]
    wires: tuple[Wire, ...]
    headings: tuple[Heading, ...]


def label_of(name: str) -> str:
    return name if len(name) <= MAX_LABEL else name[:MAX_LABEL - 1] + "…"


def text_width(text: str) -> int:
    return TEXT_PAD + (len(text) * CHAR_WIDTH_FIFTHS + 4) // 5


def heading_width(text: str) -> int:
    """Column headings are set in bold capitals with letter spacing: about 9 px a character."""
    return len(text) * HEADING_CHAR_WIDTH


def _generations(graph: nx.DiGraph, nodes: list[str]) -> dict[str, int]:
    """Each node's generation in the subgraph of `nodes` (edges oriented for the picture); nodes on
    a cycle share the generation of their strongly connected component."""
    sub = nx.DiGraph()
    sub.add_nodes_from(nodes)
    members = set(nodes)
    for source, target in graph.edges:
        left, right = layout_edge(graph, source, target)
        if left in members and right in members:
            sub.add_edge(left, right)
    condensed = nx.condensation(sub)
    generation: dict[str, int] = {}
    for index, layer in enumerate(nx.topological_generations(condensed)):
        for component in layer:
            for node in condensed.nodes[component]["members"]:
                generation[node] = index
    return generation


def columns_of(graph: nx.DiGraph) -> list[list[str]]:
    """The nodes of each column, in declaration order (before ordering by neighbours)."""
    rows = [n for n in graph.nodes if graph.nodes[n]["kind"] == "row"]
    rules = [n for n in graph.nodes if graph.nodes[n]["kind"] in RULE_KINDS]
    data = [n for n in graph.nodes if graph.nodes[n]["kind"] in DATA_KINDS]
    generation = _generations(graph, rules)
    depth = max(generation.values(), default=-1) + 1
    columns = [rows, *([n for n in rules if generation[n] == g] for g in range(depth)), data]
    return [c for c in columns if c]


def _order(graph: nx.DiGraph, columns: list[list[str]]) -> list[list[str]]:
    """Each column after the first sorted by the mean height of its neighbours to the left.

    Heights are counted in half slots from the top of the tallest column, as the columns are
    drawn centred: slot = 2 * index + (tallest - length of the column)."""
    if not columns:
        return []
    tallest = max(len(c) for c in columns)

    def slots(column: list[str]) -> dict[str, int]:
        return {n: 2 * i + tallest - len(column) for i, n in enumerate(column)}

    height = slots(columns[0])
    ordered = [columns[0]]
    for column in columns[1:]:
        keys: dict[str, tuple[int, Fraction, int]] = {}
        for index, node in enumerate(column):
            placed = [height[m] for m in nx.all_neighbors(graph, node) if m in height]
            keys[node] = (0, Fraction(sum(placed), len(placed)), index) if placed else (1, Fraction(0), index)
        column = sorted(column, key=lambda n: keys[n])
        height.update(slots(column))
        ordered.append(column)
    return ordered


def column_titles(graph: nx.DiGraph, columns: list[list[str]]) -> list[str]:
    titles = []
    for column in columns:
        kinds = {graph.nodes[n]["kind"] for n in column}
        if kinds == {"row"}:
            titles.append("Rows")
        elif kinds <= set(DATA_KINDS):
            titles.append("Data")
        else:
            titles.append("Overridden or reading" if "Rules" in titles else "Rules")
    return titles


def layout(graph: nx.DiGraph) -> Picture:
    columns = _order(graph, columns_of(graph))
    titles = column_titles(graph, columns)
    widths = [max(text_width(label_of(graph.nodes[n]["name"])) for n in column) for column in columns]
    heights = [len(column) * (NODE_HEIGHT + NODE_GAP) - NODE_GAP for column in columns]
    tallest = max(heights, default=0)
    boxes: dict[str, Box] = {}
    headings = []
    x = MARGIN
    for column, width, height, title in zip(columns, widths, heights, titles, strict=True):
        headings.append(Heading(x, title))
        y = MARGIN + HEADER + (tallest - height) // 2
        for node in column:
            data = graph.nodes[node]
            boxes[node] = Box(node, data["kind"], label_of(data["name"]), data["title"], x, y, width, NODE_HEIGHT)
            y += NODE_HEIGHT + NODE_GAP
        x += max(width, heading_width(title)) + COLUMN_GAP
    wires = tuple(_wire(graph, boxes, s, t) for s, t in graph.edges)
    width = x - COLUMN_GAP + MARGIN if columns else 2 * MARGIN
    if any(boxes[s].x == boxes[t].x for s, t in graph.edges):
        width += COLUMN_GAP // 2  # room for the arcs between nodes of one column
    return Picture(width, MARGIN * 2 + HEADER + tallest, tuple(boxes.values()), wires, tuple(headings))


def _wire(graph: nx.DiGraph, boxes: dict[str, Box], source: str, target: str) -> Wire:
    left, right = (boxes[n] for n in layout_edge(graph, source, target))
    y1, y2 = left.y + left.height // 2, right.y + right.height // 2
    if left.x == right.x:  # the same column (a cycle among data): an arc on the right side
        x1 = left.x + left.width
        bulge = x1 + COLUMN_GAP // 2
        path = f"M{x1} {y1} C{bulge} {y1} {bulge} {y2} {x1} {y2}"
    else:
        x1, x2 = left.x + left.width, right.x
        middle = (x1 + x2) // 2
        path = f"M{x1} {y1} C{middle} {y1} {middle} {y2} {x2} {y2}"
    return Wire(graph.edges[source, target]["kind"], path, source, target)
