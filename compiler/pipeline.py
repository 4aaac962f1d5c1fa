"""The stages in order: load (read and parse every file), resolve, analyze, generate, load the
module. Each command starts here.

This layer owns the one failure that any stage can meet on any input: a rules file that nests
expressions more deeply than Python's recursion (or its parser's nesting limit) allows. Each
stage below is guarded here and reports it as a `too-deep` diagnostic on the pack, so no command
needs to know about it. It also owns the exit codes every command returns.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from compiler.analysis import analyze
from compiler.analysis.changes.impact import impact_of
from compiler.analysis.changes.model import ChangeReport, Impact
from compiler.backends.document import generate_documents
from compiler.backends.loading import load_generated, outputs
from compiler.backends.native import cached_native
from compiler.backends.python import GenerationError
from compiler.batch import BadRecord, Tally, run
from compiler.batch.engines import EngineSource, ModuleFile, module_of, written
from compiler.batch.pairs import PairSource
from compiler.diagnostics import Collector, Diagnostic, Severity, Sources, Span, sort_key
from compiler.examples.coverage import check_examples
from compiler.inputs.formats import open_input
from compiler.interpreter.engine import InterpreterSource
from compiler.semantics import ir
from compiler.semantics.resolver import resolve
from compiler.syntax.loader import load_pack

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
"""Exit codes of every command: success; errors in the rules or in some claims (everything else
still done); the command cannot run (bad arguments, a file that cannot be opened)."""

CANNOT_RUN = frozenset({"unreadable-file"})
"""Diagnostic codes that mean a file named on the command line could not be opened."""

T = TypeVar("T")


@dataclass
class Compiled:
    """One pack through the front end and analysis: its plan, or None when any error was found."""

    path: str
    plan: ir.Plan | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def pack(self) -> ir.Pack | None:
        return None if self.plan is None else self.plan.pack


@dataclass(frozen=True)
class Stage(Generic[T]):
    """What a later stage made of one pack: its result, or None and the diagnostics saying why."""

    value: T | None
    diagnostics: tuple[Diagnostic, ...] = ()


def _too_deep(path: str, doing: str, detail: str = "") -> Diagnostic:
    reason = f" ({detail})" if detail else ""
    return Diagnostic("too-deep", f"{path} nests expressions too deeply to {doing}{reason}", Span(path, 0, 0),
                      Severity.ERROR, (), ("split a very long condition into named code sets or several rules",))


#: errors about a pack's examples and coverage, not about what its rules decide: `rulesc diff`
#: compares drafts whose examples have not caught up with their rules yet
ABOUT_EXAMPLES = frozenset({"bad-example", "bad-evidence", "uncovered-row"})


def compile_pack(path: str | Path, sources: Sources, tolerate: frozenset[str] = frozenset()) -> Compiled:
    """Front end and analysis for one pack; `plan` (and `pack`) are None when any error was found.
    Errors whose codes are in `tolerate` are reported as warnings instead."""
    out = Collector(tolerate=tolerate)
    plan = None
    try:
        pack = resolve(load_pack(path, out, sources), out)
        if pack is not None:
            plan = analyze(pack, out)
        if plan is not None:  # warnings about what the pack lacks, only where no error can be buried
            check_examples(plan.pack, out)
    except RecursionError:
        plan = None
        out.items.append(_too_deep(str(path), "compile"))
    diagnostics = sorted(out.items, key=sort_key)
    return Compiled(str(path), None if out.has_errors else plan, diagnostics)


def compile_all(files: Iterable[str], sources: Sources, tolerate: frozenset[str] = frozenset()) -> list[Compiled]:
    return [compile_pack(path, sources, tolerate) for path in files]


def _guarded(pack: ir.Pack, doing: str, work: Callable[[], T]) -> Stage[T]:
    try:
        return Stage(work())
    except RecursionError:
        return Stage(None, (_too_deep(pack.path, doing),))
    except GenerationError as error:  # Python's own limit on nested parentheses in the output
        return Stage(None, (_too_deep(pack.path, doing, str(error)),))


def generate(plan: ir.Plan, sources: Sources) -> Stage[dict[str, str]]:
    """The pack's edit module, by name relative to the output folder."""
    return _guarded(plan.pack, "generate Python", lambda: outputs(plan, sources))


