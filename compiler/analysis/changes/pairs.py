"""Two packs' findings on one claim, compared: what `rulesc diff --input` counts.

Findings are matched by (rule, line). A finding under the new pack only is `added`, under the old
pack only `removed`, under both with another disposition or suggested code `changed`; a
different message, citation or evidence alone is no change (contract/DIFF.md).

Standard library only, and importing nothing of the compiler: the worker processes of
`--jobs` load this file by its path beside the two generated modules (see `impact.py`), so that
they stay as small as `rulesc eval`'s.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

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


@dataclass(frozen=True, slots=True)
class Rejection:
    """A claim that either pack rejects (its ClaimError); the message says which, when only one
    does. It is a result, not an exception, so that a rejected claim and a record that could not
    be read stay apart in `rulesc eval`'s result lines, which carry the latter as `error`."""

    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"rejected": self.message}


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


class PairError(ValueError):
    """The type `compiler.commands.parallel` asks a module for (its ClaimError). `Pair.evaluate`
    never raises it: a claim either pack rejects is a `Rejection` result."""


@dataclass(frozen=True)
class Side:
    """One pack's engine: its `evaluate(claim, unknown_fields)` and the errors it rejects a claim with."""

    evaluate: Callable[..., Sequence[Any]]
    rejected: tuple[type[Exception], ...]

    @classmethod
    def of_module(cls, module: types.ModuleType) -> Side:
        return cls(module.evaluate, (module.ClaimError,))


@dataclass(frozen=True)
class Pair:
    """The two packs, run on the same claim."""

    old: Side
    new: Side

    def evaluate(self, claim: object, unknown_fields: str = "error") -> list[Difference] | list[Rejection]:
        """The differences on this claim, or its rejection alone."""
        old, old_error = _run(self.old, claim, unknown_fields)
        new, new_error = _run(self.new, claim, unknown_fields)
        if old is None or new is None:
            return [Rejection(_rejection(old_error, new_error))]
        return differences(old, new)


def _run(side: Side, claim: object, unknown_fields: str) -> tuple[Sequence[Any] | None, str]:
    try:
        return side.evaluate(claim, unknown_fields=unknown_fields), ""
    except side.rejected as error:
        return None, str(error)


def _rejection(old: str, new: str) -> str:
    """One message for a claim either pack rejected: the packs validate claims alike, so both
    usually give the same one."""
    if old and new:
        return old if old == new else f"under the old pack: {old}; under the new pack: {new}"
    return f"{old} (under the old pack only)" if old else f"{new} (under the new pack only)"


def load(path: str, name: str) -> types.ModuleType:
    """A module from its file, under `name` (generated modules' dataclasses look their module up
    in sys.modules while their classes are built)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
