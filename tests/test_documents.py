"""Policy documents: complete, linked, escaped, deterministic, and checked in a real browser.

The Markdown document is a folder of pages (`<pack>-policy/`); most tests read its pages joined in
order (`documents`), the link checks read them one by one, as a code host serves them."""

from __future__ import annotations

import dataclasses
import html
import itertools
import json
import os
import re
import struct
import subprocess
import sys
import typing
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from compiler.analysis.conflicts.report import Report, ReportError
from compiler.analysis.depgraph import node_id, pack_graph
from compiler.backends.document import build_model, generate_documents
from compiler.backends.english import English
from compiler.backends.graph import mermaid_label, to_mermaid
from compiler.backends.layout import layout
from compiler.backends.markup import Anchors, Ref, html_phrase, md_fence, md_phrase, md_text, plain
from compiler.examples.worked import evaluate_examples
from compiler.semantics import ir
from tests.conftest import PACK, ROOT, examples
from tests.helpers import compile_ok
from tools import browser

PACKS = ROOT / "tests" / "packs"
GOLDEN = ROOT / "tests" / "golden"
FIXTURES = ROOT / "tests" / "documents"
ROWS = [f"P{n:02d}" for n in range(1, 37)]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def markdown_pages(docs: dict[str, str], name: str) -> dict[str, str]:
    """The Markdown pages of pack `name` among its documents, by file name, the entry page first."""
    folder = f"{name}-policy/"
    pages = {path.removeprefix(folder): text for path, text in docs.items() if path.startswith(folder)}
    assert set(docs) == {f"{name}.html", *(folder + page for page in pages)} and next(iter(pages)) == "README.md"
    return pages


def joined(pages: dict[str, str]) -> str:
    """The pages one after the other, in the order of the document."""
    return "".join(pages.values())


def flat(pages: dict[str, str]) -> str:
    """The pages joined, their links to anchors of other pages written as links to the anchor alone
    (`rules-coding.md#rule-p15` as `#rule-p15`): what the document says, wherever it is cut. Links
    across pages are checked by `broken_links`."""
    return re.sub(r"\]\([A-Za-z0-9-]+\.md#", "](#", joined(pages))


TOP_ANCHORS = ("contents", "overview", "changes", "graph", "conflicts", "analysis", "coverage", "code-index",
               "code-sets", "tables", "hierarchy", "documentation", "examples")


def part(markdown: str, anchor: str) -> str:
    """The text from a top-level anchor to the next one or to the end of its page."""
    start = markdown.index(f'<a id="{anchor}"></a>')
    ends = [markdown.find(f'<a id="{other}"></a>', start + 1) for other in TOP_ANCHORS]
    ends.append(markdown.find("\n# ", start))
    return markdown[start:min((end for end in ends if end > start), default=len(markdown))]


def golden_pages(pages: dict[str, str]) -> str:
    """The pages in one text, each after a line with its name, for a golden file."""
    return "".join(f"==> {name} <==\n{text}" for name, text in pages.items())


def document_pages(path: Path, analysis: dict[str, Any] | None = None) -> tuple[ir.Pack, dict[str, str], str]:
    pack, sources = compile_ok(path)
    report = Report.from_json(analysis) if analysis is not None else None
    docs = generate_documents(pack, sources.text(pack.path) or "", analysis=report)
    return pack, markdown_pages(docs, pack.name), docs[f"{pack.name}.html"]


def documents(path: Path, analysis: dict[str, Any] | None = None) -> tuple[ir.Pack, str, str]:
    pack, pages, page = document_pages(path, analysis)
    return pack, flat(pages), page


@pytest.fixture(scope="module")
def cpcp026() -> tuple[ir.Pack, str, str]:
    return documents(PACK)


@pytest.fixture(scope="module")
def escaping() -> tuple[ir.Pack, str, str]:
    return documents(PACKS / "escaping.rules")


@pytest.fixture(scope="module")
def contract() -> tuple[ir.Pack, str, str]:
    return documents(PACKS / "contract.rules")


@pytest.fixture(scope="module")
def constructs() -> tuple[ir.Pack, str, str]:
    return documents(PACKS / "constructs.rules")


def markdown_parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


# ---------------------------------------------------------------- English


def test_every_ir_expression_has_an_english_rendering() -> None:
    pack, _ = compile_ok(PACK)
    assert set(typing.get_args(ir.Expr)) == set(English(pack, Anchors()).dispatch)


def _english(pack: ir.Pack) -> English:
    return English(pack, Anchors())


def _t(kind: ir.Kind, optional: bool = False) -> ir.Type:
    return ir.Type(kind, optional)


