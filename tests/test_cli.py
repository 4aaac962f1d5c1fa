"""The command line, in-process through compiler.cli.main: exit codes, formats, batches."""

from __future__ import annotations

import difflib
import importlib.metadata
import json
import tomllib
from pathlib import Path
from typing import cast

import pytest

from compiler import cli
from compiler.commands import build, evaluate, examples
from compiler.commands.common import Style
from compiler.version import version
from tests.conftest import PACK, ROOT, SHARED
from tests.helpers import run_cli

POLICY_TEXT = SHARED / "policy" / "CPCP026.txt"
GOOD_CLAIM = {"id": "A", "type": "professional", "pos": "11", "lines": [
    {"code": "96372", "date": "2024-09-12", "supervision": "none"}]}


def test_check_clean_pack() -> None:
    code, _, err = run_cli("check", str(PACK))
    assert code == 0 and "ok: cpcp026" in err


def test_usage_errors_exit_2() -> None:
    assert run_cli()[0] == 2
    assert run_cli("frobnicate")[0] == 2
    assert run_cli("check")[0] == 2
    assert run_cli("eval", str(PACK))[0] == 2
    assert run_cli("--help")[0] == 0


def test_a_file_that_cannot_be_opened_exits_2(tmp_path: Path) -> None:
    """The contract: 2 when the command cannot run, whichever file is missing."""
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps(GOOD_CLAIM), encoding="utf-8")
    code, _, err = run_cli("check", "no/such.rules")
    assert code == 2 and "error[unreadable-file]" in err
    assert run_cli("build", "--check", "no/such.rules")[0] == 2
    assert run_cli("test", "no/such.rules")[0] == 2
    assert run_cli("eval", "no/such.rules", "--input", str(claims))[0] == 2
    code, out, err = run_cli("eval", str(PACK), "--input", str(tmp_path / "missing.json"))
    assert code == 2 and out == "" and "cannot read" in err
    assert run_cli("eval", str(PACK), "--input", str(claims), "--output", str(tmp_path / "no" / "out.jsonl"))[0] == 2
    assert run_cli("check", "--source-text", str(tmp_path / "missing.txt"), str(PACK))[0] == 2


def test_errors_in_the_rules_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.rules"
    path.write_text("codes x = 96360\n", encoding="utf-8")
    for command in (["check"], ["build", "--out", str(tmp_path / "out")], ["test"]):
        assert run_cli(*command, str(path))[0] == 1, command
    assert run_cli("eval", str(path), "--input", "-", stdin="")[0] == 1


def test_json_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "bad.rules"
    path.write_text('pack p\n  title "t"\n  version "1"\n  effective 2024-01-01\n  source "s"\n'
                    'rule R "t"\n  when line.unit > 1\n  deny "x"\n', encoding="utf-8")
    code, _, err = run_cli("check", "--format", "json", str(path))
    assert code == 1
    (diagnostic,) = json.loads(err)
    assert diagnostic["code"] == "unknown-field"
    assert diagnostic["location"]["line"] == 7 and diagnostic["location"]["column"] == 8
    assert diagnostic["hints"] == ["did you mean `units`?"]


def test_colour_only_when_asked_or_on_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "bad.rules"
    path.write_text("codes x = 96360\n", encoding="utf-8")
    assert "\x1b[" not in run_cli("check", str(path))[2]
    assert "\x1b[" in run_cli("check", "--color", "always", str(path))[2]


def test_quotes_are_checked_against_the_policy_text(tmp_path: Path) -> None:
    policy = tmp_path / "policy.txt"
    policy.write_text("The policy says   this\nsentence exactly.\n", encoding="utf-8")
    good = tmp_path / "good.rules"
    text = ('pack p\n  title "t"\n  version "1"\n  effective 2024-01-01\n  source "s"\n'
            'section s "S"\nrule R "t"\n  cite s\n  quote "says this sentence exactly."\n  deny "x"\n')
    good.write_text(text, encoding="utf-8")
    assert run_cli("check", "--source-text", str(policy), str(good))[0] == 0
    good.write_text(text.replace("exactly", "roughly"), encoding="utf-8")
    code, _, err = run_cli("check", "--source-text", str(policy), str(good))
    assert code == 1
    assert "error[quote-not-found]: R quotes a passage that policy.txt does not contain" in err
    assert f"{good}:9:3" in err and "differs after it" in err


@pytest.mark.skipif(not POLICY_TEXT.is_file(), reason="the published policy text (../shared) is not here")
def test_every_quote_of_cpcp026_is_in_the_published_policy() -> None:
    code, _, err = run_cli("check", "--source-text", str(POLICY_TEXT), str(PACK))
    assert code == 0, err


def test_version_comes_from_the_package_metadata() -> None:
    code, out, _ = run_cli("--version")
    assert code == 0 and out == f"rulesc {importlib.metadata.version('rulesc')}\n"


def test_version_without_an_installed_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert version() == f"{project['version']} (not installed)"
    assert version(tmp_path) == "unknown"


