"""`rulesc diff` on two versions of the NCCI pack whose tables differ, as a quarterly release changes
them: the rows added, removed and changed per table file with their witnesses (replayed here through
both packs' interpreters), the rules reading a changed table (never `equivalent`), `--check`,
`--input`, and the documents' "Changes since" section.

The report of the sample tables' quarterly update is compared whole with tests/changes/golden/
(RULESC_REGEN=1 rewrites the files after a deliberate change).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from compiler.analysis.changes.compare import compare_packs
from compiler.analysis.changes.model import ChangeReport, Witness
from compiler.analysis.changes.monotone import Unanalyzable, movement
from compiler.analysis.changes.rows import _unmatched, file_diffs
from compiler.interpreter.evaluate import Interpreter
from compiler.semantics import ir
from tests.changes.test_compare import assert_replayed
from tests.helpers import compile_plan, run_cli

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"

#: the quarterly release of the sample tables: (file, text, replacement) and rows appended
QUARTERLY: list[tuple[str, str, str]] = [
    # an indicator changed: the pair no longer yields to a modifier
    ("ptp-practitioner.csv", "96413,96372,,20100101,*,1,", "96413,96372,,20100101,*,0,"),
    # a deletion date added: the pair stops applying on 2025-07-01
    ("ptp-practitioner.csv", "96365,96374,,20150101,*,1,", "96365,96374,,20150101,20250701,1,"),
    # the rationale alone changed: no claim is decided differently
    ("ptp-practitioner.csv", "29881,29877,,20100101,*,1,More extensive procedure",
     "29881,29877,,20100101,*,1,Standards of medical/surgical services"),
    # a row removed
    ("ptp-practitioner.csv", "20610,99213,,20120101,*,1,Standards of medical/surgical services\n", ""),
    # a unit limit lowered
    ("mue-practitioner.csv", "96372,4,3 Date", "96372,3,3 Date"),
    # an add-on's primary no longer listed
    ("aoc.csv", "96375,96409,1,20100101,*\n", ""),
]
ADDED = {"ptp-practitioner.csv": ["97110,97530,,20250401,*,0,Mutually exclusive procedures"]}


def versions(folder: Path, edits: list[tuple[str, str, str]], added: dict[str, list[str]],
             version: str = "2025.2", previous: bool = False) -> tuple[Path, Path]:
    """`old/` holds the pack and its sample tables as committed, `new/` the same with the edits."""
    for name in ("old", "new"):
        shutil.copytree(ROOT / "policies" / "ncci", folder / name / "ncci")
        shutil.copyfile(ROOT / "policies" / "ncci.rules", folder / name / "ncci.rules")
    new = folder / "new"
    for file, text, replacement in edits:
        path = new / "ncci" / file
        content = path.read_text(encoding="utf-8")
        assert content.count(text) == 1, (file, text)
        path.write_text(content.replace(text, replacement), encoding="utf-8")
    for file, rows in added.items():
        path = new / "ncci" / file
        path.write_text(path.read_text(encoding="utf-8") + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    rules = new / "ncci.rules"
    header = f'  version "{version}"' + ('\n  previous "../old/ncci.rules"' if previous else "")
    rules.write_text(rules.read_text(encoding="utf-8").replace('  version "2025.1"', header), encoding="utf-8")
    return folder / "old" / "ncci.rules", rules


def compared(folder: Path, edits: list[tuple[str, str, str]], added: dict[str, list[str]],
             ) -> tuple[ChangeReport, ir.Plan, ir.Plan]:
    old, new = versions(folder, edits, added)
    old_plan, new_plan = compile_plan(old)[0], compile_plan(new)[0]
    return compare_packs(old_plan.pack, new_plan.pack), old_plan, new_plan


def golden(name: str, text: str) -> str:
    path = GOLDEN / name
    if os.environ.get("RULESC_REGEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- the report, exactly


def test_a_quarterly_update_is_reported_table_by_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    versions(tmp_path, QUARTERLY, ADDED)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("diff", "old/ncci.rules", "new/ncci.rules", "--format", "json")
    assert code == 0, err
    assert out == golden("ncci-quarterly.json", out)
    code, text, err = run_cli("diff", "old/ncci.rules", "new/ncci.rules")
    assert code == 0, err
    assert text == golden("ncci-quarterly.txt", text)

    report = json.loads(out)
    tables = {(t["table"], t["file"]): t for t in report["tables"]}
    assert sorted(tables) == [("aoc", "new/ncci/aoc.csv"), ("mue", "new/ncci/mue-hospital.csv"),
                              ("mue", "new/ncci/mue-practitioner.csv"), ("ptp", "new/ncci/ptp-hospital.csv"),
                              ("ptp", "new/ncci/ptp-practitioner.csv")]
    ptp = tables[("ptp", "new/ncci/ptp-practitioner.csv")]
    assert ptp["rows"] == {"old": 23, "new": 23, "added": 1, "removed": 1, "changed": 3}
    assert ptp["old_digest"].startswith("sha256:") and ptp["old_digest"] != ptp["new_digest"]
    by_key = {(c["change"], *c["key"]): c for c in ptp["changes"]}
    assert set(by_key) == {("added", "97110", "97530"), ("removed", "20610", "99213"),
                           ("changed", "96413", "96372"), ("changed", "96365", "96374"),
                           ("changed", "29881", "29877")}
    assert by_key[("added", "97110", "97530")]["new"] == {
        "prior_1996": "", "effective_date": "2025-04-01", "deletion_date": None, "modifier_indicator": 0,
        "rationale": "Mutually exclusive procedures"}
    assert by_key[("changed", "29881", "29877")]["witness"] is None  # the rationale alone
    indicator = by_key[("changed", "96413", "96372")]
    assert (indicator["old"]["modifier_indicator"], indicator["new"]["modifier_indicator"]) == (1, 0)
    assert indicator["witness"]["new"][0]["rule"] == "N01-ptp-practitioner"
    deleted = by_key[("changed", "96365", "96374")]["witness"]
    assert deleted["claim"]["lines"][0]["date"] == "2025-07-01" and deleted["new"] == []
    unchanged = tables[("ptp", "new/ncci/ptp-hospital.csv")]
    assert unchanged["rows"]["added"] == unchanged["rows"]["removed"] == unchanged["rows"]["changed"] == 0
    assert unchanged["changes"] == [] and unchanged["old_digest"] == unchanged["new_digest"]

    rules = {r["rule"]: r for r in report["rules"]}
    # rules reading a table whose rows changed for them are never equivalent
    for rule in ("N01-ptp-practitioner", "N06-mue-per-line", "N07-mue-per-date-policy", "N08-mue-per-date-clinical",
                 "N09-mue-zero", "N10-addon-without-payable-primary", "N11-addon-without-listed-primary"):
        assert rules[rule]["change"] != "equivalent", rule
    # the hospital files did not change: the outpatient rules decide as before
    assert rules["N02-ptp-hospital"]["change"] == rules["N12-inpatient-not-edited"]["change"] == "equivalent"
    assert rules["N01-ptp-practitioner"]["change"] == "incomparable"
    # tables come after the rules in the text, one paragraph per changed file
    assert text.index("N01-ptp-practitioner: incomparable") < text.index("Table ptp, new/ncci/ptp-practitioner.csv")
    assert "Table ptp, new/ncci/ptp-hospital.csv" not in text


def test_every_witness_is_replayed_through_both_packs(tmp_path: Path) -> None:
    report, old, new = compared(tmp_path, QUARTERLY, ADDED)
    assert report.tables is not None
    witnessed = 0
    for table in report.tables:
        for row in table.changes:
            if row.witness is None:
                continue
            witnessed += 1
            _assert_row_replayed(row.witness, old, new)
    assert witnessed == 6  # every changed row but the rationale's
    for change in report.rules:
        if change.witnesses:
            assert_replayed(change, old, new)


def _assert_row_replayed(witness: Witness, old: ir.Plan, new: ir.Plan) -> None:
    """The witness's findings on its line are what each pack's interpreter gives, and they differ."""
    before = [f.to_dict() for f in Interpreter(old).evaluate(witness.claim) if f.line == witness.line]
    after = [f.to_dict() for f in Interpreter(new).evaluate(witness.claim) if f.line == witness.line]
    assert (before, after) == (witness.old, witness.new)
    assert {(f["rule"], f["disposition"]) for f in before} != {(f["rule"], f["disposition"]) for f in after}


def test_counts_are_complete_and_the_rows_listed_are_the_first_fifty(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """60 new pairs, each of two codes the tables did not list: the counts say 60, the JSON lists
    the first 50 in the order of their keys, each with its own replayed witness, and the text shows
    10 and says how many more there are."""
    pairs = [(f"{90100 + n}", f"{80100 + n}") for n in range(60)]
    versions(tmp_path, [], {"ptp-practitioner.csv": [f"{a},{b},,20250401,*,0,Mutually exclusive procedures"
                                                     for a, b in pairs]})
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("diff", "old/ncci.rules", "new/ncci.rules", "--format", "json")
    assert code == 0, err
    (ptp,) = [t for t in json.loads(out)["tables"] if t["changes"]]
    assert ptp["rows"] == {"old": 23, "new": 83, "added": 60, "removed": 0, "changed": 0}
    assert [tuple(c["key"]) for c in ptp["changes"]] == pairs[:50]
    for change, (_, column_2) in zip(ptp["changes"], pairs, strict=False):
        witness = change["witness"]
        assert witness["claim"]["lines"][witness["line"] - 1]["code"] == column_2
        assert witness["old"] == [] and [f["rule"] for f in witness["new"]] == ["N01-ptp-practitioner"]
    code, text, err = run_cli("diff", "old/ncci.rules", "new/ncci.rules")
    assert code == 0, err
    listed = [line for line in text.splitlines() if line.startswith("  added ")]
    assert listed[0].startswith(f"  added {pairs[0][0]}, {pairs[0][1]}: ") and len(listed) == 10
    assert "  and 50 more changed rows (the JSON report lists the first 50 with their witnesses)" in text
    assert "1 of 5 table files changed: 60 rows added, 0 removed, 0 changed." in text.splitlines()[0]


# ---------------------------------------------------------------- rules reading changed tables


def test_rows_only_added_make_the_readers_broader_or_narrower(tmp_path: Path) -> None:
    """Rows only added to ptp: N01 reads them under no negation, so it can only gain lines, and a
    replayed claim shows one: broader. N08 yields to N01 (a precedence), so it can only lose lines:
    narrower. The rules that cannot be decided that way stay unknown, never equivalent."""
    report, old, new = compared(tmp_path, [], ADDED)
    rules = {r.rule: r for r in report.rules}
    assert rules["N01-ptp-practitioner"].change == "broader"
    assert "can only gain lines" in rules["N01-ptp-practitioner"].message
    assert_replayed(rules["N01-ptp-practitioner"], old, new)
    # N08 yields to N01 but also to N10 (KN8), which reads its own findings: which way N08 moves
    # is not analyzed, so it is never called equivalent
    assert rules["N08-mue-per-date-clinical"].change in ("unknown", "narrower")
    if rules["N08-mue-per-date-clinical"].change == "unknown":
        assert "N10-addon-without-payable-primary, which takes precedence" in rules["N08-mue-per-date-clinical"].message
    assert rules["N10-addon-without-payable-primary"].change == "unknown"
    assert "reads its own findings" in rules["N10-addon-without-payable-primary"].message
    for rule in ("N02-ptp-hospital", "N06-mue-per-line", "N07-mue-per-date-policy", "N09-mue-zero"):
        assert rules[rule].change == "equivalent", rule  # they read no ptp row of a professional claim


def test_a_rationale_alone_changes_no_decision_but_is_a_change_of_the_tables(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    versions(tmp_path, [QUARTERLY[2]], {}, version="2025.1")
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("diff", "old/ncci.rules", "new/ncci.rules", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert set(report["summary"].items()) >= {("equivalent", 11)}
    (changed,) = [t for t in report["tables"] if t["changes"]]
    assert changed["rows"] == {"old": 23, "new": 23, "added": 0, "removed": 0, "changed": 1}
    assert changed["changes"][0]["witness"] is None
    code, text, _ = run_cli("diff", "old/ncci.rules", "new/ncci.rules")
    assert "0 of 11 rules decide differently" in text and "No rule decides differently." in text
    assert "changed 29881, 29877 from 2010-01-01: rationale \"More extensive procedure\" -> " in text
    assert "no claim is decided differently by this row alone" in text
    code, _, err = run_cli("diff", "old/ncci.rules", "new/ncci.rules", "--check")
    assert code == 1
    assert err == ("rulesc diff: the rows of 1 table file changed (ptp (new/ncci/ptp-practitioner.csv)) but the "
                   "version is still '2025.1'; raise `version` in the pack's header\n")


def test_check_counts_a_table_change_as_a_change_of_decisions(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    versions(tmp_path / "same", QUARTERLY, ADDED, version="2025.1")
    versions(tmp_path / "bumped", QUARTERLY, ADDED)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("diff", "same/old/ncci.rules", "same/new/ncci.rules", "--check")
    assert code == 1
    assert "7 rules decide differently (N01-ptp-practitioner" in err and "the rows of 3 table files changed" in err
    assert run_cli("diff", "bumped/old/ncci.rules", "bumped/new/ncci.rules", "--check")[0] == 0
    assert run_cli("diff", "same/old/ncci.rules", "same/old/ncci.rules", "--check")[0] == 0


def test_input_measures_the_impact_with_each_packs_own_tables(tmp_path: Path) -> None:
    old, new = versions(tmp_path, QUARTERLY, ADDED)
    claims = tmp_path / "claims.jsonl"
    records = [
        {"id": "A", "type": "professional", "pos": "11", "provider": "1", "lines": [
            {"code": "96413", "date": "2025-03-10", "modifiers": ["59"]}, {"code": "96372", "date": "2025-03-10"}]},
        {"id": "B", "type": "professional", "pos": "11", "provider": "1", "lines": [
            {"code": "97110", "date": "2025-05-10"}, {"code": "97530", "date": "2025-05-10"}]},
        {"id": "C", "type": "professional", "pos": "11", "provider": "1", "lines": [
            {"code": "96372", "date": "2025-05-10", "units": 4}]},
        {"id": "D", "type": "professional", "pos": "11", "provider": "1", "lines": [
            {"code": "20610", "date": "2025-05-10"}, {"code": "99213", "date": "2025-05-10"}]},
        {"id": "E", "type": "institutional", "lines": [
            {"code": "96413", "date": "2025-03-10", "modifiers": ["59"]}, {"code": "96372", "date": "2025-03-10"}]},
    ]
    claims.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    code, out, err = run_cli("diff", str(old), str(new), "--input", str(claims), "--format", "json", "--jobs", "1")
    assert code == 0, err
    assert json.loads(out)["impact"] == {
        "claims": 5, "changed": 4, "lines_changed": 4,
        "by_rule": {"N01-ptp-practitioner": {"added": 2, "removed": 1, "changed": 0},
                    "N08-mue-per-date-clinical": {"added": 1, "removed": 0, "changed": 0}}}


# ---------------------------------------------------------------- the pieces


def test_rows_are_matched_by_key_and_start(tmp_path: Path) -> None:
    """The pair 97140/97530 has two rows (2020 to 2025-04-01, and from 2025-06-01): each is matched by
    its start, so changing the second one is a change of that row, not of the pair's other row."""
    edits = [("ptp-practitioner.csv", "97140,97530,,20250601,*,0,", "97140,97530,,20250601,*,1,")]
    old, new = versions(tmp_path, edits, {}, version="2025.1")
    diffs = {d.path.rsplit("/", 1)[1]: d for d in file_diffs(compile_plan(old)[0].pack, compile_plan(new)[0].pack)}
    diff = diffs["ptp-practitioner.csv"]
    ((change, _, _),) = diff.row_changes()
    assert change.change == "changed" and change.key == ("97140", "97530")
    assert change.old is not None and change.new is not None
    assert (change.old["effective_date"], change.old["modifier_indicator"], change.new["modifier_indicator"]) == (
        "2025-06-01", 0, 1)
    assert diff.direction == "mixed" and diffs["aoc.csv"].direction == "same" and not diffs["aoc.csv"].differs


