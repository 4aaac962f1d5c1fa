"""The section "Changes since VERSION" of a policy document: a change report as plain values.

The report (contract/DIFF.md, `compiler.analysis.changes.model`) compares the pack's previous
version with this one. Here it becomes text and links, still raw: the templates escape every
string (HTML by autoescaping, Markdown through `md`), so a rule id, a message or a claim value
holding markup comes out as text. Entries follow the rule ids' order, witnesses the report's,
so the section is the same bytes for the same report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from compiler.analysis.changes.model import CHANGES, ChangeReport, RowChange, RuleChange, TableChange, Witness
from compiler.analysis.changes.render import SHOWN_ROWS, row_text
from compiler.backends.claimtext import claim_layout, json_text
from compiler.backends.english import number_text
from compiler.backends.markup import Anchors, Phrase, phrase

#: each change in words, as the summary counts it and as an entry names it
SUMMARY_WORDS = {"equivalent": "equivalent", "broader": "broader", "narrower": "narrower",
                 "incomparable": "broader and narrower", "outcome": "changed in outcome", "added": "added",
                 "removed": "removed", "unknown": "unknown"}
CHANGE_WORDS = {
    "equivalent": "decides as before",
    "broader": "broader: it decides every line it used to decide, and more",
    "narrower": "narrower: it no longer decides some lines it used to decide, and decides no new ones",
    "incomparable": "broader and narrower: it decides some lines it did not, and no longer decides others",
    "outcome": "changed in outcome: it decides the same lines with another disposition or suggested code",
    "added": "added in this version",
    "removed": "removed in this version",
    "unknown": "unknown: the solver gave no answer within its resource limit",
}
DIRECTION_WORDS = {"broader": "decided only by the new version", "narrower": "decided only by the old version",
                   "outcome": "decided differently"}
TEXT_WORDS = {"message": "message", "citation": "citation", "title": "title"}


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class WitnessRow:
    """One line of a witness claim; `old` and `new` (the rule's findings under each version) are
    shown on the witness line only."""

    cells: tuple[str, ...]
    witness: bool
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class WitnessView:
    title: str
    line: int
    header: tuple[Fact, ...]
    columns: tuple[str, ...]  # the claim's columns
    versions: tuple[str, str]  # the headings of the old and the new version's findings
    rows: tuple[WitnessRow, ...]
    raw: str | None  # the claim as JSON when it is not an object with a list of lines
    old: tuple[str, ...]  # the findings of a witness line the table does not show
    new: tuple[str, ...]


@dataclass(frozen=True)
class ChangeView:
    anchor: str
    rule: Phrase
    change: str
    words: str
    message: str
    reason: str
    witnesses: tuple[WitnessView, ...]


@dataclass(frozen=True)
class RowView:
    """A changed row of a table: what changed, and the claim it decides differently (or why none)."""

    text: str
    witness: WitnessView | None
    note: str


@dataclass(frozen=True)
class TableChangeView:
    """A table file whose rows changed: its counts and its first changed rows."""

    anchor: str
    table: str
    file: str  # as the pack names it
    counts: str
    rows: tuple[RowView, ...]
    more: str | None  # how many changed rows are not shown


@dataclass(frozen=True)
class ChangesView:
    heading: str
    old: str  # "cpcp026 1.0"
    new: str
    summary: str
    bound: str
    impact: str | None
    changed: tuple[ChangeView, ...]
    wording: tuple[Phrase, ...]  # rules that decide as before with new wording
    tables: str | None = None  # the tables read from files: how many files changed (None: no such tables)
    changed_tables: tuple[TableChangeView, ...] = ()


def changes_view(report: ChangeReport, anchors: Anchors, rule_ref: Callable[[str], Phrase]) -> ChangesView:
    """The section's values: `rule_ref` links a rule id to its card (a removed rule stays text),
    `anchors` gives each entry its own anchor."""
    changed = sorted(report.changed, key=lambda r: r.rule)
    wording = sorted((r for r in report.rules if not r.changed and r.texts), key=lambda r: r.rule)
    return ChangesView(
        heading=f"Changes since {report.old.version}",
        old=f"{report.old.pack} {report.old.version}", new=f"{report.new.pack} {report.new.version}",
        summary=_summary(report), bound=_bound(report), impact=_impact(report),
        changed=tuple(_change_view(r, report, anchors, rule_ref) for r in changed),
        wording=tuple(phrase(rule_ref(r.rule), f" ({', '.join(TEXT_WORDS.get(t, t) for t in r.texts)})")
                      for r in wording),
        tables=None if report.tables is None else _tables_summary(report.tables),
        changed_tables=tuple(_table_view(t, report, anchors) for t in report.changed_tables))


def _tables_summary(tables: list[TableChange]) -> str:
    changed = [t for t in tables if t.changed]
    files = f"{number_text(len(tables))} file{'' if len(tables) == 1 else 's'} of tables read from files"
    if not changed:
        return f"The rows of the {files} are the same in both versions."
    return f"{number_text(len(changed))} of the {files} changed rows; each is shown with its first changed rows."


def _table_view(table: TableChange, report: ChangeReport, anchors: Anchors) -> TableChangeView:
    rows = table.rows
    counts = (f"{number_text(rows.old)} rows under {report.old.version}, {number_text(rows.new)} under "
              f"{report.new.version}: {number_text(rows.added)} added, {number_text(rows.removed)} removed, "
              f"{number_text(rows.changed)} changed.")
    versions = (report.old.version, report.new.version)
    shown = tuple(_row_view(change, table, versions) for change in table.changes[:SHOWN_ROWS])
    more = rows.added + rows.removed + rows.changed - len(shown)
    rest = None if not more else (f"{number_text(more)} more changed row{'' if more == 1 else 's'} "
                                  "(`rulesc diff --format json` lists the first fifty with their witnesses).")
    return TableChangeView(anchors.get("table-change", f"{table.table} {table.written}"), table.table,
                           table.written or table.file, counts, shown, rest)


def _row_view(change: RowChange, table: TableChange, versions: tuple[str, str]) -> RowView:
    text = row_text(change, table.start)
    if change.witness is None:
        return RowView(text, None, "No claim is decided differently by this row alone.")
    view = witness_view(change.witness, 0, versions, every_rule=True)
    return RowView(text, view, "")


def _summary(report: ChangeReport) -> str:
    counts = report.summary()
    total = len(report.rules)
    parts = [f"{counts[change]} {SUMMARY_WORDS[change]}" for change in CHANGES if change != "equivalent"]
    rules = "rule" if total == 1 else "rules"
    return f"{total} {rules} compared: {counts['equivalent']} equivalent, " + ", ".join(parts) + "."


def _bound(report: ChangeReport) -> str:
    reach = ("the answers hold for claims of any size" if report.complete
             else "claims with more lines were not searched")
    lines = "line" if report.lines == 1 else "lines"
    return (f"Decided by the conflict analyzer's solver on claims of up to {report.lines} {lines} ({reach}); "
            "every witness was replayed through the reference interpreter of both versions.")


def _impact(report: ChangeReport) -> str | None:
    impact = report.impact
    if impact is None:
        return None
    claims = "claim" if impact.claims == 1 else "claims"
    return (f"Measured on {number_text(impact.claims)} {claims}: {number_text(impact.changed)} get different "
            f"findings, on {number_text(impact.lines_changed)} lines.")


def _change_view(change: RuleChange, report: ChangeReport, anchors: Anchors,
                 rule_ref: Callable[[str], Phrase]) -> ChangeView:
    versions = (report.old.version, report.new.version)
    witnesses = tuple(witness_view(w, index, versions) for index, w in enumerate(change.witnesses, 1))
    return ChangeView(anchors.get("change", change.rule), rule_ref(change.rule), change.change,
                      CHANGE_WORDS[change.change], change.message, change.reason, witnesses)


def witness_view(witness: Witness, index: int, versions: tuple[str, str], every_rule: bool = False) -> WitnessView:
    """A witness as a claim table: the claim's fields, its lines, and on the witness line the
    rule's findings under the old and the new version (`every_rule`: a table row's witness, whose
    findings are those of every rule on the line, each named; `index` is then not used)."""
    title = f"Witness {index}: line {witness.line}, {DIRECTION_WORDS.get(witness.direction, 'decided differently')}"
    old = tuple(finding_text(f) for f in witness.old) or ("nothing",)
    new = tuple(finding_text(f) for f in witness.new) or ("nothing",)
    if every_rule:
        title = f"Witness {witness.claim.get('id', '')}: line {witness.line}, decided differently"
        old = tuple(f"{f.get('rule')}: {finding_text(f)}" for f in witness.old) or ("nothing",)
        new = tuple(f"{f.get('rule')}: {finding_text(f)}" for f in witness.new) or ("nothing",)
    if witness.allowed is not None:  # an exception gives no finding: say where it allows the line
        old, new = (("allows the line",) if allows else ("nothing",) for allows in witness.allowed)
    headings = (f"under {versions[0]}", f"under {versions[1]}")
    shape = claim_layout(witness.claim)
    if shape is None:
        return WitnessView(title, witness.line, (), (), headings, (), json_text(witness.claim), old, new)
    rows = tuple(WitnessRow(cells, n == witness.line, old if n == witness.line else (),
                            new if n == witness.line else ())
                 for n, cells in enumerate(shape.rows, 1))
    shown = any(row.witness for row in rows)
    return WitnessView(title, witness.line, tuple(Fact(k, v) for k, v in shape.header), shape.columns, headings,
                       rows, None, () if shown else old, () if shown else new)


def finding_text(finding: Mapping[str, Any]) -> str:
    """A finding of the report (a contract finding object) in words: its disposition, the code it
    suggests, its message and the other lines it rests on."""
    text = str(finding.get("disposition", "a finding"))
    if finding.get("suggest") is not None:
        text += f", suggests {finding['suggest']}"
    evidence = finding.get("evidence")
    if isinstance(evidence, list) and evidence:
        text += ", evidence: line " + ", ".join(str(e) for e in evidence)
    if finding.get("message"):
        text += f": “{finding['message']}”"
    return text
