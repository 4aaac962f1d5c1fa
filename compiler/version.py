"""The version of rulesc, for `rulesc --version` and the reports that name their tool."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

SOURCE_TREE = Path(__file__).resolve().parents[1]


def version(source_tree: Path = SOURCE_TREE) -> str:
    """The installed package's version; from pyproject.toml when running from a source tree that
    is not installed."""
    try:
        return importlib.metadata.version("rulesc")
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        project = tomllib.loads((source_tree / "pyproject.toml").read_text("utf-8"))
        return f"{project['project']['version']} (not installed)"
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError):
        return "unknown"
