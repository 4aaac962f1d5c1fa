"""One small bad pack per kind of conflict, good packs that stay clean, and the report's form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compiler.analysis.conflicts import ReplayMismatch, analyze_conflicts, render_sarif, render_text
from compiler.analysis.conflicts.report import KINDS, Report
from compiler.analysis.conflicts.universe import is_drug_code
from compiler.interpreter.evaluate import Interpreter
from compiler.semantics import ir
from tests.analysis.checks import confirmed
from tests.helpers import compile_ok, compile_plan

PACKS = Path(__file__).parent / "packs"


def analyzed(name: str, **options: Any) -> tuple[ir.Pack, Report]:
    pack, sources = compile_ok(PACKS / f"{name}.rules")
    report = analyze_conflicts(pack, sources=sources, use_cache=False, strict=True, **options)
    return pack, report


def unresolved(report: Report) -> list[Any]:
    return [e for e in report.conflicts if e.resolved_by is None]


BAD = [
    ("overlap", "overlap", {"A-units", "B-many-units"}),
    ("overlap_suggestions", "overlap", {"A-short", "B-facility"}),
    ("redundant", "redundant", {"A-units", "B-many-units"}),
    ("suggestion-withheld", "suggestion-withheld", {"A-short-infusion", "B-push-units"}),
    ("mutual-denial", "mutual-denial", {"A-injection-with-em", "B-em-with-injection"}),
    ("dead-rule", "dead-rule", {"A-impossible"}),
    ("masked-rule", "masked-rule", {"A-units", "B-any-injection"}),
    ("dead-exception", "dead-exception", {"X-one-unit", "A-units"}),
    ("unneeded-precedence", "unneeded-precedence", {"A-injection-units", "B-hydration-units"}),
]


@pytest.mark.parametrize(("name", "kind", "rules"), BAD, ids=[b[0] for b in BAD])
def test_each_bad_pack_gives_its_kind(name: str, kind: str, rules: set[str]) -> None:
    pack, report = analyzed(name)
    entries = unresolved(report)
    assert [e.kind for e in entries] == [kind], [(e.kind, e.rules) for e in report.conflicts]
    entry = entries[0]
    assert set(entry.rules) == rules
    assert entry.location is not None and entry.location.line >= 1
    assert not report.disagreements
    if kind in ("overlap", "redundant", "suggestion-withheld", "mutual-denial"):
        assert entry.witness is not None and entry.line is not None
        assert confirmed(entry, pack)
    else:
        assert entry.witness is None


def test_the_suggested_code_and_the_rules_are_named() -> None:
    pack, report = analyzed("suggestion-withheld")
    entry = report.conflicts[0]
    assert entry.rules == ["A-short-infusion", "B-push-units"]  # the suggesting rule is located
    assert "would suggest 96374" in entry.message and entry.severity == "info"
    assert entry.witness is not None and entry.line is not None
    assert entry.witness["lines"][entry.line - 1]["code"] == "96365"
    assert entry.witness["lines"][entry.line - 1].get("units", 1) > 1
    assert confirmed(entry, pack)


def test_a_suggestion_that_never_stands_is_dead() -> None:
    """A rule suggesting a code that another rule denies wherever it is suggested: the withholding
    (info) and the dead suggestion (error, naming the denier), with a witness the interpreter confirms."""
    pack, report = analyzed("dead-suggestion")
    kinds = [(e.kind, e.rules, e.severity) for e in report.conflicts]
    assert kinds == [("suggestion-withheld", ["A-infusion-units", "B-push-units"], "info"),
                     ("dead-suggestion", ["A-infusion-units", "B-push-units"], "error")]
    dead = report.conflicts[1]
    assert "can never stand" in dead.message and "B-push-units" in dead.message and dead.hint
    assert dead.location is not None and dead.location.line == 21  # the suggest clause
    assert dead.witness is not None and confirmed(dead, pack)
    assert report.failed


def test_a_suggestion_that_stands_somewhere_is_not_dead(tmp_path: Path) -> None:
    text = (PACKS / "dead-suggestion.rules").read_text(encoding="utf-8")
    path = tmp_path / "pack.rules"
    path.write_text(text.replace("  when line.units > 1\n  deny \"96374 is one unit.\"",
                                 "  when line.units > 2\n  deny \"96374 is one unit.\""), encoding="utf-8")
    pack, sources = compile_ok(path)
    report = analyze_conflicts(pack, sources=sources, use_cache=False, strict=True)
    assert [e.kind for e in report.conflicts] == ["suggestion-withheld"]


def test_witnesses_are_minimal() -> None:
    """A witness loses no line and no field without losing the conflict."""
    _, report = analyzed("mutual-denial")
    witness = report.conflicts[0].witness
    assert witness is not None
    assert [sorted(line) for line in witness["lines"]] == [["code", "date"], ["code", "date"]]
    assert witness["lines"][0]["date"] == witness["lines"][1]["date"]
    assert witness["lines"][0]["date"] >= "2024-01-01"


@pytest.mark.parametrize("name", ["clean_disjoint", "clean_resolved"])
def test_good_packs_stay_clean(name: str) -> None:
    pack, report = analyzed(name)
    assert not [e for e in report.conflicts if e.severity in ("error", "warning")], \
        [(e.kind, e.rules, e.message) for e in report.conflicts]
    assert not report.disagreements
    for entry in report.conflicts:
        if entry.witness is not None:
            assert confirmed(entry, pack)


def test_every_kind_of_declaration_is_shown_resolving_its_conflict() -> None:
    _, report = analyzed("clean_resolved")
    resolved = {(e.kind, e.resolved_by.declaration, e.resolved_by.resolves)
                for e in report.conflicts if e.resolved_by is not None}
    assert resolved == {("overlap", "precedence", "R1"), ("mutual-denial", "condition", "R2"),
                        ("suggestion-withheld", "suggestion", "R3"), ("overlap", "exception", "R4")}
    condition = next(e for e in report.conflicts if e.kind == "mutual-denial")
    assert condition.resolved_by is not None
    assert condition.resolved_by.id == "D-em-with-injection"
    where = condition.resolved_by.location
    assert where is not None and (where.line, where.column) > (1, 1)
    assert all(e.severity == "info" for e in report.conflicts)


def test_a_declaration_that_decides_nothing_is_reported(tmp_path: Path) -> None:
    text = (PACKS / "clean_resolved.rules").read_text(encoding="utf-8")
    text = text.replace("  when line.units > 1\n  deny \"96374 is one unit.\"",
                        "  when line.units > 1 and claim.type = \"institutional\"\n  deny \"96374 is one unit.\"")
    path = tmp_path / "pack.rules"
    path.write_text(text, encoding="utf-8")
    pack, sources = compile_ok(path)
    report = analyze_conflicts(pack, sources=sources, use_cache=False, strict=True)
    kinds = {(e.kind, tuple(e.rules)) for e in report.conflicts if e.resolved_by is None}
    assert ("dead-rule", ("F-push-units",)) in kinds
    assert ("unneeded-precedence", ("E-infusion-units",)) in kinds


def test_unknown_when_the_solver_runs_out() -> None:
    _, report = analyzed("unknown", rlimit=1)
    assert report.conflicts and {e.kind for e in report.conflicts} == {"unknown"}
    assert all(e.severity == "warning" and e.witness is None for e in report.conflicts)
    assert report.to_json()["summary"]["unknown"] == len(report.conflicts)
    assert not report.complete


def test_uncovered_rows_from_the_pack_header() -> None:
    """Rows the header declares (`rows R1, R2`) that nothing covers, also without the solver."""
    for solver in (True, False):
        pack, sources = compile_ok(PACKS / "uncovered-row.rules")
        report = analyze_conflicts(pack, sources=sources, use_cache=False, solver=solver)
        uncovered = [(e.kind, e.rules, e.severity) for e in report.conflicts if e.kind == "uncovered-row"]
        assert uncovered == [("uncovered-row", ["R2"], "error")]
        entry = next(e for e in report.conflicts if e.kind == "uncovered-row")
        assert entry.location is not None and entry.location.line == 8


def test_json_object_follows_the_contract() -> None:
    _, report = analyzed("clean_resolved")
    data = report.to_json()
    assert list(data) == ["pack", "bound", "seconds", "summary", "errors", "conflicts"]
    assert data["pack"] == "clean_resolved" and data["errors"] == []
    assert set(data["bound"]) == {"lines", "complete"}
    summary = data["summary"]
    assert summary["error"] + summary["warning"] + summary["info"] == len(data["conflicts"])
    assert summary["resolved"] == sum(1 for c in data["conflicts"] if c["resolved_by"])
    for conflict in data["conflicts"]:
        assert list(conflict) == ["kind", "severity", "rules", "line", "witness", "resolved_by", "message",
                                  "hint", "location"]
        assert set(conflict["location"]) == {"file", "line", "column"}
        if conflict["resolved_by"]:
            assert set(conflict["resolved_by"]) == {"declaration", "id", "resolves", "rationale", "location"}
    keys = [(KINDS.index(c["kind"]), c["rules"]) for c in data["conflicts"]]
    assert keys == sorted(keys)
    ids = [c["witness"]["id"] for c in data["conflicts"] if c["witness"]]
    assert ids == [f"W{n}" for n in range(1, len(ids) + 1)]
    json.dumps(data)


def test_the_report_is_deterministic() -> None:
    first = analyzed("clean_resolved")[1].to_json()
    second = analyzed("clean_resolved")[1].to_json()
    first.pop("seconds")
    second.pop("seconds")
    assert first == second


def test_text_shows_the_diagnostic_the_source_line_the_witness_and_the_findings() -> None:
    pack, sources = compile_ok(PACKS / "dead-suggestion.rules")
    report = analyze_conflicts(pack, sources=sources, use_cache=False)
    text = render_text(report, sources)
    dead = text[text.index("error[dead-suggestion]"):]
    first = text[text.rindex("\n", 0, text.index("error[dead-suggestion]")) + 1:].splitlines()[0]
    assert first.startswith(str(Path("tests/analysis/packs/dead-suggestion.rules")) + ":")
    assert "  suggest 96374" in dead and "^^^^^" in dead
    assert "line  code" in dead and "96365" in dead
    assert "A-infusion-units* deny" in dead and "A-infusion-units* deny suggest" not in dead  # withheld
    assert "B-push-units* deny" in dead  # the findings once billed as suggested


def test_sarif() -> None:
    _, report = analyzed("clean_resolved")
    sarif = render_sarif(report)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert len(results) == len(report.conflicts)
    for result, entry in zip(results, report.conflicts, strict=True):
        assert result["ruleId"] == entry.kind
        assert result["level"] == {"error": "error", "warning": "warning", "info": "note"}[entry.severity]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert ("suppressions" in result) == (entry.resolved_by is not None)


def test_cache_returns_the_same_report_and_survives_an_unwritable_folder(tmp_path: Path) -> None:
    pack, sources = compile_ok(PACKS / "overlap.rules")
    first = analyze_conflicts(pack, sources=sources, cache_dir=tmp_path / "c")
    second = analyze_conflicts(pack, sources=sources, cache_dir=tmp_path / "c")
    assert not first.cached and second.cached
    assert first.to_json()["conflicts"] == second.to_json()["conflicts"]
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    third = analyze_conflicts(pack, sources=sources, cache_dir=blocked / "sub")
    assert not third.cached and third.to_json()["conflicts"] == first.to_json()["conflicts"]
    other = analyze_conflicts(pack, sources=sources, cache_dir=tmp_path / "c", max_lines=3)
    assert not other.cached  # the options are part of the key


def test_the_solver_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    pack, sources = compile_ok(PACKS / "overlap.rules")
    monkeypatch.setenv("RULESC_ANALYSIS", "off")
    report = analyze_conflicts(pack, sources=sources, use_cache=False)
    assert report.conflicts == [] and not report.complete


def test_a_replay_mismatch_is_loud(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the interpreter ever disagrees with the solver, strict analysis raises."""
    from compiler.analysis.conflicts import witness

    monkeypatch.setattr(witness.Conflict, "lines", lambda self, replay, variant, claim: set())
    with pytest.raises(ReplayMismatch):
        analyzed("overlap")


