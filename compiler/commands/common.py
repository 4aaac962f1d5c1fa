"""What every command does first: compile the packs it was given and print what went wrong."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostic, Sources, report
from compiler.pipeline import EXIT_ERRORS, compile_all, exit_code

if TYPE_CHECKING:
    from compiler.semantics import ir


@dataclass(frozen=True)
class Style:
    """How diagnostics are printed on standard error: `text` (optionally coloured) or `json`."""

    format: str = "text"
    colour: bool = False


@dataclass(frozen=True)
class Packs:
    plans: list[ir.Plan]
    sources: Sources
    clean: bool = False  # compiled without a single diagnostic

    @property
    def packs(self) -> list[ir.Pack]:
        return [plan.pack for plan in self.plans]


def show(diagnostics: Sequence[Diagnostic], sources: Sources, style: Style) -> None:
    if diagnostics:
        report(diagnostics, sources, style.format, style.colour, sys.stderr)


def compile_or_report(files: Sequence[str], style: Style, tolerate: frozenset[str] = frozenset()) -> Packs | int:
    """The compiled packs, or the exit code after printing why they could not all be compiled
    (errors with codes in `tolerate` are warnings here)."""
    sources = Sources()
    results = compile_all(files, sources, tolerate)
    diagnostics = [d for r in results for d in r.diagnostics]
    show(diagnostics, sources, style)
    if any(r.plan is None for r in results):
        return exit_code(diagnostics) or EXIT_ERRORS
    return Packs([r.plan for r in results if r.plan is not None], sources, not diagnostics)
