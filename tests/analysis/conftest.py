"""The analyzer's tests write their cache into a temporary folder, never the user's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RULESC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RULESC_ANALYSIS", raising=False)
