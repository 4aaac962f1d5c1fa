"""Diagnostics: one type for every problem any stage finds, rendered as text or JSON.

Spans are character offsets into a named source; line and column are computed only when a
diagnostic is printed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range of character offsets in one source file."""

    path: str
    start: int
    end: int

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of `other` (same file)."""
        return Span(self.path, min(self.start, other.start), max(self.end, other.end))


@dataclass(frozen=True, slots=True)
class Label:
    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None
    severity: Severity = Severity.ERROR
    labels: tuple[Label, ...] = ()
    hints: tuple[str, ...] = ()


class Sources:
    """The text of every file read in one run, so spans can be shown as line:col and excerpts."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._line_starts: dict[str, list[int]] = {}

    def add(self, path: str, text: str) -> None:
        self._texts[path] = text
        starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                starts.append(index + 1)
        self._line_starts[path] = starts

    def text(self, path: str) -> str | None:
        return self._texts.get(path)

    def line_col(self, path: str, offset: int) -> tuple[int, int]:
        starts = self._line_starts.get(path)
        if not starts:
            return 1, 1
        low, high = 0, len(starts) - 1
        while low < high:
            mid = (low + high + 1) // 2
            if starts[mid] <= offset:
                low = mid
            else:
                high = mid - 1
        return low + 1, offset - starts[low] + 1

    def line_text(self, path: str, line: int) -> str:
        text = self._texts.get(path, "")
        starts = self._line_starts.get(path, [0])
        if line - 1 >= len(starts):
            return ""
        begin = starts[line - 1]
        end = text.find("\n", begin)
        return text[begin:] if end < 0 else text[begin:end]


@dataclass
class Collector:
    """Collects diagnostics across a stage; a stage fails once, at the end."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, span: Span | None, *hints: str,
              labels: Iterable[Label] = ()) -> None:
        self.items.append(Diagnostic(code, message, span, Severity.ERROR, tuple(labels), tuple(hints)))

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, str]:
    span = diagnostic.span
    return (span.path, span.start, diagnostic.code) if span else ("", -1, diagnostic.code)


_RED, _YELLOW, _BLUE, _BOLD, _RESET = "\x1b[31m", "\x1b[33m", "\x1b[34m", "\x1b[1m", "\x1b[0m"


def _excerpt(sources: Sources, span: Span, marker: str, note: str, colour: bool) -> list[str]:
    line, col = sources.line_col(span.path, span.start)
    source_line = sources.line_text(span.path, line).replace("\t", " ")
    end_line, end_col = sources.line_col(span.path, max(span.start, span.end - 1))
    width = (end_col - col + 1) if end_line == line else max(1, len(source_line) - col + 1)
    width = max(1, min(width, max(1, len(source_line) - col + 1)))
    gutter = f"{line:>5} | "
    underline = " " * (col - 1) + marker * width + (f" {note}" if note else "")
    if colour:
        underline = _RED + underline + _RESET
    return [gutter + source_line, " " * (len(gutter) - 2) + "| " + underline]


def render_text(diagnostic: Diagnostic, sources: Sources, colour: bool = False) -> str:
    severity = diagnostic.severity.value
    head = f"{severity}[{diagnostic.code}]: {diagnostic.message}"
    if colour:
        tone = _RED if diagnostic.severity is Severity.ERROR else _YELLOW
        head = f"{_BOLD}{tone}{severity}[{diagnostic.code}]{_RESET}{_BOLD}: {diagnostic.message}{_RESET}"
    lines: list[str] = []
    span = diagnostic.span
    if span is not None:
        line, col = sources.line_col(span.path, span.start)
        lines.append(f"{span.path}:{line}:{col}: {head}")
        lines.extend(_excerpt(sources, span, "^", "", colour))
    else:
        lines.append(head)
    for label in diagnostic.labels:
        line, col = sources.line_col(label.span.path, label.span.start)
        lines.append(f"  {label.span.path}:{line}:{col}: note: {label.message}")
        lines.extend(_excerpt(sources, label.span, "-", "", colour))
    for hint in diagnostic.hints:
        prefix = f"{_BLUE}hint{_RESET}" if colour else "hint"
        lines.append(f"  {prefix}: {hint}")
    return "\n".join(lines)


def to_json(diagnostic: Diagnostic, sources: Sources) -> dict[str, object]:
    def place(span: Span) -> dict[str, object]:
        line, col = sources.line_col(span.path, span.start)
        end_line, end_col = sources.line_col(span.path, span.end)
        return {"file": span.path, "line": line, "column": col, "end_line": end_line,
                "end_column": end_col, "text": sources.line_text(span.path, line)}

    return {
        "code": diagnostic.code,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "location": place(diagnostic.span) if diagnostic.span else None,
        "labels": [{"message": lab.message, "location": place(lab.span)} for lab in diagnostic.labels],
        "hints": list(diagnostic.hints),
    }


def render_json(diagnostics: Sequence[Diagnostic], sources: Sources) -> str:
    return json.dumps([to_json(d, sources) for d in diagnostics], indent=2, ensure_ascii=False)


# ---------------------------------------------------------------- printing for the command line

import os  # noqa: E402
from typing import TextIO  # noqa: E402


def colour_enabled(choice: str, stream: TextIO) -> bool:
    """`--color auto|always|never`: auto colours a terminal unless NO_COLOR is set."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def report(diagnostics: Sequence[Diagnostic], sources: Sources, fmt: str, colour: bool,
           stream: TextIO) -> None:
    """Print diagnostics as text (with excerpts and a count) or as one JSON array."""
    if fmt == "json":
        stream.write(render_json(diagnostics, sources) + "\n")
        return
    for diagnostic in diagnostics:
        stream.write(render_text(diagnostic, sources, colour) + "\n\n")
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = len(diagnostics) - errors
    if diagnostics:
        stream.write(f"{errors} error(s), {warnings} warning(s)\n")
