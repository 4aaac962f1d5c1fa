"""The stages in order: parse and resolve, then analyze. Each command starts here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from compiler.analysis import analyze
from compiler.diagnostics import Collector, Diagnostic, Sources, Span, sort_key
from compiler.semantics import ir
from compiler.semantics.resolver import resolve_pack


@dataclass
class Compiled:
    """One pack through the front end and analysis: its plan, or None when any error was found."""

    path: str
    plan: ir.Plan | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def pack(self) -> ir.Pack | None:
        return None if self.plan is None else self.plan.pack


def compile_pack(path: str | Path, sources: Sources) -> Compiled:
    """Front end and analysis for one pack; `plan` (and `pack`) are None when any error was found."""
    out = Collector()
    plan = None
    try:
        pack = resolve_pack(path, out, sources)
        if pack is not None:
            plan = analyze(pack, out)
    except RecursionError:
        out.error("too-deep", f"{path} nests expressions too deeply to compile", Span(str(path), 0, 0),
                  "split a very long condition into named code sets or several rules")
    diagnostics = sorted(out.items, key=sort_key)
    return Compiled(str(path), None if out.has_errors else plan, diagnostics)