def test_rows_repeated_are_matched_once_per_copy() -> None:
    old, new = [5, 7, 7, 9], [7, 9, 9, 11]
    assert _unmatched(lambda: iter(old), lambda: iter(new), len(old), len(new)) == ([0, 2], [2, 3])
    assert _unmatched(lambda: iter([1, 2]), lambda: iter([2, 3]), 2, 2) == ([0], [1])


def test_which_way_a_rule_can_move_with_its_tables() -> None:
    pack = compile_plan(ROOT / "policies" / "ncci.rules")[0].pack
    assert movement(pack, "N01-ptp-practitioner", {"ptp": "grow"}) == "gains"
    assert movement(pack, "N01-ptp-practitioner", {"ptp": "shrink"}) == "loses"
    assert movement(pack, "N01-ptp-practitioner", {"mue": "grow"}) == "none"
    with pytest.raises(Unanalyzable, match="N10-addon-without-payable-primary, which takes precedence"):
        movement(pack, "N08-mue-per-date-clinical", {"ptp": "grow"})  # N10 over N08 (KN8) reads its own findings
    assert movement(pack, "N11-addon-without-listed-primary", {"aoc": "grow"}) == "both"  # `no other line`
    assert movement(pack, "N06-mue-per-line", {"mue": "mixed"}) == "both"
    with pytest.raises(Unanalyzable, match="reads its own findings"):
        movement(pack, "N10-addon-without-payable-primary", {"ptp": "grow"})


