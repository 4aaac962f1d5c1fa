"""`rulesc analyze`, and the analysis that `rulesc check` and `rulesc build` run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from compiler.analysis import conflicts
from compiler.semantics import ir
from tests.conftest import PACK, ROOT
from tests.helpers import run_cli

PACKS = Path(__file__).parent / "packs"


def test_analyze_json_is_one_object_in_the_contracts_shape() -> None:
    code, out, _ = run_cli("analyze", str(PACKS / "overlap.rules"), "--format", "json")
    data = json.loads(out)
    assert code == 1 and list(data) == ["pack", "bound", "seconds", "summary", "errors", "conflicts"]
    assert data["summary"]["error"] >= 1 and data["errors"] == []
    overlap = next(c for c in data["conflicts"] if c["kind"] == "overlap")
    assert sorted(overlap["rules"]) == ["A-units", "B-many-units"] and overlap["witness"]["lines"]


def test_analyze_exits_0_on_a_clean_pack_and_prints_text() -> None:
    code, out, _ = run_cli("analyze", str(PACKS / "clean_resolved.rules"))
    assert code == 0 and "0 errors" in out


def test_analyze_json_of_a_pack_with_errors_holds_its_diagnostics(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text('pack bad\n  title "t"\n  version "1"\n  effective 2024-01-01\n  source "s"\n\n'
                   'rule R "r"\n  target nowhere\n  deny "x"\n', encoding="utf-8")
    code, out, _ = run_cli("analyze", str(bad), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["conflicts"] == [] and data["errors"][0]["code"] == "unknown-name"


def test_analyze_sarif_names_the_tool_and_each_kind() -> None:
    code, out, _ = run_cli("analyze", str(PACKS / "overlap.rules"), "--format", "sarif")
    sarif = json.loads(out)
    assert code == 1 and sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["tool"]["driver"]["name"] == "rulesc"
    assert any(r["ruleId"] == "overlap" for r in sarif["runs"][0]["results"])


def test_analyze_usage_errors_exit_2() -> None:
    assert run_cli("analyze", str(PACK), "--format", "xml")[0] == 2
    assert run_cli("analyze", str(PACK), "--max-lines", "0")[0] == 2
    assert run_cli("analyze", "missing.rules")[0] == 2


def test_check_prints_unresolved_entries_as_diagnostics_with_the_witness() -> None:
    code, _, err = run_cli("check", "--color", "never", str(PACKS / "overlap.rules"))
    assert code == 1
    assert "error[overlap]:" in err and "witness W" in err and "findings (* the entry's rules):" in err


def test_build_refuses_a_pack_with_an_unresolved_conflict(tmp_path: Path) -> None:
    code, _, err = run_cli("build", "--out", str(tmp_path), str(PACKS / "overlap.rules"))
    assert code == 1 and "unresolved conflicts" in err and not (tmp_path / "overlap.py").exists()


def test_build_refuses_unknown_answers_unless_allowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = conflicts.analyze_conflicts

    def starved(pack: ir.Pack, **options: Any) -> conflicts.Report:
        return real(pack, **{**options, "rlimit": 1, "use_cache": False})

    monkeypatch.setattr(conflicts, "analyze_conflicts", starved)
    code, _, err = run_cli("build", "--out", str(tmp_path), str(PACKS / "unknown.rules"))
    assert code == 1 and "--allow-unknown" in err
    code, _, _ = run_cli("build", "--out", str(tmp_path), "--allow-unknown", str(PACKS / "unknown.rules"))
    assert code == 0 and (tmp_path / "unknown.py").exists()


def _claim(tmp_path: Path) -> Path:
    claim = tmp_path / "claim.json"
    claim.write_text(json.dumps({"id": "A", "type": "professional", "pos": "11",
                                 "lines": [{"code": "96372", "date": "2024-09-12", "units": 3}]}), encoding="utf-8")
    return claim


@pytest.fixture
def module_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RULESC_CACHE", str(tmp_path / "modules"))


@pytest.mark.usefixtures("module_cache")
def test_eval_and_test_refuse_a_pack_whose_cached_report_has_an_unresolved_error(tmp_path: Path) -> None:
    """ANALYSIS.md: `eval` and `test` read the cached report of the same content; an unresolved
    error refuses the pack (exit 1, nothing evaluated) unless `--allow-conflicts`."""
    pack, claim = str(PACKS / "overlap.rules"), str(_claim(tmp_path))
    assert run_cli("analyze", pack)[0] == 1
    for attempt in range(2):  # compiled now, then from the module cache
        code, out, err = run_cli("eval", pack, "--input", claim)
        assert (code, out) == (1, ""), (attempt, err)
        assert "overlap has unresolved conflicts (see `rulesc analyze`); `--allow-conflicts` runs it anyway" in err
    code, out, err = run_cli("eval", pack, "--input", claim, "--allow-conflicts")
    assert code == 0 and json.loads(out)["findings"] and "unresolved" not in err
    code, out, err = run_cli("test", pack)
    assert code == 1 and "rulesc test: overlap has unresolved conflicts" in err and "passed" not in out
    assert run_cli("test", pack, "--allow-conflicts")[0] == 0


@pytest.mark.usefixtures("module_cache")
def test_eval_says_once_that_a_pack_was_not_analyzed_and_goes_on(tmp_path: Path) -> None:
    pack, claim = str(PACKS / "overlap.rules"), _claim(tmp_path)
    claim.write_text(claim.read_text(encoding="utf-8") + "\n" + claim.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run_cli("eval", pack, "--input", str(claim))
    assert code == 0 and len(out.splitlines()) == 2
    assert err.count("overlap has not been analyzed") == 1 and "`rulesc check` or `rulesc analyze`" in err
    code, _, err = run_cli("test", pack)
    assert code == 0 and err.count("has not been analyzed") == 1


@pytest.mark.usefixtures("module_cache")
def test_a_clean_analyzed_pack_runs_without_a_word(tmp_path: Path) -> None:
    pack = str(PACKS / "clean_resolved.rules")
    assert run_cli("analyze", pack)[0] == 0
    code, _, err = run_cli("eval", pack, "--input", str(_claim(tmp_path)))
    assert code == 0 and "analyzed" not in err and "conflicts" not in err


@pytest.mark.usefixtures("module_cache")
def test_analysis_off_skips_the_check_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = str(PACKS / "overlap.rules")
    assert run_cli("analyze", pack)[0] == 1
    monkeypatch.setenv("RULESC_ANALYSIS", "off")
    code, _, err = run_cli("eval", pack, "--input", str(_claim(tmp_path)))
    assert code == 0 and err.count("warning: RULESC_ANALYSIS=off") == 1
    code, _, err = run_cli("analyze", pack)
    assert "warning: RULESC_ANALYSIS=off" in err


def test_build_refuses_a_pack_whose_examples_fail(tmp_path: Path) -> None:
    """The documents show the pack's examples: `build` writes none that `rulesc test` fails."""
    text = (PACKS / "clean_resolved.rules").read_text(encoding="utf-8")
    bad = tmp_path / "clean_resolved.rules"
    bad.write_text(text + '\nexample "a wrong expectation"\n  claim {"id": "X", "type": "professional", '
                   '"pos": "11", "lines": [{"code": "96373", "date": "2024-09-12", "units": 3}]}\n'
                   "  expect nothing\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli("build", "--out", str(out), str(bad))
    assert code == 1 and not (out / "clean_resolved.py").exists()
    assert "clean_resolved: one of its examples fails (as `rulesc test` runs them):" in err
    assert "FAIL a wrong expectation" in err and "extra" in err


def test_eval_test_and_documents_from_a_cached_report_never_load_the_solver(tmp_path: Path) -> None:
    """`eval` and `test` read the cached verdict, and `build` writes the documents from the cached
    report, all without importing z3 (each in a fresh process, after one that analyzed the pack)."""
    cache = {"RULESC_CACHE_DIR": str(tmp_path / "cache"), "RULESC_CACHE": str(tmp_path / "modules")}
    env = {**os.environ, **cache, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "compiler", "analyze", str(PACK)], cwd=ROOT, env=env,
                   capture_output=True, check=True)
    claim = _claim(tmp_path)
    script = ("import sys; from compiler.cli import main\n"
              f"assert main(['eval', {str(PACK)!r}, '--input', {str(claim)!r}]) == 0\n"
              f"assert main(['test', {str(PACK)!r}]) == 0\n"
              f"assert main(['build', '--out', {str(tmp_path / 'out')!r}, {str(PACK)!r}]) == 0\n"
              "assert 'z3' not in sys.modules, 'the solver was imported'\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "not been analyzed" not in done.stderr and (tmp_path / "out" / "cpcp026.html").is_file()
