"""The section "Changes since VERSION" of the policy documents, from a change report written here
by hand (contract/DIFF.md): what it says, that it links and escapes, that it is deterministic."""

from __future__ import annotations

import dataclasses
import html
import os
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from compiler.analysis.changes.model import ChangeReport, Impact, PackId, RuleChange, Witness
from compiler.backends.document import generate_documents
from compiler.diagnostics import Sources
from compiler.pipeline import compile_pack, document
from compiler.semantics import ir
from tests.conftest import ROOT
from tests.helpers import compile_ok
from tests.test_documents import (
    _balance,
    _markdown_links_and_ids,
    _tables,
    broken_links,
    golden_pages,
    markdown_pages,
    markdown_parser,
)

ESCAPING = ROOT / "tests" / "packs" / "escaping.rules"
GOLDEN = ROOT / "tests" / "golden"
HOSTILE = "<script>alert(1)</script> | *x* [a](#b) {{ jinja }} &amp;\n# heading"


def _finding(rule: str, disposition: str = "deny", suggest: str | None = None, message: str = "m",
             evidence: tuple[int, ...] = ()) -> dict[str, Any]:
    return {"rule": rule, "line": 1, "disposition": disposition, "message": message, "citation": "c",
            "suggest": suggest, "evidence": list(evidence)}


CLAIM = {"id": "W1", "type": "professional", "pos": "11", "lines": [
    {"code": "96372", "date": "2024-02-01", "modifiers": ["59"]}, {"code": "96360", "date": "2024-02-01", "units": 2}]}


def report(*rules: RuleChange, old: str = "0.9", impact: Impact | None = None) -> ChangeReport:
    return ChangeReport(PackId("escaping", old), PackId("escaping", "1.0"), 4, True, list(rules), impact)


def hostile_report() -> ChangeReport:
    """Every string a report carries, hostile: rule ids, messages, versions, claim values, findings."""
    claim = {"id": HOSTILE, "type": "professional", HOSTILE: HOSTILE, "lines": [
        {"code": "96372", "date": "2024-02-01", HOSTILE: HOSTILE}, {"code": "96360", "date": "2024-02-01"}]}
    return ChangeReport(PackId("escaping", HOSTILE), PackId("escaping", "1.0"), 3, False, [
        RuleChange("class", "broader", HOSTILE, (Witness(claim, 1, "broader", [], [_finding("class", message=HOSTILE,
                                                                                            suggest=HOSTILE)]),)),
        RuleChange("import", "equivalent", HOSTILE, texts=("message",)),
        RuleChange(HOSTILE, "removed", HOSTILE),
        RuleChange("x" + HOSTILE, "unknown", HOSTILE, reason=HOSTILE),
    ])


def docs(changes: ChangeReport | None) -> tuple[str, str]:
    """The Markdown pages, each after a line with its name and with links across pages written as
    links to the anchor alone, and the HTML page."""
    pack, sources = compile_ok(ESCAPING)
    out = generate_documents(pack, sources.text(pack.path) or "", changes=changes)
    pages = markdown_pages(out, "escaping")
    assert broken_links(pages) == []
    return re.sub(r"\]\([A-Za-z0-9-]+\.md#", "](#", golden_pages(pages)), out["escaping.html"]


def section_md(markdown: str) -> str:
    """The page of the changes."""
    start = markdown.index("==> changes.md <==\n")
    end = markdown.find("\n==> ", start)
    return markdown[start:end + 1 if end > 0 else len(markdown)]


def section_html(page: str) -> str:
    return page[page.index('<section id="changes"'):page.index('<section id="graph"')]


# ---------------------------------------------------------------- what the section says


def test_a_changed_rule_is_named_linked_and_shown_with_its_witness() -> None:
    changes = report(
        RuleChange("class", "broader", "class now denies 96372 billed with a modifier.",
                   (Witness(CLAIM, 1, "broader", [], [_finding("class", suggest="99211", evidence=(2,))]),)),
        RuleChange("import", "equivalent", ""))
    markdown, page = docs(changes)
    section = section_md(markdown)
    assert "\n# Changes since 0.9\n" in section
    assert "3 rules" not in section and "2 rules compared: 1 equivalent, 1 broader, 0 narrower" in section
    assert "**[class](#rule-class)**: broader: it decides every line it used to decide, and more.\n" in section
    assert "class now denies 96372 billed with a modifier.\n" in section
    assert "**Witness 1: line 1, decided only by the new version**" in section
    assert "Claim id W1, type professional, pos 11:" in section
    assert "| line | code | date | modifiers | units | under 0.9 | under 1.0 |" in section
    assert "| 1 | 96372 | 2024-02-01 | 59 |  | nothing | deny, suggests 99211, evidence: line 2: “m” |" in section
    assert "| 2 | 96360 | 2024-02-01 |  | 2 |  |  |" in section
    assert "import" not in section  # equivalent, same wording: not listed
    assert "- [Overview](#overview)\n- [Changes since 0.9](#changes)\n- [The rule graph](#graph)\n" in markdown
    assert markdown.index("==> README.md <==") < markdown.index("==> changes.md <==") < \
        markdown.index("==> rules-s.md <==")
    part = section_html(page)
    assert '<h2>Changes since 0.9</h2>' in part
    assert '<span class="kind"><a href="#rule-class">class</a></span> broader' in part
    assert '<tr class="hit"><td>1</td><td>96372</td>' in part
    assert '<a href="#changes">Changes since 0.9</a>' in page


