"""An example's expectations against what an engine found: exact matching, and the table of it.

Pure functions over plain values, so that the comparison is tested apart from the command.

Matching is exact: every finding must be matched by exactly one expectation and every expectation
by exactly one finding, on line, disposition, rule and suggestion (an expectation without
`suggest` matches only a finding that suggests nothing). An expectation may leave two things open:
the rule (`by RULE` omitted: any rule) and the evidence (`because` omitted: not checked). `info`
findings are matched like the others unless the example ignores them. Because an expectation may
leave the rule open, the pairing is a maximum bipartite matching, not a first-come search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Want:
    """One `expect line N ...` of an example."""

    line: int
    disposition: str
    rule: str | None = None  # None: any rule
    suggest: str | None = None  # None: the finding suggests nothing
    evidence: tuple[int, ...] | None = None  # None: not checked

    def matches(self, got: Got) -> bool:
        return (self.line == got.line and self.disposition == got.disposition
                and (self.rule is None or self.rule == got.rule) and self.suggest == got.suggest
                and (self.evidence is None or self.evidence == got.evidence))

    def text(self) -> str:
        rule = f" by {self.rule}" if self.rule else " (any rule)"
        return f"line {self.line} {self.disposition}{rule}{_suggest(self.suggest)}{_because(self.evidence)}"


@dataclass(frozen=True)
class Got:
    """One finding an engine returned, reduced to what expectations speak of."""

    rule: str
    line: int
    disposition: str
    suggest: str | None = None
    evidence: tuple[int, ...] = ()

    def text(self) -> str:
        return (f"line {self.line} {self.disposition} by {self.rule}{_suggest(self.suggest)}"
                f"{_because(self.evidence or None)}")

    def expect(self) -> str:
        """The expectation that would match this finding, as it is written in a rules file."""
        return f"expect line {self.line} {self.disposition} by {self.rule}{_suggest(self.suggest)}"


@dataclass(frozen=True)
class Expectation:
    """Everything one example expects of its claim."""

    findings: tuple[Want, ...] = ()
    errors: tuple[str | None, ...] = ()  # `expect error "text"`; None: any error
    no_suggestion: tuple[int, ...] = ()  # `expect no suggestion on line N`
    ignore_info: bool = False


@dataclass(frozen=True)
class Outcome:
    """What one engine did with the claim: its findings, or the error that rejected the claim."""

    findings: tuple[Got, ...] = ()
    error: str | None = None


Status = Literal["ok", "missing", "extra", "differs"]


@dataclass(frozen=True)
class Row:
    """One line of the comparison table: an expectation, a finding, or both, and what to change."""

    status: Status
    want: Want | None
    got: Got | None
    fix: str = ""


@dataclass(frozen=True)
class Verdict:
    rows: tuple[Row, ...]
    problems: tuple[str, ...] = ()  # about the claim as a whole: rejected, or not rejected

    @property
    def passed(self) -> bool:
        return not self.problems and all(row.status == "ok" for row in self.rows)


def _suggest(code: str | None) -> str:
    return f" suggest {code}" if code else ""


def _because(lines: tuple[int, ...] | None) -> str:
    return f" because line {', '.join(map(str, lines))}" if lines else ""


def _matching(wants: Sequence[Want], gots: Sequence[Got]) -> dict[int, int]:
    """A maximum matching of expectations to findings (Kuhn's augmenting paths): finding -> want."""
    owner: dict[int, int] = {}

    def place(w: int, seen: set[int]) -> bool:
        for g, got in enumerate(gots):
            if g not in seen and wants[w].matches(got):
                seen.add(g)
                if g not in owner or place(owner[g], seen):
                    owner[g] = w
                    return True
        return False

    for w in range(len(wants)):
        place(w, set())
    return owner


def _difference(want: Want, got: Got) -> str:
    parts = []
    if want.disposition != got.disposition:
        parts.append(f"disposition {want.disposition} -> {got.disposition}")
    if want.rule is not None and want.rule != got.rule:
        parts.append(f"rule {want.rule} -> {got.rule}")
    if want.suggest != got.suggest:
        parts.append(f"suggest {want.suggest or 'nothing'} -> {got.suggest or 'nothing'}")
    if want.evidence is not None and want.evidence != got.evidence:
        parts.append(f"evidence {list(want.evidence)} -> {list(got.evidence)}")
    return "; ".join(parts)


def _nearest(want: Want, gots: Sequence[Got]) -> int | None:
    """The finding an unmatched expectation most likely meant: same line and rule, else same line
    and disposition; shown as one row with the difference rather than as two."""
    same_line = [i for i, g in enumerate(gots) if g.line == want.line]
    same_rule = [i for i in same_line if want.rule is None or want.rule == gots[i].rule]
    same_disposition = [i for i in same_line if want.disposition == gots[i].disposition]
    candidates = same_rule or same_disposition
    return candidates[0] if candidates else None


def _rows(expectation: Expectation, gots: Sequence[Got]) -> list[Row]:
    wants = expectation.findings
    owner = _matching(wants, gots)
    matched = {w: g for g, w in owner.items()}
    rows = [Row("ok", wants[w], gots[g]) for w, g in sorted(matched.items(), key=lambda item: item[1])]
    spare = [g for g in range(len(gots)) if g not in owner]
    for w, want in enumerate(wants):
        if w in matched:
            continue
        near = _nearest(want, [gots[g] for g in spare])
        near = spare[near] if near is not None else None
        if near is None:
            rows.append(Row("missing", want, None, "no finding matches: fix the rules, or remove this expectation"))
            continue
        spare.remove(near)
        got = gots[near]
        rows.append(Row("differs", want, got, f"{_difference(want, got)}: if the finding is right, write "
                                              f"`{got.expect()}`"))
    for g in spare:
        got = gots[g]
        if got.disposition == "info" and expectation.ignore_info:
            continue
        fix = f"add `{got.expect()}`" + (" (or ignore info findings)" if got.disposition == "info" else "")
        rows.append(Row("extra", None, got, f"{fix}, or fix the rules"))
    return sorted(rows, key=_line)


def _line(row: Row) -> int:
    return row.want.line if row.want is not None else row.got.line if row.got is not None else 0


def compare(expectation: Expectation, outcome: Outcome) -> Verdict:
    """How the outcome of one engine on an example's claim meets the example's expectations."""
    if outcome.error is not None:
        if not expectation.errors:
            return Verdict((), (f"the claim was rejected: {outcome.error} (fix the claim, or write "
                                f"`expect error \"...\"` with part of the message)",))
        return Verdict((), tuple(f"expected an error containing {text!r}, got {outcome.error!r}"
                                 for text in expectation.errors if text is not None and text not in outcome.error))
    problems: list[str] = []
    if expectation.errors:
        problems.append("expected the claim to be rejected, but it was evaluated")
    for line in expectation.no_suggestion:
        suggested = sorted({g.suggest for g in outcome.findings if g.line == line and g.suggest})
        if suggested:
            problems.append(f"expected no suggestion on line {line}, got {', '.join(suggested)}")
    return Verdict(tuple(_rows(expectation, outcome.findings)), tuple(problems))


def table(verdict: Verdict, indent: str = "     ") -> list[str]:
    """The verdict as aligned text lines: expected and found side by side, then what to change."""
    cells = [(row.status, row.want.text() if row.want else "-", row.got.text() if row.got else "-", row.fix)
             for row in verdict.rows]
    lines = []
    if cells:
        width = max(len("expected"), *(len(cell[1]) for cell in cells))
        lines.append(f"{indent}{'':8}{'expected':<{width}}  found")
        for status, want, got, fix in cells:
            lines.append(f"{indent}{status:<8}{want:<{width}}  {got}".rstrip())
            if fix:
                lines.append(f"{indent}{'':8}-> {fix}")
    lines.extend(f"{indent}{problem}" for problem in verdict.problems)
    return lines