@pytest.mark.slow
def test_build_writes_a_package_init_only_where_there_is_none(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    assert run_cli("build", "--out", str(fresh), str(PACK))[0] == 0
    assert (fresh / "__init__.py").read_text(encoding="utf-8") == build.PACKAGE_INIT
    theirs = tmp_path / "app"
    theirs.mkdir()
    (theirs / "__init__.py").write_text("from app.cpcp026 import evaluate\n", encoding="utf-8")
    code, _, err = run_cli("build", "--out", str(theirs), str(PACK))
    assert code == 0 and "__init__" not in err
    assert (theirs / "__init__.py").read_text(encoding="utf-8") == "from app.cpcp026 import evaluate\n"
    assert (theirs / "cpcp026.py").read_bytes() == (ROOT / "generated" / "cpcp026.py").read_bytes()
    assert run_cli("build", "--check", "--out", str(theirs), str(PACK))[0] == 0


@pytest.mark.slow
def test_build_check_prints_a_bounded_diff_of_what_is_stale(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", "--out", str(out), str(PACK))[0] == 0
    module = out / "cpcp026.py"
    original = module.read_text(encoding="utf-8")
    module.write_text(original.replace('"""', '"""EDITED ', 1), encoding="utf-8")
    code, diff, err = run_cli("build", "--check", "--out", str(out), str(PACK))
    assert code == 1 and f"stale: {module}" in err
    assert diff.startswith(f"--- {module} (on disk)\n+++ {module} (from the rules)\n@@ ")
    assert '\n-"""EDITED ' in diff and '\n+"""' in diff and "more lines" not in diff
    module.write_text("", encoding="utf-8")
    code, diff, _ = run_cli("build", "--check", "--out", str(out), str(PACK))
    total = len(list(difflib.unified_diff([], original.splitlines(keepends=True))))
    lines = diff.splitlines()
    assert code == 1 and len(lines) == build.DIFF_LINES + 1
    assert lines[-1] == f"... {total - build.DIFF_LINES} more lines"
    module.unlink()
    code, diff, _ = run_cli("build", "--check", "--out", str(out), str(PACK))
    assert code == 1 and diff.startswith(f"--- {module} (missing)")


def _deep_pack(tmp_path: Path, depth: int) -> Path:
    path = tmp_path / "deep.rules"
    condition = "not (line.units" + " + 1" * depth + " > 1)"
    path.write_text('pack deep\n  title "t"\n  version "1"\n  effective 2024-01-01\n  source "s"\n'
                    f'rule R "t"\n  when {condition}\n  deny "x"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("depth", [300, 3000])
def test_too_deep_a_pack_is_one_diagnostic_in_every_command(tmp_path: Path, depth: int) -> None:
    """Deep enough for Python's nesting limits in the generated code (300) or in the compiler itself
    (3000): every command reports `too-deep` on the pack and exits 1, never a traceback."""
    path = _deep_pack(tmp_path, depth)
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps(GOOD_CLAIM), encoding="utf-8")
    for command in (["build", "--out", str(tmp_path / "out")], ["test"], ["eval", "--input", str(claims)]):
        code, _, err = run_cli(command[0], str(path), *command[1:])
        assert code == 1 and "error[too-deep]" in err and "Traceback" not in err, (command, err)


def test_allow_unknown_fields_reaches_the_engine() -> None:
    """The flag is parsed into the options, and bound onto the engine's keyword in one place."""
    run, options = cli.parse(["eval", str(PACK), "--input", "-", "--allow-unknown-fields"])
    assert run is evaluate.run and isinstance(options, evaluate.EvalOptions)
    assert options.unknown_fields == "ignore"
    assert cast(evaluate.EvalOptions, cli.parse(["eval", str(PACK), "--input", "-"])[1]).unknown_fields == "error"
    claim = {"id": "U", "type": "professional", "pos": "11", "diagnosis": "J45.909",
             "lines": [{"code": "96372", "date": "2024-09-12", "ndc_quantity": 2}]}
    for engine in ("compiled", "interpreter"):
        code, out, _ = run_cli("eval", str(PACK), "--input", "-", "--engine", engine, stdin=json.dumps(claim))
        assert code == 1 and "diagnosis: unknown field" in json.loads(out)["error"]
        code, out, _ = run_cli("eval", str(PACK), "--input", "-", "--engine", engine, "--allow-unknown-fields",
                               stdin=json.dumps(claim))
        assert code == 0 and [f["rule"] for f in json.loads(out)["findings"]] == ["P31-drug-code-with-administration"]


def test_commands_take_plain_options() -> None:
    run, options = cli.parse(["test", str(PACK), "-v", "-k", "k1", "-k", "k2*", "--format", "junit"])
    assert run is examples.run
    assert options == examples.ExamplesOptions((str(PACK),), True, ("k1", "k2*"), "junit", Style("text", False))
    run, options = cli.parse(["build", "a.rules", "b.rules", "--out", "x", "--check"])
    assert (run, options) == (build.run, build.BuildOptions(("a.rules", "b.rules"), "x", True, Style()))
