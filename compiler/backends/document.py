"""Policy documents: the pack as a readable, checkable document in Markdown and HTML.

`build_model` turns the IR (and, when given, the analyzer's report and evaluated examples) into
plain values: every text is still raw, every cross-reference an anchor from one `Anchors`
registry. Two jinja environments then lay the same model out: HTML with autoescaping, as one
self-contained page; Markdown with an explicit escape filter, as a folder of pages that code hosts
render (`pages.py`); both with `StrictUndefined`. Nothing in the model depends on the clock, the
machine or hash order, so the documents are the same bytes from build to build.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
import networkx as nx

from compiler import codes as code_shapes
from compiler.analysis.changes.model import ChangeReport
from compiler.analysis.conflicts.report import Entry, Location, Report, document_order
from compiler.analysis.depgraph import declared_rows, node_id, pack_graph, row_key, subexpressions
from compiler.backends import tabledoc
from compiler.backends.changes import ChangesView, changes_view
from compiler.backends.claimtext import claim_layout, json_text, value_text
from compiler.backends.english import English, Statement, codes_text
from compiler.backends.graph import to_mermaid
from compiler.backends.layout import Picture, layout
from compiler.backends.markup import (
    Anchors,
    Phrase,
    Piece,
    Ref,
    html_phrase,
    html_text,
    join,
    md_fence,
    md_text,
    phrase,
    plain,
)
from compiler.backends.pages import (
    ENTRY_PAGE,
    PAGE_BUDGET,
    Block,
    Item,
    Page,
    Part,
    block_of,
    folder_of,
    lay_out,
    page_filters,
)
from compiler.backends.tabledoc import DataTableView
from compiler.examples.worked import WorkedExample, evaluate_examples, examples_for
from compiler.runtime.claims import Finding
from compiler.semantics import ir

TEMPLATES = Path(__file__).resolve().parent / "templates"
EXAMPLES_PER_CARD = 4
TABLE_ROWS_IN_FULL = 1000
"""A table with more rows is summarized in the documents: its first `TABLE_ROWS_SHOWN` rows, and how many."""
TABLE_ROWS_SHOWN = 100
MERMAID_CHARACTERS = 50_000
"""The largest diagram code hosts draw (Mermaid's default `maxTextSize`): a larger graph is drawn per section."""
MERMAID_EDGES = 500
"""Mermaid's default `maxEdges`, the other limit of one diagram."""
TOP_LEVEL = ("top", "contents", "overview", "changes", "graph", "rules", "conflicts", "analysis", "coverage",
             "code-index", "code-sets", "tables", "hierarchy", "documentation", "examples")
KIND_LABELS = {"rule": "Rule", "exception": "Exception", "documentation": "Documentation"}
SUMMARY_ORDER = ("error", "warning", "info", "resolved", "unknown")
_ANCHOR_KINDS = {"codes": "set", "values": "set", "exception": "rule", "documentation": "rule"}


# ---------------------------------------------------------------- the model


@dataclass(frozen=True)
class Fact:
    label: str
    value: Phrase


@dataclass(frozen=True)
class LineRow:
    cells: tuple[str, ...]
    findings: tuple[Phrase, ...]


@dataclass(frozen=True)
class ClaimTable:
    header: tuple[Fact, ...]
    columns: tuple[str, ...]
    rows: tuple[LineRow, ...]
    raw: str | None  # the claim as JSON when it is not an object with a list of lines
    error: str | None
    stray: tuple[Phrase, ...]  # findings on lines the table does not show


@dataclass(frozen=True)
class ExampleView:
    anchor: str
    title: Phrase
    note: str | None
    table: ClaimTable
    expected: tuple[str, ...]
    decided: tuple[Phrase, ...]


@dataclass(frozen=True)
class EntryView:
    anchor: str
    kind: str
    severity: str
    resolved: bool
    rules: Phrase
    message: str
    hint: str | None
    resolution: Phrase | None
    rationale: str | None
    location: str | None
    witness: ExampleView | None
    change: str | None = None  # a resolved entry: what its resolution changed on the witness


@dataclass(frozen=True)
class Card:
    id: str
    anchor: str
    kind: str
    kind_label: str
    title: str
    disposition: str | None
    statement: Statement
    facts: tuple[Fact, ...]
    quotes: tuple[str, ...]
    notes: tuple[str, ...]
    source: str | None
    source_label: str
    status: tuple[EntryView, ...] | None
    examples: tuple[ExampleView, ...]
    more_examples: Phrase | None


@dataclass(frozen=True)
class SectionView:
    anchor: str
    heading: str
    paragraphs: tuple[str, ...]
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class ResolutionView:
    anchor: str
    label: str
    declaration: str
    decides: Phrase
    rationale: str
    entries: Phrase | None


@dataclass(frozen=True)
class CoverageRow:
    anchor: str
    row: str
    rules: Phrase
    exceptions: Phrase
    documentation: Phrase
    covered: bool


@dataclass(frozen=True)
class CodeRow:
    codes: str
    count: int
    description: str
    sets: Phrase
    targeted: Phrase
    named: Phrase
    suggested: Phrase


@dataclass(frozen=True)
class DataView:
    """A code set, value set, map or ranking as the policy gives it."""

    anchor: str
    kind: str
    name: str
    title: str
    source: str | None
    summary: str
    used_by: Phrase


@dataclass(frozen=True)
class TableView:
    anchor: str
    name: str
    title: str
    source: str | None
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # the rows shown: all of them, or the first of a big table
    used_by: Phrase
    count: int  # the table's rows


@dataclass(frozen=True)
class Diagram:
    """One Mermaid diagram: the whole graph (no title), or the part of it one policy section draws;
    `source` is None when even that is too large for a code host to draw."""

    title: str
    source: str | None


@dataclass(frozen=True)
class Node:
    anchor: str
    title: str


@dataclass(frozen=True)
class Model:
    pack: ir.Pack
    title: str
    facts: tuple[Fact, ...]
    counts: tuple[Fact, ...]
    toc: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]
    sections: tuple[SectionView, ...]
    picture: Picture
    nodes: dict[str, Node]
    diagrams: tuple[Diagram, ...]
    resolutions: tuple[ResolutionView, ...]
    other_precedences: tuple[Phrase, ...]
    report: Report | None
    report_facts: tuple[Fact, ...]
    entries: tuple[EntryView, ...]
    coverage: tuple[CoverageRow, ...]
    code_rows: tuple[CodeRow, ...]
    code_sets: tuple[DataView, ...]
    value_sets: tuple[DataView, ...]
    tables: tuple[TableView, ...]
    maps: tuple[DataView, ...]
    rankings: tuple[DataView, ...]
    ranked: tuple[tuple[str, tuple[tuple[str, ...], ...], tuple[str, ...]], ...]
    documentation: tuple[Card, ...]
    examples: tuple[ExampleView, ...]
    changes: ChangesView | None = None
    data_tables: tuple[DataTableView, ...] = ()