def test_max_lines_bounds_every_question() -> None:
    """A rule that needs a second line looks dead on one-line claims; the report says it is bounded."""
    _, complete = analyzed("clean_disjoint")
    assert complete.complete and complete.lines == 2
    _, bounded = analyzed("clean_disjoint", max_lines=1)
    assert bounded.lines == 1 and not bounded.complete
    entry = next(e for e in bounded.conflicts if e.kind == "dead-rule")
    assert entry.rules == ["B-em-modifier"] and "up to 1 lines" in entry.message


def test_a_construct_that_cannot_be_encoded_gives_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never a silent pass: a question whose formula cannot be built is an `unknown` entry."""
    from compiler.analysis.conflicts import encode
    from compiler.analysis.conflicts.universe import Unsupported

    def refuse(self: object, expr: object, env: object, view: object) -> object:
        raise Unsupported("a test construct")

    monkeypatch.setattr(encode.Encoder, "_relation", refuse)
    _, report = analyzed("mutual-denial")
    assert report.conflicts and all(e.kind == "unknown" for e in report.conflicts)
    assert any("cannot encode: a test construct" in e.message for e in report.conflicts)
    assert {r for e in report.conflicts for r in e.rules} == {"A-injection-with-em", "B-em-with-injection"}


def test_mutual_denial_witnesses_carry_the_evidence_both_ways() -> None:
    """Each finding of a mutual-denial witness names the other line as its evidence."""
    plan, sources = compile_plan(PACKS / "mutual-denial.rules")
    report = analyze_conflicts(plan.pack, sources=sources, use_cache=False, strict=True)
    entry = report.conflicts[0]
    assert entry.witness is not None
    findings = Interpreter(plan).evaluate(entry.witness)
    by_line = {f.line: f for f in findings}
    assert by_line[1].evidence == (2,) and by_line[2].evidence == (1,)


FAMILIAR = """pack familiar
  title "Witness values a reader recognises"
  version "1"
  effective 2024-01-01
  source "none.txt"

