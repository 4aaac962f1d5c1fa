"""`rulesc eval`: evaluate a stream of claims and write one JSON line per record, in input order.

Records come from `compiler.inputs.jsonstream` one at a time and each result is written as soon
as it is known, so memory does not grow with the input. A record that cannot be read or a claim
the engine rejects becomes an error line in its place; the others are still evaluated. The
summary (`N claims, K with findings, E errors`) and any progress go to standard error only.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

from compiler.commands.common import Style, compile_or_report, show
from compiler.inputs.jsonstream import Lines, open_text, read_json_records
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


def evaluate_records(records: Iterable[Record], evaluate: Engine, rejected: tuple[type[Exception], ...],
                     out: TextIO, progress: Progress) -> Summary:
    """Evaluate each record and write its result line, in order; count what happened."""
    summary = Summary()
    for record in records:
        result: dict[str, Any] = {"id": claim_id(record.value)}
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
        out.write(result_line(result))
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


def _source(options: EvalOptions, stack: ExitStack) -> Lines:
    if options.input != "-":
        return stack.enter_context(open(options.input, encoding="utf-8", errors="surrogateescape"))
    binary = getattr(sys.stdin, "buffer", None)
    return open_text(binary) if binary is not None else sys.stdin


def run(options: EvalOptions) -> int:
    engine = _engine(options)
    if isinstance(engine, int):
        return engine
    evaluate, rejected = engine
    with ExitStack() as stack:
        try:
            source = _source(options, stack)
        except OSError as error:
            sys.stderr.write(f"rulesc eval: cannot read {options.input}: {error.strerror or error}\n")
            return EXIT_USAGE
        try:
            out = (stack.enter_context(open(options.output, "w", encoding="utf-8")) if options.output
                   else sys.stdout)
        except OSError as error:
            sys.stderr.write(f"rulesc eval: cannot write {options.output}: {error.strerror or error}\n")
            return EXIT_USAGE
        enabled = sys.stderr.isatty() if options.progress is None else options.progress
        progress = Progress(sys.stderr, enabled)
        try:
            summary = evaluate_records(read_json_records(source), evaluate, rejected, out, progress)
        finally:
            progress.close()
    sys.stderr.write(f"{summary}\n")
    return EXIT_ERRORS if summary.errors else EXIT_OK
