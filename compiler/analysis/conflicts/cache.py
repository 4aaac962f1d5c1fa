"""Reports cached by the pack's content digest, so `check` on an unchanged pack is instant.

The cache lives in `$RULESC_CACHE_DIR`, else `$XDG_CACHE_HOME/rulesc`, else `~/.cache/rulesc`,
outside the project tree, so no repository needs to ignore it. A cache that cannot be read or
written is skipped silently: it only ever saves time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from compiler.analysis.conflicts.report import Report


def cache_dir() -> Path:
    explicit = os.environ.get("RULESC_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rulesc"


def cache_key(digest: str, version: str, options: dict[str, Any]) -> str:
    text = json.dumps({"digest": digest, "analyzer": version, "options": options}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load(folder: Path, key: str) -> Report | None:
    try:
        data = json.loads((folder / "analysis" / f"{key}.json").read_text(encoding="utf-8"))
        return Report.from_cache(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(folder: Path, key: str, report: Report) -> None:
    target = folder / "analysis"
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target, suffix=".tmp", delete=False) as out:
            json.dump(report.to_cache(), out, sort_keys=True)
            temporary = out.name
        os.replace(temporary, target / f"{key}.json")
    except OSError:
        return