def _place(where: Location | None) -> str | None:
    """`file:line:column`, the file by its name only (the report's paths depend on where it ran)."""
    if where is None:
        return None
    return f"{PurePosixPath(where.file.replace(chr(92), '/')).name}:{where.line}:{where.column}"


class _Builder:
    def __init__(self, pack: ir.Pack, source_text: str, report: Report | None,
                 examples: Sequence[WorkedExample], changes: ChangeReport | None = None) -> None:
        self.pack = pack
        self.source_text = source_text
        self.report = report
        # the report's entries in the documents' order, each numbered (its anchor, its witness's name)
        self.entries = document_order(report) if report is not None else []
        self.number = {id(e): n for n, e in enumerate(self.entries)}
        self.changes = changes
        self.examples = list(examples)
        self.anchors = Anchors()
        self.anchors.reserve(*TOP_LEVEL)
        self.english = English(pack, self.anchors)
        self.rules = {r.id: r for r in pack.rules}
        self.sections = {s.name: s for s in pack.sections}
        self.graph = pack_graph(pack, source_text)
        self._register_anchors()

    def _register_anchors(self) -> None:
        """Anchors in one fixed order, so that a collision always resolves the same way."""
        for section in self.pack.sections:
            self.anchors.get("section", section.name)
        for rule in self.pack.rules:
            self.anchors.get("rule", rule.id)
        for row in declared_rows(self.pack):
            self.anchors.get("row", row)
        tables = {t.name for t in self.pack.tables}
        for codes in self.pack.sets:
            if codes.name is not None and codes.name not in tables:
                self.anchors.get("set", codes.name)
        for table in self.pack.tables:
            self.anchors.get("table", table.name)
        for data_table in self.pack.data_tables:
            self.anchors.get("table", data_table.name)
        for code_map in self.pack.maps:
            self.anchors.get("map", code_map.name)
        for ranking in self.pack.rankings:
            self.anchors.get("ranking", ranking.name)
        self.example_anchors: dict[int, str] = {}
        seen: set[str] = set()
        for index, example in enumerate(self.examples):
            if example.source == "example":
                key = example.name if example.name not in seen else f"{example.name} {index}"
                seen.add(example.name)
                self.example_anchors[id(example)] = self.anchors.get("example", key)

    # ------------------------------------------------------------ small helpers

    def rule_ref(self, rule_id: str) -> Phrase:
        return self.english.rule_ref(rule_id)

    def rule_refs(self, rule_ids: Sequence[str]) -> Phrase:
        return join([self.rule_ref(r) for r in rule_ids])

    def row_refs(self, rows: Sequence[str]) -> Phrase:
        return join([(Ref(row, self.anchors.get("row", row)),) for row in rows])

    def line_of(self, offset: int) -> int:
        return self.source_text.count("\n", 0, offset) + 1

    def used_by(self, node: str) -> Phrase:
        users = [u for u in self.graph.predecessors(node) if self.graph.nodes[u]["kind"] in KIND_LABELS
                 or self.graph.nodes[u]["kind"] == "ranking"]
        refs: list[Phrase] = []
        for user in users:
            data = self.graph.nodes[user]
            if data["kind"] == "ranking":
                refs.append((Ref(data["title"] or data["name"], self.anchors.get("ranking", data["name"])),))
            else:
                refs.append(self.rule_ref(data["name"]))
        return join(refs) if refs else ("no rule",)

    # ------------------------------------------------------------ claims

    def finding_phrase(self, finding: Finding) -> Phrase:
        parts: list[Piece | Phrase] = [f"{finding.disposition} by ", self.rule_ref(finding.rule)]
        if finding.suggest is not None:
            parts.append(f", suggests {finding.suggest}")
        evidence = getattr(finding, "evidence", None)
        if evidence:
            parts.append(", evidence: line " + ", ".join(str(e) for e in evidence))
        return phrase(*parts)

    def claim_table(self, claim: object, findings: Sequence[Finding], error: str | None) -> ClaimTable:
        shape = claim_layout(claim)
        if shape is None:
            stray = tuple(self.finding_phrase(f) for f in findings)
            return ClaimTable((), (), (), json_text(claim), error, stray)
        by_line: dict[int, list[Phrase]] = {}
        for finding in findings:
            by_line.setdefault(finding.line, []).append(self.finding_phrase(finding))
        rows = tuple(LineRow(cells, tuple(by_line.pop(n, ()))) for n, cells in enumerate(shape.rows, 1))
        stray = tuple(p for n in sorted(by_line) for p in by_line[n])
        return ClaimTable(tuple(Fact(k, (v,)) for k, v in shape.header), shape.columns, rows, None, error, stray)

    def example_view(self, example: WorkedExample, entry: Entry | None = None) -> ExampleView:
        if example.source == "witness" and entry is not None:
            anchor = f"{self.anchors.get('entry', str(self.number[id(entry)]))}-witness"
            at = f", line {entry.line}" if entry.line is not None else ""
            title: Phrase = (f"Witness of {entry.kind}{at}",)
        else:
            anchor = self.example_anchors.get(id(example)) or self.anchors.get("example", example.name)
            title = (f"Example “{example.name}”",)
        decided = tuple(phrase("without the precedence of ", self.rule_ref(d.winner), " over ",
                               self.rule_ref(d.loser), f", line {d.finding.line} would also get: ",
                               self.finding_phrase(d.finding))
                        for d in example.decided)
        return ExampleView(anchor, title, example.note,
                           self.claim_table(example.claim, example.findings, example.error),
                           tuple(_expectation(e, example.ignore_info) for e in example.expected), decided)

    # ------------------------------------------------------------ the analyzer's entries

    def entry_view(self, entry: Entry) -> EntryView:
        witness = None
        number = self.number[id(entry)]
        if entry.witness is not None:
            found = next((e for e in self.examples if e.source == "witness" and e.name == str(number)), None)
            if found is not None:
                witness = self.example_view(found, entry)
        resolution = None
        rationale = None
        if entry.resolved_by is not None:
            by = entry.resolved_by
            label = f" (resolves {by.resolves})" if by.resolves else ""
            resolution = phrase(f"resolved by the {by.declaration} ", _id_phrase(self, by.id), label)
            rationale = by.rationale
        return EntryView(self.anchors.get("entry", str(number)), entry.kind, entry.severity,
                         entry.resolved_by is not None, join([_id_phrase(self, r) for r in entry.rules]),
                         entry.message, entry.hint, resolution, rationale, _place(entry.location), witness,
                         entry.change)

    # ------------------------------------------------------------ cards

    def card(self, rule: ir.Rule) -> Card:
        facts = self.card_facts(rule)
        status = None
        if self.report is not None:
            named = {id(e) for e in self.report.for_rule(rule.id)}
            status = tuple(self.entry_view(e) for e in self.entries if id(e) in named)
        mine = examples_for(rule.id, self.examples)
        shown = mine[:EXAMPLES_PER_CARD]
        shown_examples = tuple(self.example_view(e, self._entry_of(e)) for e in shown)
        more = self.more_examples([e for e in mine if e not in shown])
        source = None
        label = Path(rule.span.path).name
        written = self.source_text[rule.span.start:rule.span.end] if rule.span.path == self.pack.path else ""
        if written.strip():
            source = _dedent(written)
            label = f"{Path(self.pack.path).name}, line {self.line_of(rule.span.start)}"
        return Card(rule.id, self.anchors.get("rule", rule.id), str(rule.kind), KIND_LABELS.get(str(rule.kind), "Rule"),
                    rule.title, rule.disposition, self.english.statement(rule), facts,
                    tuple(q.text for q in rule.quotes), rule.texts, source, label, status, shown_examples, more)

    def more_examples(self, rest: Sequence[WorkedExample]) -> Phrase | None:
        """The rule's examples and witnesses beyond those its card shows: the examples linked, the
        witnesses counted (each is linked from the card's list of the analyzer's entries); None when
        there are none."""
        examples = [(Ref(e.name, self.example_anchors[id(e)]),) for e in rest if id(e) in self.example_anchors]
        witnesses = sum(self._entry_of(e) is not None for e in rest)
        said: list[Phrase] = []
        if examples:
            said.append(phrase("the example " if len(examples) == 1 else "the examples ", join(examples)))
        if witnesses:
            more = "one more of the analyzer's witnesses" if witnesses == 1 else \
                f"{witnesses} more of the analyzer's witnesses"
            said.append((f"{'on ' if examples else ''}{more} (in its entries listed above)",))
        return phrase("Also on ", join(said, ", ", " and ")) if said else None

    def _entry_of(self, example: WorkedExample) -> Entry | None:
        if example.source != "witness" or self.report is None:
            return None
        return next((e for e in self.entries if str(self.number[id(e)]) == example.name), None)

    def card_facts(self, rule: ir.Rule) -> tuple[Fact, ...]:
        facts = []
        if rule.disposition is not None:
            facts.append(Fact("Disposition", (rule.disposition,)))
        if rule.suggest is not None:
            facts.append(Fact("Suggests", _suggested_codes(self.pack, rule)))
        section = self.sections.get(rule.section or "")
        if section is not None:
            detail = rule.citation[len(section.heading) + 2:] if rule.citation.startswith(section.heading + ": ") \
                else ""
            facts.append(Fact("Policy section", phrase(Ref(section.heading, self.anchors.get("section", section.name)),
                                                      f": {detail}" if detail else "")))
        elif rule.citation:
            facts.append(Fact("Policy section", (rule.citation,)))
        if rule.covers:
            facts.append(Fact("Rows", self.row_refs(rule.covers)))
        me = node_id(str(rule.kind), rule.id)
        relations = [
            ("Takes precedence over", "out", ("precedence", "overrides")),
            ("Yields to", "in", ("precedence", "overrides")),
            ("Reads the findings of", "out", ("reads",)),
            ("Its findings are read by", "in", ("reads",)),
        ]
        for label, direction, kinds in relations:
            edges = self.graph.out_edges(me, data=True) if direction == "out" else self.graph.in_edges(me, data=True)
            others = [(t if direction == "out" else s) for s, t, d in edges if d["kind"] in kinds]
            if others:
                facts.append(Fact(label, self.rule_refs([self.graph.nodes[o]["name"] for o in others])))
        for resolution in rule.resolves:
            facts.append(Fact(f"Resolves {resolution.conflict}", (resolution.rationale,)))
        if rule.span.path != self.pack.path:
            facts.append(Fact("Declared in", (Path(rule.origin or rule.span.path).name,)))
        return tuple(facts)

    def section_views(self) -> tuple[SectionView, ...]:
        by_section: dict[str | None, list[ir.Rule]] = {}
        for rule in self.pack.rules:
            key = rule.section if rule.section in self.sections else None
            by_section.setdefault(key, []).append(rule)
        views = [SectionView(self.anchors.get("section", s.name), s.heading, s.paragraphs,
                             tuple(self.card(r) for r in by_section.get(s.name, ())))
                 for s in self.pack.sections]
        if None in by_section:
            views.append(SectionView(self.anchors.get("section", "other-rules"), "Rules without a policy section",
                                     (), tuple(self.card(r) for r in by_section[None])))
        return tuple(views)

    # ------------------------------------------------------------ conflicts and resolutions

    def resolutions(self) -> tuple[tuple[ResolutionView, ...], tuple[Phrase, ...]]:
        groups: dict[tuple[str, str, str], tuple[list[str], str]] = {}
        undeclared: list[Phrase] = []
        for precedence in self.pack.precedences:
            declaration = "exception" if precedence.declared_by == "overrides" else "precedence"
            if not precedence.resolves:
                by = "an exception" if declaration == "exception" else "a precedence"
                undeclared.append(phrase(self.rule_ref(precedence.winner), " over ", self.rule_ref(precedence.loser),
                                         f" (declared by {by})"))
            for resolution in precedence.resolves:
                key = (resolution.conflict, declaration, precedence.winner)
                losers, _ = groups.get(key, ([], resolution.rationale))
                groups[key] = ([*losers, precedence.loser], resolution.rationale)
        for rule in self.pack.rules:
            for resolution in rule.resolves:
                if any(k[0] == resolution.conflict and k[2] == rule.id for k in groups):
                    continue
                declaration = "exception" if rule.kind == "exception" else "condition"
                groups[(resolution.conflict, declaration, rule.id)] = (list(rule.references), resolution.rationale)
        views = []
        for (label, declaration, winner), (others, rationale) in sorted(
                groups.items(), key=lambda item: (row_key(item[0][0]), item[0][1], item[0][2])):
            views.append(ResolutionView(self.anchors.get("resolution", f"{label}-{winner}"), label, declaration,
                                        self._decides(declaration, winner, others), rationale,
                                        self._resolution_entries(label)))
        return tuple(views), tuple(undeclared)

    def _decides(self, declaration: str, winner: str, others: list[str]) -> Phrase:
        if declaration == "precedence":
            return phrase(self.rule_ref(winner), " takes precedence over ", self.rule_refs(sorted(others)))
        if declaration == "exception":
            return phrase("the exception ", self.rule_ref(winner), " overrides ", self.rule_refs(sorted(others)))
        if others:
            return phrase("a condition of ", self.rule_ref(winner), " that reads ", self.rule_refs(sorted(others)))
        return phrase("a condition of ", self.rule_ref(winner))

    def _resolution_entries(self, label: str) -> Phrase | None:
        if self.report is None:
            return None
        found = [e for e in self.entries if e.resolved_by is not None and e.resolved_by.resolves == label]
        if not found:
            return ("no entry of the analyzer's report names it",)
        return join([(Ref(f"{e.kind} of {', '.join(e.rules)}", self.anchors.get("entry", str(self.number[id(e)]))),)
                     for e in found])

    # ------------------------------------------------------------ indexes

    def coverage(self) -> tuple[CoverageRow, ...]:
        rows = []
        for row in declared_rows(self.pack):
            by_kind: dict[str, list[str]] = {"rule": [], "exception": [], "documentation": []}
            for rule in self.pack.rules:
                if row in rule.covers:
                    by_kind.setdefault(str(rule.kind), []).append(rule.id)
            rows.append(CoverageRow(self.anchors.get("row", row), row, self.rule_refs(by_kind["rule"]),
                                    self.rule_refs(by_kind["exception"]), self.rule_refs(by_kind["documentation"]),
                                    any(by_kind.values())))
        return tuple(rows)

    def code_rows(self) -> tuple[CodeRow, ...]:
        roles = _code_roles(self.pack)
        descriptions = _descriptions(self.pack)
        tables = {t.name for t in self.pack.tables}
        member_of: dict[str, list[str]] = {}
        for codes in self.pack.sets:
            if codes.name is not None and not codes.texts and codes.name not in tables:
                for code in codes.members:
                    member_of.setdefault(code, []).append(codes.name)
        signature: Callable[[str], tuple[Any, ...]] = lambda code: (  # noqa: E731
            tuple(sorted(roles.get(code, {}).items())), tuple(member_of.get(code, ())), descriptions.get(code, ""))
        out = []
        for run in _runs(sorted(roles, key=code_shapes.shape), signature):
            first = run[0]
            rule_roles = roles[first]
            pick = [r for r in self.pack.rules if r.id in rule_roles]

            def with_role(role: str, pick: list[ir.Rule] = pick, rule_roles: dict[str, tuple[str, ...]] = rule_roles
                          ) -> Phrase:
                return self.rule_refs([r.id for r in pick if role in rule_roles[r.id]])

            names = member_of.get(first, [])
            set_refs = join([(Ref(_title_of(self.pack, n), self.anchors.get("set", n)),) for n in names])
            text = first if len(run) == 1 else f"{first}–{run[-1]}"
            out.append(CodeRow(text, len(run), descriptions.get(first, ""), set_refs, with_role("targets"),
                               with_role("names"), with_role("suggests")))
        return tuple(out)

    def data_views(self) -> tuple[tuple[DataView, ...], tuple[DataView, ...], tuple[DataView, ...],
                                  tuple[DataView, ...]]:
        tables = {t.name for t in self.pack.tables}
        code_sets: list[DataView] = []
        value_sets: list[DataView] = []
        for codes in self.pack.sets:
            if codes.name is None or codes.name in tables:
                continue
            kind = "values" if codes.texts else "codes"
            view = DataView(self.anchors.get("set", codes.name), kind, codes.name, codes.title or "", codes.source,
                            f"{codes_text(codes.members, codes.texts, limit=10_000)} ({len(codes.members)})",
                            self.used_by(node_id(kind, codes.name)))
            (value_sets if codes.texts else code_sets).append(view)
        maps = [DataView(self.anchors.get("map", m.name), "map", m.name, m.title or "", m.source,
                         ", ".join(f"{k} → {v}" for k, v in m.pairs), self.used_by(node_id("map", m.name)))
                for m in self.pack.maps]
        rankings = [DataView(self.anchors.get("ranking", r.name), "ranking", r.name, r.title or "", None,
                             "; then ".join(f"by {attr}: {' > '.join(order)}" for attr, order in r.levels),
                             self.used_by(node_id("ranking", r.name)))
                    for r in self.pack.rankings]
        return tuple(code_sets), tuple(value_sets), tuple(maps), tuple(rankings)

    def table_views(self) -> tuple[TableView, ...]:
        views = []
        for table in self.pack.tables:
            shown = table.rows if len(table.rows) <= TABLE_ROWS_IN_FULL else table.rows[:TABLE_ROWS_SHOWN]
            rows = tuple((row.code, *(_cell(c) for c in row.cells)) for row in shown)
            views.append(TableView(self.anchors.get("table", table.name), table.name, table.title or "", table.source,
                                   ("code", *(name for name, _ in table.columns)), rows,
                                   self.used_by(node_id("table", table.name)), len(table.rows)))
        return tuple(views)

    def data_table_views(self) -> tuple[DataTableView, ...]:
        return tuple(DataTableView(self.anchors.get("table", t.name), t.name, t.title or "", t.source,
                                   tabledoc.layout(t), tabledoc.checks(t, self.english.inline),
                                   tuple(tabledoc.file_view(t, f) for f in t.files),
                                   self.used_by(node_id("table", t.name)))
                     for t in self.pack.data_tables)

    def ranked(self) -> tuple[tuple[str, tuple[tuple[str, ...], ...], tuple[str, ...]], ...]:
        """Each ranking's codes, highest first: the facility hierarchy as a table."""
        out = []
        descriptions = _descriptions(self.pack)
        for ranking in self.pack.rankings:
            values = {attr: self.pack.attribute(attr).lookup() for attr, _ in ranking.levels
                      if any(a.name == attr for a in self.pack.attributes)}
            ranks: list[tuple[tuple[int, ...], str]] = []
            codes = sorted(set().union(*(v.keys() for v in values.values())) if values else set(),
                           key=code_shapes.shape)
            for code in codes:
                rank = []
                for attr, order in ranking.levels:
                    value = values.get(attr, {}).get(code)
                    if value not in order:
                        break
                    rank.append(order.index(str(value)))
                else:
                    ranks.append((tuple(rank), code))
            rows = tuple((str(position), code, *(str(values[a][code]) for a, _ in ranking.levels),
                          descriptions.get(code, ""))
                         for position, (_, code) in enumerate(sorted(ranks), 1))
            out.append((self.anchors.get("ranking", ranking.name), rows,
                        ("rank", "code", *(a for a, _ in ranking.levels), "description")))
        return tuple(out)

    # ------------------------------------------------------------ the whole

    def build(self) -> Model:
        pack = self.pack
        picture = layout(self.graph)
        nodes = {}
        for node, data in self.graph.nodes(data=True):
            kind = data["kind"]
            anchor_kind = _ANCHOR_KINDS.get(kind, kind)
            title = f"{data['name']}: {data['title']}" if data["title"] else data["name"]
            nodes[node] = Node(self.anchors.get(anchor_kind, data["name"]), title)
        resolutions, undeclared = self.resolutions()
        code_sets, value_sets, maps, rankings = self.data_views()
        sections = self.section_views()
        documentation = tuple(c for s in sections for c in s.cards if c.kind == "documentation")
        entries = tuple(self.entry_view(e) for e in self.entries)
        examples = tuple(self.example_view(e) for e in self.examples if e.source == "example")
        changes = changes_view(self.changes, self.anchors, self.rule_ref) if self.changes is not None else None
        return Model(
            pack=pack, title=f"{pack.policy}: {pack.title}" if pack.policy else pack.title,
            facts=self.header_facts(), counts=self.counts(), toc=self.toc(sections),
            sections=sections, picture=picture, nodes=nodes, diagrams=self.diagrams(sections),
            resolutions=resolutions, other_precedences=undeclared, report=self.report,
            report_facts=self.report_facts(), entries=entries, coverage=self.coverage(),
            code_rows=self.code_rows(), code_sets=code_sets, value_sets=value_sets, tables=self.table_views(),
            maps=maps, rankings=rankings, ranked=self.ranked(), documentation=documentation, examples=examples,
            changes=changes, data_tables=self.data_table_views())

    def diagrams(self, sections: Sequence[SectionView]) -> tuple[Diagram, ...]:
        """The graph as one Mermaid diagram when a code host draws it, else one per policy section
        (its rules, with the rows, rules and data they meet), halved again where still too large."""
        if _drawable(self.graph):
            return (Diagram("", to_mermaid(self.graph)),)
        out: list[Diagram] = []
        for section in sections:
            rules = [node_id(card.kind, card.id) for card in section.cards]
            if rules:
                out += self._section_diagrams(section.heading, rules)
        return tuple(out)

    def _section_diagrams(self, title: str, rules: list[str]) -> list[Diagram]:
        nodes = set(rules)
        for rule in rules:
            nodes.update(self.graph.predecessors(rule))
            nodes.update(self.graph.successors(rule))
        drawn = self.graph.subgraph(nodes)
        if _drawable(drawn):
            return [Diagram(title, to_mermaid(drawn))]
        if len(rules) == 1:
            return [Diagram(title, None)]
        half = (len(rules) + 1) // 2
        first = self._section_diagrams(title, rules[:half])
        second = self._section_diagrams(title, rules[half:])
        parts = first + second
        return [Diagram(f"{title} ({index} of {len(parts)})", d.source) for index, d in enumerate(parts, 1)]

    def header_facts(self) -> tuple[Fact, ...]:
        pack = self.pack
        facts = [Fact("Policy", (pack.policy,)), Fact("Version", (pack.version,)),
                 Fact("Effective", (pack.effective,)),
                 Fact("Source", (pack.source,)), Fact("Rules file", (f"{Path(pack.path).name} (pack {pack.name})",)),
                 Fact("SHA-256", (pack.digest,))]
        if pack.extends:
            facts.append(Fact("Extends", (Path(pack.extends).name,)))
        if pack.previous:
            facts.append(Fact("Previous version", (Path(pack.previous).name,)))
        if pack.removed:
            facts.append(Fact("Removes", (", ".join(pack.removed),)))
        return tuple(facts)

    def counts(self) -> tuple[Fact, ...]:
        kinds = [str(r.kind) for r in self.pack.rules]
        rows = declared_rows(self.pack)
        covered = {row for r in self.pack.rules for row in r.covers}
        facts = [Fact("Rules", (str(kinds.count("rule")),)), Fact("Exceptions", (str(kinds.count("exception")),)),
                 Fact("Documentation entries", (str(kinds.count("documentation")),)),
                 Fact("Rows covered", (f"{len([r for r in rows if r in covered])} of {len(rows)}",)),
                 Fact("Declared resolutions", (str(sum(len(p.resolves) > 0 for p in self.pack.precedences)
                                                   + sum(len(r.resolves) > 0 for r in self.pack.rules
                                                         if r.kind != "exception")),)),
                 Fact("Examples", (str(len(self.pack.examples)),))]
        return tuple(facts)

    def report_facts(self) -> tuple[Fact, ...]:
        if self.report is None:
            return ()
        report = self.report
        counts = report.summary()
        ordered = [k for k in SUMMARY_ORDER if k in counts] + sorted(k for k in counts if k not in SUMMARY_ORDER)
        facts = [Fact(k.capitalize(), (str(counts[k]),)) for k in ordered]
        if report.lines:
            complete = " (complete: holds for claims of any size)" if report.complete else " (bounded)"
            facts.append(Fact("Claim size searched", (f"up to {report.lines} lines{complete}",)))
        if report.errors:
            facts.append(Fact("Pack errors", (str(len(report.errors)),)))
        return tuple(facts)

    def toc(self, sections: Sequence[SectionView]) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
        rules = tuple((s.anchor, s.heading) for s in sections)
        items: list[tuple[str, str, tuple[tuple[str, str], ...]]] = [("overview", "Overview", ())]
        if self.changes is not None:
            items.append(("changes", f"Changes since {self.changes.old.version}", ()))
        items += [("graph", "The rule graph", ()),
                 ("rules", "Rules by policy section", rules), ("conflicts", "Conflicts and resolutions", ())]
        if self.report is not None:
            items.append(("analysis", "The analyzer's report", ()))
        items += [("coverage", "Coverage of the analyst notes", ()), ("code-index", "Code index", ()),
                  ("code-sets", "Code sets", ()), ("tables", "Tables and maps", ()),
                  ("hierarchy", "Rankings", ()), ("documentation", "Documentation requirements", ()),
                  ("examples", "Examples", ())]
        return tuple(items)


