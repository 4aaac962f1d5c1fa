"""Optional dependencies: each claim format beyond JSON is an extra of the package.

The base install stays lark, jinja2 and networkx. A command that needs an extra that is not
installed stops with one line naming the extra to install (exit 2), never an ImportError.
"""

from __future__ import annotations

import importlib.util

# extra -> the modules it brings
EXTRAS: dict[str, tuple[str, ...]] = {
    "x12": ("pyx12",),
    "fhir": ("fhir.resources",),
    "parquet": ("pyarrow",),
    "dask": ("dask", "distributed"),
}


class MissingExtra(Exception):
    """An optional dependency is not installed; the message says which extra brings it."""


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a dotted name whose parent package is missing
        return False


def need(extra: str, what: str) -> None:
    """Raise MissingExtra, e.g. "X12 input needs the x12 extra: pip install 'rulesc[x12]'",
    unless every module of `extra` can be imported."""
    if not all(installed(module) for module in EXTRAS[extra]):
        raise MissingExtra(f"{what} needs the {extra} extra: pip install 'rulesc[{extra}]'")
