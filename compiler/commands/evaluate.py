"""`rulesc eval`: evaluate a stream of claims and write one result per record, in input order.

Arguments in, one call to `compiler.batch.run`, the summary out: records come from a reader
(`compiler.inputs`: JSON, X12, FHIR, Parquet) one at a time, go through the engine (the generated
module, its native build, or the interpreter) in this process or in `--jobs` worker processes,
and each result goes to a sink (JSON Lines or Parquet) as soon as it is known, so memory does not
grow with the input. A record that cannot be read or a claim the engine rejects becomes an error
result in its place; the others are still evaluated. The summary (`N claims, K with findings, E
errors`) and any progress go to standard error only.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

from compiler.backends.native import NativeBuildError
from compiler.batch import EngineSource, JsonLines, ModuleFile, Sink, cache
from compiler.batch import run as run_batch
from compiler.commands.common import Style, compile_or_report, show
from compiler.inputs.extras import MissingExtra, need
from compiler.inputs.formats import INPUT_NAMES, InputError, open_input
from compiler.pipeline import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, conflict_gate, engine_source, native_module
from compiler.words import counted

UnknownFields = Literal["error", "ignore"]


@dataclass(frozen=True)
class EvalOptions:
    file: str
    input: str  # a path, or "-" for standard input
    output: str | None = None  # None: standard output
    engine: Literal["compiled", "interpreter"] = "compiled"
    unknown_fields: UnknownFields = "error"
    progress: bool | None = None  # None: when standard error is a terminal
    style: Style = field(default_factory=Style)
    input_format: str = "auto"  # json, x12, fhir, parquet; auto: detected from the input
    output_format: str = "jsonl"  # jsonl, or parquet: a folder with claims.parquet and findings.parquet
    jobs: int = 1  # worker processes (compiler.batch)
    native: bool = False  # run the module's native build (built once, then from the cache)
    allow_conflicts: bool = False  # run a pack whose cached conflict report has an unresolved error


class Progress:
    """A count and a rate on standard error, at most every `interval` seconds; no total is needed.

    On a terminal the line is rewritten in place and cleared at the end; elsewhere (`--progress`
    into a log) each update is a line of its own."""

    def __init__(self, stream: TextIO, enabled: bool, clock: Callable[[], float] = time.monotonic,
                 interval: float = 0.5) -> None:
        self.stream, self.enabled, self.clock = stream, enabled, clock
        self.terminal = enabled and stream.isatty()
        self.interval = interval if self.terminal else 4 * interval
        self.started = self.last = clock()
        self.width = 0

    def update(self, count: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if now - self.last < self.interval:
            return
        self.last = now
        text = f"{counted(count, 'claim', spec=',')}, {count / max(now - self.started, 1e-9):,.0f}/s"
        if self.terminal:
            self.stream.write("\r" + text.ljust(self.width))
            self.width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.terminal and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def _engine(options: EvalOptions) -> EngineSource | int:
    """The engine: the pack's module from the module cache when the pack compiled cleanly before
    (`compiler.batch.cache`), else compiled now (and kept when it compiles without a diagnostic).
    Either way the pack's cached conflict report is checked first (`_gate`)."""
    compiled_module = options.engine == "compiled"
    if compiled_module:
        stored = cache.lookup(options.file)
        if stored is not None:
            refused = _gate(options, Path(options.file).stem, cache.pack_digest(stored))
            if refused is not None:
                return refused
            if not options.native:
                return ModuleFile(str(stored), options.unknown_fields)
            try:  # the native build of the stored module: from its cache, compiled when missing
                return ModuleFile(str(native_module(stored)), options.unknown_fields)
            except (NativeBuildError, OSError) as error:
                return _cannot(str(error))
    compiled = compile_or_report((options.file,), options.style)
    if isinstance(compiled, int):
        return compiled
    (plan,), sources = compiled.plans, compiled.sources
    refused = _gate(options, plan.pack.name, plan.pack.digest)
    if refused is not None:
        return refused
    clean = compiled.clean
    try:
        engine = engine_source(plan, sources, interpreter=options.engine == "interpreter", native=options.native,
                               unknown_fields=options.unknown_fields, keep=options.file if compiled_module and clean
                               else None)
    except (NativeBuildError, OSError) as error:
        return _cannot(str(error))
    show(engine.diagnostics, sources, options.style)
    return EXIT_ERRORS if engine.value is None else engine.value


def _gate(options: EvalOptions, name: str, digest: str | None) -> int | None:
    """Refuse a pack whose cached conflict report has an unresolved error (unless allowed), or say
    once that it has not been analyzed (`compiler.pipeline.conflict_gate`); never the solver."""
    gate = conflict_gate(name, digest, options.allow_conflicts)
    if gate.note is not None:
        sys.stderr.write(f"rulesc eval: {gate.note}\n")
    if gate.refusal is not None:
        sys.stderr.write(f"rulesc eval: {gate.refusal}\n")
        return EXIT_ERRORS
    return None


def _sink(options: EvalOptions, stack: ExitStack) -> Sink:
    """Where results go: JSON Lines to the output file or standard output, or a Parquet folder."""
    if options.output_format == "parquet":
        if not options.output:
            raise InputError("--output-format parquet needs --output FOLDER")
        need("parquet", "Parquet output")
        sink: Sink = importlib.import_module("compiler.batch.parquet").ParquetSink(options.output)
        return stack.enter_context(closing(sink))
    if not options.output:
        return JsonLines(sys.stdout)
    return JsonLines(stack.enter_context(open(options.output, "w", encoding="utf-8")))


def _cannot(message: str) -> int:
    """The command cannot run: say why in one line."""
    sys.stderr.write(f"rulesc eval: {message}\n")
    return EXIT_USAGE


def run(options: EvalOptions) -> int:
    try:  # a missing extra is told before the rules are compiled
        if options.input_format in INPUT_NAMES:
            need(options.input_format, INPUT_NAMES[options.input_format])
        if options.output_format == "parquet":
            need("parquet", "Parquet output")
    except MissingExtra as error:
        return _cannot(str(error))
    engine = _engine(options)
    if isinstance(engine, int):
        return engine
    with ExitStack() as stack:
        try:
            sink = _sink(options, stack)
        except OSError as error:
            return _cannot(f"cannot write {options.output}: {error.strerror or error}")
        except (MissingExtra, InputError) as error:
            return _cannot(str(error))
        try:
            claims = open_input(options.input_format, options.input, stack)
        except OSError as error:
            return _cannot(f"cannot read {options.input}: {error.strerror or error}")
        except (MissingExtra, InputError) as error:
            return _cannot(str(error))
        enabled = sys.stderr.isatty() if options.progress is None else options.progress
        progress = Progress(sys.stderr, enabled)
        try:
            summary = run_batch(claims, engine, sink, options.jobs, progress.update)
        finally:
            progress.close()
    sys.stderr.write(f"{summary}\n")
    return EXIT_ERRORS if summary.errors else EXIT_OK
