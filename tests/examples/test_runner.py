"""`rulesc test`: the pack's examples through both engines; verbose, -k, JUnit and JSON reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from compiler.examples.expectations import Got, Row, Verdict, Want
from compiler.examples.report import failure_text, xml_text
from compiler.examples.runner import Result, selected
from tests.conftest import PACK
from tests.helpers import run_cli

HEADER = 'pack mini\n  title "t"\n  version "1"\n  effective 2024-01-01\n  source "s"\n'
RULES = ('rule R1 "units"\n  when line.units > 1\n  deny "too many units"\n'
         'rule R2 "also units"\n  when line.units > 2\n  info "many units"\n')


def example(name: str, units: int, *expects: str) -> str:
    claim = {"id": "C", "type": "professional", "pos": "11",
             "lines": [{"code": "96372", "date": "2024-09-12", "units": units}]}
    return f"example {json.dumps(name)}\n  claim {json.dumps(claim)}\n" + "".join(f"  {e}\n" for e in expects)


def mini(tmp_path: Path, *examples: str) -> Path:
    path = tmp_path / "mini.rules"
    path.write_text(HEADER + RULES + "".join(examples), encoding="utf-8")
    return path


def test_every_pack_example_passes() -> None:
    code, out, _ = run_cli("test", str(PACK))
    assert code == 0 and out.strip().endswith("passed, 0 failed")


def test_a_wrong_expectation_prints_the_table_and_what_to_change(tmp_path: Path) -> None:
    path = mini(tmp_path, example("two", 2, "expect line 1 deny by R1"),
                example("three", 3, "expect line 1 deny by R1"))
    code, out, _ = run_cli("test", str(path))
    assert code == 1
    assert out == (f"FAIL three {path}:15\n"
                   "     (both engines)\n"
                   "             expected           found\n"
                   "     ok      line 1 deny by R1  line 1 deny by R1\n"
                   "     extra   -                  line 1 info by R2\n"
                   "             -> add `expect line 1 info by R2` (or ignore info findings), or fix the rules\n"
                   "1 passed, 1 failed\n")


def test_verbose_prints_one_line_per_example(tmp_path: Path) -> None:
    path = mini(tmp_path, example("one", 1, "expect nothing"), example("two", 1, "expect line 1 deny by R1"))
    code, out, _ = run_cli("test", "--verbose", str(path))
    lines = out.splitlines()
    assert code == 1 and lines[0] == f"PASS one {path}:12" and lines[1] == f"FAIL two {path}:15"
    assert lines[-1] == "1 passed, 1 failed"


def test_k_selects_by_substring_or_glob(tmp_path: Path) -> None:
    path = mini(tmp_path, example("alpha one", 1, "expect nothing"), example("beta one", 1, "expect nothing"),
                example("alphabet", 2, "expect line 1 deny by R1"))
    assert run_cli("test", "-v", "-k", "one", str(path))[1].splitlines()[-1] == "2 passed, 0 failed, 1 deselected"
    out = run_cli("test", "-v", "-k", "alpha*", str(path))[1]
    assert [line.split()[1] for line in out.splitlines()[:-1]] == ["alpha", "alphabet"]
    assert run_cli("test", "-v", "-k", "a?pha one", "-k", "beta", str(path))[1].endswith("2 passed, 0 failed, "
                                                                                           "1 deselected\n")
    code, _, err = run_cli("test", "-k", "gamma", str(path))
    assert code == 2 and "no example matches -k gamma" in err
    assert selected("abc", []) and selected("abc", ["b"]) and not selected("abc", ["b*"])
    assert selected("a[b]", ["a[[]b]"])


def test_junit_report(tmp_path: Path) -> None:
    name = 'odd <name> & "quotes" \x01'
    path = mini(tmp_path, example(name, 1, "expect nothing"), example("fails", 2, "expect nothing"))
    code, out, _ = run_cli("test", "--format", "junit", str(path))
    root = ET.fromstring(out)
    assert code == 1 and root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "1"
    (suite,) = root
    assert suite.get("name") == "mini" and suite.get("tests") == "2" and suite.get("failures") == "1"
    first, second = suite
    assert first.get("classname") == "mini" and first.get("name") == 'odd <name> & "quotes" \\u0001'
    assert first.get("file") == str(path) and first.get("line") == "12" and first.find("failure") is None
    failure = second.find("failure")
    assert failure is not None and "line 1 deny by R1" in (failure.text or "")


def test_json_report(tmp_path: Path) -> None:
    path = mini(tmp_path, example("one", 1, "expect nothing"), example("two", 2, "expect line 1 deny"))
    code, out, _ = run_cli("test", "--format", "json", str(path))
    report = json.loads(out)
    assert code == 0 and (report["passed"], report["failed"], report["deselected"]) == (2, 0, 0)
    two = report["examples"][1]
    assert two["name"] == "two" and two["line"] == 15 and two["passed"]
    assert two["engines"]["compiled"]["rows"] == [{
        "status": "ok", "fix": "",
        "expected": {"line": 1, "disposition": "deny", "rule": None, "suggest": None, "evidence": None},
        "found": {"rule": "R1", "line": 1, "disposition": "deny", "suggest": None, "evidence": []}}]


def test_json_report_prints_diagnostics_as_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.rules"
    path.write_text("codes x = 96360\n", encoding="utf-8")
    code, out, err = run_cli("test", "--format", "json", str(path))
    assert code == 1 and out == "" and json.loads(err)[0]["severity"] == "error"


def test_engines_that_disagree_get_a_table_each() -> None:
    good = Verdict((Row("ok", Want(1, "deny", "R1"), Got("R1", 1, "deny")),))
    bad = Verdict((Row("missing", Want(1, "deny", "R1"), None, "fix"),))
    lines = failure_text(Result("p", "e", "p.rules", 3, {"interpreter": good, "compiled": bad}))
    assert lines[0] == "     (compiled)" and "(interpreter)" not in "\n".join(lines)


def test_xml_text_keeps_what_xml_can_hold() -> None:
    assert xml_text("a\tb\n<é>\x00\x1b\ud800") == "a\tb\n<é>\\u0000\\u001b\\ud800"
