"""`rulesc explain` in words: a claim's explanation (`compiler.interpreter.trace`) as text an analyst
reads, or as the JSON object of docs/explain.schema.json.

Each rule that targets a line gets a verdict (a finding, or why not) and the steps that led to it:
the scope checks, every part of its condition with the values it read (the lines a quantifier
looked at, each with its own parts; the rows a table lookup found or missed; counts and sums
beside their thresholds), the rules that take precedence over it, and for a suggestion the
re-billed line and the rules that deny it there. Conditions are worded by the policy documents'
plain English (`compiler.backends.english`), with the claim's values beside each part.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.backends.english import LINE_FIELD_NAMES, English, codes_text
from compiler.backends.markup import Anchors, plain
from compiler.diagnostics import Sources, Span
from compiler.interpreter.trace import Candidate, Check, ClaimTrace, Lookup, Removal, Step, Suggestion, Verdict
from compiler.runtime.claims import Claim, Line, field_text
from compiler.semantics import ir

HELD, FAILED, SKIPPED = "✓", "✗", "·"
_INDENT = "  "
# The line fields a claim's table shows, in the contract's order.
_COLUMNS = ("code", "date", "modifiers", "units", "provider", "pos", "charge", "start", "stop", "drug", "supervision",
            "member_supplied", "description")


@dataclass(frozen=True)
class Selection:
    """Which verdicts to show: one line (None: every line) and one rule (None: every rule that
    targets the line). A rule named here is shown even on lines it does not target."""

    line: int | None = None
    rule: str | None = None

    def shows(self, verdict: Verdict, line: Line) -> bool:
        if self.line is not None and verdict.line != self.line:
            return False
        if self.rule is not None:
            return verdict.rule.id == self.rule
        return targets(verdict.rule, line)


def targets(rule: ir.Rule, line: Line) -> bool:
    """Whether the rule looks at lines of this code (its target holds it, or it has none)."""
    return rule.target is None or line.code in rule.target.members


class Explanation:
    """Words for the explanations of one pack's claims."""

    def __init__(self, pack: ir.Pack, sources: Sources) -> None:
        self.pack = pack
        self.sources = sources
        self.english = English(pack, Anchors())
        self.rules = {rule.id: rule for rule in pack.rules}

    # ------------------------------------------------------------ words
    def words(self, expr: ir.Expr) -> str:
        return plain(self.english.inline(expr))

    def where(self, span: Span) -> dict[str, Any] | None:
        if not span.path:
            return None
        line, column = self.sources.line_col(span.path, span.start)
        return {"file": span.path, "line": line, "column": column}

    def verdict_text(self, verdict: Verdict, claim: Claim) -> str:
        """One sentence: what the rule decided on the line, or why it did not."""
        rule, line = verdict.rule, claim.lines[verdict.line - 1]
        name = f"{rule.id} ({rule.kind})" if rule.kind == "exception" else rule.id
        if verdict.finding is not None:
            finding = verdict.finding
            text = f"{rule.id} {_verb(finding.disposition)} line {line.number} ({line.code}): “{finding.message}”"
            if finding.evidence:
                text += f", because of line{'s' if len(finding.evidence) > 1 else ''} " + _numbers(finding.evidence)
            return text
        failed = next((c for c in verdict.decision.checks if not c.held), None)
        if failed is not None:
            return f"{name} does not apply to line {line.number}: {self.check_text(failed, rule, line, claim)}"
        if not verdict.decision.applies:
            return f"{name} does not apply to line {line.number}: its condition does not hold"
        removed = [r for r in verdict.precedence if r.applies]
        if removed:
            winners = ", ".join(r.winner for r in removed)
            return (f"{rule.id} holds on line {line.number}, but {winners} "
                    f"{'takes' if len(removed) == 1 else 'take'} precedence over it and "
                    f"{'applies' if len(removed) == 1 else 'apply'} there: no finding")
        if rule.kind == "exception":
            losers = sorted({p.loser for p in self.pack.precedences if p.winner == rule.id})
            return (f"{name} applies to line {line.number}: "
                    + (f"{', '.join(losers)} {'gives' if len(losers) == 1 else 'give'} no finding on it"
                       if losers else "the line is allowed"))
        return f"{rule.id} applies to line {line.number}"

    def check_text(self, check: Check, rule: ir.Rule, line: Line, claim: Claim) -> str:
        effective = self.pack.effective
        if check.kind == "effective date":
            if check.held:
                return f"line {line.number} is dated {line.date}, on or after the pack's effective date {effective}"
            return f"line {line.number} is dated {line.date}, before the pack's effective date {effective}: no rule " \
                   "edits it"
        if check.kind == "target":
            assert rule.target is not None
            listed = plain(self.english.set_ref(rule.target))
            return f"{line.code} {'is' if check.held else 'is not'} in its target, {listed}"
        if check.kind == "claim type":
            assert rule.claim_types is not None
            return f"the claim is {claim.type}; the rule is for {' and '.join(rule.claim_types)} claims"
        assert rule.places is not None
        place = line.pos if line.pos is not None else "not given"
        where = "outside" if rule.places_negated else "at"
        listed = codes_text(rule.places.members, rule.places.texts, limit=32)
        return f"the line's place of service is {place}; the rule applies {where} {listed}"

    # ------------------------------------------------------------ values read
    def facts(self, step: Step, claim: Claim) -> list[str]:
        """What a part read: the fields and lookups below it (not inside a quantifier), and its own
        value where that is a number, a code or a text."""
        found: list[str] = []
        self._facts(step, claim, found, top=True)
        return list(dict.fromkeys(found))

    def _facts(self, step: Step, claim: Claim, found: list[str], top: bool = False) -> None:
        expr = step.expr
        if not step.evaluated:
            return
        if isinstance(expr, ir.LineField):
            name = LINE_FIELD_NAMES.get(expr.field, expr.field)
            if expr.field == "modifiers":  # read in the plural
                found.append(f"line {step.lines[0]}'s {name} are {_shown(step.value)}" if step.value
                             else f"line {step.lines[0]} has no {name}")
            else:
                found.append(f"line {step.lines[0]}'s {name} is {_shown(step.value)}")
        elif isinstance(expr, ir.ClaimField):
            found.append(f"the claim's {expr.field.replace('_', ' ')} is {_shown(step.value)}")
        elif isinstance(expr, ir.Relation):
            found.append(_relation_fact(expr, claim.lines[step.lines[0] - 1], claim.lines[step.lines[1] - 1]))
        elif isinstance(expr, ir.Flagged):
            rule = self.rules.get(expr.rule)
            verb = _verb(rule.disposition) if rule is not None and rule.disposition else "reports"
            found.append(f"{expr.rule} {verb if step.value else 'gives no finding on'} line {step.lines[0]}")
        elif isinstance(expr, ir.TableLookup) and step.lookup is not None:
            found.append(self.lookup_text(step.lookup, step.value))
        elif isinstance(expr, ir.Quant) and not top:
            found.append(f"{self.words(expr)}: {_shown(step.value)}")
            return
        elif isinstance(expr, (ir.CodeAttr, ir.MapGet, ir.RankOf, ir.Arith, ir.Func, ir.Neg)) and not top:
            found.append(f"{self.words(expr)} is {_shown(step.value)}")
        for part in step.parts:
            self._facts(part, claim, found)

    def lookup_text(self, lookup: Lookup, value: Any) -> str:
        keys = ", ".join(_shown(k) for k in lookup.keys)
        on = f" in force on {lookup.on}" if lookup.on is not None else ""
        if lookup.file is None:
            return f"{lookup.table} has no file for {lookup.claim_type} claims: nothing is found"
        if any(k is None for k in lookup.keys):
            return f"{lookup.table}: a key is absent, so no row is looked up"
        if not lookup.rows:
            other = ""
            if lookup.elsewhen:
                other = (f" ({_count(len(lookup.elsewhen), 'row')} of those keys in force on other dates: "
                         + ", ".join(_row_text(r) for r in lookup.elsewhen[:3]) + ")")
            return f"no row of {lookup.table} for {keys}{on} in {lookup.file}{other}"
        rows = "; ".join(_row_text(r) for r in lookup.rows[:3])
        more = f" and {len(lookup.rows) - 3} more" if len(lookup.rows) > 3 else ""
        column = f": {lookup.column} is {_shown(value)}" if lookup.column is not None else ""
        return f"{lookup.table} in {lookup.file}, for {keys}{on}: {rows}{more}{column}"

    # ------------------------------------------------------------ text
    def text(self, trace: ClaimTrace, selection: Selection, where: str) -> str:
        claim = trace.claim
        out = [f"claim {claim.id} ({claim.type}{_claim_place(claim)}), {where}: "
               f"{_count(len(trace.findings), 'finding')}"]
        out.extend(_INDENT + row for row in claim_table(claim))
        for finding in trace.findings:
            suggested = f", suggests {finding.suggest}" if finding.suggest else ""
            out.append(f"{_INDENT}finding: line {finding.line} {finding.disposition} by {finding.rule}{suggested}")
        for line in claim.lines:
            if selection.line is not None and line.number != selection.line:
                continue
            shown = [v for v in trace.verdicts if v.line == line.number and selection.shows(v, line)]
            out.append("")
            out.append(f"line {line.number}: {line.code} on {line.date}")
            if not shown:
                out.append(_INDENT + "no rule targets this code" if selection.rule is None
                           else _INDENT + f"{selection.rule} does not decide this line")
            for verdict in shown:
                out.extend(self.verdict_lines(verdict, claim, _INDENT))
        return "\n".join(out) + "\n"

    def verdict_lines(self, verdict: Verdict, claim: Claim, indent: str) -> list[str]:
        rule, line = verdict.rule, claim.lines[verdict.line - 1]
        out = [indent + self.verdict_text(verdict, claim)]
        inner = indent + _INDENT
        for check in verdict.decision.checks:
            out.append(f"{inner}{HELD if check.held else FAILED} {check.kind}: "
                       f"{self.check_text(check, rule, line, claim)}")
        if verdict.decision.condition is not None:
            out.extend(self.step_lines(verdict.decision.condition, claim, inner, lead="when "))
        elif all(c.held for c in verdict.decision.checks) and rule.condition is None:
            out.append(f"{inner}{HELD} when: the rule has no condition")
        for removal in verdict.precedence:
            out.append(inner + self.removal_text(removal, rule.id, line))
        if verdict.suggestion is not None:
            out.extend(self.suggestion_lines(verdict.suggestion, rule, line, claim, inner))
        return out

    def removal_text(self, removal: Removal, loser: str, line: Line) -> str:
        how = f"precedence {removal.winner} over {loser}" if removal.declared_by == "precedence" \
            else f"{removal.winner} overrides {loser}"
        label = f", resolves {', '.join(removal.resolves)}" if removal.resolves else ""
        if removal.applies:
            return f"{FAILED} {removal.winner} applies to line {line.number} and takes precedence ({how}{label})"
        return f"{HELD} {removal.winner} takes precedence ({how}{label}) but does not apply to line {line.number}"

    def suggestion_lines(self, suggestion: Suggestion, rule: ir.Rule, line: Line, claim: Claim,
                         indent: str) -> list[str]:
        out: list[str] = []
        if suggestion.guard is not None:
            out.extend(self.step_lines(suggestion.guard, claim, indent, lead="suggest only if "))
        if suggestion.code is None:
            if suggestion.guard is not None and not suggestion.guard.value:
                out.append(f"{indent}{FAILED} no code is suggested: the guard does not hold")
            else:
                out.append(f"{indent}{FAILED} no code is suggested: the suggestion gives no code here")
            return out
        if suggestion.stands:
            out.append(f"{indent}{HELD} suggests {suggestion.code}: it stands (billed as {suggestion.code}, line "
                       f"{line.number} is denied by no rule)")
            return out
        deniers = ", ".join(v.rule.id for v in suggestion.denied_by)
        out.append(f"{indent}{FAILED} suggests {suggestion.code}, withheld: billed as {suggestion.code}, line "
                   f"{line.number} is denied by {deniers}")
        for denier in suggestion.denied_by:
            if denier.finding is not None:
                out.append(f"{indent}{_INDENT}{denier.rule.id}: “{denier.finding.message}”")
        return out

    def step_lines(self, step: Step, claim: Claim, indent: str, lead: str = "") -> list[str]:
        """A part of a condition: its mark, its words and what it read; nested parts below it."""
        expr = step.expr
        mark = SKIPPED if not step.evaluated else (HELD if step.value else FAILED)
        if not step.evaluated:
            return [f"{indent}{mark} {lead}{self.words(expr)}: not evaluated (the interpreter did not need it)"]
        if isinstance(expr, ir.BoolOp):
            chain = _chain(step, expr.op)
            if expr.op == "and":
                head = "all of these hold" if step.value else "not all of these hold"
            else:
                head = "one of these holds" if step.value else "none of these holds"
            out = [f"{indent}{mark} {lead}{head}:"]
            for part in chain:
                out.extend(self.step_lines(part, claim, indent + _INDENT))
            return out
        if isinstance(expr, ir.Not) and isinstance(expr.operand, (ir.BoolOp, ir.Quant)):
            out = [f"{indent}{mark} {lead}not the following:"]
            out.extend(self.step_lines(step.parts[0], claim, indent + _INDENT))
            return out
        if isinstance(expr, ir.Quant):
            return self.quant_lines(step, claim, indent, lead, mark)
        if isinstance(expr, ir.Compare) and isinstance(expr.left, ir.Quant) and step.parts:
            counted = step.parts[0]
            threshold = self.words(expr.right)
            op = _COMPARE_WORDS[expr.op]
            head = (f"{indent}{mark} {lead}{self.quant_words(expr.left)} {op} {threshold}: it is "
                    f"{_shown(counted.value)}")
            if expr.right.type.kind is ir.Kind.NUMBER and not isinstance(expr.right, ir.Const):
                head += f" ({_shown(step.parts[1].value)})"
            return [head, *self.candidate_lines(counted, claim, indent + _INDENT)]
        facts = self.facts(step, claim)
        tail = f" ({'; '.join(facts)})" if facts else ""
        if expr.type.kind is not ir.Kind.BOOL:
            return [f"{indent}{lead}{self.words(expr)}: {_shown(step.value)}{tail}"]
        return [f"{indent}{mark} {lead}{self.words(expr)}{tail}"]

    def quant_lines(self, step: Step, claim: Claim, indent: str, lead: str, mark: str) -> list[str]:
        expr = step.expr
        assert isinstance(expr, ir.Quant)
        held = [c.line for c in step.candidates if c.held]
        if expr.kind in ("any", "no"):
            result = f"found on {_lines(held)}" if held else "no line is"
        elif expr.kind == "count":
            result = f"{step.value} ({_lines(held)})" if held else "0"
        elif expr.kind == "sum":
            result = f"{_shown(step.value)}" + (f" ({_lines(held)})" if held else "")
        else:
            result = f"the first such line is {held[0]}" if held else "no line is such"
        marked = f"{mark} " if expr.type.kind is ir.Kind.BOOL else ""
        return [f"{indent}{marked}{lead}{self.quant_words(expr)}: {result}",
                *self.candidate_lines(step, claim, indent + _INDENT)]

    def quant_words(self, expr: ir.Quant) -> str:
        """A quantifier in short (its condition is shown line by line below it)."""
        subject = "this line" if expr.outer == "line" else f"line {expr.outer}"
        if "earlier" in expr.scopes:
            noun, note = "earlier line", f" (numbered before {subject})"
        elif "later" in expr.scopes:
            noun, note = "later line", f" (numbered after {subject})"
        elif "other" in expr.scopes:
            noun, note = "other line", ""
        else:
            noun, note = "line", f" of the claim ({subject} included)"
        chained = isinstance(expr.condition, ir.BoolOp) and expr.condition.op == "and"
        such = "such that all of these hold" if chained else f"such that {self.words(expr.condition)}"
        if expr.kind == "any":
            article = {"other line": "another line", "earlier line": "an earlier line"}.get(noun, "a " + noun)
            return f"there is {article} {expr.var}{note} {such}"
        if expr.kind == "no":
            return f"there is no {noun} {expr.var}{note} {such}"
        if expr.kind == "count":
            return f"the number of {noun}s {expr.var}{note} {such}"
        if expr.kind == "sum":
            assert expr.value is not None
            return f"the sum of {self.words(expr.value)} over the {noun}s {expr.var}{note} {such}"
        assert expr.then is not None
        return f"the first {noun} {expr.var}{note} {such} also satisfies {self.words(expr.then)}"

    def candidate_lines(self, step: Step, claim: Claim, indent: str) -> list[str]:
        out: list[str] = []
        if not step.candidates:
            out.append(f"{indent}(no line to look at)")
        for candidate in step.candidates:
            line = claim.lines[candidate.line - 1]
            out.append(f"{indent}line {line.number} ({line.code}, {line.date}): "
                       f"{'it holds' if candidate.held else 'it does not hold'}")
            for part in _chain(candidate.condition, "and"):
                out.extend(self.step_lines(part, claim, indent + _INDENT))
            if candidate.value is not None:
                out.extend(self.step_lines(candidate.value, claim, indent + _INDENT, lead="adds "))
            if candidate.then is not None:
                out.extend(self.step_lines(candidate.then, claim, indent + _INDENT, lead="then "))
        return out

    # ------------------------------------------------------------ JSON
    def to_json(self, trace: ClaimTrace, selection: Selection, record: dict[str, Any]) -> dict[str, Any]:
        claim = trace.claim
        lines = []
        for line in claim.lines:
            if selection.line is not None and line.number != selection.line:
                continue
            lines.append({
                "line": line.number, "code": line.code, "date": line.date, "edited": line.date >= trace.effective,
                "rules": [self.verdict_json(v, claim) for v in trace.verdicts
                          if v.line == line.number and selection.shows(v, line)],
            })
        return {**record, "id": claim.id, "type": claim.type, "error": None, "effective": trace.effective,
                "findings": [f.to_dict() for f in trace.findings], "lines": lines}

    def verdict_json(self, verdict: Verdict, claim: Claim) -> dict[str, Any]:
        rule, line = verdict.rule, claim.lines[verdict.line - 1]
        failed = next((c for c in verdict.decision.checks if not c.held), None)
        reason: str | None
        if verdict.finding is not None:
            reason = None
        elif failed is not None:
            reason = failed.kind
        elif not verdict.decision.applies:
            reason = "condition"
        elif verdict.removed:
            reason = "precedence"
        else:
            reason = None
        decided = "finding" if verdict.finding is not None else "no finding"
        if rule.kind == "exception":
            decided = "applies" if verdict.decision.applies else "does not apply"
        condition = verdict.decision.condition
        return {
            "rule": rule.id, "kind": rule.kind, "decision": rule.disposition, "line": verdict.line,
            "verdict": decided, "reason": reason, "summary": self.verdict_text(verdict, claim),
            "at": self.where(rule.id_span),
            "checks": [{"check": c.kind, "held": c.held, "text": self.check_text(c, rule, line, claim)}
                       for c in verdict.decision.checks],
            "applies": verdict.decision.applies,
            "condition": None if condition is None else self.step_json(condition, claim),
            "precedence": [{"rule": r.winner, "declared_by": r.declared_by, "resolves": list(r.resolves),
                            "applies": r.applies} for r in verdict.precedence],
            "overrides": sorted({p.loser for p in self.pack.precedences if p.winner == rule.id})
            if rule.kind == "exception" else [],
            "finding": None if verdict.finding is None else verdict.finding.to_dict(),
            "suggestion": None if verdict.suggestion is None else self.suggestion_json(verdict.suggestion, claim),
        }

    def suggestion_json(self, suggestion: Suggestion, claim: Claim) -> dict[str, Any]:
        rebilled = suggestion.rebilled or claim
        return {
            "guard": None if suggestion.guard is None else self.step_json(suggestion.guard, claim),
            "value": None if suggestion.value is None else self.step_json(suggestion.value, claim),
            "code": suggestion.code, "stands": suggestion.stands,
            "denied_by": [{"rule": v.rule.id, "finding": None if v.finding is None else v.finding.to_dict(),
                           "condition": None if v.decision.condition is None
                           else self.step_json(v.decision.condition, rebilled),
                           "precedence": [{"rule": r.winner, "declared_by": r.declared_by,
                                           "resolves": list(r.resolves), "applies": r.applies}
                                          for r in v.precedence]}
                          for v in suggestion.denied_by],
        }

    def step_json(self, step: Step, claim: Claim) -> dict[str, Any]:
        expr = step.expr
        boolean = expr.type.kind is ir.Kind.BOOL
        data: dict[str, Any] = {
            "node": _NODE_NAMES[type(expr)], "text": self.words(expr), "evaluated": step.evaluated,
            "value": None if isinstance(expr, ir.SetValue) or not step.evaluated else json_value(step.value),
            "held": bool(step.value) if boolean and step.evaluated else None,
            "at": self.where(expr.span), "lines": list(step.lines),
            "facts": self.facts(step, claim) if step.evaluated and not isinstance(expr, (ir.BoolOp, ir.Quant))
            else [],
            "parts": [self.step_json(part, claim) for part in step.parts],
        }
        if isinstance(expr, ir.SetValue):
            data["set"] = {"name": expr.codes.name, "size": len(expr.codes.members)}
        if isinstance(expr, ir.Quant):
            data["quantifier"] = expr.kind
            data["candidates"] = [self.candidate_json(c, claim) for c in step.candidates]
        if step.lookup is not None:
            data["lookup"] = lookup_json(step.lookup)
        return data

    def candidate_json(self, candidate: Candidate, claim: Claim) -> dict[str, Any]:
        return {"line": candidate.line, "held": candidate.held,
                "condition": self.step_json(candidate.condition, claim),
                "then": None if candidate.then is None else self.step_json(candidate.then, claim),
                "value": None if candidate.value is None else self.step_json(candidate.value, claim)}