CODE, NUM, TEXT = _t(ir.Kind.CODE), _t(ir.Kind.NUMBER), _t(ir.Kind.TEXT)
X_CODE = ir.LineField("x", "code", CODE)
LINE_UNITS = ir.LineField("line", "units", NUM)
DRUG = ir.LineField("line", "drug", _t(ir.Kind.TEXT, True))
INFUSIONS = ir.CodeSet("infusions", "Infusions", frozenset({"96365", "96366", "96367", "96413"}), False)
INITIAL = ir.CodeSet(None, None, frozenset({"96365", "96374"}), False)
EXPRESSIONS: list[tuple[ir.Expr, str]] = [
    (ir.Const(2, NUM), "2"),
    (ir.Const(2.0, NUM), "2"),
    (ir.Const("none", TEXT), "“none”"),
    (ir.Const("96372", CODE), "96372"),
    (ir.Const(True, ir.BOOL), "true"),
    (ir.SetValue(INFUSIONS, _t(ir.Kind.CODES)), "Infusions (96365–96367, 96413)"),
    (ir.LineVar("x", _t(ir.Kind.LINE)), "line x"),
    (LINE_UNITS, "this line's unit count"),
    (ir.LineField("line", "member_supplied", ir.BOOL), "this line is a drug the member supplied"),
    (ir.ClaimField("type", TEXT), "the claim type"),
    (ir.ClaimField("bill_class", TEXT), "the claim's bill class"),
    (ir.CodeAttr(ir.LineField("line", "code", CODE), "primaries", _t(ir.Kind.CODES, True)),
     "the primaries listed for this line's code in Add-on codes and the primary codes they are billed with"),
    (ir.MapGet("subsequent_code", ir.LineField("line", "code", CODE), CODE),
     "the subsequent code for an initial service that is not the primary one, looked up for this line's code"),
    (ir.RankOf("facility_hierarchy", X_CODE, _t(ir.Kind.RANK)), "the rank of line x's code in Facility hierarchy"),
    (ir.Func("ceil", (ir.Arith("/", LINE_UNITS, ir.Const(60, NUM), NUM),), NUM),
     "(this line's unit count divided by 60) rounded up"),
    (ir.Func("max", (ir.Const(0, NUM), LINE_UNITS), NUM), "the larger of 0 and this line's unit count"),
    (ir.Func("is_hcpcs", (DRUG,), ir.BOOL), "this line's drug is a HCPCS Level II code"),
    (ir.Arith("-", ir.Arith("*", LINE_UNITS, ir.Const(2, NUM), NUM), ir.Const(1, NUM), NUM),
     "(this line's unit count times 2) minus 1"),
    (ir.Neg(LINE_UNITS, NUM), "the negative of this line's unit count"),
    (ir.Compare(">", LINE_UNITS, ir.Const(1, NUM)), "this line's unit count is more than 1"),
    (ir.Compare("<", ir.LineField("x", "start", _t(ir.Kind.DATETIME, True)),
                ir.LineField("line", "start", _t(ir.Kind.DATETIME, True))),
     "line x's start time is before this line's start time"),
    (ir.Compare(">", ir.RankOf("facility_hierarchy", X_CODE, _t(ir.Kind.RANK)),
                ir.RankOf("facility_hierarchy", ir.LineField("line", "code", CODE), _t(ir.Kind.RANK))),
     "line x's code ranks above this line's code in Facility hierarchy"),
    (ir.Member(X_CODE, ir.SetValue(INITIAL, _t(ir.Kind.CODES)), False), "line x's code is one of 96365, 96374"),
    (ir.Member(DRUG, ir.SetValue(INFUSIONS, _t(ir.Kind.CODES)), True), "this line's drug is not in Infusions"),
    (ir.Given(DRUG, False), "this line's drug is given"),
    (ir.Given(DRUG, True), "this line's drug is absent"),
    (ir.Has(ir.LineField("line", "modifiers", _t(ir.Kind.MODIFIERS)), ir.Const("25", TEXT), False, True),
     "this line's modifiers do not include modifier 25"),
    (ir.Flagged("x", "P23-injection-with-em"), "P23-injection-with-em denies line x"),
    (ir.Not(ir.Flagged("x", "P23-injection-with-em")), "P23-injection-with-em does not deny line x"),
    (ir.Relation("date", "x", "line"), "line x has the same date of service as this line"),
    (ir.Relation("provider", "x", "line"), "line x has the same rendering provider as this line"),
    (ir.Relation("drug", "x", "line"), "line x has a drug, the same as this line's"),
    (ir.Relation("overlapping", "x", "line"), "line x's start-to-stop time overlaps this line's"),
    (ir.BoolOp("or", ir.Given(DRUG, False), ir.Compare(">", LINE_UNITS, ir.Const(1, NUM))),
     "either this line's drug is given or this line's unit count is more than 1"),
    (ir.Not(ir.Compare(">", LINE_UNITS, ir.Const(1, NUM))), "this line's unit count is at most 1"),
    (ir.Not(ir.Compare(">", ir.LineField("line", "minutes", _t(ir.Kind.NUMBER, True)), ir.Const(1, NUM))),
     "it is not the case that this line's minutes from start to stop is more than 1"),
    (ir.Quant("any", ("other",), "x", "line", ir.Relation("date", "x", "line"), None, ir.BOOL),
     "there is another line x such that line x has the same date of service as this line"),
    (ir.Quant("no", ("earlier",), "x", "line", ir.Relation("date", "x", "line"), None, ir.BOOL),
     "there is no earlier line x (numbered before this line) such that"),
    (ir.Quant("count", (), "x", "line", ir.Relation("date", "x", "line"), None, NUM),
     "the number of lines x of the claim (this line included) such that"),
    (ir.Quant("first", ("later",), "p", "line", ir.Relation("date", "p", "line"),
              ir.Compare(">", ir.LineField("p", "units", NUM), LINE_UNITS), ir.BOOL),
     "the first later line p (numbered after this line), in line order, such that line p has the same date of "
     "service as this line also satisfies line p's unit count is more than this line's unit count"),
    (ir.Quant("sum", (), "x", "line", ir.Relation("date", "x", "line"), None, NUM,
              value=ir.LineField("x", "units", NUM)),
     "the sum of line x's unit count over the lines x of the claim (this line included) such that"),
    (ir.TableLookup("ptp", (ir.LineField("line", "code", CODE), X_CODE), ir.LineField("line", "date", _t(ir.Kind.DATE)),
                    "modifier_indicator", _t(ir.Kind.NUMBER, True)),
     "the modifier_indicator of the row of ptp whose key 1 is this line's code and whose key 2 is line x's code, "
     "in force on this line's date of service (the file of the claim's type)"),
    (ir.Given(ir.TableLookup("ptp", (ir.LineField("line", "code", CODE),), None, None, _t(ir.Kind.ROW, True)), True),
     "there is no row of ptp whose key 1 is this line's code"),
    (ir.RowField("ptp", "column_1", CODE), "the row's column_1"),
    (ir.CheckDay(_t(ir.Kind.DATE)), "the day"),
]


@pytest.mark.parametrize(("expr", "words"), EXPRESSIONS, ids=[type(e).__name__ for e, _ in EXPRESSIONS])
def test_each_expression_reads_as_english(expr: ir.Expr, words: str, cpcp026: tuple[ir.Pack, str, str]) -> None:
    assert words in plain(_english(cpcp026[0]).inline(expr))


def test_every_ir_node_appears_in_the_english_table() -> None:
    covered = {type(e) for e, _ in EXPRESSIONS}
    assert covered == set(typing.get_args(ir.Expr))


