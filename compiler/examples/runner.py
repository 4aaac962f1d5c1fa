"""Running a pack's examples through both engines, each outcome compared exactly with the
example's expectations (`compiler.examples.expectations`).

Each example's claim is evaluated by the interpreter and by the generated module (compiled in
memory from the rules, never a stale copy on disk)."""

from __future__ import annotations

import fnmatch
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import Sources
from compiler.examples.expectations import Expectation, Got, Outcome, Verdict, Want, compare
from compiler.interpreter.evaluate import Interpreter
from compiler.runtime.claims import ClaimError
from compiler.semantics import ir

ENGINES = ("interpreter", "compiled")


@dataclass(frozen=True)
class Result:
    """One example run through both engines."""

    pack: str
    name: str
    path: str
    line: int
    verdicts: dict[str, Verdict]

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts.values())

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def selected(name: str, patterns: Sequence[str]) -> bool:
    """`-k`: a pattern selects the examples whose name contains it, or, when it holds a shell
    wildcard (`*`, `?`, `[`), the names it matches as a whole (fnmatch, case-sensitive).
    No pattern selects every example; several select the examples any of them selects."""
    if not patterns:
        return True
    return any(fnmatch.fnmatchcase(name, p) if any(c in p for c in "*?[") else p in name for p in patterns)


def expectation(example: ir.Example) -> Expectation:
    """The example's expectations as plain values."""
    wants = []
    for e in example.expected:
        if e.kind == "finding":
            assert e.line is not None and e.disposition is not None  # the resolver guarantees both
            wants.append(Want(e.line, e.disposition, e.rule, e.suggest, e.evidence))
    return Expectation(
        findings=tuple(wants),
        errors=tuple(e.text for e in example.expected if e.kind == "error"),
        no_suggestion=tuple(e.line for e in example.expected if e.kind == "nosuggest" and e.line is not None),
        ignore_info=example.ignore_info,
    )


def outcome(evaluate: Callable[[object], Sequence[Any]], claim: object,
            rejected: tuple[type[Exception], ...]) -> Outcome:
    try:
        findings = evaluate(claim)
    except rejected as error:
        return Outcome(error=str(error))
    return Outcome(tuple(Got(f.rule, f.line, f.disposition, f.suggest, f.evidence)
                         for f in findings))


def run_examples(plan: ir.Plan, module: types.ModuleType, sources: Sources,
                 patterns: Sequence[str] = ()) -> list[Result]:
    """The pack's examples selected by `patterns`, each run through the interpreter and through the
    pack's generated module `module`."""
    pack = plan.pack
    engines = {"interpreter": (Interpreter(plan).evaluate, (ClaimError,)),
               "compiled": (module.evaluate, (ClaimError, module.ClaimError))}
    results = []
    for example in pack.examples:
        if not selected(example.name, patterns):
            continue
        wanted = expectation(example)
        verdicts = {label: compare(wanted, outcome(evaluate, example.claim, rejected))
                    for label, (evaluate, rejected) in engines.items()}
        line, _ = sources.line_col(example.span.path, example.span.start)
        results.append(Result(pack.name, example.name, example.span.path, line, verdicts))
    return results
