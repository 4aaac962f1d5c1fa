"""Shared paths and helpers for the tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PACK = ROOT / "policies" / "cpcp026.rules"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands print paths relative to the working folder; tests run from the project root."""
    monkeypatch.chdir(ROOT)
