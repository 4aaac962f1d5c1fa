"""The conflict report of contract/ANALYSIS.md as typed values: what the analyzer produces, what the
cache keeps, what `check`, `analyze`, SARIF and the policy documents read.

Standard library only: reading a report (from the cache, or from its JSON object) never loads
the solver, so the documents and the gate of `rulesc eval` and `rulesc test` read it cheaply.
`Report.from_json` reads the contract's JSON object, refusing one of another shape with the path
of the first bad field; `to_json` writes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

KINDS = ("overlap", "redundant", "suggestion-withheld", "dead-suggestion", "mutual-denial", "dead-rule",
         "masked-rule", "dead-exception", "unneeded-precedence", "uncovered-row", "unknown")
SEVERITY = {"overlap": "error", "redundant": "info", "suggestion-withheld": "info", "dead-suggestion": "error",
            "mutual-denial": "error", "dead-rule": "warning", "masked-rule": "warning", "dead-exception": "warning",
            "unneeded-precedence": "warning", "uncovered-row": "error", "unknown": "warning"}
SEVERITIES = ("error", "warning", "info")
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
    "unknown": "A question without an answer: the solver's resource limit, or claims larger than the limit.",
}


class ReportError(ValueError):
    """A report that does not have the contract's shape."""


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int
    end_column: int | None = None  # for underlining in text; not part of the JSON object

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column}


@dataclass(frozen=True)
class Resolution:
    """The declaration that decides an entry's conflict (`resolved_by`)."""

    declaration: str  # precedence | exception | condition | suggestion
    id: str
    resolves: str | None
    rationale: str | None
    location: Location | None

    def to_json(self) -> dict[str, Any]:
        return {"declaration": self.declaration, "id": self.id, "resolves": self.resolves,
                "rationale": self.rationale, "location": self.location.to_json() if self.location else None}


@dataclass(frozen=True)
class WitnessFinding:
    """A finding the interpreter gives on an entry's witness."""

    line: int
    rule: str
    disposition: str
    suggest: str | None = None
    evidence: tuple[int, ...] = ()

    def text(self) -> str:
        suggest = f" suggest {self.suggest}" if self.suggest else ""
        because = f" (evidence: lines {', '.join(map(str, self.evidence))})" if self.evidence else ""
        return f"line {self.line}: {self.rule} {self.disposition}{suggest}{because}"

    def to_cache(self) -> list[Any]:
        return [self.line, self.rule, self.disposition, self.suggest, list(self.evidence)]

    @classmethod
    def from_cache(cls, data: Sequence[Any]) -> WitnessFinding:
        line, rule, disposition, suggest, evidence = data
        return cls(int(line), str(rule), str(disposition), suggest, tuple(int(n) for n in evidence))


Findings = tuple[WitnessFinding, ...]


