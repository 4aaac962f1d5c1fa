"""`rulesc analyze`, and the analysis that `rulesc check` and `rulesc build` run."""

from __future__ import annotations

import json
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
    assert "error[overlap]:" in err and "witness W" in err and "findings:" in err


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


def test_eval_and_test_never_load_the_solver(tmp_path: Path) -> None:
    claim = tmp_path / "claim.json"
    claim.write_text(json.dumps({"id": "A", "type": "professional", "pos": "11",
                                 "lines": [{"code": "96372", "date": "2024-09-12"}]}), encoding="utf-8")
    script = ("import sys; from compiler.cli import main\n"
              f"assert main(['eval', {str(PACK)!r}, '--input', {str(claim)!r}]) == 0\n"
              f"main(['test', {str(PACKS / 'overlap.rules')!r}])\n"
              "assert 'z3' not in sys.modules, 'the solver was imported'\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
