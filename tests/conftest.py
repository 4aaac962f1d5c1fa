"""Shared paths and helpers for the tests."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from compiler import cli

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PACK = ROOT / "policies" / "cpcp026.rules"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Property tests: `dev` (the default) runs a fifth of each test's examples, `ci` all of them;
# .ci/run sets RULESC_HYPOTHESIS=ci. Each test states its full count with `examples(N)`.
PROFILE = os.environ.get("RULESC_HYPOTHESIS", "dev")
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, print_blob=True)
settings.load_profile(PROFILE)


def examples(count: int) -> int:
    """How many examples a property test runs under the profile: `count` in CI, a fifth of it (at
    least 20) elsewhere."""
    return count if PROFILE == "ci" else max(20, count // 5)


@pytest.fixture(scope="session", autouse=True)
def _session_analysis_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The conflict analyzer caches reports by content, `rulesc eval` generated modules: the tests
    share caches of their own, never the user's, so that a pack analyzed once (CPCP026) is not
    analyzed again by every command."""
    saved = os.environ.get("RULESC_CACHE_DIR"), os.environ.get("RULESC_CACHE")
    os.environ["RULESC_CACHE_DIR"] = str(tmp_path_factory.mktemp("analysis-cache"))
    if saved[1] is None:  # generated modules and native builds: the session's own, unless CI shares one
        os.environ["RULESC_CACHE"] = str(tmp_path_factory.mktemp("rulesc-cache"))
    yield
    for name, value in zip(("RULESC_CACHE_DIR", "RULESC_CACHE"), saved, strict=True):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def analyzed(_session_analysis_cache: None) -> None:
    """CPCP026 analyzed once into the session's cache, as `rulesc check` leaves it on a user's
    machine: `eval` and `test` then read its verdict instead of saying it was never analyzed."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert cli.main(["analyze", str(PACK), "--format", "json"]) == 0


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands print paths relative to the working folder; tests run from the project root."""
    monkeypatch.chdir(ROOT)


def native_unavailable() -> str | None:
    """Why native builds cannot be made here, or None when they can (mypyc and a C compiler)."""
    if importlib.util.find_spec("mypyc") is None:
        return "mypyc (part of mypy) is not installed"
    if not any(shutil.which(cc) for cc in ("cc", "gcc", "clang")):
        return "no C compiler (cc, gcc or clang) to build native modules"
    return None


@pytest.fixture(scope="session")
def native_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests' native builds are kept: RULESC_CACHE when set (CI sets it, so that each
    pack is compiled once per run), else a folder of this session."""
    configured = os.environ.get("RULESC_CACHE")
    return Path(configured) if configured else tmp_path_factory.mktemp("rulesc-cache")
