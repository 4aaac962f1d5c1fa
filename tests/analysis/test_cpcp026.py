"""The analyzer on the CPCP026 pack: K1-K4 appear resolved, with witnesses the interpreter confirms,
and each resolution taken out of the pack brings its conflict back, unresolved."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compiler.analysis.conflicts import analyze_conflicts, render_text
from compiler.analysis.conflicts.report import Report
from compiler.analysis.conflicts.universe import is_drug_code
from compiler.analysis.conflicts.witness import FAMILIAR_PLACES
from compiler.semantics import ir
from tests.analysis.checks import confirmed, interpreter
from tests.conftest import PACK
from tests.helpers import compile_ok

pytestmark = pytest.mark.slow  # the conflict analyzer's full runs over CPCP026 and its variants

SOURCE = PACK.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def analyzed() -> tuple[ir.Pack, Report]:
    pack, sources = compile_ok(PACK)
    return pack, analyze_conflicts(pack, sources=sources, use_cache=False, strict=True)


def _variant(tmp_path: Path, text: str) -> tuple[ir.Pack, Report]:
    assert text != SOURCE
    path = tmp_path / "cpcp026.rules"
    path.write_text(text, encoding="utf-8")
    pack, sources = compile_ok(path)
    return pack, analyze_conflicts(pack, sources=sources, use_cache=False, strict=True)


@pytest.mark.parametrize(("label", "kind", "rules", "declaration"), [
    ("K1", "suggestion-withheld", ["P15-facility-hierarchy", "P02-hydration-not-concurrent"], "precedence"),
    ("K2", "overlap", ["P15-facility-hierarchy", "P16-second-site-or-encounter"], "exception"),
    ("K2", "overlap", ["P16-one-initial-facility", "P16-second-site-or-encounter"], "exception"),
    ("K2", "overlap", ["P16-one-initial-professional", "P16-second-site-or-encounter"], "exception"),
    ("K3", "mutual-denial", ["P26-em-needs-modifier-25", "P23-injection-with-em"], "condition"),
    ("K4", "overlap", ["P04-sequential-new-substance", "K4-same-drug-push"], "exception"),
])
def test_known_conflicts_are_resolved_entries(analyzed: tuple[ir.Pack, Report], label: str, kind: str,
                                              rules: list[str], declaration: str) -> None:
    pack, report = analyzed
    entry = next(e for e in report.conflicts if e.kind == kind and e.rules == rules)
    assert entry.resolved_by is not None and entry.severity == "info"
    assert entry.resolved_by.resolves == label and entry.resolved_by.declaration == declaration
    assert entry.resolved_by.rationale
    assert confirmed(entry, pack)


def test_every_witness_is_confirmed_and_every_declaration_decides(analyzed: tuple[ir.Pack, Report]) -> None:
    pack, report = analyzed
    assert not report.disagreements
    for entry in report.conflicts:
        if entry.witness is not None:
            assert confirmed(entry, pack), entry
    kinds = {e.kind for e in report.conflicts}
    assert not kinds & {"unneeded-precedence", "dead-exception", "dead-rule", "masked-rule", "unknown"}
    shown = {e.resolved_by.id for e in report.conflicts if e.resolved_by is not None}
    for precedence in pack.precedences:
        winner = pack.rule(precedence.winner)
        wanted = winner.id if winner.kind == "exception" else f"{precedence.winner} over {precedence.loser}"
        assert wanted in shown


def test_the_analysis_is_fast_enough(analyzed: tuple[ir.Pack, Report]) -> None:
    """Under 10 s on the development machine (measured about 4 s); generous here for shared machines."""
    assert analyzed[1].seconds < 30


def test_text_report_reads_like_a_diagnostic(analyzed: tuple[ir.Pack, Report]) -> None:
    _, report = analyzed
    _, sources = compile_ok(PACK)
    text = render_text(report, sources)
    assert re.search(r"policies/cpcp026\.rules:\d+:\d+: info\[mutual-denial\]", text)
    assert "resolved by condition P26-em-needs-modifier-25 (K3)" in text


def test_without_k1_the_hierarchy_suggestion_is_withheld(tmp_path: Path) -> None:
    """K1's withheld suggestion follows from the semantics: without the precedence the analyzer shows
    it as a withheld suggestion (info), and the pack stays free of errors."""
    text = re.sub(r"precedence P02-hydration-not-concurrent over P15-facility-hierarchy\n  resolves K1 [^\n]*\n", "",
                  SOURCE)
    pack, report = _variant(tmp_path, text)
    entry = next(e for e in report.conflicts if e.kind == "suggestion-withheld"
                 and e.rules == ["P15-facility-hierarchy", "P02-hydration-not-concurrent"])
    assert entry.resolved_by is None and entry.severity == "info"
    assert "would suggest 96361" in entry.message
    assert confirmed(entry, pack)
    assert not report.failed


def test_without_k3_the_injection_and_the_em_deny_each_other(tmp_path: Path) -> None:
    text = SOURCE.replace(" and not (x flagged by P23-injection-with-em)", "")
    text = re.sub(r"  resolves K3 [^\n]*\n", "", text)
    pack, report = _variant(tmp_path, text)
    entry = next(e for e in report.conflicts if e.kind == "mutual-denial"
                 and set(e.rules) == {"P26-em-needs-modifier-25", "P23-injection-with-em"})
    assert entry.resolved_by is None and entry.severity == "error"
    assert confirmed(entry, pack)
    codes = sorted(line["code"] for line in entry.witness["lines"]) if entry.witness else []
    assert "96372" in codes


def test_without_k4_the_sequential_rule_suggestion_is_dead(tmp_path: Path) -> None:
    """Without K4's exception P04 denies every same-drug 96376, the one it suggests included."""
    text = re.sub(r"exception K4-same-drug-push .*?\n\n", "", SOURCE, flags=re.S)
    pack, report = _variant(tmp_path, text)
    entry = next(e for e in report.conflicts if e.kind == "dead-suggestion")
    assert entry.rules[0] == "P04-sequential-new-substance" and "P20-facility-only" in entry.rules
    assert "(by P04-sequential-new-substance or " in entry.message  # P04 denies the 96376 it suggests
    assert entry.resolved_by is None and entry.severity == "error" and report.failed
    assert entry.witness is not None and confirmed(entry, pack)
    assert "can never stand" in entry.message
    withheld = next(e for e in report.conflicts if e.kind == "suggestion-withheld"
                    and e.rules == ["P04-sequential-new-substance"])
    assert "would suggest 96376" in withheld.message and confirmed(withheld, pack)


