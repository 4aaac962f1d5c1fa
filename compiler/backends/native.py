"""Native builds: a generated module compiled by mypyc into a C extension module.

The generated module is plain typed Python; mypyc (it ships with mypy) turns it into one
self-contained extension (`cpcp026.cpython-311-x86_64-linux-gnu.so`) that imports as the pure
module does and returns the same findings, faster. It needs a C compiler. The pure file stays the
standard-library-only artifact; a native build is a derived one, written outside `generated/`
(`rulesc build --native`, default `build/native/`) or kept in a cache keyed by the module's text,
so `rulesc eval --native` compiles a pack once per version of its generated code.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path

CACHE_ENV = "RULESC_CACHE"
"""Where `rulesc eval --native` keeps its builds; default $XDG_CACHE_HOME/rulesc or ~/.cache/rulesc."""


class NativeBuildError(Exception):
    """mypyc or the C compiler failed; the message ends with the tail of their output."""


def extension_suffix() -> str:
    """The file name ending of an extension module for this Python (e.g. `.cpython-311-x86_64-linux-gnu.so`)."""
    return importlib.machinery.EXTENSION_SUFFIXES[0]


def compile_native(source: str, name: str, out_dir: Path) -> Path:
    """Compile a generated module's source with mypyc; the extension's path in `out_dir`.

    The build runs in a temporary folder (mypyc writes its C files and a build/ folder beside the
    source), and only the finished extension is copied out, under a temporary name first so that
    a reader never sees half a file."""
    with tempfile.TemporaryDirectory(prefix="rulesc-native-") as tmp:
        folder = Path(tmp)
        (folder / f"{name}.py").write_text(source, encoding="utf-8")
        try:
            done = subprocess.run([sys.executable, "-m", "mypyc", f"{name}.py"], cwd=folder, capture_output=True,
                                  text=True, check=False)
        except OSError as error:
            raise NativeBuildError(f"cannot run mypyc: {error}") from None
        built = folder / f"{name}{extension_suffix()}"
        if done.returncode != 0 or not built.exists():
            output = (done.stdout + done.stderr).strip().splitlines()
            tail = "\n".join(output[-15:])
            raise NativeBuildError(f"mypyc could not compile {name}.py (it needs mypy and a C compiler, "
                                   f"e.g. gcc, and the Python headers):\n{tail}")
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / built.name
        partial = out_dir / f".{built.name}.partial"
        shutil.copyfile(built, partial)
        os.replace(partial, target)
        return target


def cache_root() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rulesc"


def cache_key(source: str) -> str:
    """What a native build depends on: the module's text (it carries the pack's digest), this
    Python's extension ABI and the version of mypyc."""
    try:
        mypy_version = importlib.metadata.version("mypy")
    except importlib.metadata.PackageNotFoundError:
        mypy_version = "none"
    text = "\0".join((source, extension_suffix(), sys.version, mypy_version))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def cached_native(source: str, name: str, root: Path | None = None, tables: bytes | None = None) -> Path:
    """The native build of a generated module from the cache, compiled first when it is not there;
    `tables` (the module's `.tables` file, whose digest its text records) is kept beside it."""
    folder = (root or cache_root()) / "native" / name / cache_key(source)
    path = folder / f"{name}{extension_suffix()}"
    folder.mkdir(parents=True, exist_ok=True)  # a cache that cannot be written fails before the compiler runs
    if tables is not None and not (folder / f"{name}.tables").exists():
        partial = folder / f".{name}.tables.partial"
        partial.write_bytes(tables)
        os.replace(partial, folder / f"{name}.tables")
    if path.exists():
        return path
    return compile_native(source, name, folder)


def load_extension(path: Path, name: str) -> types.ModuleType:
    """Import a native build from its file. Its name is fixed by the build (the pack's name). Its
    folder is on sys.path while it is imported: a module with tables finds its `.tables` file there."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:  # an extension module runs its body when it is created
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    return module
