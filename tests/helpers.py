"""Helpers for the tests: compile packs and run the command line in-process."""

from __future__ import annotations

import contextlib
import functools
import io
import types
from pathlib import Path

from compiler.backends.loading import load_generated, outputs
from compiler.backends.native import cached_native
from compiler.batch.engines import load_module
from compiler.cli import main
from compiler.diagnostics import Sources
from compiler.interpreter.evaluate import Interpreter
from compiler.pipeline import compile_pack
from compiler.semantics import ir


def compile_plan(path: str | Path) -> tuple[ir.Plan, Sources]:
    sources = Sources()
    result = compile_pack(path, sources)
    assert result.plan is not None, [d.message for d in result.diagnostics]
    return result.plan, sources


def compile_ok(path: str | Path) -> tuple[ir.Pack, Sources]:
    plan, sources = compile_plan(path)
    return plan.pack, sources


def engines(path: str | Path) -> tuple[ir.Pack, Interpreter, types.ModuleType]:
    """A pack, its interpreter and its generated module: compiled once per test session, when a
    test first asks (never when a test module is imported)."""
    return _engines(str(Path(path).resolve()))


@functools.cache
def _engines(path: str) -> tuple[ir.Pack, Interpreter, types.ModuleType]:
    plan, sources = compile_plan(path)
    return plan.pack, Interpreter(plan), load_generated(plan, sources)


def run_cli(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        if stdin is not None:
            import sys

            saved = sys.stdin
            sys.stdin = io.StringIO(stdin)
            try:
                code = main(list(argv))
            finally:
                sys.stdin = saved
        else:
            code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def native_module(path: str | Path, cache: Path) -> types.ModuleType:
    """The native build of a pack's module (compiled once into `cache`), imported."""
    plan, sources = compile_plan(path)
    return load_module(cached_native(outputs(plan, sources), plan.pack.name, cache))
