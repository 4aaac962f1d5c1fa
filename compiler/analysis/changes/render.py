"""The change report as an analyst reads it: a changelog, one paragraph per changed rule with its
witnesses as small tables. Standard library only."""

from __future__ import annotations

from typing import Any

from compiler.analysis.changes.model import ChangeReport, RuleChange, Witness
from compiler.words import counted

#: line fields a witness table shows, in this order, when some line of the claim sets them
_COLUMNS = ("code", "date", "modifiers", "units", "time", "drug", "provider", "pos", "charge", "supervision",
            "member_supplied", "description")


def render_text(report: ChangeReport) -> str:
    summary = report.summary()
    changed = report.changed
    counts = ", ".join(f"{n} {kind}" for kind, n in summary.items() if n)
    lines = counted(report.lines, "line")
    bound = "claims of any size" if report.complete else f"claims of up to {lines}"
    head = (f"{report.old.pack} {report.old.version} -> {report.new.pack} {report.new.version}: "
            f"{len(changed)} of {counted(len(report.rules), 'rule')} {'decides' if len(changed) == 1 else 'decide'} "
            f"differently ({counts}); proved for {bound}.")
    out = [head, ""]
    for change in changed:
        out += _paragraph(change)
    reworded = [r for r in report.rules if not r.changed and r.texts]
    if reworded:
        out.append("Reworded only (decide as before):")
        out += [f"  {r.rule}: {', '.join(r.texts)}" for r in reworded]
        out.append("")
    if report.impact is not None:
        impact = report.impact
        out.append(f"Impact on {counted(impact.claims, 'claim')}: {counted(impact.changed, 'claim')} and "
                   f"{counted(impact.lines_changed, 'line')} get different findings"
                   + (f"; {counted(impact.errors, 'record')} not evaluated" if impact.errors else "") + ".")
        for rule in sorted(impact.by_rule):
            tally = impact.by_rule[rule]
            out.append(f"  {rule}: {tally.added} added, {tally.removed} removed, {tally.changed} changed")
        out.append("")
    if not changed and not reworded:
        out.append("No rule decides differently.")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _paragraph(change: RuleChange) -> list[str]:
    out = [f"{change.rule}: {change.change}", f"  {change.message}"]
    for witness in change.witnesses:
        out.append("")
        out += ["  " + row for row in witness_table(witness)]
    out.append("")
    return out


def witness_table(witness: Witness) -> list[str]:
    """The witness claim as a table: one row per line, the witness line marked, with the rule's
    finding on it under each pack."""
    claim = witness.claim
    header = [f"{key}={claim[key]}" for key in ("type", "pos", "provider", "bill_type", "member") if key in claim]
    lines: list[dict[str, Any]] = claim.get("lines", [])
    columns = [c for c in _COLUMNS if any(_cell(line, c) for line in lines)]
    rows = [["line", *columns, "old", "new"]]
    for number, line in enumerate(lines, 1):
        here = number == witness.line
        old, new = _finding(witness.old), _finding(witness.new)
        if witness.allowed is not None:
            old, new = ("allow" if allows else "-" for allows in witness.allowed)
        rows.append([f"{number}{'*' if here else ''}", *(_cell(line, c) for c in columns),
                     old if here else "", new if here else ""])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    table = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    return [f"{claim.get('id', '?')} ({', '.join(header)}), line {witness.line} ({witness.direction}):", *table]


def _cell(line: dict[str, Any], column: str) -> str:
    if column == "time":
        if "start" not in line or "stop" not in line:
            return ""
        return f"{line['start'][11:16]}-{line['stop'][11:16]}"
    value = line.get(column)
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _finding(findings: list[dict[str, Any]]) -> str:
    if not findings:
        return "-"
    finding = findings[0]
    suggest = f" -> {finding['suggest']}" if finding.get("suggest") else ""
    return f"{finding['disposition']}{suggest}"
