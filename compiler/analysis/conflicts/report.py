"""The conflict report of contract/ANALYSIS.md: entries, the JSON object, text and SARIF renderings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler.diagnostics import Diagnostic, Severity, Sources, Span
from compiler.diagnostics import render_text as render_diagnostic
from compiler.words import counted

KINDS = ("overlap", "redundant", "suggestion-withheld", "dead-suggestion", "mutual-denial", "dead-rule",
         "masked-rule", "dead-exception", "unneeded-precedence", "uncovered-row", "unknown")
SEVERITY = {"overlap": "error", "redundant": "info", "suggestion-withheld": "info", "dead-suggestion": "error",
            "mutual-denial": "error", "dead-rule": "warning", "masked-rule": "warning", "dead-exception": "warning",
            "unneeded-precedence": "warning", "uncovered-row": "error", "unknown": "warning"}
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
DESCRIPTIONS = {
    "overlap": "Two rules decide the same line with different dispositions or different suggested codes.",
    "redundant": "Two rules decide the same line with the same disposition.",
    "suggestion-withheld": "A suggested code is withheld: billed with it, the line would be denied.",
    "dead-suggestion": "A rule's suggestion can never stand: billed with it, the line is always denied.",
    "mutual-denial": "Two lines are each denied because of the other.",
    "dead-rule": "The rule's condition cannot hold on any line it targets.",
    "masked-rule": "Wherever the rule holds, a rule that takes precedence over it applies too.",
    "dead-exception": "The exception never applies where a rule it overrides applies.",
    "unneeded-precedence": "A precedence or override that decides nothing.",
    "uncovered-row": "A row the pack declares it covers that nothing names.",
    "unknown": "The solver gave no answer within its resource limit.",
}


@dataclass
class Location:
    file: str
    line: int
    column: int
    end_column: int | None = None  # for underlining in text; not part of the JSON object

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column}


@dataclass
class Entry:
    kind: str
    rules: list[str]
    message: str
    location: Location | None
    line: int | None = None
    witness: dict[str, Any] | None = None
    resolved_by: dict[str, Any] | None = None
    hint: str | None = None
    unknown: bool = False
    findings: list[str] = field(default_factory=list)  # the interpreter's findings on the witness
    naive_findings: list[str] = field(default_factory=list)  # ... without the resolving declaration
    rebilled_findings: list[str] = field(default_factory=list)  # ... on the claim billed as suggested

    @property
    def severity(self) -> str:
        return "info" if self.resolved_by is not None else SEVERITY[self.kind]

    def sort_key(self) -> tuple[int, list[str]]:
        return KINDS.index(self.kind), self.rules

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "severity": self.severity, "rules": list(self.rules), "line": self.line,
                "witness": self.witness, "resolved_by": self.resolved_by, "message": self.message,
                "hint": self.hint, "location": self.location.to_json() if self.location else None}

    def to_cache(self) -> dict[str, Any]:
        data = self.to_json()
        data.pop("severity")
        data["location"] = None if self.location is None else {**self.location.to_json(),
                                                               "end_column": self.location.end_column}
        data.update(unknown=self.unknown, findings=self.findings, naive_findings=self.naive_findings,
                    rebilled_findings=self.rebilled_findings)
        return data

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> Entry:
        where = data["location"]
        return cls(data["kind"], list(data["rules"]), data["message"],
                   None if where is None else Location(where["file"], where["line"], where["column"],
                                                       where.get("end_column")),
                   data["line"], data["witness"], data["resolved_by"], data["hint"], data["unknown"],
                   list(data["findings"]), list(data["naive_findings"]), list(data["rebilled_findings"]))


@dataclass
class Report:
    pack: str
    lines: int
    complete: bool
    conflicts: list[Entry]
    seconds: float = 0.0
    errors: list[dict[str, Any]] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)  # replays that contradicted the solver: bugs
    cached: bool = False

    def summary(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for entry in self.conflicts:
            counts[entry.severity] += 1
        return {**counts, "resolved": sum(1 for e in self.conflicts if e.resolved_by is not None),
                "unknown": sum(1 for e in self.conflicts if e.kind == "unknown")}

    @property
    def failed(self) -> bool:
        """An unresolved error: `analyze` exits 1 and `build` refuses the pack."""
        return any(e.severity == "error" for e in self.conflicts)

    @property
    def has_unknown(self) -> bool:
        return any(e.kind == "unknown" for e in self.conflicts)

    def to_json(self) -> dict[str, Any]:
        return {"pack": self.pack, "bound": {"lines": self.lines, "complete": self.complete},
                "seconds": round(self.seconds, 3), "summary": self.summary(), "errors": list(self.errors),
                "conflicts": [e.to_json() for e in self.conflicts]}

    def to_cache(self) -> dict[str, Any]:
        return {"pack": self.pack, "lines": self.lines, "complete": self.complete,
                "conflicts": [e.to_cache() for e in self.conflicts], "disagreements": self.disagreements}

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> Report:
        return cls(data["pack"], data["lines"], data["complete"],
                   [Entry.from_cache(e) for e in data["conflicts"]], disagreements=list(data["disagreements"]),
                   cached=True)


# ---------------------------------------------------------------- text


_WITNESS_COLUMNS = ("code", "date", "modifiers", "units", "provider", "pos", "charge", "start", "stop", "drug",
                    "supervision", "member_supplied", "description")


def witness_table(witness: dict[str, Any]) -> list[str]:
    """The witness claim as a small table: only the columns it uses."""
    header = [f"{key} {witness[key]}" for key in ("type", "pos", "bill_type", "provider", "member")
              if key in witness]
    lines = witness.get("lines", [])
    columns = [c for c in _WITNESS_COLUMNS if any(c in line for line in lines)]
    rows = [["line", *columns]]
    for number, line in enumerate(lines, 1):
        row = [str(number)]
        for column in columns:
            value = line.get(column)
            if value is None:
                row.append("")
            elif isinstance(value, list):
                row.append(",".join(str(v) for v in value))
            elif isinstance(value, bool):
                row.append("yes" if value else "no")
            else:
                row.append(str(value))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    table = ["  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip() for r in rows]
    return [f"witness {witness.get('id', '')}: {', '.join(header)}", *("  " + row for row in table)]


def _detail(entry: Entry) -> list[str]:
    """What an entry shows under its excerpt: the rules, the resolving declaration, the witness
    claim as a table and the interpreter's findings on it."""
    out = [f"rules: {', '.join(entry.rules)}"]
    if entry.resolved_by is not None:
        by = entry.resolved_by
        label = f" ({by['resolves']})" if by.get("resolves") else ""
        out.append(f"resolved by {by['declaration']} {by['id']}{label}: {by.get('rationale') or ''}".rstrip())
        place = by.get("location")
        if place:
            out.append(f"  declared at {place['file']}:{place['line']}:{place['column']}")
    if entry.witness is not None:
        out.extend(witness_table(entry.witness))
        if entry.resolved_by is not None and entry.naive_findings:
            out.append("findings without the declaration:")
            out.extend(f"  {f}" for f in entry.naive_findings)
        out.append("findings:" if entry.findings else "findings: none")
        out.extend(f"  {f}" for f in entry.findings)
        if entry.rebilled_findings:
            out.append(f"findings once line {entry.line} is billed as suggested:")
            out.extend(f"  {f}" for f in entry.rebilled_findings)
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


def render_text(report: Report, sources: Sources) -> str:
    """Every entry like a compiler diagnostic, then a summary line."""
    parts = [render_entry(entry, sources) for entry in report.conflicts]
    summary = report.summary()
    bound = f"claims of up to {counted(report.lines, 'line')}" + ("" if report.complete else " (bounded)")
    parts.append(f"{report.pack}: {counted(summary['error'], 'error')}, {counted(summary['warning'], 'warning')}, "
                 f"{summary['info']} info ({summary['resolved']} resolved), {summary['unknown']} unknown; "
                 f"{bound}; {report.seconds:.2f} s")
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------- SARIF


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
                                       "justification": f"{by['declaration']} {by['id']}: {by.get('rationale') or ''}"}]
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
