"""The conflict report for people (text), for code hosts (SARIF 2.1.0) and as compiler diagnostics
(`rulesc check`). Standard library only, like the report itself.

The text form shows each entry as a diagnostic: its excerpt, the rules, the declaration that
resolves it and what that declaration changed on the witness, the witness claim as a table and
every finding the interpreter gives on it (the entry's own rules marked). Redundant pairs, which
ask for nothing, are one table of their own (a pair of rules and a witness line each). One
summary comes last.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compiler.analysis.conflicts.report import DESCRIPTIONS, KINDS, SEVERITY, Entry, Report, WitnessFinding, rules_named
from compiler.diagnostics import Diagnostic, Severity, Sources, Span
from compiler.diagnostics import render_text as render_diagnostic
from compiler.words import counted

SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}

_WITNESS_COLUMNS = ("code", "date", "modifiers", "units", "provider", "pos", "charge", "start", "stop", "drug",
                    "supervision", "member_supplied", "description")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip() for r in rows]


def witness_table(witness: dict[str, Any]) -> list[str]:
    """The witness claim as a small table: only the columns it uses."""
    header = [f"{key} {witness[key]}" for key in ("type", "pos", "bill_type", "provider", "member")
              if key in witness]
    lines = witness.get("lines", [])
    columns = [c for c in _WITNESS_COLUMNS if any(c in line for line in lines)]
    rows = [["line", *columns]]
    for number, line in enumerate(lines, 1):
        rows.append([str(number), *(_cell(line.get(column)) for column in columns)])
    return [f"witness {witness.get('id', '')}: {', '.join(header)}", *("  " + row for row in _columns(rows))]


def _findings(title: str, findings: Sequence[WitnessFinding], marked: set[str]) -> list[str]:
    if not findings:
        return [f"{title}: none"]
    out = [f"{title}:"]
    for f in findings:
        text = f.text()
        if f.rule in marked:
            text = text.replace(f" {f.rule} ", f" {f.rule}* ", 1)
        out.append(f"  {text}")
    return out


def _detail(entry: Entry) -> list[str]:
    """What an entry shows under its excerpt: the rules, the resolving declaration and what it
    changed, the witness claim as a table and every finding the interpreter gives on it."""
    out = [f"rules: {', '.join(entry.rules)}"]
    if entry.resolved_by is not None:
        by = entry.resolved_by
        label = f" ({by.resolves})" if by.resolves else ""
        out.append(f"resolved by {by.declaration} {by.id}{label}: {by.rationale or ''}".rstrip())
        if by.location is not None:
            out.append(f"  declared at {by.location.file}:{by.location.line}:{by.location.column}")
        if entry.change:
            out.append(entry.change)
    if entry.witness is not None:
        marked = rules_named(entry.rules)
        out.extend(witness_table(entry.witness))
        title = "findings (* the entry's rules)" if entry.findings else "findings"
        if entry.resolved_by is not None:
            out.extend(_findings("findings without the declaration (* the entry's rules)", entry.naive_findings,
                                 marked))
            title = "findings with it"
        out.extend(_findings(title, entry.findings, marked))
        if entry.rebilled_findings:
            out.extend(_findings(f"findings once line {entry.line} is billed as suggested", entry.rebilled_findings,
                                 marked))
    return out


def as_diagnostic(entry: Entry, sources: Sources) -> Diagnostic:
    """The entry as a compiler diagnostic (its kind is the code), with the witness as detail lines;
    `rulesc check` prints the analyzer's entries through the same renderer as every other problem."""
    span = None
    if entry.location is not None:
        where = entry.location
        start = sources.offset(where.file, where.line, where.column)
        end = start + max(1, (where.end_column or where.column + 1) - where.column)
        span = Span(where.file, start, end)
    return Diagnostic(entry.kind, entry.message, span, Severity(entry.severity), (),
                      (entry.hint,) if entry.hint else (), tuple(_detail(entry)))


def render_entry(entry: Entry, sources: Sources) -> str:
    return render_diagnostic(as_diagnostic(entry, sources), sources)


def _in_table(entry: Entry) -> bool:
    return entry.kind == "redundant" and entry.resolved_by is None


