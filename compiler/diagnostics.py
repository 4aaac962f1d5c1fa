"""Diagnostics: one type for every problem any stage finds, rendered as text or JSON.

Spans are character offsets into a named source; line and column are computed only when a
diagnostic is printed. Every diagnostic names a code registered in `CODES` with its severity and
the folder of its golden file; the collector refuses any other.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TextIO

from compiler.words import counted


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"  # the conflict analyzer's resolved and redundant entries; no registered code has it


GOLDEN_BAD = "tests/diagnostics/bad"
ANALYZER_PACKS = "tests/analysis/packs"


@dataclass(frozen=True, slots=True)
class Code:
    """A kind of problem: every diagnostic names one (mypy's error codes are the model).

    `fixtures` is the folder (from the project root) that holds the golden file showing it,
    `<fixtures>/<name>.rules` with the exact output beside it; a test checks that it exists.
    """

    name: str
    severity: Severity
    description: str
    fixtures: str = GOLDEN_BAD


def _codes(*codes: Code) -> Mapping[str, Code]:
    table = {code.name: code for code in codes}
    assert len(table) == len(codes), "a diagnostic code is registered twice"
    return table


def _error(name: str, description: str, fixtures: str = GOLDEN_BAD) -> Code:
    return Code(name, Severity.ERROR, description, fixtures)


def _warning(name: str, description: str, fixtures: str = GOLDEN_BAD) -> Code:
    return Code(name, Severity.WARNING, description, fixtures)


# Every code a stage may report, with its severity. The collector refuses any other code.
CODES: Mapping[str, Code] = _codes(
    # reading files (syntax/loader.py)
    _error("unreadable-file", "a rules file or the policy text cannot be read as UTF-8 text"),
    _error("missing-import", "an import names a file or a declaration that does not exist"),
    _error("import-cycle", "files import or extend each other in a cycle"),
    _error("missing-previous", "the pack's `previous` names a file that cannot be read"),
    _error("bad-previous", "the pack's `previous` names the pack's own file"),
    _error("broken-previous", "the previous version that the pack names does not compile (`rulesc build`)",
           "tests/previous"),
    # syntax (syntax/parser.py)
    _error("syntax", "the text does not follow the grammar"),
    _error("unexpected-character", "a character that no token of the language starts with"),
    _error("unexpected-end", "a declaration ends before it is complete"),
    _error("unterminated-string", "a quoted string is not closed on its line"),
    _error("bad-escape", "an invalid escape sequence in a quoted string"),
    _error("indented-declaration", "a declaration keyword that does not start in column 1"),
    _error("missing-message", "a disposition without its quoted message"),
    _error("missing-title", "a rule, exception or documentation entry without its quoted title"),
    _error("missing-rule-id", "a rule, exception or documentation entry without its id"),
    _error("unclosed-set", "a set in braces without its closing brace"),
    _error("unclosed-paren", "a parenthesis that is not closed"),
    _error("missing-where", "a quantifier without `where` before its condition"),
    _error("missing-line-variable", "a quantifier that does not name its line"),
    _error("parenthesize-quantifier", "a quantifier after `and`, `or` or `not` without parentheses"),
    _error("equals-equals", "`==` where the language compares with `=`"),
    _error("missing-equals", "a code set without `=` before its members"),
    _error("missing-operand", "an operator without a value on one side"),
    _error("bad-aggregate", "a `count(...)` or `sum(...)` not written `count(lines x where ...)`, "
           "`sum(VALUE for lines x where ...)`"),
    _error("example-order", "an example's clauses out of order, or its note or claim given twice"),
    # the pack header and names (semantics)
    _error("missing-pack", "a file compiled as a pack declares no pack"),
    _error("bad-pack-name", "a pack name that cannot name a generated module"),
    _error("bad-rows", "a malformed `rows` list in the pack header"),
    _error("duplicate-id", "two declarations, rows, map entries or examples with one name"),
    _error("reserved-name", "a declaration named with a reserved word"),
    _error("unknown-name", "a name that no declaration, line variable or function has"),
    _error("unknown-rule", "a reference to a rule the pack does not have"),
    _error("unknown-section", "a citation of a section the pack does not declare"),
    _error("unknown-row", "`covers` names a row that the pack header does not declare"),
    # data declarations (semantics/data.py)
    _error("bad-code", "a word where a CPT or HCPCS code is expected that has neither shape"),
    _error("mixed-range", "a code range whose ends have different shapes"),
    _error("reversed-range", "a code range written high to low"),
    _error("mixed-set", "codes and quoted text values in one set"),
    _error("empty-set", "a set with no members"),
    _error("set-cycle", "code sets that contain each other"),
    _error("unknown-type", "a table column of an unknown type"),
    _error("bad-table-row", "a table row with the wrong number of values (in the pack, or in a table's file)"),
    # tables read from files (syntax/loader.py, semantics/tables.py, analysis/tables.py)
    _error("missing-table", "a table's file that cannot be read as UTF-8 text"),
    _error("bad-table", "a table declaration whose files, key, dates or checks do not fit its columns"),
    _error("bad-table-header", "a table file whose header line does not name the declared columns in order"),
    _error("bad-table-cell", "a value in a table file that does not fit its column's type"),
    _error("duplicate-key", "two rows of a table with one key that apply on a day in common"),
    _error("inconsistent-rows", "rows with one value of a column that give two values of a column "
           "`one ... per ...` fixes"),
    _error("table-cycle", "rows of a table whose arrows form a circle on one day (`no cycles`)"),
    _error("row-requirement", "a table row that does not satisfy its table's `require`"),
    _warning("table-warning", "a table's `warn` check holds for some rows"),
    _error("unknown-attribute", "a code attribute that no table column provides"),
    _error("unknown-value", "a value that the field or column never has"),
    _error("bad-date", "a date that is not a calendar date"),
    _warning("unused-set", "a code set of this pack that nothing refers to"),
    # expressions (semantics/exprs.py)
    _error("type-mismatch", "a value of the wrong type for where it is used"),
    _error("unknown-field", "a field that a line, a claim or a message does not have"),
    _error("bad-arguments", "a function called with the wrong number of arguments"),
    _error("bad-lookup", "a table lookup with the wrong keys or date, or a column it cannot read"),
    _error("bad-modifier", "a modifier that is not two upper-case letters or digits"),
    _error("relation-outside-quantifier", "`same ...` or `overlapping` outside a quantifier"),
    _error("bad-scope", "line scopes that contradict or repeat each other"),
    # rules, precedences and examples (semantics/rules.py)
    _error("duplicate-clause", "a clause given twice where one is allowed"),
    _error("missing-clause", "a declaration without a clause it needs"),
    _error("misplaced-clause", "a clause that this kind of declaration cannot have"),
    _error("clause-order", "a rule's clauses out of the language's order"),
    _error("bad-place", "a place of service that is not two digits"),
    _error("bad-message", "a lone brace in a rule's message"),
    _warning("suggestion-in-message", "a message that names a code the rule suggests, which may be withheld"),
    _error("bad-example", "an example without a claim or expectations, or one that contradicts itself"),
    _error("bad-evidence", "an expectation's `because` that names no other line of the claim"),
    # analysis (analysis/*)
    _error("precedence-cycle", "precedence declarations that run in a cycle"),
    _error("dependency-cycle", "rules that read each other's findings in a cycle (a rule may read its own)"),
    _error("uncovered-row", "a row the pack header declares that no rule, exception or documentation "
           "entry covers"),
    _warning("untested-rule", "a rule of this pack that no example names with `by`"),
    # The conflict analyzer's kinds (contract/ANALYSIS.md), printed by `rulesc check`; their
    # fixtures are the small packs the analyzer's tests run.
    _error("overlap", "two rules decide one line with different dispositions or suggested codes", ANALYZER_PACKS),
    _error("dead-suggestion", "a rule's suggestion can never stand: the line billed with it is always denied",
           ANALYZER_PACKS),
    _error("mutual-denial", "two lines are each denied because of the other", ANALYZER_PACKS),
    _warning("dead-rule", "a rule whose condition cannot hold on any line it targets", ANALYZER_PACKS),
    _warning("masked-rule", "a rule that never decides: where it holds, a rule over it applies too", ANALYZER_PACKS),
    _warning("dead-exception", "an exception that applies where none of the rules it overrides does",
             ANALYZER_PACKS),
    _warning("unneeded-precedence", "a precedence or override that never meets the rule it is declared against",
             ANALYZER_PACKS),
    _warning("unknown", "the solver gave no answer within its resource limit (stops build)", ANALYZER_PACKS),
    _error("quote-not-found", "a quote that the published policy text does not contain"),
    # the pipeline
    _error("too-deep", "expressions nested too deeply to compile"),
)


class UnregisteredCode(LookupError):
    """A stage reported a code missing from `CODES`, or with another severity: a compiler bug."""


def did_you_mean(name: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """A hint naming the closest candidate, or none when nothing is close."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return (f"did you mean `{close[0]}`?",) if close else ()


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
    # Lines shown under the excerpt as they are: the conflict analyzer's witness claim and the
    # findings the interpreter gives it.
    detail: tuple[str, ...] = ()


class Sources:
    """The text of every file read in one run, so spans can be shown as line:col and excerpts."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._line_starts: dict[str, list[int]] = {}

    def add(self, path: str, text: str) -> None:
        self._texts[path] = text
        self._line_starts.pop(path, None)

    def text(self, path: str) -> str | None:
        return self._texts.get(path)

    def texts(self) -> dict[str, str]:
        """Every file read, by path."""
        return dict(self._texts)

    def _starts(self, path: str) -> list[int] | None:
        """Where each line of a file starts, computed when a diagnostic first needs it (a table file
        may have millions of lines, and most runs print nothing about it)."""
        starts = self._line_starts.get(path)
        if starts is None and path in self._texts:
            text = self._texts[path]
            starts = [0]
            index = text.find("\n")
            while index >= 0:
                starts.append(index + 1)
                index = text.find("\n", index + 1)
            self._line_starts[path] = starts
        return starts

    def line_col(self, path: str, offset: int) -> tuple[int, int]:
        starts = self._starts(path)
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

    def offset(self, path: str, line: int, column: int) -> int:
        """The character offset of a line and column (both from 1); 0 for a file not read."""
        starts = self._starts(path)
        if not starts or not 1 <= line <= len(starts):
            return 0
        return starts[line - 1] + column - 1

    def line_text(self, path: str, line: int) -> str:
        text = self._texts.get(path, "")
        starts = self._starts(path) or [0]
        if line - 1 >= len(starts):
            return ""
        begin = starts[line - 1]
        end = text.find("\n", begin)
        return text[begin:] if end < 0 else text[begin:end]


@dataclass
class Collector:
    """Collects diagnostics across a stage; a stage fails once, at the end."""

    items: list[Diagnostic] = field(default_factory=list)
    #: error codes this run reports as warnings (see compiler.pipeline.ABOUT_EXAMPLES)
    tolerate: frozenset[str] = frozenset()

    def error(self, code: str, message: str, span: Span | None, *hints: str,
              labels: Iterable[Label] = ()) -> None:
        self._add(Severity.ERROR, code, message, span, hints, labels)

    def warning(self, code: str, message: str, span: Span | None, *hints: str,
                labels: Iterable[Label] = ()) -> None:
        """A problem worth saying that does not stop the pack from compiling."""
        self._add(Severity.WARNING, code, message, span, hints, labels)

    def _add(self, severity: Severity, code: str, message: str, span: Span | None, hints: Sequence[str],
             labels: Iterable[Label]) -> None:
        registered = CODES.get(code)
        if registered is None:
            raise UnregisteredCode(f"diagnostic code {code!r} is not registered in compiler/diagnostics.py")
        if registered.severity is not severity:
            raise UnregisteredCode(f"{code!r} is registered as {registered.severity.value}, "
                                   f"reported as {severity.value}")
        if severity is Severity.ERROR and code in self.tolerate:
            severity = Severity.WARNING
        self.items.append(Diagnostic(code, message, span, severity, tuple(labels), tuple(hints)))

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
    lines.extend(f"  {text}" for text in diagnostic.detail)
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
        "detail": list(diagnostic.detail),
    }


def render_json(diagnostics: Sequence[Diagnostic], sources: Sources) -> str:
    return json.dumps([to_json(d, sources) for d in diagnostics], indent=2, ensure_ascii=False)


# ---------------------------------------------------------------- printing for the command line

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
    warnings = sum(1 for d in diagnostics if d.severity is Severity.WARNING)
    if diagnostics:
        stream.write(f"{counted(errors, 'error')}, {counted(warnings, 'warning')}\n")
