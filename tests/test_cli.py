"""The command line, in-process through compiler.cli.main: exit codes, formats, batches."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import PACK
from tests.helpers import run_cli

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


def test_missing_file_is_a_located_error() -> None:
    code, _, err = run_cli("check", "no/such.rules")
    assert code == 1 and "error[unreadable-file]" in err


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


def test_every_quote_of_cpcp026_is_in_the_published_policy() -> None:
    code, _, err = run_cli("check", "--source-text", "../shared/policy/CPCP026.txt", str(PACK))
    assert code == 0, err


def test_eval_reads_a_claim_an_array_and_json_lines(tmp_path: Path) -> None:
    single = tmp_path / "one.json"
    single.write_text(json.dumps(GOOD_CLAIM), encoding="utf-8")
    code, out, _ = run_cli("eval", str(PACK), "--input", str(single))
    assert code == 0
    (result,) = [json.loads(line) for line in out.splitlines()]
    assert result["id"] == "A" and result["findings"][0]["suggest"] == "99211"
    array = tmp_path / "many.json"
    array.write_text(json.dumps([GOOD_CLAIM, {**GOOD_CLAIM, "id": "B"}]), encoding="utf-8")
    assert [json.loads(x)["id"] for x in run_cli("eval", str(PACK), "--input", str(array))[1].splitlines()] == [
        "A", "B"]


def test_a_bad_record_is_reported_in_place_and_the_batch_goes_on(tmp_path: Path) -> None:
    lines = [json.dumps(GOOD_CLAIM), "{not json", json.dumps({"id": "C", "type": "professional", "lines": []}),
             json.dumps([1, 2]), "", json.dumps({**GOOD_CLAIM, "id": "D"})]
    source = tmp_path / "batch.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for engine in ("compiled", "interpreter"):
        code, out, err = run_cli("eval", str(PACK), "--input", str(source), "--engine", engine)
        results = [json.loads(line) for line in out.splitlines()]
        assert code == 1 and "3 of 5 claim(s) could not be evaluated" in err
        assert [r["id"] for r in results] == ["A", None, "C", None, "D"]
        assert "findings" in results[0] and "findings" in results[4]
        assert results[1]["error"].startswith("line 2: not JSON")
        assert results[2]["error"] == "lines: expected 1 to 999 lines, got 0"
        assert results[3]["error"] == "claim: expected an object, got an array"


def test_eval_from_stdin_to_a_file(tmp_path: Path) -> None:
    out_path = tmp_path / "out.jsonl"
    code, _, _ = run_cli("eval", str(PACK), "--input", "-", "--output", str(out_path), stdin=json.dumps(GOOD_CLAIM))
    assert code == 0 and json.loads(out_path.read_text(encoding="utf-8"))["id"] == "A"


def test_test_command_runs_the_pack_examples() -> None:
    code, out, _ = run_cli("test", str(PACK))
    assert code == 0 and out.strip().endswith("passed, 0 failed")


def test_test_command_fails_on_a_wrong_expectation(tmp_path: Path) -> None:
    text = PACK.read_text(encoding="utf-8").replace(
        'expect line 2 deny by P23-injection-with-em', 'expect line 1 deny by P23-injection-with-em', 1)
    path = tmp_path / "cpcp026.rules"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run_cli("test", str(path))
    assert code == 1 and "FAIL" in out and "interpreter:" in out and "compiled:" in out