def _drawable(graph: nx.DiGraph) -> bool:
    return graph.number_of_edges() <= MERMAID_EDGES and len(to_mermaid(graph)) <= MERMAID_CHARACTERS


def _id_phrase(builder: _Builder, rule_id: str) -> Phrase:
    """A rule id as a link; `A over B` (a precedence in the report) as two links."""
    if " over " in rule_id:
        winner, loser = rule_id.split(" over ", 1)
        return phrase(builder.rule_ref(winner), " over ", builder.rule_ref(loser))
    return builder.rule_ref(rule_id)


def _title_of(pack: ir.Pack, name: str) -> str:
    found = next((s for s in pack.sets if s.name == name), None)
    return (found.title if found is not None and found.title else name)


def _suggested_codes(pack: ir.Pack, rule: ir.Rule) -> Phrase:
    codes = sorted(_suggests(pack, rule), key=code_shapes.shape)
    text = ", ".join(codes) if codes else "a computed code"
    when = "its suggestion condition holds" if rule.suggest_if is not None else "it applies"
    return (f"{text} (when {when} and the line, billed with it, would not be denied)",)


def _suggests(pack: ir.Pack, rule: ir.Rule) -> set[str]:
    out: set[str] = set()
    if rule.suggest is None:
        return out
    maps = {m.name: m for m in pack.maps}
    for expr in subexpressions(rule.suggest):
        if isinstance(expr, ir.Const) and expr.type.kind == ir.Kind.CODE:
            out.add(str(expr.value))
        elif isinstance(expr, ir.MapGet) and expr.map in maps:
            out.update(v for _, v in maps[expr.map].pairs)
    return out


