"""`rulesc diff` on the command line: formats, exit codes, the `--check` gate."""

from __future__ import annotations

import json
from pathlib import Path

from tests.changes.test_compare import BASE, edited
from tests.helpers import run_cli


def test_an_edit_is_reported_as_a_changelog_with_a_witness_table(tmp_path: Path) -> None:
    new = edited(tmp_path, ("when line.units > 1", "when line.units > 2"))
    code, out, _ = run_cli("diff", str(BASE), str(new))
    assert code == 0
    assert out.startswith("changes 1.0 -> changes 1.0: 1 of 5 rules decides differently (4 equivalent, 1 narrower)")
    assert "A-injection-units: narrower" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("1*"))
    assert "96372" in row and row.split()[-2:] == ["deny", "-"]


def test_json_follows_the_contract(tmp_path: Path) -> None:
    new = edited(tmp_path, ("when line.units > 1", "when line.units > 2"))
    code, out, _ = run_cli("diff", str(BASE), str(new), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["summary"]["narrower"] == 1 and data["bound"] == {"lines": 1, "complete": True}
    (changed,) = [r for r in data["rules"] if r["change"] != "equivalent"]
    assert changed["rule"] == "A-injection-units" and changed["witnesses"][0]["claim"]["id"] == "D1"


def test_check_fails_when_decisions_change_under_the_same_version(tmp_path: Path) -> None:
    same = edited(tmp_path, ("when line.units > 1", "when line.units > 2"), name="same.rules")
    bumped = edited(tmp_path, ("when line.units > 1", "when line.units > 2"), ('version "1.0"', 'version "1.1"'),
                    name="bumped.rules")
    reworded = edited(tmp_path, ('deny "96372 with {units} units."', 'deny "96372: {units} units."'),
                      name="reworded.rules")
    code, _, err = run_cli("diff", str(BASE), str(same), "--check")
    assert code == 1 and "A-injection-units" in err and "version" in err
    assert run_cli("diff", str(BASE), str(bumped), "--check")[0] == 0
    assert run_cli("diff", str(BASE), str(reworded), "--check")[0] == 0
    assert run_cli("diff", str(BASE), str(same))[0] == 0


def test_a_pack_that_does_not_compile_stops_the_command_with_its_diagnostics(tmp_path: Path) -> None:
    broken = edited(tmp_path, ("when line.units > 1", "when line.unitz > 1"))
    code, out, err = run_cli("diff", str(BASE), str(broken))
    assert code == 1 and out == ""
    assert "unknown-field" in err and "new.rules:" in err


def test_stale_examples_are_warnings_not_a_stop(tmp_path: Path) -> None:
    text = BASE.read_text(encoding="utf-8") + (
        '\nexample "stale"\n'
        '  claim {"id": "S1", "type": "professional", "pos": "11", "lines": [{"code": "96372", "date": "2024-02-01", '
        '"units": 2}]}\n'
        "  expect line 1 review by A-injection-units\n")
    draft = tmp_path / "draft.rules"
    draft.write_text(text, encoding="utf-8")
    code, out, err = run_cli("diff", str(BASE), str(draft))
    assert code == 0, err
    assert "warning[bad-example]" in err and "0 of 5 rules" in out


def test_usage_errors_exit_2() -> None:
    assert run_cli("diff", str(BASE))[0] == 2
    assert run_cli("diff", str(BASE), str(BASE), "--format", "sarif")[0] == 2


def test_input_adds_the_measured_impact_and_reports_bad_records_in_place(tmp_path: Path) -> None:
    new = edited(tmp_path, ("when line.units > 1", "when line.units > 2"))
    claims = tmp_path / "claims.jsonl"
    records = [{"id": f"C{n}", "type": "professional", "pos": "11",
                "lines": [{"code": "96372", "date": "2024-02-01", "units": n}]} for n in (1, 2, 2, 3)]
    lines = [json.dumps(r) for r in records]
    lines.insert(2, "{not json")
    claims.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_cli("diff", str(BASE), str(new), "--input", str(claims), "--format", "json", "--jobs", "1")
    assert code == 1  # a record was not evaluated; every other one was counted
    impact = json.loads(out)["impact"]
    assert impact == {"claims": 4, "changed": 2, "lines_changed": 2,
                      "by_rule": {"A-injection-units": {"added": 0, "removed": 2, "changed": 0}}}
    assert "line 3" in err and "1 record of" in err and "was not evaluated" in err
    code, out, _ = run_cli("diff", str(BASE), str(new), "--input", str(tmp_path / "missing.jsonl"))
    assert code == 2 and out == ""