@dataclass
class Entry:
    kind: str
    rules: list[str]
    message: str
    location: Location | None
    line: int | None = None
    witness: dict[str, Any] | None = None
    resolved_by: Resolution | None = None
    hint: str | None = None
    needs: int | None = None  # an `unknown` entry cut short by the claim size: the lines it needs
    findings: Findings = ()  # every finding the interpreter gives on the witness
    naive_findings: Findings = ()  # ... without the resolving declaration
    rebilled_findings: Findings = ()  # ... on the claim billed as suggested
    change: str | None = None  # a resolved entry: what the resolution changed on its witness

    @property
    def severity(self) -> str:
        return "info" if self.resolved_by is not None else SEVERITY[self.kind]

    @property
    def unknown(self) -> bool:
        return self.kind == "unknown"

    def sort_key(self) -> tuple[int, list[str]]:
        return KINDS.index(self.kind), self.rules

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "severity": self.severity, "rules": list(self.rules), "line": self.line,
                "witness": self.witness, "resolved_by": self.resolved_by.to_json() if self.resolved_by else None,
                "message": self.message, "hint": self.hint,
                "location": self.location.to_json() if self.location else None}

    def to_cache(self) -> dict[str, Any]:
        data = self.to_json()
        data.pop("severity")
        data["location"] = _location_cache(self.location)
        if self.resolved_by is not None:
            data["resolved_by"]["location"] = _location_cache(self.resolved_by.location)
        data.update(needs=self.needs, change=self.change,
                    findings=[f.to_cache() for f in self.findings],
                    naive_findings=[f.to_cache() for f in self.naive_findings],
                    rebilled_findings=[f.to_cache() for f in self.rebilled_findings])
        return data

    @classmethod
    def from_cache(cls, data: Mapping[str, Any]) -> Entry:
        by = data["resolved_by"]
        resolution = None if by is None else Resolution(by["declaration"], by["id"], by["resolves"],
                                                        by["rationale"], _location_uncache(by["location"]))
        return cls(data["kind"], list(data["rules"]), data["message"], _location_uncache(data["location"]),
                   data["line"], data["witness"], resolution, data["hint"], data["needs"],
                   tuple(WitnessFinding.from_cache(f) for f in data["findings"]),
                   tuple(WitnessFinding.from_cache(f) for f in data["naive_findings"]),
                   tuple(WitnessFinding.from_cache(f) for f in data["rebilled_findings"]), data["change"])