def test_no_suggestion_of_the_pack_is_dead_and_the_withheld_ones_are_confirmed(
        analyzed: tuple[ir.Pack, Report]) -> None:
    """Each suggesting rule's code stands on some claim; where the analyzer shows one withheld, the
    interpreter confirms it (the cases the hand-written guards used to decide among them)."""
    pack, report = analyzed
    assert not [e for e in report.conflicts if e.kind == "dead-suggestion"]
    withheld = {tuple(e.rules) for e in report.conflicts if e.kind == "suggestion-withheld"}
    for pair in [("P05-short-infusion-is-push", "P04-sequential-new-substance"),
                 ("P05-short-infusion-is-push", "P16-one-initial-professional"),
                 ("P05-short-infusion-is-push", "P16-initial-units"),
                 ("P10-hydration-of-drugs", "P16-one-initial-facility"),
                 ("P15-facility-hierarchy", "P22-addon-needs-primary"),
                 ("P15-facility-hierarchy", "P30-waste-modifier-not-drug"),
                 ("P21-injection-without-supervision", "P26-em-needs-modifier-25"),
                 ("P04-sequential-new-substance", "P20-facility-only")]:
        assert pair in withheld, pair
    assert not any(r.suggest_if is not None for r in pack.rules)  # no hand-written guard is left