def _code_roles(pack: ir.Pack) -> dict[str, dict[str, tuple[str, ...]]]:
    """For every code some rule touches: which rules, and how (targets, names, suggests)."""
    maps = {m.name: m for m in pack.maps}
    attributes = {a.name: a for a in pack.attributes}
    rankings = {r.name: r for r in pack.rankings}
    found: dict[str, dict[str, set[str]]] = {}

    def mark(codes: Iterable[str], rule: str, role: str) -> None:
        for code in codes:
            found.setdefault(code, {}).setdefault(rule, set()).add(role)

    for rule in pack.rules:
        if rule.target is not None:
            mark(rule.target.members, rule.id, "targets")
        mark(_suggests(pack, rule), rule.id, "suggests")
        for root in (rule.condition, rule.suggest_if):
            for expr in subexpressions(root) if root is not None else ():
                mark(_named_codes(expr, maps, attributes, rankings), rule.id, "names")
    return {code: {rule: tuple(sorted(r)) for rule, r in by_rule.items()} for code, by_rule in found.items()}


def _named_codes(expr: ir.Expr, maps: Mapping[str, ir.CodeMap], attributes: Mapping[str, ir.Attribute],
                 rankings: Mapping[str, ir.Ranking]) -> set[str]:
    """The codes a condition names through one expression node (a set, a code, a map, a table, a ranking)."""
    if isinstance(expr, ir.SetValue) and not expr.codes.texts:
        return set(expr.codes.members)
    if isinstance(expr, ir.Const) and expr.type.kind == ir.Kind.CODE:
        return {str(expr.value)}
    if isinstance(expr, ir.MapGet) and expr.map in maps:
        return {c for pair in maps[expr.map].pairs for c in pair}
    if isinstance(expr, ir.CodeAttr) and expr.attribute in attributes:
        out = set()
        for code, value in attributes[expr.attribute].values:
            out.add(code)
            if isinstance(value, frozenset):
                out.update(value)
        return out
    if isinstance(expr, ir.RankOf) and expr.ranking in rankings:
        return {code for attr, _ in rankings[expr.ranking].levels if attr in attributes
                for code, _ in attributes[attr].values}
    return set()


