"""The files `rulesc build` writes for a pack, and the pack's module imported without writing them.

`rulesc test` and `rulesc eval` run the generated code itself, not a stale copy in generated/:
`load_generated` writes the module (and its data file, `<name>.tables`, for a pack with tables read
from files) into a folder of this process and imports it with the one loader of generated modules
(`compiler.batch.engines`), so that it reads its tables beside its file as it does anywhere else.
"""

from __future__ import annotations

import types

from compiler.backends.python import python_outputs
from compiler.batch.engines import load_module, module_of, written
from compiler.diagnostics import Sources
from compiler.semantics import ir


def outputs(plan: ir.Plan, sources: Sources) -> dict[str, str | bytes]:
    """Every file `rulesc build` writes for one pack's module, by name relative to the output
    folder: the module's text, and the bytes of its data file when it has tables."""
    text = sources.text(plan.pack.path) or ""
    return python_outputs(plan, text)


def load_generated(plan: ir.Plan, sources: Sources) -> types.ModuleType:
    """The pack's module, generated now and imported (without writing generated/)."""
    return load_module(written(module_of(outputs(plan, sources), plan.pack.name)))
