"""The interpreter as an engine source for `compiler.batch`: the plan travels (pickled) to the
worker processes, each of which builds its own interpreter from it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.interpreter.evaluate import Interpreter
from compiler.runtime.claims import ClaimError
from compiler.semantics import ir


@dataclass(frozen=True)
class InterpreterEngine:
    evaluate: Callable[[object], Sequence[Any]]
    rejected: tuple[type[Exception], ...] = (ClaimError,)


@dataclass(frozen=True)
class InterpreterSource:
    """The reference interpreter of an analyzed plan, told what to do with unknown fields."""

    plan: ir.Plan
    unknown_fields: str = "error"

    def open(self) -> InterpreterEngine:
        interpreter = Interpreter(self.plan)
        return InterpreterEngine(functools.partial(interpreter.evaluate, unknown_fields=self.unknown_fields))