def _descriptions(pack: ir.Pack) -> dict[str, str]:
    """A code's description: the text columns of the tables that list it, in table order."""
    out: dict[str, list[str]] = {}
    for table in pack.tables:
        texts = [i for i, (_, kind) in enumerate(table.columns) if kind == "text"]
        for row in table.rows:
            for index in texts:
                value = row.cells[index] if index < len(row.cells) else None
                if isinstance(value, str) and value and value not in out.get(row.code, []):
                    out.setdefault(row.code, []).append(value)
    return {code: "; ".join(values) for code, values in out.items()}


def _runs(codes: Sequence[str], signature: Callable[[str], tuple[Any, ...]]) -> list[list[str]]:
    """Consecutive codes of one shape with the same signature, as runs."""
    runs: list[list[str]] = []
    for code in codes:
        if runs:
            last = runs[-1][-1]
            a, b = code_shapes.shape(last), code_shapes.shape(code)
            if a[:2] == b[:2] and a[2] + 1 == b[2] and signature(last) == signature(code):
                runs[-1].append(code)
                continue
        runs.append([code])
    return runs


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, frozenset):
        return codes_text(value, False, limit=10_000) if value else "none"
    return value_text(value)


def _expectation(expected: ir.Expected, ignore_info: bool = False) -> str:
    if expected.kind == "nothing":  # as `rulesc test` compares it (docs/LANGUAGE.md, "expect nothing")
        return "expects no finding but info ones, which it ignores" if ignore_info else "expects no finding"
    if expected.kind == "nosuggest":
        return f"expects no suggestion on line {expected.line}"
    if expected.kind == "error":
        return f"expects the claim to be rejected: “{expected.text}”"
    text = f"expects line {expected.line} {expected.disposition}"
    if expected.rule:
        text += f" by {expected.rule}"
    if expected.suggest:
        text += f", suggesting {expected.suggest}"
    return text


