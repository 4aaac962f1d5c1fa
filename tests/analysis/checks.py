"""Independent confirmation of report entries: the interpreter, run on the witness, must show what
the entry states (and, for a resolved entry, show it only without the resolving declaration)."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

from compiler.analysis import order
from compiler.analysis.conflicts.encode import exclusions, relax, strip_flagged
from compiler.analysis.conflicts.report import Entry, Location, Resolution
from compiler.diagnostics import Collector
from compiler.interpreter.evaluate import Interpreter
from compiler.runtime.claims import Finding
from compiler.semantics import ir


def without(pack: ir.Pack, resolved_by: Resolution, rules: list[str]) -> ir.Pack:
    """The pack without the declaration an entry names."""
    kind, ident = resolved_by.declaration, resolved_by.id
    if kind == "precedence":
        winner, loser = ident.split(" over ")
        return dataclasses.replace(pack, precedences=tuple(
            p for p in pack.precedences if (p.winner, p.loser) != (winner, loser)))
    if kind == "exception":
        others = set(rules) - {ident}
        return dataclasses.replace(pack, precedences=tuple(
            p for p in pack.precedences if not (p.winner == ident and p.loser in others)))
    changed = []
    for rule in pack.rules:
        condition = rule.condition
        if rule.id == ident and kind == "condition" and condition is not None:
            named = {node.operand.rule for node in ir.walk(condition) if isinstance(node, ir.Not)
                     and isinstance(node.operand, ir.Flagged)} & set(rules)
            if named - {ident}:  # a `not (x flagged by OTHER)` part
                rule = dataclasses.replace(rule, condition=strip_flagged(condition, named - {ident}))
            else:  # an exclusion of the rule's own condition, found by its location
                rule = dataclasses.replace(rule, condition=_without_exclusion(condition, resolved_by.location))
        if rule.id == ident and kind == "suggestion":
            rule = dataclasses.replace(rule, suggest_if=None)
        changed.append(rule)
    return dataclasses.replace(pack, rules=tuple(changed))


def _without_exclusion(condition: ir.Expr, location: Location | None) -> ir.Expr:
    """The condition with the exclusion that starts at `location` (file, line, column) made true."""
    assert location is not None
    text = Path(location.file).read_text(encoding="utf-8")
    lines = text.split("\n")
    offset = sum(len(line) + 1 for line in lines[:location.line - 1]) + location.column - 1
    matching = [part for part in exclusions(condition) if part.span.start == offset]
    assert len(matching) == 1, f"no exclusion of the condition starts at {location}"
    return relax(condition, {id(matching[0])})


def interpreter(pack: ir.Pack) -> Interpreter:
    """The reference interpreter for a pack (or a variant of it made in a test), planned here."""
    plan = order.plan(pack, Collector())
    assert plan is not None
    return Interpreter(plan)


def _at(findings: list[Finding], rule: str, line: int) -> Finding | None:
    return next((f for f in findings if f.rule == rule and f.line == line), None)


def shows(entry: Entry, pack: ir.Pack, claim: dict[str, Any]) -> bool:
    """Whether the pack's interpreter shows the entry's statement on the claim, at the entry's line."""
    findings = interpreter(pack).evaluate(claim)
    line = entry.line
    assert line is not None
    rules = entry.rules
    if entry.kind == "overlap" and any(pack.rule(r).kind == "exception" for r in rules):
        overridden = next(r for r in rules if pack.rule(r).kind != "exception")
        return _at(findings, overridden, line) is not None
    if entry.kind in ("overlap", "redundant"):
        a, b = _at(findings, rules[0], line), _at(findings, rules[1], line)
        if a is None or b is None:
            return False
        clash = a.suggest is not None and b.suggest is not None and a.suggest != b.suggest
        if entry.kind == "overlap":
            return a.disposition != b.disposition or clash
        return a.disposition == b.disposition and not clash
    if entry.kind in ("suggestion-withheld", "dead-suggestion"):
        # the suggesting rule would suggest a code on the line; billed with it, the line is denied (by
        # the denier the entry names, or by any of them), and the engines withhold the code
        raw = _at(interpreter(pack).evaluate(claim, raw_suggestions=True), rules[0], line)
        final = _at(findings, rules[0], line)
        if raw is None or raw.suggest is None or final is None or final.suggest is not None:
            return False
        rebilled = copy.deepcopy(claim)
        rebilled["lines"][line - 1]["code"] = raw.suggest
        deniers = rules if entry.kind == "dead-suggestion" else [rules[-1]]  # (the rule may deny its own code)
        again = interpreter(pack).evaluate(rebilled)
        return any(f.rule in deniers and f.line == line and f.disposition == "deny" for f in again)
    if entry.kind == "mutual-denial":
        for a_rule, b_rule in ((rules[0], rules[-1]), (rules[-1], rules[0])):
            first = _at(findings, a_rule, line)
            if first is None or first.disposition != "deny":
                continue
            for other in findings:
                if (other.rule == b_rule and other.line != line and other.disposition == "deny"
                        and other.line in first.evidence and line in other.evidence):
                    return True
        return False
    raise AssertionError(entry.kind)


def confirmed(entry: Entry, pack: ir.Pack) -> bool:
    """The witness shows the entry; a resolved one only without its declaration."""
    assert entry.witness is not None
    claim = entry.witness
    if entry.resolved_by is None or _at_a_total(entry):
        return shows(entry, pack, claim)
    naive = without(pack, entry.resolved_by, entry.rules)
    return shows(entry, naive, claim) and not shows(entry, pack, claim)


def _at_a_total(entry: Entry) -> bool:
    """A mutual denial resolved at a rule's total (`count(...)`, `sum(...)`): the label accepts it,
    so the witness shows it with the pack as written."""
    assert entry.resolved_by is not None
    where = entry.resolved_by.location
    if entry.kind != "mutual-denial" or entry.resolved_by.declaration != "condition" or where is None:
        return False
    line = Path(where.file).read_text(encoding="utf-8").split("\n")[where.line - 1]
    return line[where.column - 1:].startswith(("sum(", "count("))
