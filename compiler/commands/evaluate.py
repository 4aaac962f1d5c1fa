"""`rulesc eval`: evaluate a stream of claims and write one result per record, in input order.

Records come from a reader (`compiler.inputs`: JSON, X12, FHIR, Parquet) one at a time and each
result is written as soon as it is known, so memory does not grow with the input. A record that
cannot be read or a claim the engine rejects becomes an error result in its place; the others are
still evaluated. The summary (`N claims, K with findings, E errors`) and any progress go to
standard error only.

The generated module runs JSON input through `compiler.commands.parallel` (`--jobs`), a line at a
time, with the same result lines; X12, FHIR and Parquet input (whose parsing is the cost), the
interpreter (the reference) and Parquet output go through the readers here, one record at a time.
"""

from __future__ import annotations

import functools
import importlib
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from compiler.backends.loading import load_source, module_source, tables_data
from compiler.backends.native import NativeBuildError, cached_native, load_extension
from compiler.commands import parallel
from compiler.commands.common import Style, compile_or_report, show
from compiler.commands.results import Engine, Summary, claim_id, result_line, result_of
from compiler.commands.sinks import ResultSink
from compiler.inputs.extras import MissingExtra, need
from compiler.inputs.formats import INPUT_NAMES, InputError, json_text, open_records
from compiler.inputs.jsonstream import Lines
from compiler.inputs.records import Record
from compiler.interpreter.evaluate import Interpreter
from compiler.pipeline import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, generate
from compiler.runtime.claims import ClaimError

UnknownFields = Literal["error", "ignore"]
__all__ = ["EvalOptions", "Progress", "Summary", "claim_id", "evaluate_records", "result_line", "run"]


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
    jobs: int = 1  # worker processes for the compiled engine (compiler.commands.parallel)
    native: bool = False  # run the module's native build (built once, then from the cache)


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
        if not self.enabled or count % 64:
            return
        now = self.clock()
        if now - self.last < self.interval:
            return
        self.last = now
        text = f"{count:,} claims, {count / max(now - self.started, 1e-9):,.0f}/s"
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


class JsonLinesSink(ResultSink):
    """One JSON line per result on a text stream."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def add(self, record: Record, result: dict[str, Any]) -> None:
        self.out.write(result_line(result))


def evaluate_records(records: Iterable[Record], evaluate: Engine, rejected: tuple[type[Exception], ...],
                     out: TextIO | ResultSink, progress: Progress) -> Summary:
    """Evaluate each record and write its result (a JSON line on a text stream, or into a sink),
    in order; count what happened. An error record keeps the claim id its reader found."""
    summary = Summary()
    sink = out if isinstance(out, ResultSink) else JsonLinesSink(out)
    for record in records:
        result = result_of(record.value, record.error, evaluate, rejected)
        if record.error is not None:
            result["id"] = record.claim_id
        summary.add(result)
        sink.add(record, result)
        progress.update(summary.claims)
    return summary


@dataclass(frozen=True)
class _Engine:
    evaluate: Engine
    rejected: tuple[type[Exception], ...]
    module_file: Path | None = None  # the generated module's file, for worker processes
    name: str = ""


def _engine(options: EvalOptions, stack: ExitStack) -> _Engine | int:
    compiled = compile_or_report((options.file,), options.style)
    if isinstance(compiled, int):
        return compiled
    (plan,), sources = compiled.plans, compiled.sources
    name = plan.pack.name
    if options.engine == "interpreter":
        return _Engine(functools.partial(Interpreter(plan).evaluate, unknown_fields=options.unknown_fields),
                       (ClaimError,))
    generated = generate(plan, sources)
    show(generated.diagnostics, sources, options.style)
    if generated.value is None:
        return EXIT_ERRORS
    source, tables = module_source(generated.value, name), tables_data(generated.value, name)
    module_file = None
    try:
        if options.native:
            module_file = cached_native(source, name, tables=tables)
            module = load_extension(module_file, name)
        elif options.jobs > 1:  # workers import the module from a file: the same text, written once
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rulesc-eval-")))
            module_file = folder / f"{name}.py"
            module_file.write_text(source, encoding="utf-8")
            if tables is not None:  # and its tables beside it
                (folder / f"{name}.tables").write_bytes(tables)
            module = parallel.load_module(module_file, name)
    except (NativeBuildError, OSError) as error:
        sys.stderr.write(f"rulesc eval: {error}\n")
        return EXIT_USAGE
    if module_file is None:  # the pure module, compiled in memory
        module = load_source(source, name, tables)
    return _Engine(functools.partial(module.evaluate, unknown_fields=options.unknown_fields),
                   (ClaimError, module.ClaimError), module_file, name)


def _results(options: EvalOptions, stack: ExitStack) -> TextIO | ResultSink:
    """Where results go: JSON Lines to the output file or standard output, or a Parquet folder."""
    if options.output_format == "parquet":
        if not options.output:
            raise InputError("--output-format parquet needs --output FOLDER")
        need("parquet", "Parquet output")
        sink: ResultSink = importlib.import_module("compiler.inputs.parquet").ParquetResults(options.output)
        return stack.enter_context(closing(sink))
    return stack.enter_context(open(options.output, "w", encoding="utf-8")) if options.output else sys.stdout


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
    with ExitStack() as stack:
        engine = _engine(options, stack)
        if isinstance(engine, int):
            return engine
        try:
            out = _results(options, stack)
        except OSError as error:
            return _cannot(f"cannot write {options.output}: {error.strerror or error}")
        except (MissingExtra, InputError) as error:
            return _cannot(str(error))
        lines_out = None if isinstance(out, ResultSink) else out  # the parallel path writes JSON lines
        parallel_json = options.engine == "compiled" and lines_out is not None
        try:
            text: Lines | None = json_text(options.input_format, options.input, stack) if parallel_json else None
            records = None if text is not None else open_records(options.input_format, options.input, stack)
        except OSError as error:
            return _cannot(f"cannot read {options.input}: {error.strerror or error}")
        except (MissingExtra, InputError) as error:
            return _cannot(str(error))
        enabled = sys.stderr.isatty() if options.progress is None else options.progress
        progress = Progress(sys.stderr, enabled)
        batches = parallel.ParallelEval(engine.module_file, engine.name, options.unknown_fields,
                                        engine.evaluate, engine.rejected, options.jobs)
        try:
            if text is not None and lines_out is not None:
                summary = batches.run(text, lines_out, lambda count: progress.update(count - count % 64))
            else:  # X12, FHIR and Parquet are read (and parsed) here; their records keep their claim ids
                assert records is not None
                summary = evaluate_records(records, engine.evaluate, engine.rejected, out, progress)
        finally:
            progress.close()
    sys.stderr.write(f"{summary}\n")
    return EXIT_ERRORS if summary.errors else EXIT_OK
