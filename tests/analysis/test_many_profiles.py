"""Tables whose codes have more distinct profiles than the solver is given exactly (`EXACT`): it
then knows each column's values, where a lookup finds a row, and builds witnesses from codes whose
lookups find what the question reads, whatever the rest of their rows say."""

from __future__ import annotations

from pathlib import Path

from compiler.analysis.conflicts import analyze_conflicts
from compiler.analysis.conflicts.relations import EXACT
from compiler.analysis.conflicts.report import Report
from tests.helpers import compile_ok

CODES = [f"{10000 + 37 * n}" for n in range(120)]

PACK = '''pack profiles
  title "Many profiles"
  version "1"
  effective 2025-01-01
  source "none.txt"

section main "Main"
  text "Fixture for the conflict analyzer: more profiles than the solver is given exactly."

table limits "Unit limits"
  file "limits.csv"
  columns code: code, limit: whole, mai: indicator(1, 2, 3)
  key code

table kinds "Kinds of code"
  file "kinds.csv"
  columns code: code, kind: whole
  key code

rule D1-over-any-limit "A limit no row has"
  cite main
  when limits[line.code].mai = 3 and limits[line.code].limit > 500
  deny "{code} has a limit over 500."

rule R2-clinical-limit "Units over a clinical limit are reviewed"
  cite main
  when limits[line.code].mai = 3 and line.units > limits[line.code].limit
  review "{units} units of {code} exceed its clinical limit."

rule R4-kind-six "Codes of kind 6 are denied"
  cite main
  when kinds[line.code].kind = 6
  deny "{code} is of kind 6."
'''


def written(folder: Path) -> Path:
    """The pack and its tables: 120 codes, each with its own limit (1 to 120), a unit-limit
    indicator going round 1, 2, 3 and a kind going round 0 to 6."""
    folder.mkdir(parents=True, exist_ok=True)
    mai = ["1 Line Edit", "2 Date of Service Edit: Policy", "3 Date of Service Edit: Clinical"]
    (folder / "limits.csv").write_text("code,limit,mai\n" + "".join(
        f"{code},{n + 1},{mai[n % 3]}\n" for n, code in enumerate(CODES)), encoding="utf-8")
    (folder / "kinds.csv").write_text("code,kind\n" + "".join(
        f"{code},{n % 7}\n" for n, code in enumerate(CODES)), encoding="utf-8")
    (folder / "profiles.rules").write_text(PACK, encoding="utf-8")
    return folder / "profiles.rules"


def analyzed(path: Path) -> Report:
    pack, sources = compile_ok(path)
    return analyze_conflicts(pack, sources=sources, strict=True, use_cache=False)


def test_a_value_no_row_has_is_refuted_where_profiles_are_many(tmp_path: Path) -> None:
    """No row has a limit over 500: with 120 profiles (more than EXACT) the solver still knows the
    limits rows hold, where a row is found, and proves D1 dead instead of trying limits one by one
    (which ended `unknown` at a payer's size)."""
    assert len(CODES) > EXACT
    report = analyzed(written(tmp_path / "pack"))
    assert report.summary()["unknown"] == 0 and not report.disagreements
    dead = [e for e in report.conflicts if e.kind == "dead-rule"]
    assert [e.rules for e in dead] == [["D1-over-any-limit"]]


def test_a_witness_takes_a_code_for_what_the_question_reads(tmp_path: Path) -> None:
    """R2 and R4 meet on a code with a clinical limit and kind 6 (n = 2 mod 3 and 6 mod 7): the
    witness is built from such a code's rows and replays (strict), whatever profile of all the
    tables the solver first chose."""
    report = analyzed(written(tmp_path / "pack"))
    (entry,) = [e for e in report.conflicts if e.kind == "overlap" and set(e.rules) == {"R2-clinical-limit",
                                                                                       "R4-kind-six"}]
    assert entry.witness is not None and entry.line is not None
    line = entry.witness["lines"][entry.line - 1]
    n = CODES.index(line["code"])
    assert n % 3 == 2 and n % 7 == 6 and line.get("units", 1) > n + 1
