"""Parsing a file again after an edit: only the declarations whose text changed are parsed.

A file is parsed one declaration (block) at a time (`compiler.syntax.parser`), so a declaration's
AST depends on its text alone, up to where it starts: a block seen before, at another offset, is
the AST parsed then with every span moved by the distance. The language server keeps one
`ParseCache` per file; the command line never uses one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from compiler.diagnostics import Collector, Diagnostic, Label, Span
from compiler.syntax import ast
from compiler.syntax.parser import Block, parse_block

_FIELDS: dict[type, tuple[str, ...]] = {}


def shifted(value: Any, delta: int) -> Any:
    """`value` (an AST node, a span, a tuple of them, or anything else) with every span moved by
    `delta` characters; a node without spans is rebuilt all the same (nodes are immutable)."""
    if delta == 0:
        return value
    if isinstance(value, Span):
        return Span(value.path, value.start + delta, value.end + delta)
    if isinstance(value, tuple):
        return tuple(shifted(item, delta) for item in value)
    if isinstance(value, ast.Node):
        kind = type(value)
        names = _FIELDS.get(kind)
        if names is None:
            names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
        moved = object.__new__(kind)
        for name in names:
            object.__setattr__(moved, name, shifted(getattr(value, name), delta))
        return moved
    return value


def _shifted_diagnostic(diagnostic: Diagnostic, delta: int) -> Diagnostic:
    if delta == 0:
        return diagnostic
    span = None if diagnostic.span is None else shifted(diagnostic.span, delta)
    labels = tuple(Label(shifted(label.span, delta), label.message) for label in diagnostic.labels)
    return dataclasses.replace(diagnostic, span=span, labels=labels)


@dataclasses.dataclass(frozen=True)
class _Parsed:
    offset: int
    decl: ast.Decl | None
    diagnostics: tuple[Diagnostic, ...]


class ParseCache:
    """The blocks of one file parsed so far, by their text; `parse` is a `BlockParser`. Only the
    blocks of the latest parse are kept, so memory follows the file."""

    def __init__(self) -> None:
        self._kept: dict[str, _Parsed] = {}
        self._seen: dict[str, _Parsed] = {}
        self.parsed = 0  # blocks parsed (not taken from the cache) in the latest parse
        self.reused = 0

    def start(self) -> None:
        """Begin a parse of the file: blocks not seen in it are forgotten when it ends (`finish`)."""
        self._seen = {}
        self.parsed = self.reused = 0

    def finish(self) -> None:
        self._kept = self._seen
        self._seen = {}

    def parse(self, path: str, block: Block, out: Collector) -> ast.Decl | None:
        key = f"{block.indent}\0{block.text}"
        found = self._kept.get(key) or self._seen.get(key)
        if found is None:
            mark = len(out.items)
            decl = parse_block(path, block, out)
            found = _Parsed(block.offset, decl, tuple(out.items[mark:]))
            self.parsed += 1
        else:
            delta = block.offset - found.offset
            out.items.extend(_shifted_diagnostic(d, delta) for d in found.diagnostics)
            found = _Parsed(block.offset, shifted(found.decl, delta), tuple(_shifted_diagnostic(d, delta)
                                                                           for d in found.diagnostics))
            self.reused += 1
        self._seen[key] = found
        return found.decl
