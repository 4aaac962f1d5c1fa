"""The analyzer's report (contract/ANALYSIS.md) as typed values for the policy documents.

Only what a document shows is read: entries, their resolutions and witnesses, the bound and the
summary counts. `seconds` is never read, so the documents stay the same from build to build. A
report that does not have the contract's shape is refused with the path of the first bad field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from compiler.examples.worked import entry_order, rules_named

SEVERITIES = ("error", "warning", "info")


class ReportError(ValueError):
    pass


@dataclass(frozen=True)
class Resolution:
    declaration: str
    id: str
    resolves: str | None
    rationale: str | None
    location: str | None


@dataclass(frozen=True)
class Entry:
    index: int
    kind: str
    severity: str
    rules: tuple[str, ...]
    line: int | None
    has_witness: bool
    resolved_by: Resolution | None
    message: str
    hint: str | None
    location: str | None


@dataclass(frozen=True)
class Report:
    pack: str
    bound_lines: int | None
    complete: bool | None
    summary: tuple[tuple[str, int], ...]
    errors: int
    entries: tuple[Entry, ...]

    def for_rule(self, rule_id: str) -> list[Entry]:
        return [e for e in self.entries if rule_id in rules_named(e.rules)]


def _text(value: object, where: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ReportError(f"{where}: expected {'text or null' if optional else 'text'}")
    return value


def _location(value: object, where: str) -> str | None:
    """`file:line:column`, the file by its name only (the report's paths depend on where it ran)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ReportError(f"{where}: expected an object or null")
    file = _text(value.get("file"), f"{where}.file") or ""
    parts = [PurePosixPath(file.replace("\\", "/")).name]
    for key in ("line", "column"):
        number = value.get(key)
        if number is not None:
            if not isinstance(number, int) or isinstance(number, bool):
                raise ReportError(f"{where}.{key}: expected a number")
            parts.append(str(number))
    return ":".join(parts)


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


def _entry(index: int, value: Mapping[str, Any]) -> Entry:
    where = f"conflicts[{index}]"
    rules = value.get("rules")
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        raise ReportError(f"{where}.rules: expected a list of rule ids")
    line = value.get("line")
    if line is not None and (not isinstance(line, int) or isinstance(line, bool)):
        raise ReportError(f"{where}.line: expected a number or null")
    severity = _text(value.get("severity"), f"{where}.severity") or ""
    if severity not in SEVERITIES:
        raise ReportError(f"{where}.severity: expected one of {', '.join(SEVERITIES)}")
    return Entry(
        index=index, kind=_text(value.get("kind"), f"{where}.kind") or "", severity=severity,
        rules=tuple(rules), line=line, has_witness=value.get("witness") is not None,
        resolved_by=_resolution(value.get("resolved_by"), f"{where}.resolved_by"),
        message=_text(value.get("message"), f"{where}.message") or "",
        hint=_text(value.get("hint"), f"{where}.hint", optional=True),
        location=_location(value.get("location"), f"{where}.location"))


def parse_report(analysis: Mapping[str, Any]) -> Report:
    """The report's entries sorted as the contract orders them (kind, then rules: the order of
    `examples.report_entries`, which numbers the witnesses the same way); `seconds` is dropped.
    Errors name an entry by its place in the report as given."""
    if not isinstance(analysis, Mapping):
        raise ReportError("report: expected an object")
    conflicts = analysis.get("conflicts")
    if not isinstance(conflicts, list) or not all(isinstance(c, Mapping) for c in conflicts):
        raise ReportError("conflicts: expected a list of objects")
    bound = analysis.get("bound") or {}
    if not isinstance(bound, Mapping):
        raise ReportError("bound: expected an object")
    lines = bound.get("lines")
    complete = bound.get("complete")
    summary = analysis.get("summary") or {}
    if not isinstance(summary, Mapping) or not all(isinstance(v, int) for v in summary.values()):
        raise ReportError("summary: expected an object of counts")
    errors = analysis.get("errors") or []
    if not isinstance(errors, list):
        raise ReportError("errors: expected a list")
    checked = [(_entry(i, e), e) for i, e in enumerate(conflicts)]
    ordered = sorted(checked, key=lambda pair: entry_order(pair[1]))
    entries = tuple(dataclasses.replace(entry, index=i) for i, (entry, _) in enumerate(ordered))
    return Report(
        pack=str(analysis.get("pack") or ""),
        bound_lines=lines if isinstance(lines, int) and not isinstance(lines, bool) else None,
        complete=complete if isinstance(complete, bool) else None,
        summary=tuple((str(k), int(v)) for k, v in sorted(summary.items())),
        errors=len(errors), entries=entries)