def test_without_k2_the_hierarchy_is_no_longer_overridden(tmp_path: Path) -> None:
    """An exception conflicts only with the rules it names (ANALYSIS.md), so taking P15 out of K2's
    overrides leaves no entry between them; the claim on which K2 decided is then denied by P15."""
    _, base = _variant(tmp_path, SOURCE + "\n")
    before = next(e for e in base.conflicts if e.rules == ["P15-facility-hierarchy", "P16-second-site-or-encounter"])
    text = SOURCE.replace("P16-one-initial-facility, P15-facility-hierarchy", "P16-one-initial-facility")
    pack, report = _variant(tmp_path, text)
    assert not [e for e in report.conflicts if e.rules == before.rules]

    assert before.witness is not None and before.line is not None
    findings = interpreter(pack).evaluate(before.witness)
    assert any(f.rule == "P15-facility-hierarchy" and f.line == before.line for f in findings)


def test_every_resolves_label_of_the_pack_is_shown_by_a_confirmed_entry(analyzed: tuple[ir.Pack, Report]) -> None:
    """Labels on precedences, exceptions, `flagged by` conditions, suggestion guards, and those shown
    through the exclusions of a condition (C1, C3, C7) alike."""
    pack, report = analyzed
    labels = set(re.findall(r"^\s*resolves (\w+) ", SOURCE, flags=re.M))
    shown = {e.resolved_by.resolves: e for e in report.conflicts if e.resolved_by is not None}
    assert labels <= set(shown), sorted(labels - set(shown))
    for label in ("C1", "C3", "C7"):
        entry = shown[label]
        assert entry.resolved_by is not None and entry.resolved_by.declaration == "condition"
        assert entry.witness is not None and confirmed(entry, pack)


def test_without_c3_two_incidental_procedures_deny_each_other(tmp_path: Path) -> None:
    text = SOURCE.replace("x.code in drug_administration and x.code not in incidental_procedures and same date",
                          "x.code in drug_administration and same date")
    text = re.sub(r"  resolves C3 [^\n]*\n", "", text)
    pack, report = _variant(tmp_path, text)
    entry = next(e for e in report.conflicts if e.kind == "mutual-denial" and e.rules == ["P06-incidental-procedure"])
    assert entry.resolved_by is None and entry.severity == "error"
    assert confirmed(entry, pack)
    assert entry.hint is not None and "flagged by" not in entry.hint


def test_a_label_that_no_exclusion_shows_is_reported(tmp_path: Path) -> None:
    """C3's label kept on P06 with its exclusion gone: nothing in the condition settles a conflict."""
    text = SOURCE.replace("x.code in drug_administration and x.code not in incidental_procedures and same date",
                          "x.code in drug_administration and same date and x.code not in {96360}")
    _, report = _variant(tmp_path, text)
    entries = [e for e in report.conflicts
               if e.kind == "unneeded-precedence" and e.rules == ["P06-incidental-procedure"]]
    assert len(entries) == 1 and "resolves C3" in entries[0].message
    assert any(e.kind == "mutual-denial" and e.rules == ["P06-incidental-procedure"] and e.resolved_by is None
               for e in report.conflicts)


def _witness_values(report: Report) -> tuple[set[str], set[str]]:
    places, drugs = set(), set()
    for entry in report.conflicts:
        claim = entry.witness or {}
        places.update({claim["pos"]} if "pos" in claim else set())
        for line in claim.get("lines", []):
            places.update({line["pos"]} if "pos" in line else set())
            drugs.update({line["drug"]} if "drug" in line else set())
    return places, drugs


def test_witnesses_show_places_and_drugs_a_reader_recognises(analyzed: tuple[ir.Pack, Report]) -> None:
    """The office (11) or another familiar place of service, never a made-up one such as 99, and
    drugs given as HCPCS drug codes (J1745), never as a made-up NDC-1."""
    places, drugs = _witness_values(analyzed[1])
    assert "11" in places and places <= set(FAMILIAR_PLACES), places
    assert drugs and all(is_drug_code(d) for d in drugs), drugs