def _dedent(text: str) -> str:
    lines = text.rstrip().split("\n")
    indents = [len(line) - len(line.lstrip(" ")) for line in lines[1:] if line.strip()]
    cut = min(indents, default=0)
    if cut > 2:
        lines = [lines[0]] + [line[cut - 2:] for line in lines[1:]]
    return "\n".join(lines)


# ---------------------------------------------------------------- the Markdown pages
#
# The folder `<pack>-policy/`: `README.md` (the header, the contents, the counts, the graph, the
# conflicts and resolutions, the coverage of the analyst notes, the documentation requirements), a
# page per policy section's rule cards (`rules-<section>.md`), what changed since the previous
# version (`changes.md`), the graph per policy section when it is too large for one diagram
# (`graph.md`), the analyzer's report (`analysis.md`), the code index with the code sets, tables,
# maps and rankings (`codes.md`) and the examples (`examples.md`), each continued on numbered pages
# where it passes the budget (`pages.py`).


def _body_parts(m: Model, h: Any) -> list[Part]:
    """Every part but the entry page, in the order of the contents."""
    parts = []
    if m.changes is not None:
        blocks = [block_of(h.changes_lead(m.changes)), *(block_of(h.change(e)) for e in m.changes.changed)]
        if m.changes.wording:
            blocks.append(block_of(h.wording(m.changes)))
        parts.append(Part("changes", m.changes.heading, "changes", tuple(blocks)))
    if len(m.diagrams) > 1:
        parts.append(Part("graph", "The rule graph", "graph", (
            block_of(h.graph_lead(False)), *(block_of(h.diagram(d, True)) for d in m.diagrams))))
    for section in m.sections:
        parts.append(Part("rules-" + section.anchor.removeprefix("section-"), section.heading, section.anchor,
                          (block_of(h.section_lead(section)), *(block_of(h.card(c)) for c in section.cards))))
    if m.report is not None:
        parts.append(Part("analysis", "The analyzer's report", "analysis",
                          (block_of(h.analysis_lead(m)), *(block_of(h.entry(e)) for e in m.entries))))
    parts.append(Part("codes", "Code index, code sets and tables", "code-index", tuple(_code_blocks(m, h))))
    parts.append(Part("examples", "Examples", "examples",
                      (block_of(h.examples_lead(m)), *(block_of(h.example(x, True)) for x in m.examples))))
    return parts


