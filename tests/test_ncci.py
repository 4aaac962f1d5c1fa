"""The NCCI pack end to end: rules and published tables -> compiler -> generated module (and its
packed tables) -> findings; the tables' checks on broken copies of the published tables."""

from __future__ import annotations

import json
import os
import pickle
import random
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.backends.loading import outputs
from compiler.backends.native import extension_suffix
from compiler.batch import ModuleFiles
from compiler.batch.engines import load_module, written
from compiler.runtime.claims import ClaimError
from compiler.semantics.tables import TableIndex
from tests.conftest import ROOT, SHARED, native_unavailable
from tests.helpers import compile_plan, engines, native_module, run_cli

NCCI = ROOT / "policies" / "ncci.rules"
TABLES = ROOT / "policies" / "ncci"
SCENARIOS_FILE = ROOT / "tests" / "data" / "ncci-scenarios.json"
SCENARIOS = json.loads(SCENARIOS_FILE.read_text(encoding="utf-8"))
PUBLISHED = SHARED / "examples" / "ncci-scenarios.json"
NOTES = SHARED / "policy" / "NCCI-NOTES.md"
PACK, INTERPRETER, MODULE = engines(NCCI)


def decided(findings: list[Any]) -> set[tuple[int, str]]:
    return {(f.line, f.disposition) for f in findings if f.disposition in ("deny", "review")}


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda c: c["name"])
def test_published_scenarios(case: dict[str, Any]) -> None:
    for engine in (MODULE.evaluate, INTERPRETER.evaluate):
        assert decided(engine(case["claim"])) == {(e["line"], e["disposition"]) for e in case["expect"]}


@pytest.mark.skipif(not PUBLISHED.is_file(), reason="the published scenarios (../shared) are not here")
def test_the_scenarios_are_the_published_ones() -> None:
    assert SCENARIOS_FILE.read_bytes() == PUBLISHED.read_bytes()


@pytest.mark.skipif(not NOTES.is_file(), reason="the analyst notes (../shared) are not here")
def test_every_row_and_conflict_of_the_notes_is_covered_or_resolved() -> None:
    notes = NOTES.read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| (N\d\d) \|", notes, re.MULTILINE))
    assert len(rows) == 15
    assert rows <= {row for rule in PACK.rules for row in rule.covers}
    conflicts = set(re.findall(r"^\| (KN\d) \|", notes, re.MULTILINE))
    resolved = {r.conflict for rule in PACK.rules for r in rule.resolves}
    resolved |= {r.conflict for p in PACK.precedences for r in p.resolves}
    # KN7 is a warning of the tables' check (`warn` of table aoc), not a declaration between rules
    assert conflicts - {"KN7"} <= resolved
    assert any(c.kind == "warn" for c in PACK.data_table("aoc").checks)


@pytest.mark.skipif(not (SHARED / "policy" / "ncci").is_dir(), reason="the published tables (../shared) are not here")
def test_the_tables_are_the_published_ones() -> None:
    for published in sorted((SHARED / "policy" / "ncci").glob("*.csv")):
        assert (TABLES / published.name).read_bytes() == published.read_bytes(), published.name


def test_the_examples_of_the_pack_pass_on_both_engines() -> None:
    code, out, err = run_cli("test", str(NCCI))
    assert code == 0, out + err
    assert re.search(r"\b\d+ passed, 0 failed", out + err)


def test_the_committed_module_and_its_tables_are_current() -> None:
    plan, sources = compile_plan(NCCI)
    files = outputs(plan, sources)
    assert (ROOT / "generated" / "ncci.py").read_text(encoding="utf-8") == files["ncci.py"]
    assert (ROOT / "generated" / "ncci.tables").read_bytes() == files["ncci.tables"]