@dataclass
class Report:
    pack: str
    lines: int
    complete: bool
    conflicts: list[Entry]
    seconds: float = 0.0
    errors: list[dict[str, Any]] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)  # replays that contradicted the solver: bugs
    cached: bool = False  # read from the cache whole, not computed by this run
    asked: int = 0  # questions this run put to the solver
    reused: int = 0  # questions answered from the cache of answers

    def summary(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for entry in self.conflicts:
            counts[entry.severity] += 1
        return {**counts, "resolved": sum(1 for e in self.conflicts if e.resolved_by is not None),
                "unknown": sum(1 for e in self.conflicts if e.kind == "unknown")}

    @property
    def failed(self) -> bool:
        """An unresolved error: `analyze` exits 1, `build` refuses the pack, and so do `eval` and `test`
        (unless allowed)."""
        return any(e.severity == "error" for e in self.conflicts)

    @property
    def has_unknown(self) -> bool:
        return any(e.kind == "unknown" for e in self.conflicts)

    def for_rule(self, rule_id: str) -> list[Entry]:
        """The entries that name the rule (a precedence, `WINNER over LOSER`, names both)."""
        return [e for e in self.conflicts if rule_id in rules_named(e.rules)]

    def to_json(self) -> dict[str, Any]:
        return {"pack": self.pack, "bound": {"lines": self.lines, "complete": self.complete},
                "seconds": round(self.seconds, 3), "summary": self.summary(), "errors": list(self.errors),
                "conflicts": [e.to_json() for e in self.conflicts]}

    def to_cache(self) -> dict[str, Any]:
        return {"pack": self.pack, "lines": self.lines, "complete": self.complete,
                "conflicts": [e.to_cache() for e in self.conflicts], "disagreements": self.disagreements}

    @classmethod
    def from_cache(cls, data: Mapping[str, Any]) -> Report:
        return cls(data["pack"], data["lines"], data["complete"],
                   [Entry.from_cache(e) for e in data["conflicts"]], disagreements=list(data["disagreements"]),
                   cached=True)

    @classmethod
    def from_json(cls, data: object) -> Report:
        """A report from its JSON object (contract/ANALYSIS.md); ReportError names the first field of
        another shape. What the object cannot say (the findings on each witness) is left empty."""
        if not isinstance(data, Mapping):
            raise ReportError("report: expected an object")
        conflicts = data.get("conflicts")
        if not isinstance(conflicts, list) or not all(isinstance(c, Mapping) for c in conflicts):
            raise ReportError("conflicts: expected a list of objects")
        bound = data.get("bound") or {}
        if not isinstance(bound, Mapping):
            raise ReportError("bound: expected an object")
        lines, complete = bound.get("lines"), bound.get("complete")
        summary = data.get("summary") or {}
        if not isinstance(summary, Mapping) or not all(isinstance(v, int) for v in summary.values()):
            raise ReportError("summary: expected an object of counts")
        errors = data.get("errors") or []
        if not isinstance(errors, list):
            raise ReportError("errors: expected a list")
        seconds = data.get("seconds")
        return cls(str(data.get("pack") or ""), lines if isinstance(lines, int) and not isinstance(lines, bool) else 0,
                   complete if isinstance(complete, bool) else False,
                   [_entry_from_json(i, e) for i, e in enumerate(conflicts)],
                   float(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else 0.0,
                   [e if isinstance(e, dict) else {"message": str(e)} for e in errors])


def document_order(report: Report) -> list[Entry]:
    """The entries in the order the policy documents number them: by kind name, then by rules (their
    witnesses' worked examples are named by that number)."""
    return sorted(report.conflicts, key=lambda e: (e.kind, tuple(e.rules)))


def rules_named(ids: Sequence[object]) -> set[str]:
    """The rule ids an entry names: a precedence appears as `WINNER over LOSER` and names both."""
    out: set[str] = set()
    for item in ids:
        out.update(part.strip() for part in str(item).split(" over "))
    return out


# ---------------------------------------------------------------- reading the JSON object


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: object, where: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ReportError(f"{where}: expected {'text or null' if optional else 'text'}")
    return value


def _location(value: object, where: str) -> Location | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ReportError(f"{where}: expected an object or null")
    file = _text(value.get("file"), f"{where}.file") or ""
    numbers = []
    for key in ("line", "column"):
        number = value.get(key, 1)
        if not _is_int(number):
            raise ReportError(f"{where}.{key}: expected a number")
        numbers.append(number)
    return Location(file, numbers[0], numbers[1])


def _resolution(value: object, where: str) -> Resolution | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ReportError(f"{where}: expected an object or null")
    return Resolution(
        declaration=_text(value.get("declaration"), f"{where}.declaration") or "",
        id=_text(value.get("id"), f"{where}.id") or "",
        resolves=_text(value.get("resolves"), f"{where}.resolves", optional=True),
        rationale=_text(value.get("rationale"), f"{where}.rationale", optional=True),
        location=_location(value.get("location"), f"{where}.location"))


def _entry_from_json(index: int, value: Mapping[str, Any]) -> Entry:
    where = f"conflicts[{index}]"
    rules = value.get("rules")
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        raise ReportError(f"{where}.rules: expected a list of rule ids")
    kind = _text(value.get("kind"), f"{where}.kind") or ""
    if kind not in KINDS:
        raise ReportError(f"{where}.kind: expected one of {', '.join(KINDS)}")
    line = value.get("line")
    if line is not None and not _is_int(line):
        raise ReportError(f"{where}.line: expected a number or null")
    severity = _text(value.get("severity"), f"{where}.severity") or ""
    if severity not in SEVERITIES:
        raise ReportError(f"{where}.severity: expected one of {', '.join(SEVERITIES)}")
    witness = value.get("witness")
    if witness is not None and not isinstance(witness, dict):
        raise ReportError(f"{where}.witness: expected a claim or null")
    return Entry(kind, list(rules), _text(value.get("message"), f"{where}.message") or "",
                 _location(value.get("location"), f"{where}.location"), line, witness,
                 _resolution(value.get("resolved_by"), f"{where}.resolved_by"),
                 _text(value.get("hint"), f"{where}.hint", optional=True))


def _location_cache(where: Location | None) -> dict[str, Any] | None:
    return None if where is None else {**where.to_json(), "end_column": where.end_column}


def _location_uncache(data: Mapping[str, Any] | None) -> Location | None:
    return None if data is None else Location(data["file"], data["line"], data["column"], data.get("end_column"))