def lookup_json(lookup: Lookup) -> dict[str, Any]:
    def rows(found: Iterable[Any]) -> list[dict[str, Any]]:
        return [{"line": row.line, "cells": {name: json_value(value) for name, value in row.cells}} for row in found]

    return {"table": lookup.table, "file": lookup.file, "claim_type": lookup.claim_type,
            "keys": [json_value(k) for k in lookup.keys], "on": json_value(lookup.on), "column": lookup.column,
            "found": bool(lookup.rows), "rows": rows(lookup.rows), "other_dates": rows(lookup.elsewhen)}


def json_value(value: Any) -> Any:
    """A value as JSON holds it: absent as null, modifiers and code sets as sorted lists, a line as
    its number."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Line):
        return value.number
    if isinstance(value, (tuple, list)):
        return [json_value(v) for v in value]
    if isinstance(value, (frozenset, set)):
        return sorted(str(v) for v in value)
    return str(value)


def claim_table(claim: Claim) -> list[str]:
    """The claim's lines as a small table: only the columns some line gives."""
    def cell(line: Line, column: str) -> str:
        if column in ("start", "stop"):
            value = getattr(line, column)
            return "" if value is None else str(value)[11:] if str(value)[:10] == line.date else str(value)
        value = getattr(line, column)
        if column == "units" and value == 1:
            return ""
        if column == "drug" and not line.drug_given:
            return ""
        if column == "supervision" and value == "direct":
            return ""
        if column == "member_supplied":
            return "member-supplied" if value else ""
        if value is None or value == ():
            return ""
        return field_text(value)

    columns = [c for c in _COLUMNS if any(cell(line, c) for line in claim.lines)]
    rows = [["line", *columns]] + [[str(line.number), *(cell(line, c) for c in columns)] for line in claim.lines]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip() for row in rows]