def test_the_committed_module_imports_with_the_standard_library_only(tmp_path: Path) -> None:
    for name in ("ncci.py", "ncci.tables"):
        shutil.copyfile(ROOT / "generated" / name, tmp_path / name)
    script = ("import json, sys; sys.path.insert(0, sys.argv[1]); import ncci\n"
              "for name in ('lark', 'jinja2', 'networkx', 'compiler'):\n"
              "    try:\n        __import__(name)\n    except ImportError:\n        pass\n"
              "    else:\n        raise SystemExit(name + ' is importable')\n"
              "print(json.dumps([f.to_dict() for f in ncci.evaluate(json.loads(sys.argv[2]))]))")
    claim = SCENARIOS[0]["claim"]
    done = subprocess.run([sys.executable, "-I", "-S", "-c", script, str(tmp_path), json.dumps(claim)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [f.to_dict() for f in MODULE.evaluate(claim)] != []


# ---------------------------------------------------------------- the packed tables


def test_the_packed_tables_are_the_same_bytes_each_time() -> None:
    first, second = compile_plan(NCCI), compile_plan(NCCI)
    assert outputs(*first)["ncci.tables"] == outputs(*second)["ncci.tables"]


def test_every_key_reads_the_same_rows_packed_as_in_the_files() -> None:
    """The module's packed reading of every key (and its group, and dates around its rows'
    bounds) against the plain reading of the same file."""
    tables = MODULE._TABLES
    for table in PACK.data_tables:
        for table_file in table.files:
            index = TableIndex(table, table_file)
            packed = tables[table.name][table_file.claim_types[0]]
            data = table_file.data
            days = sorted({str(v) for name in (table.start, table.end) if name for v in data.values[name] if v}
                          | {"2025-01-01", "2025-05-01"})
            for row in range(data.count):
                keys = [data.value(name, row) for name in table.key]
                for on in days if table.start else [None]:
                    expected = index.rows(keys, on)
                    got = packed.row2(keys[0], keys[1], on) if len(keys) == 2 else packed.row1(keys[0], on)
                    assert (got is not packed.none) == bool(expected), (table.name, keys, on)
                    group = index.rows(keys[:1], on)
                    assert (packed.row1(keys[0], on) is not packed.none) == bool(group), (table.name, keys, on)
                if len(keys) == 2:
                    assert str(keys[1]) in packed.partners(str(keys[0]))


def test_a_module_refuses_tables_that_are_not_its_own() -> None:
    plan, sources = compile_plan(NCCI)
    files = outputs(plan, sources)
    data = files["ncci.tables"]
    assert isinstance(data, bytes)
    tampered = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(ImportError, match="not the data file this module was built with"):
        load_module(written({"ncci.py": files["ncci.py"], "ncci.tables": tampered}))


def test_workers_and_other_machines_get_the_tables_with_the_module(tmp_path: Path) -> None:
    """`rulesc eval --jobs 2` (worker processes import the module written once, its tables beside
    it) writes what one process writes; the module's files carried to another process (as Dask
    tasks and Spark executors get them, `ModuleFiles`) evaluate there as here."""
    claims = tmp_path / "claims.jsonl"
    claims.write_text("".join(json.dumps(case["claim"]) + "\n" for case in SCENARIOS * 5), encoding="utf-8")
    single = run_cli("eval", str(NCCI), "--input", str(claims), "--jobs", "1")
    workers = run_cli("eval", str(NCCI), "--input", str(claims), "--jobs", "2")
    assert single[0] == workers[0] == 0, single[2] + workers[2]
    assert workers[1] == single[1] and single[1].count("\n") == len(SCENARIOS) * 5
    carried = ModuleFiles.read(ROOT / "generated" / "ncci.py")
    assert [name for name, _ in carried.files] == ["ncci.py", "ncci.tables"]
    script = ("import json, pickle, sys\n"
              "engine = pickle.loads(sys.stdin.buffer.read()).open()\n"
              "print(json.dumps([[f.to_dict() for f in engine.evaluate(c)] for c in json.loads(sys.argv[1])]))")
    cases = [case["claim"] for case in SCENARIOS]
    done = subprocess.run([sys.executable, "-c", script, json.dumps(cases)], input=pickle.dumps(carried),
                          cwd=tmp_path, capture_output=True, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr.decode("utf-8")
    assert json.loads(done.stdout) == [[f.to_dict() for f in MODULE.evaluate(c)] for c in cases]


@pytest.mark.slow  # four builds
def test_build_check_compares_the_tables_file_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", "--out", str(out), str(NCCI))[0] == 0
    assert (out / "ncci.tables").read_bytes() == (ROOT / "generated" / "ncci.tables").read_bytes()
    assert run_cli("build", "--check", "--out", str(out), str(NCCI))[0] == 0
    data = (out / "ncci.tables").read_bytes()
    (out / "ncci.tables").write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    code, diff, err = run_cli("build", "--check", "--out", str(out), str(NCCI))
    assert code == 1 and f"stale: {out / 'ncci.tables'}" in err
    assert diff == f"{out / 'ncci.tables'}: the packed tables differ from those the rules and their files give\n"
    (out / "ncci.tables").unlink()
    code, _, err = run_cli("build", "--check", "--out", str(out), str(NCCI))
    assert code == 1 and f"missing: {out / 'ncci.tables'}" in err
    assert run_cli("build", "--out", str(out), str(NCCI))[0] == 0
    assert (out / "ncci.tables").read_bytes() == data


def test_a_module_without_its_tables_file_says_so(tmp_path: Path) -> None:
    shutil.copyfile(ROOT / "generated" / "ncci.py", tmp_path / "ncci.py")
    done = subprocess.run([sys.executable, "-I", "-S", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import ncci",
                           str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "ImportError: ncci.tables is not beside" in done.stderr


# ---------------------------------------------------------------- the engines agree

CODES = sorted({str(v) for table in PACK.data_tables for f in table.files for name in table.key
                for v in f.data.values[name] if v != "CCCCC"} | {"99213", "J9035", "99205"})
DATES = ["2024-12-31", "2025-01-01", "2025-03-10", "2025-03-31", "2025-04-01", "2025-05-01", "2025-06-01",
         "2025-06-30", "2025-07-01"]
MODIFIERS = ["59", "25", "57", "XS", "LT", "JW", "91", "24"]


def random_ncci_claim(rng: random.Random) -> dict[str, Any]:
    dates = rng.sample(DATES, rng.choice((1, 1, 2)))
    lines = []
    for _ in range(rng.randint(1, 6)):
        line: dict[str, Any] = {"code": rng.choice(CODES), "date": rng.choice(dates)}
        if rng.random() < 0.4:
            line["units"] = rng.choice((1, 2, 3, 5, 9, 13, 1.5, 2.5))
        if rng.random() < 0.3:
            line["modifiers"] = rng.sample(MODIFIERS, rng.randint(1, 2))
        if rng.random() < 0.3:
            line["provider"] = rng.choice(("1111111111", "2222222222"))
        lines.append(line)
    claim: dict[str, Any] = {"id": "R", "type": rng.choice(("professional", "institutional")), "lines": lines}
    if rng.random() < 0.5:
        claim["provider"] = rng.choice(("1111111111", "2222222222"))
    if claim["type"] == "professional":
        claim["pos"] = "11"
    elif rng.random() < 0.8:
        claim["bill_type"] = rng.choice(("0131", "0131", "0111", "111", "0181", "0211", "131"))
    return claim


def outcome(evaluate: Any, claim: dict[str, Any]) -> object:
    try:
        return [f.to_dict() for f in evaluate(claim)]
    except (ClaimError, MODULE.ClaimError) as error:
        return ("error", str(error))


@settings(max_examples=500, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_module_and_the_interpreter_agree_on_random_claims(rng: random.Random) -> None:
    claim = random_ncci_claim(rng)
    assert outcome(MODULE.evaluate, claim) == outcome(INTERPRETER.evaluate, claim), json.dumps(claim)


def test_what_the_module_remembers_of_each_code_stays_bounded_and_right(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tables' rows for a line's code are read once and remembered (`_code_facts`); past the
    bound the memory starts again, and the findings stay those of the interpreter."""
    monkeypatch.setattr(MODULE, "_TABLES_REMEMBERED", 3)
    monkeypatch.setattr(MODULE, "_CODE_FACTS", {kind: {} for kind in MODULE._CODE_FACTS})
    rng = random.Random(7)
    for _ in range(300):
        claim = random_ncci_claim(rng)
        assert outcome(MODULE.evaluate, claim) == outcome(INTERPRETER.evaluate, claim), json.dumps(claim)
    assert all(0 < len(remembered) <= 3 for remembered in MODULE._CODE_FACTS.values())


def test_only_modules_whose_rules_read_the_lines_of_a_code_gather_them() -> None:
    """Gathering a claim's lines by code costs every claim, so a module does it only where its rules
    read them: NCCI's (units added over the lines of a code, partners of a code on the claim), not
    CPCP026's."""
    ncci = (ROOT / "generated" / "ncci.py").read_text(encoding="utf-8")
    cpcp026 = (ROOT / "generated" / "cpcp026.py").read_text(encoding="utf-8")
    assert "parsed.by_code = by_code" in ncci and "def _code_facts(" in ncci
    assert "parsed.by_code" not in cpcp026 and "_code_facts" not in cpcp026


def test_random_claims_meet_every_rule() -> None:
    """The random claims above are not idle: together they give a finding of every rule."""
    rng = random.Random(22)
    seen = {f.rule for _ in range(3000) for f in MODULE.evaluate(random_ncci_claim(rng))}
    assert seen == {r.id for r in PACK.rules if r.reports}


# ---------------------------------------------------------------- broken tables


def _broken(tmp_path: Path, name: str, edit: Any) -> str:
    """`rulesc check` of a copy of the pack whose table `name` is changed by `edit` (text -> text)."""
    shutil.copyfile(NCCI, tmp_path / "ncci.rules")
    shutil.copytree(TABLES, tmp_path / "ncci")
    path = tmp_path / "ncci" / name
    path.chmod(0o644)
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    code, _, err = run_cli("check", "--color", "never", str(tmp_path / "ncci.rules"))
    assert code == 1
    return err.replace(str(tmp_path) + "/", "")


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if "error[" in line]


def test_a_bad_date(tmp_path: Path) -> None:
    err = _broken(tmp_path, "ptp-practitioner.csv",
                  lambda t: t.replace("96413,96360,,20100101", "96413,96360,,20101301"))
    assert _errors(err) == ["ncci/ptp-practitioner.csv:2:14: error[bad-table-cell]: row 2, column effective_date: "
                            "'20101301' is not a calendar date"]
    assert "  hint: write dates as YYYYMMDD, or * for none" in err


def test_an_indicator_out_of_range(tmp_path: Path) -> None:
    err = _broken(tmp_path, "mue-hospital.csv", lambda t: t.replace("20610,2,1 Line Edit", "20610,2,4 Line Edit"))
    assert _errors(err) == ["ncci/mue-hospital.csv:11:9: error[bad-table-cell]: row 11, column mai: '4 Line Edit' "
                            "does not start with one of the indicators 1, 2, 3"]


def test_a_missing_column(tmp_path: Path) -> None:
    err = _broken(tmp_path, "aoc.csv", lambda t: t.replace(",aoc_type,", ","))
    assert _errors(err) == ["ncci/aoc.csv:1:1: error[bad-table-header]: the header of ncci/aoc.csv lacks the column "
                            "`aoc_type` (column 3)"]


def test_a_row_without_a_value(tmp_path: Path) -> None:
    err = _broken(tmp_path, "mue-practitioner.csv", lambda t: t.replace("20605,2,1 Line Edit,", "20605,1 Line Edit,"))
    assert _errors(err) == ["ncci/mue-practitioner.csv:15:1: error[bad-table-row]: row 15 of "
                            "ncci/mue-practitioner.csv has 3 values; the table has 4 columns (code, mue_value, mai, "
                            "rationale)"]


def test_a_bad_code(tmp_path: Path) -> None:
    err = _broken(tmp_path, "ptp-hospital.csv", lambda t: t.replace("29881,29877", "29881,2987"))
    assert _errors(err) == ["ncci/ptp-hospital.csv:12:7: error[bad-table-cell]: row 12, column column_2: '2987' is "
                            "not a CPT or HCPCS code"]


def test_a_pair_listed_both_ways(tmp_path: Path) -> None:
    err = _broken(tmp_path, "ptp-practitioner.csv", lambda t: t + "96372,96413,,20240101,*,0,Both ways\n")
    assert _errors(err) == ["ncci/ptp-practitioner.csv:4:1: error[table-cycle]: rows 4 and 25 of "
                            "ncci/ptp-practitioner.csv list 96413 over 96372 and 96372 over 96413 (all of them apply "
                            "on 2025-01-01)"]


@pytest.mark.slow
def test_a_pair_both_ways_with_indicator_9_or_deleted_before_the_pack_is_no_error(tmp_path: Path) -> None:
    for row in ("96372,96413,,20240101,*,9,Not applied\n", "96372,96413,,20100101,20241001,0,Deleted\n"):
        shutil.rmtree(tmp_path, ignore_errors=True)
        tmp_path.mkdir()
        shutil.copyfile(NCCI, tmp_path / "ncci.rules")
        shutil.copytree(TABLES, tmp_path / "ncci")
        path = tmp_path / "ncci" / "ptp-practitioner.csv"
        path.chmod(0o644)
        path.write_text(path.read_text(encoding="utf-8") + row, encoding="utf-8")
        _, _, err = run_cli("check", "--color", "never", str(tmp_path / "ncci.rules"))
        assert "error[" not in err, row


def test_a_circle_of_three(tmp_path: Path) -> None:
    err = _broken(tmp_path, "ptp-hospital.csv",
                  lambda t: t + "36000,20610,,20250101,*,1,Circle\n20610,96360,,20250201,*,0,Circle\n")
    assert _errors(err) == ["ncci/ptp-hospital.csv:5:1: error[table-cycle]: rows 5, 15 and 16 of "
                            "ncci/ptp-hospital.csv form a circle: 96360 over 36000 over 20610 over 96360 "
                            "(all of them apply on 2025-02-01)"]


def test_a_circle_of_four(tmp_path: Path) -> None:
    err = _broken(tmp_path, "ptp-hospital.csv",
                  lambda t: t + "36000,20610,,20250101,*,1,Circle\n20605,96360,,20250101,*,0,Circle\n")
    assert _errors(err) == ["ncci/ptp-hospital.csv:5:1: error[table-cycle]: rows 5, 15, 11 and 16 of "
                            "ncci/ptp-hospital.csv form a circle: 96360 over 36000 over 20610 over 20605 over 96360 "
                            "(all of them apply on 2025-01-01)"]


def test_overlapping_keys(tmp_path: Path) -> None:
    err = _broken(tmp_path, "ptp-practitioner.csv",
                  lambda t: t.replace("97140,97530,,20250601,*,0", "97140,97530,,20250301,*,0"))
    assert _errors(err) == ["ncci/ptp-practitioner.csv:24:1: error[duplicate-key]: rows 19 and 24 of "
                            "ncci/ptp-practitioner.csv have one key (97530, 97140) on a day in common"]


def test_a_code_twice_in_a_limit_table(tmp_path: Path) -> None:
    err = _broken(tmp_path, "mue-practitioner.csv", lambda t: t + "96372,6,3 Date of Service Edit: Clinical,Again\n")
    assert _errors(err) == ["ncci/mue-practitioner.csv:28:1: error[duplicate-key]: rows 6 and 28 of "
                            "ncci/mue-practitioner.csv have one key (96372)"]


def test_add_on_types_that_disagree(tmp_path: Path) -> None:
    err = _broken(tmp_path, "aoc.csv", lambda t: t.replace("96375,96374,1", "96375,96374,3"))
    assert _errors(err) == ["ncci/aoc.csv:11:1: error[inconsistent-rows]: rows 10 and 11 of ncci/aoc.csv give "
                            "addon_code 96375 two values of aoc_type: 1 and 3"]


def test_placeholders_only_on_type_2_rows(tmp_path: Path) -> None:
    err = _broken(tmp_path, "aoc.csv", lambda t: t.replace("20985,CCCCC,2", "20985,CCCCC,1"))
    assert _errors(err) == ["ncci/aoc.csv:19:1: error[row-requirement]: row 19 of ncci/aoc.csv: 20985: CCCCC stands "
                            "for the primary code of a type-2 row, and only there (type 1, primary CCCCC)"]


def test_add_on_codes_listed_both_ways(tmp_path: Path) -> None:
    err = _broken(tmp_path, "aoc.csv", lambda t: t + "96365,96366,1,20100101,*\n")
    assert _errors(err) == ["ncci/aoc.csv:7:1: error[table-cycle]: rows 7 and 24 of ncci/aoc.csv list 96366 over "
                            "96365 and 96365 over 96366 (all of them apply on 2025-01-01)"]


def test_a_circle_of_add_on_codes(tmp_path: Path) -> None:
    err = _broken(tmp_path, "aoc.csv", lambda t: t + "96413,96365,1,20100101,*\n96365,96415,1,20100101,*\n")
    assert _errors(err) == ["ncci/aoc.csv:14:1: error[table-cycle]: rows 14, 24 and 25 of ncci/aoc.csv form a circle: "
                            "96415 over 96413 over 96365 over 96415 (all of them apply on 2025-01-01)"]


@pytest.mark.slow
def test_an_add_on_that_is_never_paid_is_a_warning(tmp_path: Path) -> None:
    """KN7: every listed primary of 17003 (17000) is denied beside it by an indicator-0 pair with
    17003 in column one."""
    shutil.copyfile(NCCI, tmp_path / "ncci.rules")
    shutil.copytree(TABLES, tmp_path / "ncci")
    path = tmp_path / "ncci" / "ptp-practitioner.csv"
    path.chmod(0o644)
    path.write_text(path.read_text(encoding="utf-8") + "17003,17000,,20250201,*,0,Never paid\n", encoding="utf-8")
    code, _, err = run_cli("check", "--color", "never", str(tmp_path / "ncci.rules"))
    assert code == 0
    err = err.replace(str(tmp_path) + "/", "")
    assert "error[" not in err
    assert [line for line in err.splitlines() if "warning[table-warning]" in line] == [
        "ncci/aoc.csv:16:1: warning[table-warning]: rows 16 of ncci/aoc.csv: every primary code listed for add-on "
        "17003 is denied beside it by an indicator-0 pair with the add-on in column one, so the add-on is never paid "
        "(professional claims, from 2025-02-01)"]
    assert "ncci/ptp-practitioner.csv:25:1: note: row 25 of ncci/ptp-practitioner.csv" in err


# ---------------------------------------------------------------- rules that read their own findings

CIRCLE = """pack circle
  title "Add-ons that follow each other"
  version "1"
  effective 2024-01-01
  source "t.txt"

map primary_of "The primary each add-on follows" = 96366 -> 96367, 96367 -> 96366

rule R1-unpaid-primary "An add-on follows a paid primary"
  target 96366, 96367
  when no other line x where same date and x.code = primary_of[line.code]
    and not (x flagged by R1-unpaid-primary)
  deny "x"
"""


def test_a_circle_of_lines_reads_the_line_being_decided_as_not_flagged(tmp_path: Path) -> None:
    (tmp_path / "circle.rules").write_text(CIRCLE, encoding="utf-8")
    _, interpreter, module = engines(tmp_path / "circle.rules")
    claim = {"id": "C", "type": "professional", "pos": "11", "lines": [
        {"code": "96366", "date": "2024-09-12"}, {"code": "96367", "date": "2024-09-12"}]}
    # line 1 asks for line 2, which asks for line 1 (being decided: not flagged), so line 2 is paid,
    # and so is line 1
    assert outcome(module.evaluate, claim) == outcome(interpreter.evaluate, claim) == []
    alone = {"id": "C", "type": "professional", "pos": "11", "lines": [{"code": "96366", "date": "2024-09-12"}]}
    assert [f.line for f in module.evaluate(alone)] == [f.line for f in interpreter.evaluate(alone)] == [1]


@pytest.mark.slow
def test_the_native_build_gives_the_same_findings(native_cache: Path) -> None:
    reason = native_unavailable()
    if reason:
        pytest.skip(reason)
    module = native_module(NCCI, native_cache)
    rng = random.Random(7)
    for claim in [c["claim"] for c in SCENARIOS] + [random_ncci_claim(rng) for _ in range(300)]:
        assert outcome(module.evaluate, claim) == outcome(MODULE.evaluate, claim), json.dumps(claim)


@pytest.mark.slow
def test_the_native_build_reads_its_tables_when_imported_by_name(tmp_path: Path, native_cache: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`build --native` writes the extension and its tables side by side; a fresh interpreter that
    has the folder on sys.path (as for generated/, or an installed wheel) imports it by name: its
    body reads the tables while `__file__` is only the extension's bare name."""
    reason = native_unavailable()
    if reason:
        pytest.skip(reason)
    monkeypatch.setenv("RULESC_CACHE", str(native_cache))
    code, _, err = run_cli("build", "--native", "--out", str(tmp_path / "native"), str(NCCI))
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "native").iterdir()) == sorted([f"ncci{extension_suffix()}",
                                                                               "ncci.tables"])
    script = ("import json, sys; sys.path.insert(0, sys.argv[1]); import ncci\n"
              "print(ncci.__file__)\n"
              "print(json.dumps([f.to_dict() for f in ncci.evaluate(json.loads(sys.argv[2]))]))")
    claim = SCENARIOS[0]["claim"]
    done = subprocess.run([sys.executable, "-I", "-S", "-c", script, str(tmp_path / "native"), json.dumps(claim)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    path, findings = done.stdout.splitlines()
    assert path.endswith(extension_suffix()) and json.loads(findings) == [f.to_dict() for f in MODULE.evaluate(claim)]


@pytest.mark.slow
def test_the_wheel_carries_the_tables_beside_the_module(tmp_path: Path) -> None:
    code, _, err = run_cli("build", "--wheel", str(tmp_path / "dist"), str(NCCI))
    assert code == 0, err
    (wheel,) = (tmp_path / "dist").glob("ncci-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert {"ncci.py", "ncci.tables"} <= set(archive.namelist())
        archive.extractall(site)
    claim = SCENARIOS[0]["claim"]
    script = ("import json, sys; sys.path.insert(0, sys.argv[1]); import ncci\n"
              "print(len(ncci.evaluate(json.loads(sys.argv[2]))))")
    done = subprocess.run([sys.executable, "-I", "-S", "-c", script, str(site), json.dumps(claim)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(MODULE.evaluate(claim)) > 0
