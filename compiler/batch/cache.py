"""Generated modules kept between runs, so that `rulesc eval` on a pack it has seen starts at once.

A module is stored under a key made of the rules file named on the command line (its path as
given and its text) and of the compiler itself (the text of every file of the `compiler`
package: a changed compiler makes new keys). The entry also lists every other file the pack read
(imports, a base pack) with the digest of its text; an entry whose files changed is not used. Only
packs that compiled without a single diagnostic are stored, so that a run served from here has
nothing to show that a full compile would have shown.

Entries live in `$RULESC_CACHE/modules` (else `$XDG_CACHE_HOME/rulesc/modules`, `~/.cache/...`),
each written whole under a temporary name and renamed, so that a reader never sees half of one.
The module's bytecode is stored beside it (`__pycache__`), so that loading it compiles nothing.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import py_compile
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

_COMPILER = Path(__file__).resolve().parents[1]


def cache_root() -> Path:
    configured = os.environ.get("RULESC_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rulesc"


@functools.cache
def compiler_digest() -> str:
    """The digest of the compiler's own files (sources and templates)."""
    digest = hashlib.sha256()
    for path in sorted(_COMPILER.rglob("*")):
        if path.suffix in (".py", ".j2", ".lark") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_COMPILER).as_posix().encode("utf-8") + b"\0" + path.read_bytes())
    grammar = _COMPILER.parent / "grammar"
    for path in sorted(grammar.glob("*.lark")) if grammar.is_dir() else ():
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _key(path: str, options: str) -> str | None:
    try:
        text = Path(path).read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256(b"\0".join([path.encode("utf-8", "surrogatepass"), text, options.encode("utf-8"),
                                        compiler_digest().encode("ascii")]))
    return digest.hexdigest()[:32]


def lookup(path: str, options: str = "") -> Path | None:
    """The stored module of the pack whose rules file is `path` (as named on the command line),
    or None when there is none, or the files it read have changed since."""
    key = _key(path, options)
    if key is None:
        return None
    folder = cache_root() / "modules" / key
    try:
        entry = json.loads((folder / "entry.json").read_text(encoding="utf-8"))
        for name, digest in entry["files"].items():
            if _text_digest(Path(name).read_text(encoding="utf-8")) != digest:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    module = folder / str(entry["module"])
    return module if module.is_file() else None


def pack_digest(module: Path) -> str | None:
    """The content digest of the pack whose module `lookup` returned (what the conflict report of
    the same content is cached by), or None when the entry does not record it."""
    try:
        digest = json.loads((module.parent / "entry.json").read_text(encoding="utf-8")).get("digest")
    except (OSError, ValueError, AttributeError):
        return None
    return digest if isinstance(digest, str) else None


def store(path: str, read: Mapping[str, str], files: Mapping[str, str | bytes], options: str = "",
          digest: str | None = None) -> Path | None:
    """Keep a pack's module (`files`: the module's text first, then its data file's bytes, by
    name), with the texts of the files the pack read (`read`, by path: its tables' files too) and
    the pack's content digest; the module's stored path, or None when the cache cannot be written
    (the run goes on without it)."""
    key = _key(path, options)
    if key is None:
        return None
    target = cache_root() / "modules" / key
    module_name = next(iter(files))
    entry = {"module": module_name, "files": {name: _text_digest(text) for name, text in read.items()},
             "digest": digest}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=target.parent))
        for name, content in files.items():
            (partial / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        source = partial / module_name  # its bytecode beside it, whatever PYTHONDONTWRITEBYTECODE says
        if source.suffix == ".py":
            py_compile.compile(str(source), cfile=importlib.util.cache_from_source(str(source)),
                               dfile=str(target / module_name), doraise=True)
        (partial / "entry.json").write_text(json.dumps(entry, sort_keys=True), encoding="utf-8")
        try:
            os.replace(partial, target)
        except OSError:  # another run stored it first
            shutil.rmtree(partial, ignore_errors=True)
    except (OSError, py_compile.PyCompileError):
        return None
    module = target / module_name
    return module if module.is_file() else None
