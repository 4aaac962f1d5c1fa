"""The stages in order: load (read and parse every file), resolve, then analyze. Each command
starts here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from compiler.analysis import analyze
from compiler.diagnostics import Collector, Diagnostic, Sources, Span, sort_key
from compiler.semantics import ir
from compiler.semantics.resolver import resolve
from compiler.syntax.loader import load_pack


@dataclass
class Compiled:
    path: str
    pack: ir.Pack | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def compile_pack(path: str | Path, sources: Sources) -> Compiled:
    """Front end and analysis for one pack; `pack` is None when any error was found."""
    out = Collector()
    try:
        pack = resolve(load_pack(path, out, sources), out)
        if pack is not None:
            pack = analyze(pack, out)
    except RecursionError:
        pack = None
        out.error("too-deep", f"{path} nests expressions too deeply to compile", Span(str(path), 0, 0),
                  "split a very long condition into named code sets or several rules")
    diagnostics = sorted(out.items, key=sort_key)
    return Compiled(str(path), None if out.has_errors else pack, diagnostics)
