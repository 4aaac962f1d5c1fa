"""Reading a pack: its file, the files it imports and the pack it extends, each parsed once.

Loading comes before name resolution (Catala's order: load the modules, then resolve names).
The resolver receives every declaration in force, each with where it came from, and never
touches the file system.

The file a pack names as its `previous` version is another pack, not part of this one: the
loader only checks that it can be opened (so `rulesc check` reports a wrong path) and passes its
path on; it is compiled on its own when the policy documents compare the two versions.

The files that tables read (`table ... file "ptp.csv"`) are read here too, once each, with the
sha256 of their bytes; the resolver reads their rows from the text.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from compiler.diagnostics import Collector, Sources, Span, did_you_mean
from compiler.syntax import ast
from compiler.syntax.parser import parse_module

# How a declaration reached the pack: written in the pack's own file; imported by a clause of
# that file that names it in `only`; imported otherwise (a whole file, or through another
# file's import); or inherited from the pack it extends.
Reach = Literal["own", "named", "imported", "inherited"]


@dataclass(frozen=True)
class Origin:
    """A declaration and where it came from; `via` is the import that names it in `only`."""

    decl: ast.Decl
    file: str
    reach: Reach = "own"
    via: Span | None = None

    @property
    def inherited(self) -> bool:
        return self.reach == "inherited"


@dataclass(frozen=True)
class TableText:
    """A file a table reads: its path as diagnostics name it, its text and the sha256 of its bytes.

    `memo` holds what was read from the text (its rows, by the columns they were read as), so that
    a reader that hands out the same TableText for an unchanged file (the language server's) never
    reads the rows again."""

    path: str
    text: str
    digest: str
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)


class Files:
    """Where the loader gets what it reads: the files on disk, each parsed whole. The language
    server gives its own: the text of the files open in the editor, the table files it has read
    before (while unchanged on disk) and the declarations it has parsed before."""

    def text(self, path: Path) -> str:
        """The text of a rules file; raises OSError, or UnicodeDecodeError when it is not UTF-8."""
        return path.read_text(encoding="utf-8")

    def table(self, path: Path, shown: str) -> TableText:
        """A table's file, named `shown` in diagnostics; raises OSError or UnicodeDecodeError."""
        data = path.read_bytes()
        return TableText(shown, data.decode("utf-8"), hashlib.sha256(data).hexdigest())

    def parse(self, key: str, text: str, out: Collector) -> ast.Module:
        return parse_module(key, text, out)


@dataclass(frozen=True)
class Loaded:
    """Everything read for one pack, in declaration order, imports and base pack in place."""

    path: str  # the pack's file, as diagnostics name it
    origins: tuple[Origin, ...]
    modules: Mapping[str, ast.Module]
    texts: Mapping[str, str]
    previous: str | None = None  # the file of the pack's previous version, as diagnostics name it
    # the files tables read, by (the file that declares the table, the path as written there);
    # a file that could not be read is missing (and reported)
    tables: Mapping[tuple[str, str], TableText] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        """Whether the pack's own file could be read."""
        return self.path in self.modules

    @property
    def unparsed(self) -> frozenset[str]:
        """The ids of declarations, in any file read, that did not parse."""
        return frozenset(u.name for m in self.modules.values() for u in m.unparsed if u.name)


def display_path(path: Path) -> str:
    """How diagnostics name a file: relative to the working folder where that is shorter."""
    absolute = path.resolve()
    try:
        relative = os.path.relpath(absolute)
    except ValueError:
        return str(absolute)
    return relative if not relative.startswith("..") else str(absolute)


def load_pack(path: str | Path, out: Collector, sources: Sources, files: Files | None = None) -> Loaded:
    """Read and parse the pack at `path` with everything it imports and extends (from `files`,
    by default the disk)."""
    loader = _Loader(out, sources, files or Files())
    origins = loader.flatten(Path(path), None, ())
    key = display_path(Path(path))
    return Loaded(key, tuple(origins), dict(loader.modules), dict(loader.texts), loader.previous(Path(path), key),
                  dict(loader.tables))


@dataclass
class _Loader:
    """Reads and parses files once each, following imports and `extends`."""

    out: Collector
    sources: Sources
    files: Files
    modules: dict[str, ast.Module] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    tables: dict[tuple[str, str], TableText] = field(default_factory=dict)

    def load(self, path: Path, via: Span | None) -> ast.Module | None:
        key = display_path(path)
        if key in self.modules:
            return self.modules[key]
        try:
            text = self.files.text(path)
        except UnicodeDecodeError:
            self.out.error("missing-import" if via else "unreadable-file", f"cannot read {key}: it is not UTF-8 "
                           "text", via, "save it as UTF-8")
            return None
        except OSError as exc:
            self.out.error("missing-import" if via else "unreadable-file", f"cannot read {key}: "
                           f"{exc.strerror or exc}", via,
                           "check the path; imports are relative to the file that names them" if via
                           else "check the path")
            return None
        self.sources.add(key, text)
        self.texts[key] = text
        module = self.files.parse(key, text, self.out)
        self.modules[key] = module
        for decl in module.decls:
            if isinstance(decl, ast.TableDecl):
                for table_file in decl.files:
                    self.table_file(path, key, table_file)
        return module

    def table_file(self, here: Path, key: str, table_file: ast.TableFile) -> None:
        """Read a file a table names (relative to the file that declares the table)."""
        target = (here.parent / table_file.path).resolve()
        shown = display_path(target)
        try:
            table = self.files.table(target, shown)
        except UnicodeDecodeError as error:
            self.out.error("missing-table", f"cannot read {shown}: it is not UTF-8 text (byte {error.start})",
                           table_file.span, "save the table as UTF-8 text")
            return
        except OSError as exc:
            self.out.error("missing-table", f"cannot read {shown}: {exc.strerror or exc}", table_file.span,
                           "check the path; a table's file is relative to the file that declares the table")
            return
        self.sources.add(shown, table.text)
        self.tables[(key, table_file.path)] = table

    def flatten(self, path: Path, via: Span | None, stack: tuple[str, ...]) -> list[Origin]:
        """Every declaration the file at `path` contributes, imports and base pack included."""
        key = display_path(path)
        if key in stack:
            chain = " -> ".join(Path(p).name for p in (*stack[stack.index(key):], key))
            self.out.error("import-cycle", f"import cycle: {chain}", via,
                           "move the shared declarations into a file that imports neither")
            return []
        module = self.load(path, via)
        if module is None:
            return []
        stack = (*stack, key)
        result: list[Origin] = []
        for decl in module.decls:
            if isinstance(decl, ast.ImportDecl):
                result.extend(self._import(path, decl, stack))
            elif isinstance(decl, ast.PackDecl):
                base = next((f for f in decl.fields if f.name == "extends"), None)
                if base is not None:
                    result.extend(self._extend(path, base, stack))
                result.append(Origin(decl, key))
            else:
                result.append(Origin(decl, key))
        return result

    def previous(self, path: Path, key: str) -> str | None:
        """The file the pack's header names as its previous version, once checked that it can be
        opened; None when it names none or the file is wrong (reported). Only the header of the
        pack itself counts: a base pack's header is not inherited."""
        module = self.modules.get(key)
        header = next((d for d in module.decls if isinstance(d, ast.PackDecl)), None) if module else None
        named = next((f for f in header.fields if f.name == "previous"), None) if header else None
        if named is None:
            return None
        target = (path.parent / named.value).resolve()
        shown = display_path(target)
        if target == path.resolve():
            self.out.error("bad-previous", f"`previous` names this pack's own file, {shown}", named.span,
                           "name the file of the version this one replaces, e.g. previous \"cpcp026-1.0.rules\"")
            return None
        try:
            with target.open("rb"):
                pass
        except OSError as exc:
            self.out.error("missing-previous", f"cannot read {shown}: {exc.strerror or exc}", named.span,
                           "check the path; `previous` is relative to the file that names it")
            return None
        return shown

    def _import(self, here: Path, decl: ast.ImportDecl, stack: tuple[str, ...]) -> list[Origin]:
        target = (here.parent / decl.path).resolve()
        found = [o for o in self.flatten(target, decl.span, stack) if isinstance(o.decl, ast.DATA_DECLS)]
        if decl.names is None:
            return [Origin(o.decl, o.file, "imported") for o in found]
        found = [Origin(o.decl, o.file, "named", decl.span) if o.reach == "own" else
                 Origin(o.decl, o.file, "imported") for o in found]
        by_name = {o.decl.name: o for o in found if isinstance(o.decl, ast.DATA_DECLS)}
        module = self.modules.get(display_path(target))
        unparsed = {u.name for u in module.unparsed} if module else set()
        chosen = []
        for name in decl.names:
            if name in by_name:
                chosen.append(by_name[name])
            elif name not in unparsed:  # a declaration with a syntax error is reported once, there
                self.out.error("missing-import", f"`{name}` is not declared in {decl.path}", decl.span,
                               *(did_you_mean(name, by_name) or ("import only names the file declares",)))
        return chosen

    def _extend(self, here: Path, base: ast.PackField, stack: tuple[str, ...]) -> list[Origin]:
        target = (here.parent / base.value).resolve()
        return [Origin(o.decl, o.file, "inherited") for o in self.flatten(target, base.span, stack)
                if not isinstance(o.decl, ast.PackDecl)]
