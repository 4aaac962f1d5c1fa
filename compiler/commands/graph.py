"""`rulesc graph`: the pack's dependency graph (rules, code sets, tables, maps, rankings, rows;
targets, uses, precedence, overrides, `flagged by` reads, covers) as DOT, Mermaid or JSON."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Literal

from compiler.analysis.depgraph import pack_graph
from compiler.backends.graph import EXPORTERS, to_dot
from compiler.commands.common import Style, compile_or_report
from compiler.pipeline import EXIT_OK


@dataclass(frozen=True)
class GraphOptions:
    file: str
    format: Literal["dot", "mermaid", "json"] = "dot"
    style: Style = field(default_factory=Style)


def run(options: GraphOptions) -> int:
    compiled = compile_or_report((options.file,), options.style)
    if isinstance(compiled, int):
        return compiled
    (pack,) = compiled.packs
    graph = pack_graph(pack, compiled.sources.text(pack.path))
    text = to_dot(graph, pack.name) if options.format == "dot" else EXPORTERS[options.format](graph)
    sys.stdout.write(text)
    return EXIT_OK
