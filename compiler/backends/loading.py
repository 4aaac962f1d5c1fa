"""The files `rulesc build` writes for a pack, and the pack's module imported without writing them.

`rulesc test` and `rulesc eval` run the generated code itself, not a stale copy in generated/:
`load_generated` compiles the module text in memory and imports it under a private name.
"""

from __future__ import annotations

import importlib.util
import sys
import types

from compiler.backends.python import generate_python
from compiler.diagnostics import Sources
from compiler.semantics import ir


def outputs(plan: ir.Plan, sources: Sources) -> dict[str, str]:
    """Every file `rulesc build` writes for one pack, by name relative to the output folder."""
    text = sources.text(plan.pack.path) or ""
    return {f"{plan.pack.name}.py": generate_python(plan, text)}


def load_generated(plan: ir.Plan, sources: Sources) -> types.ModuleType:
    """Compile the pack's module in memory and import it (without writing generated/)."""
    return load_source(outputs(plan, sources)[f"{plan.pack.name}.py"], plan.pack.name)


def load_source(source: str, name: str) -> types.ModuleType:
    """Import a generated module's text, compiled in memory, under a private name."""
    spec = importlib.util.spec_from_loader(f"rulesc_generated_{name}", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    exec(compile(source, f"<generated {name}.py>", "exec"), module.__dict__)
    return module