def test_statements_say_what_a_rule_checks_and_decides() -> None:
    pack, _ = compile_ok(PACK)
    english = _english(pack)
    p15 = english.statement(pack.rule("P15-facility-hierarchy"))
    assert plain(p15.applies) == ("each line whose code is in Initial service codes (96360, 96365, 96369, 96374, "
                                  "96409, 96413, 96416, 96420, 96422, 96425), on institutional claims")
    assert p15.condition is not None and plain(p15.condition.text).startswith("there is another line x")
    assert [plain(c.text) for c in p15.condition.items][-1] == \
        "line x's code ranks above this line's code in Facility hierarchy"
    assert plain(p15.unless or ()) == ("no finding on a line where P02-hydration-not-concurrent or "
                                       "P16-second-site-or-encounter applies, since they take precedence")
    assert "96360 → 96361" in plain(p15.suggestion or ())
    assert plain(english.statement(pack.rule("K4-same-drug-push")).result) == \
        "the line is allowed: P04-sequential-new-substance gives no finding on it"
    p26 = english.statement(pack.rule("P26-em-needs-modifier-25"))
    assert p26.condition is not None
    leaves = _leaves(p26.condition)
    assert "P23-injection-with-em does not deny line x" in leaves
    assert "the claim type is “institutional”" in leaves
    refs = [p for p in english.statement(pack.rule("P02-hydration-not-concurrent")).condition.items[0].text
            if isinstance(p, Ref)]  # type: ignore[union-attr]
    assert refs == [Ref("Drug administration", "set-drug-administration")]


def _leaves(clause: Any) -> list[str]:
    return [plain(clause.text)] + [leaf for item in clause.items for leaf in _leaves(item)]


def test_every_construct_of_the_language_reads_as_english() -> None:
    pack, _ = compile_ok(PACKS / "constructs.rules")
    english = _english(pack)
    text = {r.id: "\n".join(_leaves(s.condition)) if (s := english.statement(r)).condition else "" for r in pack.rules}
    assert "the number of other lines x for which all of these hold is at least 2" in text["C01-count"]
    assert "take the first other line p, in line order" in text["C02-first"]
    assert "(the absolute value of (the negative of 3)) divided by 3" in text["C03-later-and-arith"]
    assert "this line's code is marked “addon” in Kinds" in text["C04-attributes"]
    assert "C01-count does not deny line x" in text["C06-places"]
    assert "this line's date of service is on or after 2024-06-01" in text["C07-text-and-dates"]
    assert "(this line's minutes from start to stop divided by 60) rounded up is 2" in text["C08-arith-absent"]


# ---------------------------------------------------------------- Markdown escaping


HOSTILE = ["a | b", "*bold* _it_", "<script>alert(1)</script>", "`code`", "[link](http://x)", "# heading",
           "1. item", "- item", "> quote", "&amp; &lt;", "~~strike~~", "$x$ and $y$", "back\\slash", "line\nbreak",
           "  indented code", "---", "===", "{{ jinja }} {% raw %}", "![img](x.png)", "<!-- comment -->", "tab\there"]


def _rendered_text(markdown: str) -> str:
    """The text a CommonMark renderer shows for one paragraph, with <br> as a newline."""
    rendered = markdown_parser().render(markdown).strip()
    if not rendered:
        return ""
    assert rendered.startswith("<p>") and rendered.endswith("</p>"), rendered
    body = rendered[3:-4]
    assert "<" not in body.replace("<br>", ""), rendered
    return html.unescape(body.replace("<br>", "\n"))


def _expected(text: str) -> str:
    text = re.sub(r"\r\n|\r", "\n", text)
    text = re.sub(r"[\x00-\x09\x0b-\x1f\x7f]", " ", text)
    return text.strip()


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_escape_renders_text_as_text(text: str) -> None:
    assert _rendered_text(md_text(text)) == _expected(text)