@pytest.mark.parametrize(("change", "words"), [
    ("narrower", "narrower: it no longer decides some lines"),
    ("incomparable", "broader and narrower: it decides some lines it did not, and no longer decides others"),
    ("outcome", "changed in outcome: it decides the same lines with another disposition or suggested code"),
    ("added", "added in this version"),
    ("removed", "removed in this version"),
    ("unknown", "unknown: the solver gave no answer"),
])
def test_each_kind_of_change_is_said_in_words(change: Any, words: str) -> None:
    markdown, page = docs(report(RuleChange("class", change, "msg")))
    assert f"**[class](#rule-class)**: {words}" in section_md(markdown)
    assert f"</span> {words}" in section_html(page)
    counts = {"narrower": "1 narrower", "incomparable": "1 broader and narrower", "outcome": "1 changed in outcome",
              "added": "1 added", "removed": "1 removed", "unknown": "1 unknown"}
    assert counts[change] in section_md(markdown)


def test_a_removed_rule_is_named_without_a_link_and_an_unknown_answer_says_why() -> None:
    markdown, _ = docs(report(RuleChange("P99-gone", "removed", "P99 is removed."),
                              RuleChange("class", "unknown", "", reason="the solver ran out of its resource limit")))
    section = section_md(markdown)
    assert "**P99-gone**: removed in this version.\n\nP99 is removed.\n" in section
    assert "**[class](#rule-class)**: unknown: the solver gave no answer within its resource limit.\n\n" \
           "Why: the solver ran out of its resource limit\n" in section


def test_wording_changes_alone_are_listed_briefly() -> None:
    markdown, page = docs(report(RuleChange("import", "equivalent", "message reworded", texts=("message", "title")),
                                 RuleChange("class", "equivalent", "")))
    section = section_md(markdown)
    assert "No rule decides differently.\n" in section
    assert "The wording alone changed, not the decisions:\n\n- [import](#rule-import) (message, title)\n" in section
    assert "[class]" not in section and "message reworded" not in section
    assert '<li><a href="#rule-import">import</a> (message, title)</li>' in section_html(page)


def test_a_witness_in_each_direction_and_one_whose_claim_is_not_a_table() -> None:
    witnesses = (Witness(CLAIM, 2, "narrower", [_finding("class", "review")], []),
                 Witness(CLAIM, 1, "outcome", [_finding("class", suggest="99211")],
                         [_finding("class", suggest="99212")]),
                 Witness({"id": "raw"}, 1, "broader", [], [_finding("class")]))
    section = section_md(docs(report(RuleChange("class", "incomparable", "both ways", witnesses)))[0])
    assert "**Witness 1: line 2, decided only by the old version**" in section
    assert "| 2 | 96360 | 2024-02-01 |  | 2 | review: “m” | nothing |" in section
    assert "**Witness 2: line 1, decided differently**" in section
    assert "| 1 | 96372 | 2024-02-01 | 59 |  | deny, suggests 99211: “m” | deny, suggests 99212: “m” |" in section
    assert "**Witness 3: line 1, decided only by the new version**\n\nClaim: {\"id\": \"raw\"}\n\n" \
           "- under 0.9, line 1: nothing\n- under 1.0, line 1: deny: “m”\n" in section


def test_a_witness_line_outside_the_claim_still_shows_the_findings() -> None:
    section = section_md(docs(report(RuleChange("class", "broader", "x", (
        Witness(CLAIM, 7, "broader", [], [_finding("class")]),))))[0])
    assert "| 1 | 96372 | 2024-02-01 | 59 |  |  |  |" in section
    assert "- under 0.9, line 7: nothing\n- under 1.0, line 7: deny: “m”\n" in section


