"""Engines: what evaluates one claim, where worker processes get theirs, and the one loader of
generated modules.

An `Engine` has `evaluate(claim)` (the findings) and `rejected` (the errors it rejects a claim
with). An `EngineSource` is how any process gets the same engine: a small picklable value whose
`open()` builds it, so that worker processes, Dask tasks and Spark executors are handed the
source, never the engine. Sources here: a generated module's file (`ModuleFile`, found by its
path) and a generated module's files carried along (`ModuleFiles`, for processes on other
machines); the pair of two packs is `compiler.batch.pairs.PairSource`, the interpreter
`compiler.interpreter.engine.InterpreterSource`.

A generated module `<name>.py` (or its native build `<name>.cpython-...so`) may have a data file
beside it, `<name>.tables`, which it reads when it is imported, from the folder its `__file__`
names. A native build (mypyc) runs its module body while `__file__` is only the bare file name;
it then reads the data file from the entry of `sys.path` that holds that file, which is where an
ordinary `import` found it (an installed wheel, `generated/` on the path). `load_module` imports a
native build by its path, so it puts the build's folder first on `sys.path` while it does. Wherever
a module goes, its data file goes with it: `module_files` lists both.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import tempfile
import threading
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

DATA_SUFFIX = ".tables"
"""The ending of a generated module's data file: `<name>.tables` beside `<name>.py`."""


class Engine(Protocol):
    """Evaluates one claim: its findings (objects with `to_dict()`), or one of `rejected`."""

    @property
    def rejected(self) -> tuple[type[Exception], ...]: ...

    def evaluate(self, claim: object) -> Sequence[Any]: ...


class EngineSource(Protocol):
    """A picklable description of an engine; `open()` builds it in the process that runs it."""

    def open(self) -> Engine: ...


@dataclass(frozen=True)
class Bound:
    """An engine made of a function and the errors it rejects claims with."""

    evaluate: Callable[[object], Sequence[Any]]
    rejected: tuple[type[Exception], ...]


def module_engine(module: types.ModuleType, unknown_fields: str = "error") -> Bound:
    """A generated module as an engine: its `evaluate`, told what to do with unknown fields (the
    function itself for the default, which saves a call per claim)."""
    evaluate = module.evaluate if unknown_fields == "error" else \
        functools.partial(module.evaluate, unknown_fields=unknown_fields)
    return Bound(evaluate, (module.ClaimError,))


def module_name(path: str | os.PathLike[str]) -> str:
    """The module's name from its file: `cpcp026` for `cpcp026.py` and for its native build."""
    return Path(path).name.split(".", 1)[0]


def data_file(path: str | os.PathLike[str]) -> Path:
    """Where a module's data file is (whether or not it has one): beside it, `<name>.tables`."""
    file = Path(path)
    return file.with_name(module_name(file) + DATA_SUFFIX)


def module_of(files: Mapping[str, str | bytes], name: str) -> dict[str, str | bytes]:
    """Among the files a build writes (the module, its data file, documents...), the module
    `<name>.py` and its data file (bytes), if any: what is loaded, compiled and shipped."""
    wanted = (f"{name}.py", f"{name}{DATA_SUFFIX}")
    return {file: files[file] for file in wanted if file in files}


def module_files(path: str | os.PathLike[str]) -> list[Path]:
    """A module's file and, when it has one, its data file: what goes wherever the module goes."""
    data = data_file(path)
    return [Path(path), *([data] if data.is_file() else [])]


_LOADED: dict[tuple[str, int, int], types.ModuleType] = {}
_LOCK = threading.Lock()


def load_module(path: str | os.PathLike[str]) -> types.ModuleType:
    """A generated module from its file, once per process (again when the file or its data file
    changes). The pure file is imported under a private name, so that two packs' modules (or two
    versions of one) live side by side; a native build under its own, which the build fixed."""
    file = Path(path).resolve()
    data = data_file(file)
    stamp = data.stat().st_mtime_ns if data.is_file() else 0
    key = (str(file), file.stat().st_mtime_ns, stamp)
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = _import(file)
        return _LOADED[key]


def _import(file: Path) -> types.ModuleType:
    name = module_name(file)
    if file.suffix == ".py":
        digest = hashlib.sha256(str(file).encode("utf-8", "surrogatepass")).hexdigest()[:12]
        spec = importlib.util.spec_from_file_location(f"rulesc_generated_{name}_{digest}", file)
        if spec is None or spec.loader is None:
            raise ImportError(f"{file}: not a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
        spec.loader.exec_module(module)
        return module
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"{file}: not a Python extension")
    folder = str(file.parent)
    sys.path.insert(0, folder)  # the build reads its data file from the entry that holds it (see above)
    try:  # an extension module runs its body when it is created
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    return module


def is_extension(path: str | os.PathLike[str]) -> bool:
    return any(str(path).endswith(suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES)


@dataclass(frozen=True)
class ModuleFile:
    """A generated module (pure or native) by its path, for processes that see the same files."""

    path: str
    unknown_fields: str = "error"

    def open(self) -> Bound:
        return module_engine(load_module(self.path), self.unknown_fields)


@dataclass(frozen=True)
class ModuleFiles:
    """A generated module's files themselves (the module and its data file, by name), for
    processes that may not see them: a Dask worker or a Spark executor on another machine. The
    first `open()` in a process writes them into a folder of that process's own."""

    files: tuple[tuple[str, bytes], ...]
    unknown_fields: str = "error"

    @classmethod
    def read(cls, path: str | os.PathLike[str], unknown_fields: str = "error") -> ModuleFiles:
        return cls(tuple((file.name, file.read_bytes()) for file in module_files(path)), unknown_fields)

    @property
    def module(self) -> str:
        """The module's file name (the first file)."""
        return self.files[0][0]

    def open(self) -> Bound:
        return module_engine(load_module(written(dict(self.files))), self.unknown_fields)


_WRITTEN: dict[str, Path] = {}


def written(files: Mapping[str, bytes | str]) -> Path:
    """Write a module's files (the module first) into a folder of this process, once for the
    same contents; the module's path. The folders go when the process ends."""
    digest = hashlib.sha256()
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    key = digest.hexdigest()
    with _LOCK:
        if key not in _WRITTEN:
            folder = Path(tempfile.mkdtemp(prefix="rulesc-module-"))
            atexit.register(shutil.rmtree, folder, True)
            for name, content in files.items():
                data = content.encode("utf-8") if isinstance(content, str) else content
                (folder / name).write_bytes(data)
            _WRITTEN[key] = folder / next(iter(files))
        return _WRITTEN[key]