@settings(max_examples=examples(1000), deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab 1.#-+=>|*_`[]()<>&;!~$\\{}\n\t:/\"'é")), max_size=40))
def test_markdown_escape_renders_any_text_as_that_text(text: str) -> None:
    assert _rendered_text(md_text(text)) == _expected(text)


@settings(max_examples=examples(150), deadline=None)
@given(st.text(alphabet=st.sampled_from(list("a |*_<>`[]\n\\-#1.")), max_size=20))
def test_markdown_table_cells_stay_cells(text: str) -> None:
    table = f"| a | b |\n|---|---|\n| {md_text(text)} | {md_phrase(('x', Ref(text, 'rule-x')))} |\n"
    tokens = markdown_parser().parse(table)
    cells = [t for t in tokens if t.type == "td_open"]
    assert len(cells) == 2


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_html_phrases_render_any_text_as_that_text(text: str, link: str) -> None:
    parser = _Text()
    parser.feed(str(html_phrase((text, Ref(link, "rule-x"), text))))
    parser.close()
    assert "".join(parser.text) == text + link + text
    assert parser.tags == ["a"]


def test_examples_with_one_name_get_their_own_anchors() -> None:
    pack, sources = compile_ok(PACKS / "escaping.rules")
    twice = dataclasses.replace(pack, examples=pack.examples * 2)
    pages = markdown_pages(generate_documents(twice, sources.text(pack.path) or ""), "escaping")
    _, ids = _markdown_links_and_ids(joined(pages))
    assert len(ids) == len(set(ids)) and {"example-strings-come-back-unchanged",
                                          "example-strings-come-back-unchanged-1"} <= set(ids)
    assert broken_links(pages) == []


def test_documents_without_source_text_leave_out_the_rules_as_written() -> None:
    pack, _ = compile_ok(PACKS / "escaping.rules")
    docs = generate_documents(pack, "")
    assert not [text for text in docs.values() if "As written" in text]


# ---------------------------------------------------------------- the CPCP026 documents


def test_documents_name_every_rule_and_row_and_quote_the_policy(cpcp026: tuple[ir.Pack, str, str]) -> None:
    pack, markdown, page = cpcp026
    for rule in pack.rules:
        assert rule.id in markdown and rule.id in page
        for quote in rule.quotes:
            assert md_text(quote.text) in markdown
            assert html.escape(quote.text, quote=True).replace("&#x27;", "&#39;") in page
    for row in ROWS:
        assert f'<a id="row-{row.lower()}"></a>{row} |' in markdown
        assert f'<tr id="row-{row.lower()}"><td><strong>{row}</strong></td>' in page
        assert "not covered" not in page.split(f'id="row-{row.lower()}"')[1].split("</tr>")[0]
    assert "```mermaid\nflowchart LR\n" in markdown
    assert page.count('<svg class="rule-graph"') == 1


def test_cards_follow_the_policy_sections_in_order(cpcp026: tuple[ir.Pack, str, str]) -> None:
    pack, markdown, page = cpcp026
    order = [s.name for s in pack.sections]
    expected = sorted(pack.rules, key=lambda r: (order.index(r.section) if r.section in order else len(order),
                                                 pack.rules.index(r)))
    positions = [page.index(f'"rule-{r.id.lower()}"', page.index('id="rules"')) for r in expected]
    assert positions == sorted(positions)
    positions = [markdown.index(f'<a id="rule-{r.id.lower()}"></a>') for r in expected]
    assert positions == sorted(positions)
    _, pages, _ = document_pages(PACK)
    for rule in pack.rules:  # each card on a page of its section: rules-<section>.md, rules-<section>-2.md...
        found = [name for name, text in pages.items() if f'<a id="rule-{rule.id.lower()}"></a>' in text]
        slug = str(rule.section).replace("_", "-")
        assert len(found) == 1 and re.fullmatch(rf"rules-{slug}(-\d+)?\.md", found[0]), (rule.id, found)


def test_cards_link_precedence_and_reads_both_ways(cpcp026: tuple[ir.Pack, str, str]) -> None:
    _, markdown, _ = cpcp026
    p02 = _card(markdown, "p02-hydration-not-concurrent")
    p15 = _card(markdown, "p15-facility-hierarchy")
    assert "- **Takes precedence over:** [P15-facility-hierarchy](#rule-p15-facility-hierarchy)" in p02
    assert ("- **Yields to:** [P02-hydration-not-concurrent](#rule-p02-hydration-not-concurrent), "
            "[P16-second-site-or-encounter](#rule-p16-second-site-or-encounter)") in p15
    assert "- **Reads the findings of:** [P23-injection-with-em](#rule-p23-injection-with-em)" in \
        _card(markdown, "p26-em-needs-modifier-25")
    assert "- **Its findings are read by:** [P26-em-needs-modifier-25](#rule-p26-em-needs-modifier-25)" in \
        _card(markdown, "p23-injection-with-em")
    assert "- **Resolves K3:** Where P23 already bundles" in _card(markdown, "p26-em-needs-modifier-25")
    assert "- **Rows:** [P01](#row-p01), [P03](#row-p03)" in _card(markdown, "p01-concurrent-once-per-day")


def _card(markdown: str, slug: str) -> str:
    start = markdown.index(f'<a id="rule-{slug}"></a>')
    end = markdown.find('<a id="', start + 10)
    return markdown[start:end]


def test_examples_are_evaluated_and_show_what_a_precedence_decides(cpcp026: tuple[ir.Pack, str, str]) -> None:
    _, markdown, _ = cpcp026
    p15 = _card(markdown, "p15-facility-hierarchy")
    assert "**Example “k1-concurrent-hydration-facility”**" in p15
    assert ("| 2 | 96360 | 2024-09-12 |  |  | 2024-09-12T09:30 | 2024-09-12T10:30 | "
            "deny by [P02-hydration-not-concurrent](#rule-p02-hydration-not-concurrent), evidence: line 1<br>"
            "deny by [P16-one-initial-facility](#rule-p16-one-initial-facility), evidence: line 1 |") in p15
    # without K1 the hierarchy would deny the line too, and its 96361 would be withheld: P02 denies it
    without_k1 = ("without the precedence of [P02-hydration-not-concurrent](#rule-p02-hydration-not-concurrent) over "
                  "[P15-facility-hierarchy](#rule-p15-facility-hierarchy), line 2 would also get: deny by "
                  "[P15-facility-hierarchy](#rule-p15-facility-hierarchy)")
    assert without_k1 in p15 and without_k1 + ", suggests" not in p15
    k4 = _card(markdown, "k4-same-drug-push")
    assert "**Example “k4-same-drug-push-facility”**" in k4
    assert "line 2 would also get: deny by [P04-sequential-new-substance]" in k4


def test_the_example_helper_evaluates_with_the_interpreter() -> None:
    pack, _ = compile_ok(PACK)
    worked = {w.name: w for w in evaluate_examples(pack)}
    assert len(worked) == len(pack.examples)
    k3 = worked["k3-injection-with-em-professional"]
    assert [(f.line, f.rule) for f in k3.findings if f.disposition == "deny"] == [(2, "P23-injection-with-em")]
    assert "P26-em-needs-modifier-25" not in k3.rules or any(d.loser for d in k3.decided)
    rejected = worked["start-without-stop"]
    assert rejected.findings == () and rejected.error == "lines[1].stop: required when start is given"


def test_conflicts_list_every_declared_resolution(cpcp026: tuple[ir.Pack, str, str]) -> None:
    _, markdown, page = cpcp026
    section = part(markdown, "conflicts")
    for label in ("K1", "K2", "K3", "K4"):
        assert f"></a>{label} |" in section
    assert ("| precedence | [P02-hydration-not-concurrent](#rule-p02-hydration-not-concurrent) takes precedence "
            "over [P15-facility-hierarchy](#rule-p15-facility-hierarchy) |") in section
    assert ("the exception [P16-second-site-or-encounter](#rule-p16-second-site-or-encounter) overrides "
            "[P15-facility-hierarchy](#rule-p15-facility-hierarchy), [P16-one-initial-facility]") in section
    assert "| condition | a condition of [P26-em-needs-modifier-25](#rule-p26-em-needs-modifier-25) that reads " \
           "[P23-injection-with-em](#rule-p23-injection-with-em) |" in section
    assert section.index("></a>K1 |") < section.index("></a>K2 |") < section.index("></a>K4 |")
    assert 'id="analysis"' not in page  # no report was given


def test_code_index_finds_the_rules_of_a_code(cpcp026: tuple[ir.Pack, str, str]) -> None:
    pack, _ = compile_ok(PACK)
    rows = build_model(pack, (PACK.read_text(encoding="utf-8"))).code_rows
    assert len(rows) < 150

    def row_of(code: str) -> Any:
        found = []
        for row in rows:
            low, _, high = row.codes.partition("–")
            high = high or low
            if len(low) == len(code) and low[0].isalpha() == code[0].isalpha() and low <= code <= high:
                found.append(row)
        assert len(found) == 1, (code, found)
        return found[0]

    r96372 = row_of("96372")
    assert r96372.codes == "96372" and "THER/PROPH/DIAG INJ SC/IM" in r96372.description
    assert {"P21-injection-without-supervision", "P23-injection-with-em", "P28-injection-units"} <= \
        {p.text for p in r96372.targeted if isinstance(p, Ref)}
    j1100 = row_of("J1100")
    assert j1100.count > 100 and "P30-jw-and-jz-lines" in plain(j1100.targeted)
    assert row_of("J2357").codes == "J2357" and "P30-single-dose-without-modifier" in plain(row_of("J2357").targeted)
    em = row_of("99213")
    assert em.count > 200 and "P26-em-needs-modifier-25" in plain(em.targeted)
    assert "P21-injection-without-supervision" in plain(row_of("99211").suggested)


def test_hierarchy_and_tables_are_shown_as_in_the_policy(cpcp026: tuple[ir.Pack, str, str]) -> None:
    _, markdown, _ = cpcp026
    hierarchy = part(markdown, "hierarchy")
    ranked = [line.split(" | ")[1] for line in hierarchy.splitlines() if re.match(r"\| \d+ \| ", line)]
    assert ranked[:2] == ["96413", "96415"] and ranked.index("96365") < ranked.index("96374") < \
        ranked.index("96360")
    assert "| 96376 | Injection | TX/PRO/DX INJ SAME DRUG ADON | yes | yes |" in markdown
    assert "| 96368 | 96365, 96366, 96413, 96415, 96416, C8957 | 96360 |" in markdown
    documentation = part(markdown, "documentation")
    for entry in ("P09-documentation", "P14-chemotherapy-scope", "P25-time-not-em", "P36-effective-date"):
        assert f"[{entry}](#rule-{entry.lower()})" in documentation


def test_a_pack_without_data_says_so_under_each_heading() -> None:
    """No heading with nothing under it: a pack without tables, maps or rankings says so, in both documents."""
    pack, markdown, page = documents(PACKS / "evidence.rules")
    assert not pack.tables and not pack.maps and not pack.rankings
    assert "## Tables and maps\n\nThe pack declares no table or map.\n" in part(markdown, "tables")
    assert "## Rankings\n\nThe pack declares no ranking.\n" in part(markdown, "hierarchy")
    tables = page[page.index('<section id="tables"'):page.index('<section id="hierarchy"')]
    assert "<h2>Tables and maps</h2>\n<p>The pack declares no table or map.</p>" in tables
    for text in (markdown, page):  # and a heading with something under it says nothing of the kind
        assert "declares no code set" not in text
    _, markdown, page = documents(PACK)
    assert "declares no table or map" not in markdown + page


def test_messages_show_their_fields_as_placeholders(cpcp026: tuple[ir.Pack, str, str]) -> None:
    """A rule's message is quoted with each field it is filled in with as a visible placeholder, and
    what the placeholder stands for; the braces of the rules file appear only in the rule as written."""
    _, markdown, page = cpcp026
    p02 = _card(markdown, "p02-hydration-not-concurrent")
    assert ("**Result:** The line is denied, with the message “Hydration ‹code› ran at the same time as another "
            "administration and is not reported separately.” (‹code›: the line's code).") in p02
    assert "(‹code›: the line&#39;s code; ‹drug›: the line&#39;s drug)" in page
    results = [line for line in markdown.splitlines() if line.startswith("**Result:**")]
    assert len(results) > 30 and not [line for line in results if re.search(r"\{[a-z_]+\}", line)]
    assert 'deny "Hydration {code} ran at the same time' in p02  # as written


def test_cards_say_also_on_only_with_something_after_it() -> None:
    """A card lists the examples beyond the four it shows, linked, and counts the analyzer's witnesses
    beyond them (each is linked from the card's list of entries); never "Also on" with nothing after it."""
    pack, sources = compile_ok(PACK)
    report = _test_report()
    report["conflicts"] += [dict(report["conflicts"][0], witness=dict(report["conflicts"][0]["witness"], id=f"W{n}"))
                            for n in range(2, 9)]  # eight witnesses of P02 and P15
    model = build_model(pack, sources.text(pack.path) or "", Report.from_json(report))
    cards = {card.id: card for section in model.sections for card in section.cards}
    said = {rule: plain(card.more_examples) for rule, card in cards.items() if card.more_examples is not None}
    assert said["P02-hydration-not-concurrent"] == (
        "Also on the example r-p16-initial-service-after-two-overlapping-hydrations and on 8 more of the "
        "analyzer's witnesses (in its entries listed above)")
    assert said["P15-facility-hierarchy"].startswith(
        "Also on the examples s-facility-hydration-code-for-a-drug, s-facility-hydration-below-an-infusion-with-")
    assert all(len(cards[rule].examples) == 4 for rule in said)
    _, markdown, _ = documents(PACK, report)
    assert "Also on." not in markdown and "Also on ." not in markdown


# ---------------------------------------------------------------- links, well-formedness, self-containment


def _markdown_links_and_ids(markdown: str) -> tuple[list[str], list[str]]:
    """The page's links, and the anchors its raw HTML declares (`<a id>`, `<a name>`)."""
    links, ids = [], []
    for token in markdown_parser().parse(markdown):
        children = token.children or []
        for child in [token, *children]:
            if child.type == "link_open":
                links.append(str(child.attrGet("href")))
            if child.type in ("html_inline", "html_block"):
                ids += re.findall(r'<a (?:id|name)="([^"]+)">', child.content)
    return links, ids


def heading_anchors(markdown: str) -> list[str]:
    """The anchors a code host gives the page's headings (GitHub's rule: the heading's text in lower
    case, without punctuation but `-` and `_`, each space a `-`, a repeated one numbered `-1`, `-2`)."""
    tokens = markdown_parser().parse(markdown)
    seen: dict[str, int] = {}
    out = []
    for token, inline in itertools.pairwise(tokens):
        if token.type != "heading_open":
            continue
        text = "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        out.append(slug if count == 0 else f"{slug}-{count}")
    return out


def broken_links(pages: dict[str, str]) -> list[str]:
    """Every link of the pages (by file name in one folder) that does not resolve as a code host
    resolves it: `#anchor` on the page itself, `page.md` to a page of the folder, `page.md#anchor` to
    an anchor of that page, declared in raw HTML or made from a heading."""
    anchors = {name: {*_markdown_links_and_ids(text)[1], *heading_anchors(text)} for name, text in pages.items()}
    broken = []
    for name, text in pages.items():
        for href in _markdown_links_and_ids(text)[0]:
            page, _, fragment = href.partition("#")
            target = page or name
            if target not in pages or (fragment and fragment not in anchors[target]) or (not page and not fragment):
                broken.append(f"{name}: {href}")
    return broken


@pytest.mark.parametrize("which", ["cpcp026", "escaping", "contract", "constructs"])
def test_every_markdown_link_resolves(which: str) -> None:
    _, pages, _ = document_pages(PACK if which == "cpcp026" else PACKS / f"{which}.rules")
    for text in pages.values():
        ids = _markdown_links_and_ids(text)[1]
        assert len(ids) == len(set(ids)), "anchors are unique"
    ids = _markdown_links_and_ids(joined(pages))[1]
    assert len(ids) == len(set(ids)), "anchors are unique across the pages"
    assert broken_links(pages) == []
    assert any("#" in link for text in pages.values() for link in _markdown_links_and_ids(text)[0])


def test_anchors_are_unique_and_safe() -> None:
    anchors = Anchors()
    anchors.reserve("rules")
    assert [anchors.get("rule", k) for k in ("P01-x", "p01_x", "P01 x", "<script>", "")] == \
        ["rule-p01-x", "rule-p01-x-2", "rule-p01-x-3", "rule-script", "rule-x"]
    assert anchors.get("rule", "P01-x") == "rule-p01-x"
    with pytest.raises(ValueError):
        anchors.reserve("rules")


def test_a_fence_holds_any_backticks() -> None:
    text = "```\n````` and `x`"
    fenced = md_fence(text, "text")
    tokens = markdown_parser().parse(fenced)
    assert [t.type for t in tokens] == ["fence"] and tokens[0].content == text + "\n"


def test_sentences_end_once(cpcp026: tuple[ir.Pack, str, str]) -> None:
    _, markdown, page = cpcp026
    assert "whatever the number of drugs.”\n" in markdown and "drugs.”." not in markdown + page
    assert ("a sequential service needs a new substance.” (‹code›: the line&#39;s code; ‹drug›: the line&#39;s "
            "drug). It suggests ") in page


def test_rules_of_a_base_pack_say_where_they_are_declared(contract: tuple[ir.Pack, str, str]) -> None:
    pack, markdown, _ = contract
    assert "- **Removes:** P34-home-infusion" in markdown
    assert "- **Declared in:** cpcp026.rules" in _card(markdown, "p02-hydration-not-concurrent")
    replaced = _card(markdown, "p21-injection-without-supervision")
    assert "Declared in" not in replaced and "As written (contract.rules, line 12):" in replaced
    assert "P34-home-infusion" not in {r.id for r in pack.rules}


def test_the_markdown_link_check_can_fail() -> None:
    links, ids = _markdown_links_and_ids('<a id="here"></a>\n\n[there](#there) and [here](#here)\n')
    assert links == ["#there", "#here"] and ids == ["here"]
    pages = {"README.md": '<a id="top"></a>\n\n# The Title: *one*\n\n## Code index\n\n## Code index\n\n'
                          "[a](#the-title-one) [b](#code-index-1) [c](other.md#there) [d](other.md) [e](#top)\n",
             "other.md": '# Other\n\n<a name="there"></a>\n\n[f](README.md#nowhere) [g](gone.md#top) [h](#other)\n'
                         "[i](https://example.com/) [j](README.md#code-index-2) [k]()\n"}
    assert broken_links(pages) == ["other.md: README.md#nowhere", "other.md: gone.md#top",
                                   "other.md: https://example.com/", "other.md: README.md#code-index-2",
                                   "other.md: "]


class _Balance(HTMLParser):
    """Every non-void element closed in order; ids unique; every local link has a target."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if found.get("href") is not None:
            self.hrefs.append(str(found["href"]))
        self.sources += [f"{tag}.{name}" for name in ("src", "srcset", "data", "action") if name in found]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        stack = list(self.stack)
        self.handle_starttag(tag, attrs)
        self.stack = stack

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()


def _balance(page: str) -> _Balance:
    checker = _Balance()
    checker.feed(page)
    checker.close()
    return checker


@pytest.mark.parametrize("which", ["cpcp026", "escaping", "contract", "constructs"])
def test_html_is_well_formed_and_self_contained(which: str, request: pytest.FixtureRequest) -> None:
    _, _, page = request.getfixturevalue(which)
    ET.fromstring(page.split("\n", 1)[1] if page.startswith("<!DOCTYPE html>") else page)
    checker = _balance(page)
    assert checker.problems == [] and checker.stack == []
    assert len(checker.ids) == len(set(checker.ids))
    assert all(h.startswith("#") for h in checker.hrefs)
    assert {h[1:] for h in checker.hrefs} <= set(checker.ids)
    assert checker.sources == []
    lowered = page.lower()
    assert "<script" not in lowered and "@import" not in lowered and "<link" not in lowered
    assert re.findall(r"url\((?!#)", lowered) == []
    assert "http:" not in lowered and "https:" not in lowered


def test_the_html_checks_can_fail() -> None:
    checker = _balance('<div><p>x</div><a href="#nowhere">y</a><img src="http://x/y.png"/>')
    assert checker.problems and checker.sources == ["img.src"] and "#nowhere" in checker.hrefs


# ---------------------------------------------------------------- the escaping pack


def test_hostile_strings_render_as_text_in_html(escaping: tuple[ir.Pack, str, str]) -> None:
    pack, _, page = escaping
    assert "<script>" not in page and "</script>" not in page.replace("&lt;/script&gt;", "")
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert pack.title in text
    assert "Quotes ' \" ''' \"\"\" backslash \\ newline" in text
    assert "</script><script>alert(1)</script>.txt" in text
    assert "detail '); __import__('os').system('touch /tmp/rulesc-pwned'); ('" in text
    assert "{{ jinja }} {% if %}" in text


def test_hostile_strings_render_as_text_in_markdown(escaping: tuple[ir.Pack, str, str]) -> None:
    pack, markdown, _ = escaping
    rendered = markdown_parser().render(markdown)
    allowed = {"a", "p", "h1", "h2", "h3", "h4", "ul", "li", "strong", "em", "br", "code", "pre", "table",
               "thead", "tbody", "tr", "th", "td", "blockquote"}
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", rendered))
    assert tags <= allowed, tags - allowed
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert pack.title in text
    assert "</script><script>alert(1)</script>.txt" in text
    assert "Quotes ' \" ''' \"\"\" backslash \\ newline" in text
    for token_table in _tables(markdown):
        widths = {len(row) for row in token_table}
        assert len(widths) == 1, token_table


def _tables(markdown: str) -> list[list[list[str]]]:
    """Each table as rows of cells, from the parser's tokens: a broken row has another width."""
    tables: list[list[list[str]]] = []
    for token in markdown_parser().parse(markdown):
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            tables[-1].append([])
        elif token.type in ("th_open", "td_open"):
            tables[-1][-1].append("")
    return tables


def test_mermaid_labels_cannot_escape_their_quotes() -> None:
    assert mermaid_label('a"]; click x "javascript:alert(1)"') == \
        "a#34;#93;#59; click x #34;javascript:alert(1)#34;"
    pack, sources = compile_ok(PACKS / "escaping.rules")
    diagram = to_mermaid(pack_graph(pack, sources.text(pack.path)))
    for line in diagram.splitlines()[1:]:
        pattern = r'  (classDef \w+ [#:,a-z0-9]+|n\d+\["[^"\n`]*"\]:::\w+|n\d+ [-.=>|a-z ]+ n\d+)'
        assert re.fullmatch(pattern, line), line


@pytest.mark.parametrize("kind", ["md", "html"])
def test_escaping_pack_documents_are_golden(kind: str) -> None:
    _, pages, page = document_pages(PACKS / "escaping.rules")
    golden = GOLDEN / f"escaping.{kind}.txt"
    text = golden_pages(pages) if kind == "md" else page
    if os.environ.get("RULESC_REGEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == text


# ---------------------------------------------------------------- determinism


def test_documents_are_deterministic(cpcp026: tuple[ir.Pack, str, str]) -> None:
    _, markdown, page = cpcp026
    _, again_md, again_html = documents(PACK)
    assert (again_md, again_html) == (markdown, page)


def test_layout_is_integer_and_boxes_do_not_overlap() -> None:
    pack, sources = compile_ok(PACK)
    graph = pack_graph(pack, sources.text(pack.path))
    picture = layout(graph)
    assert len(picture.boxes) == graph.number_of_nodes() and len(picture.wires) == graph.number_of_edges()
    for box in picture.boxes:
        assert all(isinstance(v, int) for v in (box.x, box.y, box.width, box.height))
        assert box.x >= 0 and box.x + box.width <= picture.width and box.y + box.height <= picture.height
    columns: dict[int, list[Any]] = {}
    for box in picture.boxes:
        columns.setdefault(box.x, []).append(box)
    for boxes in columns.values():
        boxes.sort(key=lambda b: b.y)
        assert all(a.y + a.height <= b.y for a, b in itertools.pairwise(boxes))
    assert all(re.fullmatch(r"M\d+ \d+ C\d+ \d+ \d+ \d+ \d+ \d+", w.path) for w in picture.wires)
    rows = [b for b in picture.boxes if b.kind == "row"]
    assert [b.label for b in sorted(rows, key=lambda b: b.y)] == ROWS


def test_the_pack_graph_has_every_kind_of_node_and_edge() -> None:
    pack, sources = compile_ok(PACK)
    graph = pack_graph(pack, sources.text(pack.path))
    kinds = {d["kind"] for _, d in graph.nodes(data=True)}
    assert kinds == {"row", "rule", "exception", "documentation", "codes", "values", "table", "map", "ranking"}
    edge = graph.edges
    assert edge[node_id("rule", "P02-hydration-not-concurrent"), node_id("rule", "P15-facility-hierarchy")]["kind"] \
        == "precedence"
    assert edge[node_id("exception", "P16-second-site-or-encounter"),
                node_id("rule", "P16-one-initial-facility")]["kind"] == "overrides"
    assert edge[node_id("rule", "P26-em-needs-modifier-25"), node_id("rule", "P23-injection-with-em")]["kind"] \
        == "reads"
    assert edge[node_id("documentation", "P36-effective-date"), node_id("row", "P36")]["kind"] == "covers"
    assert edge[node_id("rule", "P15-facility-hierarchy"), node_id("codes", "addon_codes")]["kind"] == "uses"
    assert edge[node_id("rule", "P15-facility-hierarchy"), node_id("ranking", "facility_hierarchy")]["kind"] == "uses"
    assert edge[node_id("ranking", "facility_hierarchy"), node_id("table", "administration_methods")]["kind"] == "uses"
    assert edge[node_id("rule", "P20-facility-only"), node_id("table", "facility_only_codes")]["kind"] == "targets"
    without_text = pack_graph(pack)
    assert not without_text.has_edge(node_id("rule", "P15-facility-hierarchy"), node_id("codes", "addon_codes"))
    assert list(pack_graph(pack, sources.text(pack.path)).edges(data=True)) == list(graph.edges(data=True))


# ---------------------------------------------------------------- the analyzer's report (test input)


def _test_report() -> dict[str, Any]:
    """A small report in the form of contract/ANALYSIS.md, written for this test (not analyzer output)."""
    return json.loads((FIXTURES / "report-cpcp026.json").read_text(encoding="utf-8"))


def test_documents_show_the_analyzers_entries_without_timings() -> None:
    report = _test_report()
    assert report["seconds"] == 31415.9265
    _, markdown, page = documents(PACK, report)
    assert "31415" not in markdown and "31415" not in page
    p02 = _card(markdown, "p02-hydration-not-concurrent")
    assert ("- **Analyzer:** suggestion-withheld (info, resolved) with [P15-facility-hierarchy]"
            "(#rule-p15-facility-hierarchy), [P02-hydration-not-concurrent](#rule-p02-hydration-not-concurrent)") in p02
    assert ("P02 denies it, so no code is suggested. Resolved by the precedence [P02-hydration-not-concurrent]"
            "(#rule-p02-hydration-not-concurrent) over [P15-facility-hierarchy](#rule-p15-facility-hierarchy) "
            "(resolves K1): A concurrent hydration") in p02
    # the witness is shown with its entry (the rule cards show the pack's own examples first)
    assert "**Witness of suggestion-withheld, line 2**" in markdown
    assert "| 2 | 96360 | 2024-09-12 |  |  | 2024-09-12T09:00 | 2024-09-12T10:00 | deny by " \
           "[P02-hydration-not-concurrent](#rule-p02-hydration-not-concurrent), evidence: line 1<br>deny by " \
           "[P16-one-initial-facility](#rule-p16-one-initial-facility), evidence: line 1 |" in markdown
    assert "- **Analyzer:** dead-rule (warning) with [P19-sequential-same-mix]" in \
        _card(markdown, "p19-sequential-same-mix")
    assert "- **Analyzer:** no entry names this rule." in _card(markdown, "p11-hydration-minimum")
    analysis = part(markdown, "analysis")
    assert analysis.index("**dead-rule**") < analysis.index("**suggestion-withheld**")
    assert "- **Claim size searched:** up to 4 lines (complete: holds for claims of any size)" in analysis
    assert "- at cpcp026.rules:335:6" in analysis
    conflicts = part(markdown, "conflicts")
    assert "analyzer: [suggestion-withheld of P15-facility-hierarchy, P02-hydration-not-concurrent]" in conflicts
    assert "analyzer: no entry of the analyzer's report names it" in conflicts
    assert '<div class="entry severity-info resolved" id="entry-1">' in page
    links, ids = _markdown_links_and_ids(markdown)
    assert {link[1:] for link in links} <= set(ids)


def test_a_dead_suggestion_shows_on_the_card_of_the_rule_that_suggests() -> None:
    report = _test_report()
    report["conflicts"].append({
        "kind": "dead-suggestion", "severity": "error",
        "rules": ["P04-sequential-new-substance", "P04-sequential-new-substance", "P20-facility-only"],
        "line": None, "witness": None, "resolved_by": None,
        "message": "the suggestion of P04-sequential-new-substance can never stand: wherever it suggests a code, "
                   "the line billed with it is denied (by P04-sequential-new-substance or P20-facility-only).",
        "hint": "remove the suggestion", "location": {"file": "policies/cpcp026.rules", "line": 264, "column": 11}})
    _, markdown, page = documents(PACK, report)
    card = _card(markdown, "p04-sequential-new-substance")
    assert "- **Analyzer:** dead-suggestion (error) with [P04-sequential-new-substance]" in card
    assert "can never stand" in card
    assert "**dead-suggestion** (error)" in markdown and 'class="entry severity-error' in page


def test_an_entry_that_names_a_precedence_shows_on_both_cards() -> None:
    report = _test_report()
    report["conflicts"] = [dict(report["conflicts"][1], kind="unneeded-precedence", rules=[
        "P16-second-site-or-encounter over P15-facility-hierarchy"], message="never meets it")]
    _, markdown, _ = documents(PACK, report)
    for slug in ("p16-second-site-or-encounter", "p15-facility-hierarchy"):
        assert ("- **Analyzer:** unneeded-precedence (warning) with [P16-second-site-or-encounter]"
                "(#rule-p16-second-site-or-encounter) over [P15-facility-hierarchy](#rule-p15-facility-hierarchy)"
                ": never meets it. ([entry]") in _card(markdown, slug)


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.update(conflicts={}), "conflicts: expected a list of objects"),
    (lambda r: r["conflicts"][0].update(rules="P02"), "conflicts[0].rules: expected a list of rule ids"),
    (lambda r: r["conflicts"][1].update(severity="fatal"), "conflicts[1].severity: expected one of"),
    (lambda r: r["conflicts"][0]["resolved_by"].update(rationale=3), "conflicts[0].resolved_by.rationale"),
    (lambda r: r["conflicts"][0].update(location={"file": "x", "line": "2"}), "conflicts[0].location.line"),
    (lambda r: r.update(summary={"error": "none"}), "summary: expected an object of counts"),
])
def test_a_report_of_another_shape_is_refused(change: Any, message: str) -> None:
    report = _test_report()
    change(report)
    with pytest.raises(ReportError, match=re.escape(message)):
        Report.from_json(report)