section main "Main"
  text "Fixture for the conflict analyzer's witnesses."

rule A-drug "A push with a drug"
  cite main
  target 96374
  when line.drug is given
  deny "96374 with drug {drug}."

rule B-place "A push at a place of service"
  cite main
  target 96374
  when line.pos is given and line.pos != "99"
  review "96374 at {pos}."

rule C-drug-line "A drug line"
  cite main
  target J1745, J2405
  when line.units > 100
  review "{code} with {units} units."
"""


def test_a_witness_prefers_the_office_and_a_drug_code_of_the_pack(tmp_path: Path) -> None:
    """Where any place and any drug do, a witness shows the office (11, a place this pack never
    names) and a HCPCS drug code, not a made-up place (99) or drug (NDC-1)."""
    path = tmp_path / "familiar.rules"
    path.write_text(FAMILIAR, encoding="utf-8")
    pack, sources = compile_ok(path)
    report = analyze_conflicts(pack, sources=sources, use_cache=False, strict=True)
    entry = next(e for e in report.conflicts if set(e.rules) == {"A-drug", "B-place"})
    assert entry.witness is not None and confirmed(entry, pack)
    line = entry.witness["lines"][entry.line - 1]
    assert entry.witness.get("pos", line.get("pos")) == "11"
    assert is_drug_code(line["drug"]), line
