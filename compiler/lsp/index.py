"""The names of a pack and where each is written: declarations and references of rule ids, code
sets, tables, maps, rankings and sections, across every file the pack reads (its own, the files it
imports, the pack it extends). Built from the parsed files alone, so it answers while the pack has
errors too; go to definition, find references and rename read it.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from compiler.diagnostics import Span
from compiler.syntax import ast

Kind = Literal["rule", "set", "table", "map", "ranking", "section"]
DATA_KINDS: dict[type, Kind] = {ast.CodesDecl: "set", ast.TableDecl: "table", ast.MapDecl: "map",
                                ast.RankingDecl: "ranking"}
_RULE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Symbol:
    kind: Kind
    name: str


@dataclass(frozen=True)
class Occurrence:
    """A symbol written somewhere: its name's span, and whether it is written where it is declared."""

    symbol: Symbol
    span: Span
    definition: bool


class Index:
    """Every occurrence of every symbol in the files of one pack."""

    def __init__(self, modules: Mapping[str, ast.Module], texts: Mapping[str, str]) -> None:
        self.modules = modules
        self.texts = texts
        self.data_kinds: dict[str, Kind] = {}
        self.decls: dict[Symbol, list[tuple[str, ast.Decl]]] = {}
        for path, module in modules.items():
            for decl in module.decls:
                symbol = _declared(decl)
                if symbol is not None:
                    self.decls.setdefault(symbol, []).append((path, decl))
                    if symbol.kind in ("set", "table", "map", "ranking"):
                        self.data_kinds.setdefault(symbol.name, symbol.kind)
        found: list[Occurrence] = []
        for path, module in modules.items():
            for decl in module.decls:
                found.extend(self._in_decl(path, decl))
        self.occurrences = found
        self._by_file: dict[str, list[Occurrence]] = {}
        for occurrence in sorted(found, key=lambda o: (o.span.path, o.span.start)):
            self._by_file.setdefault(occurrence.span.path, []).append(occurrence)
        self._starts = {path: [o.span.start for o in items] for path, items in self._by_file.items()}

    # ------------------------------------------------------------ questions
    def at(self, path: str, offset: int) -> Occurrence | None:
        """The occurrence whose name covers `offset` (its end included, where a cursor stops)."""
        items = self._by_file.get(path, [])
        index = bisect_right(self._starts.get(path, []), offset) - 1
        for candidate in items[max(0, index - 1):index + 1]:
            if candidate.span.start <= offset <= candidate.span.end:
                return candidate
        return None

    def definitions(self, symbol: Symbol) -> list[Occurrence]:
        return [o for o in self.occurrences if o.symbol == symbol and o.definition]

    def references(self, symbol: Symbol, declarations: bool = True) -> list[Occurrence]:
        return sorted((o for o in self.occurrences if o.symbol == symbol and (declarations or not o.definition)),
                      key=lambda o: (o.span.path, o.span.start))

    def names(self, kind: Kind) -> list[str]:
        return sorted({s.name for s in self.decls if s.kind == kind})

    def declaration(self, symbol: Symbol) -> tuple[str, ast.Decl] | None:
        found = self.decls.get(symbol)
        return found[-1] if found else None  # a contract pack's rule replaces its base's: it comes last

    # ------------------------------------------------------------ building
    def _in_decl(self, path: str, decl: ast.Decl) -> Iterator[Occurrence]:
        symbol = _declared(decl)
        if symbol is not None:
            span = self._name_span(path, decl, symbol.name)
            if span is not None:
                yield Occurrence(symbol, span, True)
        if isinstance(decl, ast.PrecedenceDecl):
            for name, span in zip((decl.winner, *decl.losers), decl.rule_spans, strict=False):
                yield Occurrence(Symbol("rule", name), span, False)
        elif isinstance(decl, ast.RemoveDecl):
            span = self._find(path, decl.span, decl.rule, after="rule")
            if span is not None:
                yield Occurrence(Symbol("rule", decl.rule), span, False)
        elif isinstance(decl, ast.ImportDecl) and decl.names:
            cursor = decl.span
            for name in decl.names:
                span = self._find(path, cursor, name, after="only" if cursor is decl.span else None)
                if span is not None and name in self.data_kinds:
                    yield Occurrence(Symbol(self.data_kinds[name], name), span, False)
                    cursor = Span(path, span.end, decl.span.end)
        yield from self._walk(decl)

    def _walk(self, node: Any) -> Iterator[Occurrence]:
        """References in a node and everything below it."""
        if isinstance(node, tuple):
            for item in node:
                yield from self._walk(item)
            return
        if not isinstance(node, ast.Node):
            return
        if isinstance(node, ast.SetRef):
            yield from self._data(node.name, node.span)
        elif isinstance(node, ast.Path):
            yield from self._data(node.root, node.span)
        elif isinstance(node, ast.Lookup):
            yield from self._data(node.name, node.span)
        elif isinstance(node, (ast.Flagged, ast.Expectation)) and node.rule:
            yield Occurrence(Symbol("rule", node.rule), node.rule_span, False)
        elif isinstance(node, ast.Clause) and node.kind == "overrides":
            for name, span in zip(node.values, node.value_spans, strict=False):
                yield Occurrence(Symbol("rule", name), span, False)
        elif isinstance(node, ast.Clause) and node.kind == "cite" and node.value_spans:
            yield Occurrence(Symbol("section", node.values[0]), node.value_spans[0], False)
        for item in dataclasses.fields(node):
            if item.name not in ("span",) and not item.name.endswith("_span") and not item.name.endswith("_spans"):
                yield from self._walk(getattr(node, item.name))

    def _data(self, name: str, span: Span) -> Iterator[Occurrence]:
        kind = self.data_kinds.get(name)
        if kind is not None:
            yield Occurrence(Symbol(kind, name), Span(span.path, span.start, span.start + len(name)), False)

    def _name_span(self, path: str, decl: ast.Decl, name: str) -> Span | None:
        for attribute in ("id_span", "name_span"):
            span = getattr(decl, attribute, None)
            if isinstance(span, Span) and span.path:
                return span
        return self._find(path, decl.span, name)

    def _find(self, path: str, within: Span, name: str, after: str | None = None) -> Span | None:
        """Where `name` is written as a whole word inside `within` (after the word `after`)."""
        text = self.texts.get(path, "")
        start = within.start
        if after is not None:
            found = re.compile(rf"\b{re.escape(after)}\b").search(text, start, within.end)
            if found is None:
                return None
            start = found.end()
        word = re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(name)}(?![A-Za-z0-9_-])")
        match = word.search(text, start, within.end)
        return None if match is None else Span(path, match.start(), match.end())


def _declared(decl: ast.Decl) -> Symbol | None:
    if isinstance(decl, ast.RuleDecl):
        return Symbol("rule", decl.id)
    if isinstance(decl, ast.SectionDecl):
        return Symbol("section", decl.name)
    kind = DATA_KINDS.get(type(decl))
    if kind is not None:
        assert isinstance(decl, (ast.CodesDecl, ast.TableDecl, ast.MapDecl, ast.RankingDecl))
        return Symbol(kind, decl.name)
    return None


def valid_name(kind: Kind, name: str) -> bool:
    """Whether `name` can be written where a symbol of this kind is (a rule id, or a name)."""
    pattern = _RULE_ID if kind == "rule" else _NAME
    return pattern.fullmatch(name) is not None
