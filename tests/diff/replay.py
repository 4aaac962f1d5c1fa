"""Two versions of a pack side by side: compiled, and each claim run through both interpreters.

What a rule decides on a line is its finding there, after precedence and exceptions: the
interpreter's own. What an exception decides is that the line is allowed, where it applies (and is
not itself overridden): the interpreters here run each pack with its exceptions reporting an
`allow` finding there, which changes nothing else. A rule decides a line differently when it has a
finding there under one pack only (the change is broader or narrower on that line), or under both
with another disposition or suggested code (an outcome change). Messages, citations and evidence
are not decisions.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.diagnostics import Sources
from compiler.interpreter.evaluate import Interpreter
from compiler.pipeline import compile_pack
from compiler.runtime.claims import Finding
from compiler.semantics import ir


def compile_text(text: str, path: Path, sources: Sources) -> ir.Plan:
    """The plan of a pack written to `path`; the test fails with the diagnostics if it has errors."""
    path.write_text(text, encoding="utf-8")
    compiled = compile_pack(path, sources)
    errors = [f"{d.code}: {d.message}" for d in compiled.diagnostics if d.severity.name == "ERROR"]
    assert compiled.plan is not None and not errors, errors
    return compiled.plan


def reporting(plan: ir.Plan) -> ir.Plan:
    """The plan with each exception giving a finding where it applies (`info`, read as `allow`)."""
    rules = tuple(dataclasses.replace(r, disposition="info") if r.kind == "exception" else r for r in plan.pack.rules)
    return dataclasses.replace(plan, pack=dataclasses.replace(plan.pack, rules=rules))


class Engine:
    """The interpreter of a pack whose exceptions report where they apply."""

    def __init__(self, plan: ir.Plan) -> None:
        self.exceptions = {r.id for r in plan.pack.rules if r.kind == "exception"}
        self.interpreter = Interpreter(reporting(plan))

    def evaluate(self, claim: Any) -> list[Finding]:
        return [dataclasses.replace(f, disposition="allow") if f.rule in self.exceptions else f
                for f in self.interpreter.evaluate(claim)]


def on_line(findings: list[Finding], rule: str, line: int) -> list[Finding]:
    return [f for f in findings if f.rule == rule and f.line == line]


def direction(old: list[Finding], new: list[Finding]) -> str | None:
    """How a rule's findings on one line differ: `broader` (new only), `narrower` (old only),
    `outcome` (both, with another disposition or suggestion), or None (no difference)."""
    if not old and not new:
        return None
    if not old:
        return "broader"
    if not new:
        return "narrower"
    decided = {(f.disposition, f.suggest) for f in old}
    return None if decided == {(f.disposition, f.suggest) for f in new} else "outcome"


@dataclass
class Pair:
    old: ir.Plan
    new: ir.Plan

    def __post_init__(self) -> None:
        self.old_engine = Engine(self.old)
        self.new_engine = Engine(self.new)

    def is_exception(self, rule: str) -> bool:
        return rule in self.old_engine.exceptions or rule in self.new_engine.exceptions

    @property
    def ids(self) -> tuple[set[str], set[str]]:
        return {r.id for r in self.old.pack.rules}, {r.id for r in self.new.pack.rules}

    def findings(self, claim: Any) -> tuple[list[Finding], list[Finding]]:
        return self.old_engine.evaluate(claim), self.new_engine.evaluate(claim)

    def replay(self, claim: Any, rule: str, line: int) -> tuple[list[Finding], list[Finding]]:
        """The rule's findings on the line under the old pack and under the new one."""
        old, new = self.findings(claim)
        return on_line(old, rule, line), on_line(new, rule, line)

    def differences(self, claim: Any) -> dict[str, set[str]]:
        """For each rule that decides some line of the claim differently, the directions it does."""
        old, new = self.findings(claim)
        seen: dict[str, set[str]] = {}
        for rule, line in {(f.rule, f.line) for f in old} | {(f.rule, f.line) for f in new}:
            way = direction(on_line(old, rule, line), on_line(new, rule, line))
            if way is not None:
                seen.setdefault(rule, set()).add(way)
        return seen
