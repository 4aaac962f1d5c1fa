"""Where the compiler keeps what it can compute again (the analyzer's answers, the parser's tables,
parsed files): `$RULESC_CACHE_DIR`, else `$XDG_CACHE_HOME/rulesc`, else `~/.cache/rulesc`."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The cache folder; raises RuntimeError when neither variable is set and no home folder is known."""
    explicit = os.environ.get("RULESC_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rulesc"