def _code_blocks(m: Model, h: Any) -> list[Block]:
    out = [block_of(h.code_index_lead(m), keep=True)]
    columns = h.code_columns()
    out += [block_of(h.code_row(r), columns, r.codes) for r in m.code_rows]
    out.append(block_of(h.code_sets_lead(m), keep=True))
    columns = h.set_columns()
    out += [block_of(h.set_row(d), columns) for d in (*m.code_sets, *m.value_sets)]
    out.append(block_of(h.tables_lead(m), keep=True))
    for table in m.tables:
        out.append(block_of(h.table_lead(table), keep=True))
        columns = h.columns(table.columns)
        out += [block_of(h.row(row), columns) for row in table.rows]
    for data_table in m.data_tables:  # tables read from files: a summary of each file, its rows when few
        out.append(block_of(h.data_table_lead(data_table), keep=True))
        for table_file in data_table.files:
            out.append(block_of(h.table_file(table_file), keep=bool(table_file.listed)))
            columns = h.columns(table_file.columns)
            out += [block_of(h.row(row), columns) for row in table_file.listed]
    out += [block_of(h.map(d)) for d in m.maps]
    out.append(block_of(h.rankings_lead(m), keep=True))
    for ranking in m.rankings:
        out.append(block_of(h.ranking_lead(ranking), keep=True))
        for anchor, rows, names in m.ranked:
            if anchor == ranking.anchor:
                columns = h.columns(names)
                out += [block_of(h.row(row), columns) for row in rows]
    return out