# ---------------------------------------------------------------- in a real browser

# CI sets RULESC_REQUIRE_BROWSER=1 after installing Chromium, so there a missing browser fails.
# Starting a browser takes seconds: these tests are slow ones.
_chromium = pytest.mark.skipif(browser.find_chromium() is None and not os.environ.get("RULESC_REQUIRE_BROWSER"),
                               reason=f"Chromium is not installed: {browser.INSTALL_HINT}")


def needs_chromium(test: Callable[..., None]) -> Callable[..., None]:
    marked: Callable[..., None] = pytest.mark.slow(_chromium(test))
    return marked


@needs_chromium
def test_the_browser_loads_the_document_cleanly(cpcp026: tuple[ir.Pack, str, str]) -> None:
    seen = browser.inspect(cpcp026[2])
    assert seen.errors == ()
    assert seen.broken_links == () and seen.external_links == () and seen.duplicate_ids == ()
    assert seen.resources == ()
    assert seen.links > 1000
    assert seen.nodes == seen.sized_nodes > 100 and seen.labels == seen.sized_labels == seen.nodes
    assert seen.picture is not None and seen.picture[0] > 500 and seen.picture[1] > 500
    assert seen.policy_only == {"before": {"detail": True, "quote": True}, "after": {"detail": False, "quote": True}}


