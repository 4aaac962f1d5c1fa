"""Parsing a file again after an edit: only the declarations whose text changed are parsed.

A file is parsed one declaration (block) at a time (`compiler.syntax.parser`), so a declaration's
AST depends on its text alone, up to where it starts: a block seen before, at another offset, is
the AST parsed then with every span moved by the distance. The language server keeps one
`ParseCache` per file; the command line keeps each file's on disk (`KeptFiles`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from compiler.diagnostics import Collector, Diagnostic, Label, Span
from compiler.syntax import ast
from compiler.syntax.loader import Files
from compiler.syntax.parser import Block, parse_block, parse_module

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

    def __init__(self, kept: dict[str, _Parsed] | None = None) -> None:
        self._kept: dict[str, _Parsed] = kept or {}
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

    @property
    def kept(self) -> dict[str, _Parsed]:
        """The blocks of the latest parse, by their text (what `KeptFiles` stores)."""
        return self._kept

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


class KeptFiles(Files):
    """The files on disk, each file's parsed declarations kept between runs of the command line in
    `folder` (one file per rules file, a pickle of its `ParseCache`), so that a command run after
    an edit parses only the declarations whose text changed.

    `version` names the compiler that wrote them (its files' digest): a kept parse is read only by
    the same compiler, whose syntax tree it holds. Files are written under a temporary name and
    renamed, so concurrent runs never read half of one; a file that cannot be read is parsed again;
    past `KEEP` files the least recently used go."""

    KEEP = 64

    def __init__(self, folder: Path, version: str) -> None:
        self.folder = folder
        self.version = version
        self.parsed = 0  # declarations parsed (not read back) so far

    def _path(self, key: str) -> Path:
        name = hashlib.sha256(f"{self.version}\0{Path(key).resolve()}".encode("utf-8", "surrogatepass"))
        return self.folder / f"{name.hexdigest()[:32]}.parsed"

    def parse(self, key: str, text: str, out: Collector) -> ast.Module:
        path = self._path(key)
        kept = None
        try:
            kept = pickle.loads(path.read_bytes())
            os.utime(path)
        except Exception:  # absent, cut short or from elsewhere (unpickling raises anything): parse it all
            pass
        cache = ParseCache(kept if isinstance(kept, dict) else None)
        cache.start()
        module = parse_module(key, text, out, cache.parse)
        cache.finish()
        self.parsed += cache.parsed
        if cache.parsed:
            self._store(path, cache.kept)
        return module

    def _store(self, path: Path, kept: dict[str, _Parsed]) -> None:
        partial: str | None = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(prefix=".", suffix=".partial", dir=self.folder)
            with os.fdopen(handle, "wb") as out:
                pickle.dump(kept, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, path)
            partial = None
            kept_files = sorted(self.folder.glob("*.parsed"), key=lambda p: p.stat().st_mtime)
            for old in kept_files[:-self.KEEP]:
                old.unlink()
        except (OSError, pickle.PicklingError, RecursionError):  # an unwritable cache: parse next time
            if partial is not None:
                with contextlib.suppress(OSError):
                    os.unlink(partial)