def _entry_blocks(m: Model, h: Any, items: Sequence[Item], html: str) -> list[Block]:
    out = [block_of(h.header(m, html)), block_of(h.contents(items)), block_of(h.overview(m))]
    if len(m.diagrams) == 1:
        out += [block_of(h.graph_lead(True), keep=True), block_of(h.diagram(m.diagrams[0], False))]
    out.append(block_of(h.conflicts_lead(m), keep=True))
    columns = h.resolution_columns()
    out += [block_of(h.resolution(r), columns) for r in m.resolutions]
    if m.other_precedences:
        out.append(block_of(h.other_precedences(m)))
    out.append(block_of(h.coverage_lead(m), keep=True))
    columns = h.coverage_columns()
    out += [block_of(h.coverage(c), columns) for c in m.coverage]
    out.append(block_of(h.documentation_lead(m), keep=True))
    out += [block_of(h.documentation(card)) for card in m.documentation]
    return out


def _contents(m: Model, pages: Sequence[Page]) -> list[Item]:
    """The model's contents, each part's pages listed beside the link to it when it has several."""
    listed: dict[str, tuple[tuple[str, str], ...]] = {}
    for page in pages:
        if page.count > 1 and page.part.anchor is not None:
            listed[page.part.anchor] = (*listed.get(page.part.anchor, ()), (page.short, page.name))
    items = []
    for anchor, label, children in m.toc:
        items.append(Item(0, label, None if anchor == "rules" else anchor, listed.get(anchor, ())))
        items += [Item(1, child_label, child, listed.get(child, ())) for child, child_label in children]
    return items


def markdown_pages(m: Model, env: jinja2.Environment, html: str, budget: int = PAGE_BUDGET) -> dict[str, str]:
    """The pages of the Markdown document, by file name in the pack's folder (the entry page first).
    `html` names the HTML document beside the folder; `budget` is where parts are cut into pages."""
    h = env.get_template("_policy_md.j2").module

    def entry(pages: Sequence[Page]) -> Part:
        blocks = _entry_blocks(m, h, _contents(m, pages), html)
        return Part(ENTRY_PAGE.removesuffix(".md"), m.title, None, tuple(blocks))

    return lay_out(_body_parts(m, h), entry, env.get_template("policy.page.md.j2"), m.title, budget)


# ---------------------------------------------------------------- rendering


def capitalized(value: Phrase) -> Phrase:
    """The phrase with its first letter in upper case (statements start sentences)."""
    if value and isinstance(value[0], str) and value[0]:
        return (value[0][0].upper() + value[0][1:], *value[1:])
    return value


def sentence(value: Phrase) -> Phrase:
    """The phrase ended with a full stop, unless it already ends a sentence (a quoted message may)."""
    text = plain(value).rstrip("”\"' ")
    return value if text.endswith((".", "!", "?")) else (*value, ".")


def period(text: str) -> str:
    """The text ended with a full stop, unless it ends a sentence already."""
    return text if text.rstrip("”\"' ").endswith((".", "!", "?")) or not text else text + "."


def _common(env: jinja2.Environment) -> jinja2.Environment:
    env.filters["cap"] = capitalized
    env.filters["sentence"] = sentence
    env.filters["period"] = period
    return env


def markdown_environment() -> jinja2.Environment:
    """Markdown: no autoescape (it would write HTML entities); every string goes through `md`."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["md"] = md_text
    env.filters["fence"] = md_fence
    return _common(page_filters(env))


def html_environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["p"] = html_phrase
    env.filters["lines"] = html_text
    return _common(env)


def build_model(pack: ir.Pack, source_text: str, analysis: Report | None = None,
                examples: Sequence[WorkedExample] | None = None, changes: ChangeReport | None = None) -> Model:
    worked = list(examples) if examples is not None else evaluate_examples(pack, analysis)
    return _Builder(pack, source_text, analysis, worked, changes).build()


def generate_documents(pack: ir.Pack, source_text: str, *, analysis: Report | None = None,
                       examples: Sequence[WorkedExample] | None = None,
                       changes: ChangeReport | None = None) -> dict[str, str]:
    """The pack's policy documents, by path relative to the output folder: the HTML page
    `<pack>.html` and the Markdown pages `<pack>-policy/README.md` (the entry page), ...

    `analysis` is the analyzer's report (contract/ANALYSIS.md), shown when given; `examples`
    are the evaluated examples and witnesses (`evaluate_examples`), evaluated here when omitted;
    `changes` compares the pack's previous version with this one (contract/DIFF.md) and adds the
    section "Changes since VERSION" when given.
    """
    model = build_model(pack, source_text, analysis, examples, changes)
    html_name = f"{pack.name}.html"
    html = html_environment().get_template("policy.html.j2").render(m=model)
    folder = folder_of(pack.name)
    pages = markdown_pages(model, markdown_environment(), html_name)
    return {html_name: html, **{f"{folder}/{name}": text for name, text in pages.items()}}


def retired_documents(pack_name: str) -> tuple[str, ...]:
    """Documents an earlier layout wrote that the current one does not: the single Markdown file."""
    return (f"{pack_name}.md",)


def entry_page(pack_name: str) -> str:
    """The Markdown document's entry page, relative to the output folder."""
    return f"{folder_of(pack_name)}/{ENTRY_PAGE}"
