"""The files `rulesc build` writes for a pack, and the pack's module imported without writing them.

`rulesc test` and `rulesc eval` run the generated code itself, not a stale copy in generated/:
`load_generated` compiles the module text in memory and imports it under a private name. A pack
with tables read from files has a second file, `NAME.tables` (its rows, packed); a module loaded
in memory is given those bytes instead of reading them beside its file.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Mapping

from compiler.backends.python import python_outputs
from compiler.diagnostics import Sources
from compiler.semantics import ir

#: the name under which a module loaded in memory finds the bytes of its `.tables` file
TABLES_DATA = "RULESC_TABLES_DATA"


def outputs(plan: ir.Plan, sources: Sources) -> dict[str, str | bytes]:
    """Every file `rulesc build` writes for one pack, by name relative to the output folder: the
    module's text, and the bytes of its tables when it has any."""
    text = sources.text(plan.pack.path) or ""
    return python_outputs(plan, text)


def module_source(files: Mapping[str, str | bytes], name: str) -> str:
    """The text of the module among a pack's files."""
    source = files[f"{name}.py"]
    assert isinstance(source, str)
    return source


def tables_data(files: Mapping[str, str | bytes], name: str) -> bytes | None:
    """The bytes of the module's `.tables` file among a pack's files; None for a pack without tables."""
    data = files.get(f"{name}.tables")
    assert data is None or isinstance(data, bytes)
    return data


def load_generated(plan: ir.Plan, sources: Sources) -> types.ModuleType:
    """Compile the pack's module in memory and import it (without writing generated/)."""
    files = outputs(plan, sources)
    return load_source(module_source(files, plan.pack.name), plan.pack.name, tables_data(files, plan.pack.name))


def load_source(source: str, name: str, tables: bytes | None = None) -> types.ModuleType:
    """Import a generated module's text, compiled in memory, under a private name; `tables` are the
    bytes of its `.tables` file, for a pack that has one."""
    spec = importlib.util.spec_from_loader(f"rulesc_generated_{name}", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    if tables is not None:
        module.__dict__[TABLES_DATA] = tables
    exec(compile(source, f"<generated {name}.py>", "exec"), module.__dict__)
    return module
