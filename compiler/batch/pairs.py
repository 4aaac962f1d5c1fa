"""Two packs' findings on one claim, compared: the pair engine `rulesc diff --input` runs.

Findings are matched by (rule, line). A finding under the new pack only is `added`, under the old
pack only `removed`, under both with another disposition or suggested code `changed`; a
different message, citation or evidence alone is no change (contract/DIFF.md).

The pair is an engine like any other (`compiler.batch.engines`): its findings are the
differences, and a claim either pack rejects is rejected with `PairRejected`. `PairSource` holds
both packs' engine sources, so the worker processes of `--jobs` build the same pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from compiler.batch.engines import Engine, EngineSource

Kind = Literal["added", "removed", "changed"]


class FindingLike(Protocol):
    """What the comparison reads of a finding (a generated module's or the interpreter's)."""

    @property
    def rule(self) -> str: ...

    @property
    def line(self) -> int: ...

    @property
    def disposition(self) -> str: ...

    @property
    def suggest(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Difference:
    """One rule deciding one line of a claim differently under the two packs."""

    rule: str
    line: int
    change: Kind

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "line": self.line, "change": self.change}


def differences(old: Sequence[FindingLike], new: Sequence[FindingLike]) -> list[Difference]:
    """The (rule, line) pairs decided differently, ordered by line, then rule."""
    before, after = _outcomes(old), _outcomes(new)
    found = []
    for key in before.keys() | after.keys():
        was, now = before.get(key), after.get(key)
        if was == now:
            continue
        change: Kind = "added" if was is None else "removed" if now is None else "changed"
        found.append(Difference(key[0], key[1], change))
    found.sort(key=lambda d: (d.line, d.rule))
    return found


def _outcomes(findings: Sequence[FindingLike]) -> dict[tuple[str, int], tuple[tuple[str, str], ...]]:
    """Each (rule, line) and what was decided there: disposition and suggestion (a rule decides a
    line once; should it decide it twice, both decisions are compared, in a fixed order)."""
    grouped: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for finding in findings:
        outcome = (finding.disposition, "" if finding.suggest is None else "=" + finding.suggest)
        grouped.setdefault((finding.rule, finding.line), []).append(outcome)
    return {key: tuple(sorted(outcomes)) for key, outcomes in grouped.items()}


class PairRejected(ValueError):
    """A claim either pack rejects (its ClaimError); the message says which, when only one does."""


@dataclass(frozen=True)
class Pair:
    """The two packs' engines, run on the same claim: an engine whose findings are the differences."""

    old: Engine
    new: Engine
    rejected: tuple[type[Exception], ...] = (PairRejected,)

    def evaluate(self, claim: object) -> list[Difference]:
        """The differences on this claim; PairRejected when either pack rejects it."""
        old, old_error = _run(self.old, claim)
        new, new_error = _run(self.new, claim)
        if old is None or new is None:
            raise PairRejected(_rejection(old_error, new_error))
        return differences(old, new)


@dataclass(frozen=True)
class PairSource:
    """Where a process gets the pair: each pack's engine source."""

    old: EngineSource
    new: EngineSource

    def open(self) -> Pair:
        return Pair(self.old.open(), self.new.open())


def _run(engine: Engine, claim: object) -> tuple[Sequence[Any] | None, str]:
    try:
        return engine.evaluate(claim), ""
    except engine.rejected as error:
        return None, str(error)


def _rejection(old: str, new: str) -> str:
    """One message for a claim either pack rejected: the packs validate claims alike, so both
    usually give the same one."""
    if old and new:
        return old if old == new else f"under the old pack: {old}; under the new pack: {new}"
    return f"{old} (under the old pack only)" if old else f"{new} (under the new pack only)"
