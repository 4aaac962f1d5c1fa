"""A worker process of `compiler.batch.pool`: `python -m compiler.batch.worker`.

It reads frames on standard input until it closes: first `S`, its engine source (pickled), then
batches: `L` (lines of a format to parse, from a line number, and whether a value came before
them), `J` (the same, JSON Lines whose results are wanted as text only), `P` (an X12 transaction
set to parse, cut out of its file) and `R` (records already read). Each batch is answered with
`T`: where its records are (a line and a column, or the record without its value), their results
and result lines, and the index of the line where a lines batch stopped (-1: none); for `J`, the
counts of what happened (claims, with findings, errors), the result lines and that index
(`compiler.batch.text`); or with `E` and the error's text when the engine itself failed, which the
other process raises.
"""

from __future__ import annotations

import importlib
import pickle
import sys
from typing import IO, Any

from compiler.batch.engines import Engine
from compiler.batch.pool import Place, dumps, place, read_frame, write_frame
from compiler.batch.results import Summary, result_line, result_of
from compiler.batch.text import text_batch
from compiler.inputs.lines import read_lines
from compiler.inputs.records import Record


def evaluate(records: list[Record], engine: Engine, keep: bool) -> tuple[list[Place] | None, list[Any], list[str]]:
    """Results and result lines of the records; where the records are, when `keep`."""
    evaluate, rejected = engine.evaluate, engine.rejected
    results = [result_of(record, evaluate, rejected) for record in records]
    lines = [result_line(result) for result in results]
    return ([place(r) for r in records] if keep else None), results, lines


def answer(kind: bytes, body: bytes, engine: Engine) -> tuple[Any, ...]:
    if kind == b"J":
        _, lines, first, follows = pickle.loads(body)
        summary = Summary()
        texts, stopped = text_batch(lines, first, follows, engine.evaluate, engine.rejected, summary)
        return (summary.claims, summary.with_findings, summary.errors), texts, stopped
    if kind == b"L":
        input_format, lines, first, follows = pickle.loads(body)
        records, stopped = read_lines(input_format, lines, first, follows=follows)
        return (*evaluate(records, engine, True), stopped)
    if kind == b"P":  # the X12 reader needs the x12 extra, which X12 input has
        _, text, first, segments = pickle.loads(body)
        records, clean = importlib.import_module("compiler.inputs.x12").read_part(text, first, segments)
        return (*evaluate(records, engine, True), -1) if clean else (None, [], [], 0)
    return (*evaluate(pickle.loads(body), engine, False), -1)


def serve(source: IO[bytes], sink: IO[bytes]) -> int:
    engine: Engine | None = None
    failure = ""
    while (frame := read_frame(source)) is not None:
        kind, body = frame
        try:
            if kind == b"S":
                engine = pickle.loads(body).open()
                continue
            if engine is None:
                raise RuntimeError(failure or "no engine was given")
            write_frame(sink, b"T", dumps(answer(kind, body, engine)))
        except Exception as error:  # a bug in an engine: the other process raises it
            failure = f"{type(error).__name__}: {error}"
            if kind != b"S":
                write_frame(sink, b"E", failure.encode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.stdin.buffer, sys.stdout.buffer))