@needs_chromium
def test_the_browser_check_catches_a_broken_page() -> None:
    page = ('<!DOCTYPE html><html><head><meta charset="utf-8"/><title>x</title>'
            '<link rel="stylesheet" href="https://fonts.example.com/x.css"/></head><body>'
            '<a href="#nowhere">x</a><svg class="rule-graph" width="10" height="10">'
            '<a class="node"><rect width="0" height="0"/><text></text></a></svg>'
            '<script>console.error("boom")</script></body></html>')
    seen = browser.inspect(page)
    assert any("boom" in e for e in seen.errors)
    assert any("fonts.example.com" in e for e in seen.errors)
    assert seen.broken_links == ("#nowhere",)
    assert seen.nodes == 1 and seen.sized_nodes == 0 and seen.sized_labels == 0
    assert seen.resources == ("https://fonts.example.com/x.css",)


@needs_chromium
def test_a_screenshot_is_a_png_of_the_requested_size(tmp_path: Path, cpcp026: tuple[ir.Pack, str, str]) -> None:
    page = tmp_path / "cpcp026.html"
    page.write_text(cpcp026[2], encoding="utf-8")
    png = tmp_path / "shot.png"
    browser.screenshot(page, png, 640, 480)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (640, 480)


@needs_chromium
def test_the_screenshot_tool_builds_and_shoots_a_pack(tmp_path: Path) -> None:
    png = tmp_path / "first.png"
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "screenshot.py"), str(PACKS / "escaping.rules"),
                             str(png), "--width", "800", "--height", "600"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert struct.unpack(">II", png.read_bytes()[16:24]) == (800, 600)
    bad = subprocess.run([sys.executable, str(ROOT / "tools" / "screenshot.py"), str(tmp_path / "none.rules"),
                          str(png)], capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and bad.stderr.startswith("screenshot: ") and "Traceback" not in bad.stderr


def test_a_missing_browser_is_reported_with_the_install_command(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    monkeypatch.setattr(browser, "find_chromium", lambda: None)
    (tmp_path / "x.html").write_text("<html><head></head></html>", encoding="utf-8")
    with pytest.raises(browser.BrowserError, match=r"apt-get install chromium"):
        browser.screenshot(tmp_path / "x.html", tmp_path / "x.png")
    with pytest.raises(browser.BrowserError, match=r"apt-get install chromium"):
        browser.inspect("<html><head></head></html>")
