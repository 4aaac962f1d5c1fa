"""Worked examples for the policy documents: claims that were actually evaluated.

The documents show the pack's own examples and the analyzer's witness claims with the findings
the interpreter gives them. For each declared precedence, the examples are also evaluated with that
declaration removed: a finding that appears then is what the declaration decides, and the
document shows it on the cards of both rules. The interpreter is built in one function,
`_interpreter`, the only place that knows its constructor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from compiler.analysis import order
from compiler.analysis.conflicts.report import Report, document_order, rules_named
from compiler.diagnostics import Collector
from compiler.interpreter.evaluate import Interpreter
from compiler.runtime.claims import ClaimError, Finding
from compiler.semantics import ir


@dataclass(frozen=True)
class Decided:
    """A finding that the named precedence removes: without it, `finding` would be given."""

    winner: str
    loser: str
    finding: Finding


@dataclass(frozen=True)
class WorkedExample:
    """A claim and what the interpreter made of it.

    `source` is "example" (one of the pack's examples, `name` its name) or "witness" (the claim of
    an analyzer entry, `name` the entry's position in the sorted report). `rules` are the rules on
    whose cards it appears; `error` is the claim's rejection, if it was rejected."""

    source: str
    name: str
    note: str | None
    claim: object
    findings: tuple[Finding, ...]
    error: str | None
    rules: tuple[str, ...]
    expected: tuple[ir.Expected, ...] = ()
    decided: tuple[Decided, ...] = ()
    ignore_info: bool = False  # the example does not compare info findings (`ignore info`)


def _interpreter(pack: ir.Pack) -> Interpreter:
    """The reference interpreter for `pack` (the one place that builds it). The pack may be a
    copy with a declaration taken out, so it is planned here; removing a precedence never makes
    a pack unorderable, so a plan always exists for the packs this module builds."""
    plan = order.plan(pack, Collector())
    if plan is None:
        raise ValueError(f"{pack.name}: its rules read each other's findings in a cycle")
    return Interpreter(plan)


def _run(interpreter: Interpreter, claim: object) -> tuple[tuple[Finding, ...], str | None]:
    try:
        return tuple(interpreter.evaluate(claim)), None
    except ClaimError as error:
        return (), str(error)


def evaluate_examples(pack: ir.Pack, report: Report | None = None) -> list[WorkedExample]:
    """Evaluate the pack's examples and the report's witnesses (when a report is given)."""
    interpreter = _interpreter(pack)
    known = {r.id for r in pack.rules}
    results = []
    decided = _decided_by_precedence(pack, interpreter)
    for index, example in enumerate(pack.examples):
        findings, error = _run(interpreter, example.claim)
        mine = decided.get(index, ())
        rules = {f.rule for f in findings} | {e.rule for e in example.expected if e.rule}
        rules |= {d.winner for d in mine} | {d.loser for d in mine}
        results.append(WorkedExample("example", example.name, example.note, example.claim, findings, error,
                                     tuple(sorted(rules & known)), example.expected, mine, example.ignore_info))
    for index, entry in enumerate(document_order(report) if report is not None else []):
        witness = entry.witness
        if witness is None:
            continue
        findings, error = _run(interpreter, witness)
        involved = tuple(sorted(rules_named(entry.rules) & known))
        results.append(WorkedExample("witness", str(index), None, witness, findings, error, involved))
    return results


def _decided_by_precedence(pack: ir.Pack, interpreter: Interpreter) -> dict[int, tuple[Decided, ...]]:
    """For each example, the findings some precedence removes from it."""
    baseline = [_run(interpreter, example.claim) for example in pack.examples]
    out: dict[int, list[Decided]] = {}
    for precedence in pack.precedences:
        others = tuple(p for p in pack.precedences if p is not precedence)
        variant = _interpreter(dataclasses.replace(pack, precedences=others))
        for index, example in enumerate(pack.examples):
            findings, error = baseline[index]
            if error is not None:
                continue
            before = {_key(f) for f in findings}
            for finding in _run(variant, example.claim)[0]:
                if _key(finding) not in before and finding.rule == precedence.loser:
                    out.setdefault(index, []).append(Decided(precedence.winner, precedence.loser, finding))
    return {index: tuple(sorted(items, key=lambda d: (d.finding.line, d.winner, d.loser)))
            for index, items in out.items()}


def _key(finding: Finding) -> tuple[str, int, str, str | None]:
    return finding.rule, finding.line, finding.disposition, finding.suggest


def examples_for(rule_id: str, examples: Sequence[WorkedExample]) -> list[WorkedExample]:
    """The examples a rule's card shows: those that name it first, then those it gives a deny or
    review finding on, then the rest (information findings), each group in pack order."""
    def rank(example: WorkedExample) -> int:
        if any(e.rule == rule_id for e in example.expected) or example.source == "witness":
            return 0
        if any(d.winner == rule_id or d.loser == rule_id for d in example.decided):
            return 0
        if any(f.rule == rule_id and f.disposition in ("deny", "review") for f in example.findings):
            return 1
        return 2

    mine = [e for e in examples if rule_id in e.rules]
    return sorted(mine, key=rank)
