"""Questions about rules that read tables from files: the analyzer reasons about the rows as
relations, refutes what no row allows, and builds each witness from real rows, which the
interpreter replays."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest

from compiler.analysis.conflicts import analyze_conflicts
from compiler.analysis.conflicts.report import Entry, Report
from compiler.semantics import ir
from tests.analysis.checks import confirmed, interpreter
from tests.conftest import ROOT
from tests.helpers import compile_ok

TABLES = Path(__file__).parent / "packs" / "tables"


def analyzed(path: Path, **options: Any) -> tuple[ir.Pack, Report]:
    pack, sources = compile_ok(path)
    options.setdefault("use_cache", False)
    return pack, analyze_conflicts(pack, sources=sources, strict=True, **options)


def copied(tmp_path: Path) -> Path:
    """The table fixtures in a folder of their own, to be edited."""
    folder = tmp_path / "tables"
    shutil.copytree(TABLES, folder)
    return folder


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def entries(report: Report, kind: str, *rules: str) -> list[Entry]:
    return [e for e in report.conflicts if e.kind == kind and set(e.rules) == set(rules)]


def test_an_overlap_that_some_rows_allow_has_a_witness_built_from_a_real_row() -> None:
    """R1 denies the column two code of an indicator-0 pair, R3 reviews units over a clinical limit:
    they meet only on 36000 (column two of 96365, clinical limit 1), and the witness says so."""
    pack, report = analyzed(TABLES / "tables.rules")
    assert report.summary()["unknown"] == 0 and not report.disagreements
    (entry,) = entries(report, "overlap", "R1-column-two", "R3-clinical-limit")
    assert entry.severity == "error" and entry.resolved_by is None
    assert entry.witness is not None and entry.line is not None
    lines = entry.witness["lines"]
    decided = lines[entry.line - 1]
    pair = next(r for r in rows(TABLES / "ptp.csv") if r["column_2"] == decided["code"])
    limit = next(r for r in rows(TABLES / "limits.csv") if r["code"] == decided["code"])
    assert (decided["code"], pair["column_1"], pair["modifier_indicator"]) == ("36000", "96365", "0")
    assert limit["mai"].startswith("3") and decided.get("units", 1) > int(limit["limit"])
    assert any(line["code"] == pair["column_1"] and line["date"] == decided["date"] for line in lines)
    assert confirmed(entry, pack)  # the interpreter, on the witness, gives both findings on the line


def test_an_overlap_that_no_row_allows_is_refuted(tmp_path: Path) -> None:
    """With 36000's limit a line limit, no code is both the column two code of an indicator-0 pair
    and under a clinical limit: the overlap is proved impossible for these rows, and neither rule
    is dead."""
    folder = copied(tmp_path)
    limits = folder / "limits.csv"
    limits.write_text(limits.read_text(encoding="utf-8").replace(
        "36000,1,3 Date of Service Edit: Clinical", "36000,1,1 Line Edit"), encoding="utf-8")
    _, report = analyzed(folder / "tables.rules")
    assert [(e.kind, e.rules) for e in report.conflicts] == []
    assert report.summary() == {"error": 0, "warning": 0, "info": 0, "resolved": 0, "unknown": 0}


def test_an_edited_table_asks_its_questions_again(tmp_path: Path) -> None:
    """The cached report is the one of the tables' content: a row changed in a CSV file, and the
    same rules get the answer of the new rows."""
    folder = copied(tmp_path)
    cache = tmp_path / "cache"
    _, before = analyzed(folder / "tables.rules", use_cache=True, cache_dir=cache)
    assert entries(before, "overlap", "R1-column-two", "R3-clinical-limit")
    ptp = folder / "ptp.csv"
    ptp.write_text(ptp.read_text(encoding="utf-8").replace("96365,36000,19960101,*,0", "96365,36000,19960101,*,9"),
                   encoding="utf-8")
    _, after = analyzed(folder / "tables.rules", use_cache=True, cache_dir=cache)
    # the only indicator-0 row is now 9: R1 can never apply
    assert not after.cached and [(e.kind, e.rules) for e in after.conflicts] == [("dead-rule", ["R1-column-two"])]
    _, again = analyzed(folder / "tables.rules", use_cache=True, cache_dir=cache)
    assert again.cached and [e.kind for e in again.conflicts] == ["dead-rule"]


def test_a_rule_that_reads_its_own_findings_is_encoded() -> None:
    """A1 denies an add-on without a payable primary, a primary that A1 itself denies not counting
    (96366 after 96367 after 96365): its questions are answered, none unknown, and its overlap with
    a review of units is shown on a claim the interpreter confirms."""
    pack, report = analyzed(TABLES / "addons.rules")
    assert report.summary()["unknown"] == 0 and not report.disagreements
    assert not [e for e in report.conflicts if e.kind in ("dead-rule", "masked-rule")]
    (entry,) = entries(report, "overlap", "A1-addon-without-payable-primary", "R3-clinical-limit")
    assert entry.witness is not None and entry.line is not None
    addons = {r["addon_code"] for r in rows(TABLES / "aoc.csv")}
    assert entry.witness["lines"][entry.line - 1]["code"] in addons
    assert confirmed(entry, pack)


def test_an_add_on_chain_is_decided_from_the_primary_up() -> None:
    """The interpreter's reading that the analyzer encodes: 96365 denied for its units leaves 96367
    without a payable primary, and then 96366 (whose primaries are 96365 and 96367) too."""
    pack, _ = compile_ok(TABLES / "addons.rules")
    claim = {"id": "C", "type": "professional", "pos": "11", "lines": [
        {"code": "96366", "date": "2025-03-10"}, {"code": "96367", "date": "2025-03-10"},
        {"code": "96365", "date": "2025-03-10", "units": 2}]}
    found = {(f.line, f.rule) for f in interpreter(pack).evaluate(claim)}
    assert found == {(1, "A1-addon-without-payable-primary"), (2, "A1-addon-without-payable-primary"),
                     (3, "Z1-over-policy-limit")}


def test_a_total_over_a_limit_settles_its_mutual_denial_with_a_label(tmp_path: Path) -> None:
    """Two lines of one code whose units together exceed the limit are each denied because of the
    other: found with a witness, and settled by the rule's `resolves` label at its `sum(...)`;
    without the label it is an error."""
    pack, report = analyzed(TABLES / "totals.rules")
    (entry,) = entries(report, "mutual-denial", "T1-date-limit")
    assert entry.severity == "info" and entry.resolved_by is not None
    assert entry.resolved_by.declaration == "condition" and entry.resolved_by.resolves == "L1"
    where = entry.resolved_by.location
    assert where is not None
    text = (TABLES / "totals.rules").read_text(encoding="utf-8").split("\n")[where.line - 1]
    assert text[where.column - 1:].startswith("sum(x.units")
    assert entry.witness is not None and confirmed(entry, pack)
    limited = {r["code"] for r in rows(TABLES / "limits.csv") if r["mai"].startswith("2")}
    assert {line["code"] for line in entry.witness["lines"]} <= limited
    folder = copied(tmp_path)
    rules = folder / "totals.rules"
    rules.write_text("\n".join(line for line in rules.read_text(encoding="utf-8").split("\n")
                               if "resolves L1" not in line), encoding="utf-8")
    _, bare = analyzed(rules)
    (unsettled,) = entries(bare, "mutual-denial", "T1-date-limit")
    assert unsettled.severity == "error" and unsettled.resolved_by is None


@pytest.mark.slow  # the NCCI pack's whole analysis, about 10 s
def test_the_ncci_pack_has_no_unknown_and_settles_its_known_conflicts() -> None:
    pack, report = analyzed(ROOT / "policies" / "ncci.rules")
    summary = report.summary()
    assert summary["unknown"] == 0 and summary["error"] == 0 and not report.disagreements
    labels = {e.resolved_by.resolves for e in report.conflicts if e.resolved_by is not None}
    assert {"KN1", "KN4", "KN8", "N07"} <= labels
    (kn8,) = entries(report, "overlap", "N08-mue-per-date-clinical", "N10-addon-without-payable-primary")
    assert kn8.resolved_by is not None
    assert kn8.resolved_by.id == "N10-addon-without-payable-primary over N08-mue-per-date-clinical"
    for entry in report.conflicts:
        if entry.witness is not None:
            assert confirmed(entry, pack), (entry.kind, entry.rules)
