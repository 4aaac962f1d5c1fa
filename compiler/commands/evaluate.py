"""`rulesc eval`: evaluate a stream of claims and write one JSON line per record, in input order.

Records come from `compiler.inputs.jsonstream` one at a time and each result is written as soon
as it is known, so memory does not grow with the input. A record that cannot be read or a claim
the engine rejects becomes an error line in its place; the others are still evaluated. The
summary (`N claims, K with findings, E errors`) and any progress go to standard error only.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

from compiler.commands.common import Style, compile_or_report, show
from compiler.commands.results import ResultSink
from compiler.inputs.extras import MissingExtra, need
from compiler.inputs.formats import INPUT_NAMES, InputError, open_records
from compiler.inputs.records import Record
from compiler.interpreter.evaluate import Interpreter
from compiler.pipeline import EXIT_ERRORS, EXIT_OK, EXIT_USAGE, load_module
from compiler.runtime.claims import ClaimError

UnknownFields = Literal["error", "ignore"]
Engine = Callable[[object], Sequence[Any]]


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


@dataclass
class Summary:
    claims: int = 0
    with_findings: int = 0
    errors: int = 0

    def __str__(self) -> str:
        return f"{self.claims} claims, {self.with_findings} with findings, {self.errors} errors"


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


def claim_id(value: object) -> Any:
    """The claim's id as the result echoes it; null for a record without a usable one."""
    if isinstance(value, dict):
        found = value.get("id")
        if isinstance(found, (str, int, float)) and not isinstance(found, bool):
            return found
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def result_line(result: dict[str, Any]) -> str:
    """One JSON line; non-ASCII text as is, except a lone surrogate (from a `\\udXXX` escape in the
    input), which UTF-8 cannot hold: then the whole line is written with ASCII escapes."""
    text = json.dumps(result, ensure_ascii=False)
    if _SURROGATE.search(text):
        text = json.dumps(result)
    return text + "\n"


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
        result: dict[str, Any] = {"id": claim_id(record.value) if record.ok else record.claim_id}
        if record.error is not None:
            result["error"] = record.error
        else:
            try:
                findings = evaluate(record.value)
            except rejected as error:
                result["error"] = str(error)
            else:
                result["findings"] = [f.to_dict() for f in findings]
                summary.with_findings += bool(findings)
        summary.claims += 1
        summary.errors += "error" in result
        sink.add(record, result)
        progress.update(summary.claims)
    return summary


def _engine(options: EvalOptions) -> tuple[Engine, tuple[type[Exception], ...]] | int:
    compiled = compile_or_report((options.file,), options.style)
    if isinstance(compiled, int):
        return compiled
    (plan,), sources = compiled.plans, compiled.sources
    evaluate: Callable[..., Sequence[Any]]
    rejected: tuple[type[Exception], ...]
    if options.engine == "interpreter":
        evaluate, rejected = Interpreter(plan).evaluate, (ClaimError,)
    else:
        module = load_module(plan, sources)
        show(module.diagnostics, sources, options.style)
        if module.value is None:
            return EXIT_ERRORS
        evaluate, rejected = module.value.evaluate, (ClaimError, module.value.ClaimError)
    return functools.partial(evaluate, unknown_fields=options.unknown_fields), rejected


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
    engine = _engine(options)
    if isinstance(engine, int):
        return engine
    evaluate, rejected = engine
    with ExitStack() as stack:
        try:
            records = open_records(options.input_format, options.input, stack)
        except OSError as error:
            return _cannot(f"cannot read {options.input}: {error.strerror or error}")
        except (MissingExtra, InputError) as error:
            return _cannot(str(error))
        try:
            out = _results(options, stack)
        except OSError as error:
            return _cannot(f"cannot write {options.output}: {error.strerror or error}")
        except (MissingExtra, InputError) as error:
            return _cannot(str(error))
        enabled = sys.stderr.isatty() if options.progress is None else options.progress
        progress = Progress(sys.stderr, enabled)
        try:
            summary = evaluate_records(records, evaluate, rejected, out, progress)
        finally:
            progress.close()
    sys.stderr.write(f"{summary}\n")
    return EXIT_ERRORS if summary.errors else EXIT_OK