def witness_line(witness: dict[str, Any], line: int | None) -> str:
    """A witness claim on one line: its id, type and lines by code (the decided line starred), with
    what sets them apart (dates when they differ, modifiers, units, drugs)."""
    lines = witness.get("lines", [])
    dates = {str(item.get("date")) for item in lines}
    parts = []
    for number, item in enumerate(lines, 1):
        extras = []
        if len(dates) > 1:
            extras.append(str(item.get("date")))
        for key in ("modifiers", "units", "drug", "pos"):
            if key in item:
                extras.append(f"{key} {_cell(item[key])}")
        if "start" in item:
            extras.append(f"{str(item['start'])[11:]}-{str(item.get('stop', ''))[11:]}")
        star = "*" if number == line else ""
        parts.append(f"{number}{star} {item.get('code')}" + (f" ({', '.join(extras)})" if extras else ""))
    return f"{witness.get('id', '')} {witness.get('type', '')}: {'; '.join(parts)}"


def redundant_table(entries: Sequence[Entry]) -> str:
    """The unresolved `redundant` entries as one table: each pair of rules and its witness line."""
    rows = [["rules", "witness (* the line both decide)"]]
    for entry in entries:
        rows.append([", ".join(entry.rules),
                     witness_line(entry.witness, entry.line) if entry.witness is not None else ""])
    head = (f"info[redundant]: {counted(len(entries), 'pair')} of rules decide the same "
            "line alike (the same disposition, no two different suggestions): each line gets both findings, "
            "which is harmless; nothing needs declaring")
    return "\n".join([head, *("  " + row for row in _columns(rows))])


def summary_line(report: Report, warnings: int = 0) -> str:
    summary = report.summary()
    bound = f"claims of up to {counted(report.lines, 'line')}" + ("" if report.complete else " (bounded)")
    text = (f"{report.pack}: {counted(summary['error'], 'error')}, {counted(summary['warning'], 'warning')}, "
            f"{summary['info']} info ({summary['resolved']} resolved), {summary['unknown']} unknown; {bound}; ")
    if report.cached:
        text += "read from the cache (the pack was analyzed before as it is)"
    else:
        text += f"analyzed in {report.seconds:.2f} s"
        if report.reused:
            text += (f" ({report.asked} of {report.asked + report.reused} questions asked, the others' answers "
                     "from the cache)")
    if warnings:
        text += f"; {counted(warnings, 'warning')} about the pack itself, above"
    return text


def render_text(report: Report, sources: Sources, warnings: int = 0) -> str:
    """Every entry like a compiler diagnostic, the redundant pairs as one table, then one summary
    (`warnings`: how many warnings about the pack were printed before it)."""
    parts = [render_entry(entry, sources) for entry in report.conflicts if not _in_table(entry)]
    redundant = [entry for entry in report.conflicts if _in_table(entry)]
    if redundant:
        parts.append(redundant_table(redundant))
    parts.append(summary_line(report, warnings))
    return "\n\n".join(parts) + "\n"


def render_sarif(report: Report, version: str = "0.1.0") -> dict[str, Any]:
    """SARIF 2.1.0: one result per entry; resolved entries carry an in-source suppression."""
    results = []
    for entry in report.conflicts:
        result: dict[str, Any] = {
            "ruleId": entry.kind,
            "level": SARIF_LEVEL[entry.severity],
            "message": {"text": entry.message},
            "properties": {"rules": entry.rules, "line": entry.line, "witness": entry.witness},
        }
        if entry.location is not None:
            result["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": entry.location.file},
                "region": {"startLine": entry.location.line, "startColumn": entry.location.column}}}]
        if entry.resolved_by is not None:
            by = entry.resolved_by
            result["suppressions"] = [{"kind": "inSource",
                                       "justification": f"{by.declaration} {by.id}: {by.rationale or ''}"}]
        results.append(result)
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "rulesc", "version": version, "rules": [
                {"id": kind, "shortDescription": {"text": DESCRIPTIONS[kind]},
                 "defaultConfiguration": {"level": SARIF_LEVEL[SEVERITY[kind]]}} for kind in KINDS]}},
            "results": results,
        }],
    }
