"""The change report as an analyst reads it: a changelog, one paragraph per changed rule with its
witnesses as small tables. Standard library only."""

from __future__ import annotations

from typing import Any

from compiler.analysis.changes.model import MAX_ROWS, ChangeReport, RowChange, RuleChange, TableChange, Witness
from compiler.words import counted

#: at most this many changed rows of a table file are shown in the text (the JSON lists MAX_ROWS)
SHOWN_ROWS = 10

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
    if report.tables is not None:
        head += f" {_tables_summary(report.tables)}"
    out = [head, ""]
    for change in changed:
        out += _paragraph(change)
    reworded = [r for r in report.rules if not r.changed and r.texts]
    if reworded:
        out.append("Reworded only (decide as before):")
        out += [f"  {r.rule}: {', '.join(r.texts)}" for r in reworded]
        out.append("")
    if not changed and not reworded:
        out.append("No rule decides differently.")
        out.append("")
    for table in report.changed_tables:
        out += _table_paragraph(table)
    if report.impact is not None:
        impact = report.impact
        out.append(f"Impact on {counted(impact.claims, 'claim')}: {counted(impact.changed, 'claim')} and "
                   f"{counted(impact.lines_changed, 'line')} get different findings"
                   + (f"; {counted(impact.errors, 'record')} not evaluated" if impact.errors else "") + ".")
        for rule in sorted(impact.by_rule):
            tally = impact.by_rule[rule]
            out.append(f"  {rule}: {tally.added} added, {tally.removed} removed, {tally.changed} changed")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _paragraph(change: RuleChange) -> list[str]:
    out = [f"{change.rule}: {change.change}", f"  {change.message}"]
    for witness in change.witnesses:
        out.append("")
        out += ["  " + row for row in witness_table(witness)]
    out.append("")
    return out


def _tables_summary(tables: list[TableChange]) -> str:
    changed = [t for t in tables if t.changed]
    files = counted(len(tables), "table file")
    if not changed:
        return f"The rows of the {files} are the same."
    counts = [sum(getattr(t.rows, kind) for t in changed) for kind in ("added", "removed", "changed")]
    return (f"{len(changed)} of {files} changed: {counted(counts[0], 'row')} added, "
            f"{counts[1]} removed, {counts[2]} changed.")


def _table_paragraph(table: TableChange) -> list[str]:
    """A changed table file: its counts, then its first changed rows, each with its witness."""
    rows = table.rows
    out = [f"Table {table.table}, {table.file}: {counted(rows.old, 'row')} -> {rows.new} ({rows.added} added, "
           f"{rows.removed} removed, {rows.changed} changed)"]
    for change in table.changes[:SHOWN_ROWS]:
        out.append(f"  {row_text(change, table.start)}")
        if change.witness is None:
            out.append("    no claim is decided differently by this row alone")
        else:
            out += ["    " + line for line in witness_table(change.witness, every_rule=True)]
    more = rows.added + rows.removed + rows.changed - min(len(table.changes), SHOWN_ROWS)
    if more:
        out.append(f"  and {more} more changed {'row' if more == 1 else 'rows'} (the JSON report lists the first "
                   f"{MAX_ROWS} with their witnesses)")
    out.append("")
    return out


def row_text(change: RowChange, start: str | None = None) -> str:
    """`changed 96413, 96360 from 2010-01-01: modifier_indicator 1 -> 0`: a changed row, by its key
    (and the column `start` where its dates start), with its values (added, removed) or the values
    that changed."""
    key = ", ".join(str(k) for k in change.key)
    if change.change == "changed":
        assert change.old is not None and change.new is not None
        old, new = change.old, change.new
        if start is not None:
            key += f" from {value_text(old.get(start))}"
        what = "; ".join(f"{name} {value_text(old.get(name))} -> {value_text(new.get(name))}"
                         for name in dict.fromkeys([*old, *new]) if old.get(name) != new.get(name))
        return f"changed {key}: {what}"
    values = change.new if change.change == "added" else change.old
    shown = ", ".join(f"{name} {value_text(value)}" for name, value in (values or {}).items())
    return f"{change.change} {key}: {shown}"


def value_text(value: object) -> str:
    """A table cell's value as the text shows it: none for an empty date, text with spaces (or none)
    in quotes."""
    if value is None:
        return "none"
    if isinstance(value, str) and (value == "" or " " in value):
        return f'"{value}"'
    return str(value)


def witness_table(witness: Witness, every_rule: bool = False) -> list[str]:
    """The witness claim as a table: one row per line, the witness line marked, with the rule's
    finding on it under each pack (`every_rule`: every finding on it, each with its rule)."""
    claim = witness.claim
    header = [f"{key}={claim[key]}" for key in ("type", "pos", "provider", "bill_type", "member") if key in claim]
    lines: list[dict[str, Any]] = claim.get("lines", [])
    columns = [c for c in _COLUMNS if any(_cell(line, c) for line in lines)]
    rows = [["line", *columns, "old", "new"]]
    for number, line in enumerate(lines, 1):
        here = number == witness.line
        old, new = (_findings(witness.old), _findings(witness.new)) if every_rule else (_finding(witness.old),
                                                                                        _finding(witness.new))
        if witness.allowed is not None:
            old, new = ("allow" if allows else "-" for allows in witness.allowed)
        rows.append([f"{number}{'*' if here else ''}", *(_cell(line, c) for c in columns),
                     old if here else "", new if here else ""])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    table = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    direction = "" if every_rule else f" ({witness.direction})"
    return [f"{claim.get('id', '?')} ({', '.join(header)}), line {witness.line}{direction}:", *table]


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


def _findings(findings: list[dict[str, Any]]) -> str:
    """Every finding on a line, each with its rule: `deny N01-ptp-practitioner; review N08-...`."""
    if not findings:
        return "-"
    return "; ".join(f"{_finding([f])} {f['rule']}" for f in findings)


def _finding(findings: list[dict[str, Any]]) -> str:
    if not findings:
        return "-"
    finding = findings[0]
    suggest = f" -> {finding['suggest']}" if finding.get("suggest") else ""
    return f"{finding['disposition']}{suggest}"