def test_the_bound_and_the_measured_impact_are_stated() -> None:
    changes = dataclasses.replace(report(RuleChange("class", "broader", "x"),
                                         impact=Impact(claims=1000, changed=31, lines_changed=34)),
                                  lines=2, complete=False)
    section = section_md(docs(changes)[0])
    assert "on claims of up to 2 lines (claims with more lines were not searched)" in section
    assert "Measured on 1000 claims: 31 get different findings, on 34 lines.\n" in section
    complete = section_md(docs(report(RuleChange("class", "broader", "x")))[0])
    assert "up to 4 lines (the answers hold for claims of any size)" in complete and "Measured" not in complete


def test_without_a_report_the_documents_have_no_section() -> None:
    markdown, page = docs(None)
    assert 'id="changes"' not in markdown + page and "Changes since" not in markdown + page


def test_the_section_is_deterministic() -> None:
    rules = [RuleChange("import", "narrower", "b"), RuleChange("class", "broader", "a"),
             RuleChange("P1", "equivalent", "", texts=("title",)),
             RuleChange("P0", "equivalent", "", texts=("message",))]
    first = docs(report(*rules))
    assert docs(report(*reversed(rules))) == first
    section = section_md(first[0])
    assert section.index("[class]") < section.index("[import]") and section.index("P0 (message)") < section.index("P1")


# ---------------------------------------------------------------- safe whatever the report holds


def test_hostile_strings_in_a_report_render_as_text_in_markdown() -> None:
    markdown, _ = docs(hostile_report())
    section = section_md(markdown)
    rendered = markdown_parser().render(section)
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", rendered))
    assert tags <= {"a", "p", "h1", "ul", "li", "strong", "br", "table", "thead", "tbody", "tr", "th", "td"}, tags
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    for line in HOSTILE.split("\n"):
        assert text.count(line) >= 8, line
    for table in _tables(section):
        assert len({len(row) for row in table}) == 1, table
    links, ids = _markdown_links_and_ids(markdown)
    assert {link[1:] for link in links} <= set(ids) and len(ids) == len(set(ids))
    assert "(#b)" not in {f"({link})" for link in links}


def test_hostile_strings_in_a_report_render_as_text_in_html() -> None:
    _, page = docs(hostile_report())
    assert "<script>" not in page
    ET.fromstring(page.split("\n", 1)[1])
    checker = _balance(page)
    assert checker.problems == [] and checker.stack == [] and len(checker.ids) == len(set(checker.ids))
    assert {h[1:] for h in checker.hrefs} <= set(checker.ids) and "#b" not in checker.hrefs
    text = html.unescape(re.sub(r"<[^>]+>", "", section_html(page)))
    for line in HOSTILE.split("\n"):
        assert text.count(line) >= 8, line


@pytest.mark.parametrize("kind", ["md", "html"])
def test_the_documents_with_a_hostile_report_are_golden(kind: str) -> None:
    pack, sources = compile_ok(ESCAPING)
    out = generate_documents(pack, sources.text(pack.path) or "", changes=hostile_report())
    golden = GOLDEN / f"escaping-changes.{kind}.txt"
    text = golden_pages(markdown_pages(out, "escaping")) if kind == "md" else out["escaping.html"]
    if os.environ.get("RULESC_REGEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == text


# ---------------------------------------------------------------- the pipeline and the header


def test_the_pipeline_passes_the_report_to_the_documents() -> None:
    sources = Sources()
    plan = compile_pack(ESCAPING, sources).plan
    assert plan is not None
    with_changes = document(plan, sources, changes=report(RuleChange("class", "added", "new")))
    without = document(plan, sources)
    assert with_changes.value is not None and without.value is not None
    assert "\n# Changes since 0.9\n" in with_changes.value["escaping-policy/changes.md"]
    assert "escaping-policy/changes.md" not in without.value
    assert not [text for text in without.value.values() if "Changes since" in text]


def test_the_header_names_the_previous_version(tmp_path: Any) -> None:
    text = ESCAPING.read_text(encoding="utf-8")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "escaping-0.9.rules").write_text(text, encoding="utf-8")
    path = tmp_path / "escaping.rules"
    path.write_text(text.replace("  effective", '  previous "old/escaping-0.9.rules"\n  effective', 1),
                    encoding="utf-8")
    pack, sources = compile_ok(path)
    assert isinstance(pack, ir.Pack) and pack.previous is not None
    markdown = generate_documents(pack, sources.text(pack.path) or "")["escaping-policy/README.md"]
    assert "- **Previous version:** escaping-0.9.rules\n" in markdown
    assert "Previous version" not in docs(None)[0]