_COMPARE_WORDS = {"=": "is", "!=": "is not", "<": "is less than", "<=": "is at most", ">": "is more than",
                  ">=": "is at least"}

_NODE_NAMES: dict[type, str] = {
    ir.Const: "constant", ir.SetValue: "set", ir.LineVar: "line", ir.LineField: "line field",
    ir.ClaimField: "claim field", ir.CodeAttr: "code attribute", ir.MapGet: "map", ir.RankOf: "rank",
    ir.Func: "function", ir.Arith: "arithmetic", ir.Neg: "negative", ir.Compare: "comparison", ir.Member: "membership",
    ir.Given: "given", ir.Has: "modifiers", ir.Flagged: "flagged", ir.Relation: "relation", ir.BoolOp: "connective",
    ir.Not: "not", ir.Quant: "quantifier", ir.TableLookup: "lookup", ir.RowField: "row field", ir.CheckDay: "day",
}
"""The `node` of each IR expression in the JSON form (docs/explain.schema.json lists them)."""


def _chain(step: Step, op: str) -> list[Step]:
    """The parts of a chain of one connective, flattened (as the documents list them)."""
    expr = step.expr
    if isinstance(expr, ir.BoolOp) and expr.op == op and step.evaluated:
        return _chain(step.parts[0], op) + _chain(step.parts[1], op)
    return [step]


