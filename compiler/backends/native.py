"""Native builds: a generated module compiled by mypyc into a C extension module.

The generated module is plain typed Python; mypyc (it ships with mypy) turns it into one
self-contained extension (`cpcp026.cpython-311-x86_64-linux-gnu.so`) that imports as the pure
module does and returns the same findings, faster. It needs a C compiler. The pure file stays the
standard-library-only artifact; a native build is a derived one, written outside `generated/`
(`rulesc build --native`, default `build/native/`) or kept in a cache keyed by the module's text,
so `rulesc eval --native` compiles a pack once per version of its generated code. A module's data
file (`<name>.tables`) is copied beside its extension, where the extension reads it.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from compiler.inputs.extras import MissingExtra, need

CACHE_ENV = "RULESC_CACHE"
"""Where `rulesc eval --native` keeps its builds; default $XDG_CACHE_HOME/rulesc or ~/.cache/rulesc."""


class NativeBuildError(Exception):
    """mypyc or the C compiler failed; the message ends with the tail of their output."""


def extension_suffix() -> str:
    """The file name ending of an extension module for this Python (e.g. `.cpython-311-x86_64-linux-gnu.so`)."""
    return importlib.machinery.EXTENSION_SUFFIXES[0]


def compile_native(files: Mapping[str, str | bytes], name: str, out_dir: Path) -> Path:
    """Compile a generated module (`files`: `<name>.py` and any data file beside it, by name: text,
    or the bytes of a data file) with mypyc; the extension's path in `out_dir`, where the data file
    is copied beside it.

    The build runs in a temporary folder (mypyc writes its C files and a build/ folder beside the
    source), and only the finished extension is copied out, under a temporary name first so that
    a reader never sees half a file."""
    try:
        need("native", "a native build")
    except MissingExtra as error:
        raise NativeBuildError(f"{error} (and a C compiler)") from None
    with tempfile.TemporaryDirectory(prefix="rulesc-native-") as tmp:
        folder = Path(tmp)
        for file, content in files.items():
            (folder / file).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
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
        for file in sorted(files):
            if file != f"{name}.py":
                _place(folder / file, out_dir / file)
        return _place(built, out_dir / built.name)


def _place(source: Path, target: Path) -> Path:
    """Copy a file in under a temporary name, then rename it: a reader never sees half a file."""
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)
    return target


def native_files(files: Mapping[str, str | bytes], name: str, root: Path | None = None) -> dict[str, Path]:
    """The files of a module's native build, by name: the extension and the data file beside it."""
    built = cached_native(files, name, root)
    return {path.name: path for path in [built] + [built.parent / f for f in sorted(files) if f != f"{name}.py"]}


def cache_root() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rulesc"


def cache_key(files: Mapping[str, str | bytes]) -> str:
    """What a native build depends on: the module's text (it carries the pack's digest) and its
    data file's, this Python's extension ABI and the version of mypyc."""
    try:
        mypy_version = importlib.metadata.version("mypy")
    except importlib.metadata.PackageNotFoundError:
        mypy_version = "none"
    digest = hashlib.sha256()
    for name in sorted(files):
        content = files[name]
        data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
        digest.update(name.encode("utf-8", "surrogatepass") + b"\0" + hashlib.sha256(data).digest())
    text = "\0".join((digest.hexdigest(), extension_suffix(), sys.version, mypy_version))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def cached_native(files: Mapping[str, str | bytes], name: str, root: Path | None = None) -> Path:
    """The native build of a generated module (`files`, see `compile_native`) from the cache,
    compiled first when it is not there; its data file, if any, lies beside it."""
    folder = (root or cache_root()) / "native" / name / cache_key(files)
    path = folder / f"{name}{extension_suffix()}"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)  # a cache that cannot be written fails before the compiler runs
    return compile_native(files, name, folder)