# ---------------------------------------------------------------- the documents


@pytest.mark.slow
def test_the_documents_show_the_tables_changes_since_the_previous_version(tmp_path: Path) -> None:
    """The release's rows that leave the pack's own examples as they are (`build` runs them): a
    deletion date from July, a reworded rationale, a pair added in April, an add-on row removed."""
    _, new = versions(tmp_path, [QUARTERLY[1], QUARTERLY[2], QUARTERLY[5]], ADDED, previous=True)
    out = tmp_path / "out"
    code, _, err = run_cli("build", str(new), "--out", str(out))
    assert code == 0, err
    page = (out / "ncci-policy" / "changes.md").read_text(encoding="utf-8")
    assert "2 of the 5 files of tables read from files changed rows" in page
    assert ("**Table ptp**, ncci/ptp-practitioner.csv: 23 rows under 2025.1, 24 under 2025.2: 1 added, 0 removed, "
            "2 changed.") in page
    assert "**Table aoc**, ncci/aoc.csv: 22 rows under 2025.1, 21 under 2025.2: 0 added, 1 removed, 0 changed." in page
    assert "- changed 96365, 96374 from 2015-01-01: deletion\\_date none -\\> 2025-07-01" in page
    assert "**Witness T2: line 2, decided differently**" in page
    assert "No claim is decided differently by this row alone." in page
    assert "ptp-hospital" not in page  # unchanged
    html = (out / "ncci.html").read_text(encoding="utf-8")
    assert 'class="entry table-change" id="table-change-ptp-ncci-ptp-practitioner-csv"' in html
    assert "changed 96365, 96374 from 2015-01-01: deletion_date none -&gt; 2025-07-01" in html