def document(plan: ir.Plan, sources: Sources, analysis: Mapping[str, Any] | None = None, *,
             changes: ChangeReport | None = None) -> Stage[dict[str, str]]:
    """The pack's policy documents (Markdown and HTML), showing the analyzer's report when given,
    and what changed since the previous version when `changes` compares it with this one."""
    text = sources.text(plan.pack.path) or ""
    return _guarded(plan.pack, "write the policy documents",
                    lambda: generate_documents(plan.pack, text, analysis=analysis, changes=changes))


def load_module(plan: ir.Plan, sources: Sources) -> Stage[types.ModuleType]:
    """The pack's generated module, compiled and imported in memory."""
    return _guarded(plan.pack, "generate Python", lambda: load_generated(plan, sources))


def engine_source(plan: ir.Plan, sources: Sources, *, interpreter: bool = False, native: bool = False,
                  unknown_fields: str = "error") -> Stage[EngineSource]:
    """What evaluates the pack's claims in bulk (`compiler.batch`): the reference interpreter, or
    the generated module, written once to a file of this process (with its data file, if any)
    that worker processes import too, or its native build (compiled once, then from the cache).
    Raises NativeBuildError when the native build fails, OSError when a file cannot be written."""
    if interpreter:
        return Stage(InterpreterSource(plan, unknown_fields))
    generated = generate(plan, sources)
    if generated.value is None:
        return Stage(None, generated.diagnostics)
    name = plan.pack.name
    files = module_of(generated.value, name)
    path = cached_native(files, name) if native else written(files)
    return Stage(ModuleFile(str(path), unknown_fields))


class ImpactUnavailable(Exception):
    """A pack's module cannot be generated (a condition nested beyond Python's limits); the
    diagnostics say which and why."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


def pair_source(old: ir.Plan, new: ir.Plan, sources: Sources, unknown_fields: str = "error") -> PairSource:
    """Both packs' generated modules as one engine whose findings are their differences; raises
    ImpactUnavailable when either module cannot be generated."""
    sides = []
    for plan in (old, new):
        stage = engine_source(plan, sources, unknown_fields=unknown_fields)
        if stage.value is None:
            raise ImpactUnavailable(stage.diagnostics)
        sides.append(stage.value)
    return PairSource(sides[0], sides[1])


def measure_impact(old: ir.Plan, new: ir.Plan, path: str, input_format: str = "auto", *, jobs: int = 1,
                   sources: Sources | None = None, on_error: Callable[[BadRecord], None] | None = None,
                   on_progress: Callable[[int], None] | None = None, unknown_fields: str = "error") -> Impact:
    """Run both packs on every claim of the input at `path` ("-": standard input) read as
    `input_format` (what `rulesc eval` reads) and count the claims, lines and findings that
    differ (`rulesc diff --input`). A record that cannot be read, or a claim either pack rejects,
    is handed to `on_error` with its place and counted in `errors`; the others are still counted.

    Raises what `compiler.inputs.formats.open_input` raises when the input cannot be read at all
    (OSError, MissingExtra, InputError), and ImpactUnavailable when a pack's module cannot be
    generated."""
    pair = pair_source(old, new, sources or Sources(), unknown_fields)
    tally = Tally(on_error)
    with ExitStack() as stack:
        run(open_input(input_format, path, stack), pair, tally, jobs, on_progress)
    return impact_of(tally)


def exit_code(diagnostics: Sequence[Diagnostic]) -> int:
    """2 when a file named on the command line cannot be read, 1 on any other error, else 0."""
    if any(d.code in CANNOT_RUN for d in diagnostics):
        return EXIT_USAGE
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return EXIT_ERRORS
    return EXIT_OK
