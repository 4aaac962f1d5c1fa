"""What the language server knows: the documents open in the editor, and for each pack among them
(or among the packs that read them) the latest check: its diagnostics, its names, its IR.

A check is the command line's front end and cheap analysis (`compiler.pipeline.compile_pack`: parse,
names and types, precedence and evaluation order, the tables' checks) over the editor's text: it
reads open documents from their buffers and everything else from disk, parses again only the
declarations whose text changed (`compiler.syntax.reparse`), and reads a table's file once while
it is unchanged on disk (by path, modification time and size; an open one by its text), keeping the
rows read from it (`TableText.memo`). The conflict analyzer does not run here (see `analysis.py`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from compiler.diagnostics import Collector, Diagnostic, Sources, sort_key
from compiler.lsp.index import Index
from compiler.lsp.positions import Lines
from compiler.pipeline import compile_pack
from compiler.semantics import ir
from compiler.syntax import ast
from compiler.syntax.loader import Files, TableText, display_path
from compiler.syntax.parser import parse_module
from compiler.syntax.reparse import ParseCache


def uri_to_path(uri: str) -> Path:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)).resolve()


def path_to_uri(path: Path | str) -> str:
    return "file://" + quote(str(Path(path).resolve()))


@dataclass
class Document:
    uri: str
    path: Path
    text: str
    version: int


class EditorFiles(Files):
    """The loader's files as the editor sees them (see the module's note). One per workspace: its
    caches outlive every check; `read` records the files of the check under way."""

    def __init__(self, documents: dict[Path, Document]) -> None:
        self.documents = documents
        self._parses: dict[str, ParseCache] = {}
        self._tables: dict[Path, tuple[object, TableText]] = {}
        self.read: dict[str, ast.Module] = {}
        self.texts: dict[str, str] = {}
        self.parsed = 0  # blocks parsed (not reused) by the latest check
        self.table_reads = 0  # table files read from disk or a buffer (not reused) by the latest check

    def text(self, path: Path) -> str:
        document = self.documents.get(path.resolve())
        return document.text if document is not None else super().text(path)

    def table(self, path: Path, shown: str) -> TableText:
        resolved = path.resolve()
        document = self.documents.get(resolved)
        if document is not None:
            key: object = ("buffer", hashlib.sha256(document.text.encode("utf-8")).hexdigest())
        else:
            status = resolved.stat()
            key = ("disk", status.st_mtime_ns, status.st_size)
        kept = self._tables.get(resolved)
        if kept is not None and kept[0] == key and kept[1].path == shown:
            return kept[1]
        self.table_reads += 1
        if document is not None:
            data = document.text.encode("utf-8")
            table = TableText(shown, document.text, hashlib.sha256(data).hexdigest())
        else:
            table = super().table(resolved, shown)
        self._tables[resolved] = (key, table)
        return table

    def parse(self, key: str, text: str, out: Collector) -> ast.Module:
        cache = self._parses.setdefault(key, ParseCache())
        cache.start()
        module = parse_module(key, text, out, cache.parse)
        cache.finish()
        self.parsed += cache.parsed
        self.read[key] = module
        self.texts[key] = text
        return module


@dataclass
class Snapshot:
    """The latest check of one pack: `plan` is None when it has errors; `good` is the IR of its
    latest check without errors (what hover shows while the pack is being edited)."""

    root: Path
    key: str
    versions: dict[Path, int]
    sources: Sources
    diagnostics: list[Diagnostic]
    plan: ir.Plan | None
    good: ir.Pack | None
    index: Index
    files: dict[str, Path] = field(default_factory=dict)  # every file read, by the name diagnostics use
    parsed: int = 0
    table_reads: int = 0
    # where the lines of each file start, shared by the snapshots of a workspace: a file whose text
    # is the same object as before (a table's file while unchanged) is not split into lines again
    _lines: dict[str, Lines] = field(default_factory=dict)

    def lines(self, key: str) -> Lines:
        text = self.sources.text(key) or ""
        found = self._lines.get(key)
        if found is None or found.text is not text:
            found = self._lines[key] = Lines(text)
        return found

    def reads(self, path: Path) -> bool:
        return path in self.files.values()


class Workspace:
    """The open documents and the latest check of each pack that matters to them. `check` runs on
    one thread at a time (the server's checking thread); the snapshots it leaves are replaced whole,
    so request handlers read them without a lock."""

    def __init__(self) -> None:
        self.documents: dict[Path, Document] = {}
        self.files = EditorFiles(self.documents)
        self.snapshots: dict[Path, Snapshot] = {}
        self.lines: dict[str, Lines] = {}  # Snapshot._lines
        self.lock = threading.Lock()

    # ------------------------------------------------------------ documents
    def open(self, uri: str, text: str, version: int) -> Document:
        path = uri_to_path(uri)
        document = self.documents[path] = Document(uri, path, text, version)
        return document

    def close(self, uri: str) -> None:
        self.documents.pop(uri_to_path(uri), None)

    def document(self, uri: str) -> Document | None:
        return self.documents.get(uri_to_path(uri))

    # ------------------------------------------------------------ which packs
    def roots_for(self, path: Path) -> list[Path]:
        """The packs a change of the file at `path` concerns: itself when it declares a pack, and
        every pack checked before that reads it."""
        roots = [root for root, snapshot in self.snapshots.items() if snapshot.reads(path) and root != path]
        if path.suffix.lower() != ".csv" and _declares_pack(self._text(path)):
            roots.insert(0, path)
        return roots

    def _text(self, path: Path) -> str:
        document = self.documents.get(path)
        if document is not None:
            return document.text
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""

    def forget(self, root: Path) -> None:
        self.snapshots.pop(root, None)

    # ------------------------------------------------------------ checking
    def check(self, root: Path) -> Snapshot:
        """Check the pack at `root` over the editor's text; the snapshot is kept and returned."""
        with self.lock:
            files = self.files
            files.read, files.texts, files.parsed, files.table_reads = {}, {}, 0, 0
            versions = {path: document.version for path, document in self.documents.items()}
            sources = Sources()
            compiled = compile_pack(root, sources, files=files)
            previous = self.snapshots.get(root)
            good = compiled.pack if compiled.pack is not None else (previous.good if previous else None)
            key = display_path(root)
            read = {name: Path(name).resolve() for name in sources.texts()}
            index = Index(dict(files.read), dict(files.texts))
            snapshot = Snapshot(root, key, versions, sources, list(compiled.diagnostics), compiled.plan, good, index,
                                read, files.parsed, files.table_reads, self.lines)
            self.snapshots[root] = snapshot
            return snapshot

    def fresh(self, root: Path) -> bool:
        """Whether the pack's latest check saw the current text of every open document it reads."""
        snapshot = self.snapshots.get(root)
        if snapshot is None:
            return False
        return all(snapshot.versions.get(path) == document.version for path, document in self.documents.items()
                   if snapshot.reads(path) or path == root)

    def loose(self, path: Path) -> list[Diagnostic]:
        """The syntax errors of an open document that no checked pack reads (a file of shared data
        nothing open imports)."""
        document = self.documents.get(path)
        if document is None:
            return []
        out = Collector()
        parse_module(display_path(path), document.text, out)
        return sorted(out.items, key=sort_key)

    def snapshot_for(self, path: Path) -> Snapshot | None:
        """The check that answers questions about a file: its own pack's, or that of a pack reading it."""
        found = self.snapshots.get(path)
        if found is not None:
            return found
        return next((s for s in self.snapshots.values() if s.reads(path)), None)

    def diagnostics_by_file(self, snapshots: Iterable[Snapshot]) -> dict[Path, list[tuple[Snapshot, Diagnostic]]]:
        """Each file's diagnostics (with the check that found them), from these checks."""
        found: dict[Path, list[tuple[Snapshot, Diagnostic]]] = {}
        for snapshot in snapshots:
            for diagnostic in snapshot.diagnostics:
                key = diagnostic.span.path if diagnostic.span is not None and diagnostic.span.path else snapshot.key
                path = snapshot.files.get(key) or Path(key).resolve()
                found.setdefault(path, []).append((snapshot, diagnostic))
        return found


def _declares_pack(text: str) -> bool:
    return any(line.startswith("pack ") or line == "pack" for line in text.splitlines())
