"""Optional dependencies: each claim format beyond JSON (and the native build) is an extra of the
package.

The base install stays lark, jinja2 and networkx. A command that needs an extra that is not
installed stops with one line naming the extra and the command that installs it (exit 2), never
an ImportError. The command is the one that fits how rulesc is installed: into the source checkout
it runs from (`pip install -e '.[x12]'`, with the checkout's path when it is not the working
folder), or as an installed package (`pip install 'rulesc[x12]'`).
"""

from __future__ import annotations

import importlib.util
import shlex
import tomllib
from pathlib import Path

# extra -> the modules it brings
EXTRAS: dict[str, tuple[str, ...]] = {
    "x12": ("pyx12",),
    "fhir": ("fhir.resources",),
    "parquet": ("pyarrow",),
    "dask": ("dask", "distributed"),
    "native": ("mypyc",),
}
ROOT = Path(__file__).resolve().parents[2]
"""The folder that holds the `compiler` package: a source checkout, or site-packages."""


class MissingExtra(Exception):
    """An optional dependency is not installed; the message says which extra brings it."""


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a dotted name whose parent package is missing
        return False


def checkout(root: Path = ROOT) -> Path | None:
    """The source checkout rulesc runs from (an editable install, or the code on the path), or
    None for an installed package."""
    try:
        with open(root / "pyproject.toml", "rb") as project:
            name = tomllib.load(project).get("project", {}).get("name")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return root if name == "rulesc" else None


def install_command(extra: str, root: Path = ROOT) -> str:
    """The command that installs `extra` where rulesc is: `pip install -e '.[x12]'` from the
    checkout's folder (its path from elsewhere), else `pip install 'rulesc[x12]'`."""
    source = checkout(root)
    if source is None:
        return f"pip install {shlex.quote(f'rulesc[{extra}]')}"
    where = "." if source == Path.cwd().resolve() else str(source)
    return f"pip install -e {shlex.quote(f'{where}[{extra}]')}"


def need(extra: str, what: str) -> None:
    """Raise MissingExtra, e.g. "X12 input needs the x12 extra: pip install 'rulesc[x12]'",
    unless every module of `extra` can be imported."""
    if not all(installed(module) for module in EXTRAS[extra]):
        raise MissingExtra(f"{what} needs the {extra} extra: {install_command(extra)}")