def _relation_fact(expr: ir.Relation, inner: Line, outer: Line) -> str:
    pair = f"line {inner.number}", f"line {outer.number}"
    if expr.kind == "date":
        return f"{pair[0]} is dated {inner.date}, {pair[1]} {outer.date}"
    if expr.kind == "provider":
        return f"{pair[0]}'s rendering provider is {_shown(inner.provider)}, {pair[1]}'s {_shown(outer.provider)}"
    if expr.kind == "drug":
        return f"{pair[0]}'s drug is {_shown(inner.drug)}, {pair[1]}'s {_shown(outer.drug)}"
    return f"{pair[0]} runs {_times(inner)}, {pair[1]} {_times(outer)}"


def _times(line: Line) -> str:
    if line.start is None or line.stop is None:
        return "at no given time"
    return f"{line.start} to {line.stop}"


def _shown(value: Any) -> str:
    if value is None:
        return "absent"
    if isinstance(value, Line):
        return f"line {value.number}"
    if isinstance(value, (frozenset, set)):
        return codes_text(frozenset(str(v) for v in value), False)
    return field_text(value)


def _row_text(row: Any) -> str:
    return f"row {row.line} (" + ", ".join(f"{name} {_shown(value)}" for name, value in row.cells) + ")"


def _lines(numbers: Sequence[int]) -> str:
    return ("line " if len(numbers) == 1 else "lines ") + _numbers(numbers)


def _numbers(numbers: Sequence[int]) -> str:
    items = [str(n) for n in numbers]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _claim_place(claim: Claim) -> str:
    return f", place of service {claim.pos}" if claim.pos else (f", bill type {claim.bill_type}"
                                                                  if claim.bill_type else "")


def _verb(disposition: str) -> str:
    return {"deny": "denies", "review": "sends to review", "info": "gives an information finding on"}.get(
        disposition, disposition)

