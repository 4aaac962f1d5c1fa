"""Mutated copies of the CPCP026 pack and random sources: the checker never raises, every error it
reports has a location, and the exit code is 1 exactly when there are errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PACK, examples
from tests.helpers import run_cli

pytestmark = pytest.mark.slow  # the mutation runs compile hundreds of mutated packs

SOURCE = PACK.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _front_end_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests hold the front end to its promises on hundreds of mutants; each would cost the
    conflict analyzer seconds, so its solver is switched off here (RULESC_ANALYSIS=off: `check`
    then reports only what needs no solver). The analyzer has tests of its own (tests/analysis)."""
    monkeypatch.setenv("RULESC_ANALYSIS", "off")
LINES = SOURCE.splitlines(keepends=True)


def check(tmp_path: Path, text: str) -> None:
    path = tmp_path / "mutant.rules"
    path.write_text(text, encoding="utf-8")
    code, _, err = run_cli("check", "--format", "json", str(path))
    assert code in (0, 1)
    diagnostics = json.loads(err) if err.strip() else []
    errors = [d for d in diagnostics if d["severity"] == "error"]
    assert (code == 1) == bool(errors)
    for diagnostic in errors:
        location = diagnostic["location"]
        assert location is not None, diagnostic
        assert location["line"] >= 1 and location["column"] >= 1
        assert diagnostic["hints"], diagnostic


mutation = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, len(SOURCE)), st.just("")),
    st.tuples(st.just("insert"), st.integers(0, len(SOURCE)),
              st.sampled_from([*'"{}()[],.=<>@#\\\n-+*/:;x9 ', "rule", "when", "and", "deny", '"""'])),
    st.tuples(st.just("delete"), st.integers(0, len(SOURCE) - 1), st.just("")),
    st.tuples(st.just("swap"), st.integers(0, len(LINES) - 2), st.just("")),
)


def mutate(kind: str, position: int, text: str) -> str:
    if kind == "truncate":
        return SOURCE[:position]
    if kind == "insert":
        return SOURCE[:position] + text + SOURCE[position:]
    if kind == "delete":
        return SOURCE[:position] + SOURCE[position + 1:]
    lines = list(LINES)
    lines[position], lines[position + 1] = lines[position + 1], lines[position]
    return "".join(lines)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(mutation, min_size=1, max_size=3))
def test_mutated_pack_gets_located_diagnostics(tmp_path: Path, mutations: list[tuple[str, int, str]]) -> None:
    text = SOURCE
    for kind, position, insert in mutations:
        text = mutate(kind, min(position, len(text)), insert) if kind != "swap" else mutate(kind, position, insert)
    check(tmp_path, text)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([*'abcdrulewhnP0123456789 "{}()=.,\n#-:>\u00e9', "rule ", "codes ", "pack ",
                                 "when ", "line.", "any ", "target "]), max_size=80))
def test_random_sources_never_raise(tmp_path: Path, pieces: list[str]) -> None:
    check(tmp_path, "".join(pieces))


@pytest.mark.parametrize("kind", ["truncate", "insert", "delete", "swap"])
def test_a_broken_pack_exits_1(tmp_path: Path, kind: str) -> None:
    position = SOURCE.index("rule P23-injection-with-em") + 10
    text = {"truncate": SOURCE[:position], "insert": SOURCE[:position] + "@" + SOURCE[position:],
            "delete": SOURCE.replace("when any other line x where x.code in em_services",
                                     "when any other line x x.code"),
            "swap": SOURCE.replace("  target 96372\n  when line.supervision",
                                   "  when line.supervision\n  target 9637")}[kind]
    path = tmp_path / "broken.rules"
    path.write_text(text, encoding="utf-8")
    code, _, err = run_cli("check", str(path))
    assert code == 1 and "error[" in err
