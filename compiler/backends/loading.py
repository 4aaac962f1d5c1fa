"""The files `rulesc build` writes for a pack, and the pack's module imported without writing them.

`rulesc test` and `rulesc eval` run the generated code itself, not a stale copy in generated/:
`load_generated` writes the module (and its data file, if it has one) into a folder of this
process and imports it with the one loader of generated modules (`compiler.batch.engines`).
"""

from __future__ import annotations

import types

from compiler.backends.python import generate_python
from compiler.batch.engines import load_module, module_of, written
from compiler.diagnostics import Sources
from compiler.semantics import ir


def outputs(plan: ir.Plan, sources: Sources) -> dict[str, str]:
    """Every file `rulesc build` writes for one pack, by name relative to the output folder."""
    text = sources.text(plan.pack.path) or ""
    return {f"{plan.pack.name}.py": generate_python(plan, text)}


def load_generated(plan: ir.Plan, sources: Sources) -> types.ModuleType:
    """The pack's module, generated now and imported (without writing generated/)."""
    return load_module(written(module_of(outputs(plan, sources), plan.pack.name)))
