"""`rulesc eval --jobs N`: claims evaluated in N worker processes, results in input order.

The workers are plain subprocesses (`python -m compiler.commands.parallel MODULE NAME UNKNOWN_FIELDS`) that
import the generated module from its file (the pure module written to a temporary file, or its
native build) and import nothing of the compiler's front end, so each stays small. They talk to
this process through their standard input and output in frames (a kind byte, a length, a body).

Two ways in, both giving exactly the records `compiler.inputs.jsonstream` reads:

- Lines. While every line of the input is blank or one whole JSON value that is not an array
  (JSON Lines, the usual input), this process only cuts the input into batches of lines and
  writes back the workers' result text: workers decode each line (with orjson where it is
  installed and reads the line as `json` does, see `decode`) and evaluate it. Such a line is
  exactly one record of the streaming reader, whose every record then ends its line.
- Records. At the first line that is not so (an array, a value over several lines, a broken
  record, bytes that are not UTF-8), a worker says where it stopped, and from that line on the
  streaming reader reads the rest here, with its positions (the lines before it are handed to it
  as blank lines, so its line numbers stay right), and batches of records go to the workers.

With `--jobs 1` the same two ways run in this process, so that JSON Lines is decoded line by line
there too (faster than the streaming reader, which finds where each record ends).

Order and nothing lost: batches go round the workers and their results are read back in the
order they were sent; a worker that stops leaves its batches to this process, which evaluates
them and everything after in-process. At most `2 * jobs` batches are in flight, so memory does not
grow with the input. Small inputs (one batch) are evaluated in-process without starting workers.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import itertools
import json
import os
import pickle
import queue
import re
import struct
import subprocess
import sys
import threading
import types
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from compiler.backends.native import load_extension
from compiler.commands.results import Engine, Summary, result_line, result_of
from compiler.inputs.jsonstream import Lines, read_json_records

try:
    import orjson

    _fast_loads: Callable[[bytes], Any] | None = orjson.loads
except ImportError:  # pragma: no cover - the `fast` extra is not installed
    _fast_loads = None

BATCH = 512
"""Lines or records per batch: enough to make a frame's cost small beside its claims'."""

_HEADER = struct.Struct(">cI")
_COUNTS = struct.Struct(">iiii")
_JSON_SPACE = " \t\r\n"
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
# Digits marked "9", everything else " ": a run of 19 digits is a run of 19 nines, found by a
# plain substring search (a regular expression costs as much as the decoding it guards).
_DIGIT_MARKS = bytes(0x39 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"9" * 19
_BOM = "\ufeff"


class WorkerError(Exception):
    """A worker stopped or broke the protocol."""


# -- decoding, in the workers


def decode(text: str) -> object:
    """`json.loads(text)`, faster where orjson is installed, never different.

    orjson reads some texts otherwise than `json`: it refuses NaN and Infinity, lone surrogates
    (`"\\ud800"`, or a surrogate in the text itself) and numbers beyond a double (`1e400`), which
    `json` accepts; and it reads an integer beyond 64 bits as a float. The refusals fall back to
    `json`; a text with a run of 19 digits or more (every integer beyond 64 bits has one) goes to
    `json` without asking orjson. Duplicate keys (the last one wins) and floats (correctly rounded)
    read the same; the tests check all of these."""
    if _fast_loads is not None:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            return json.loads(text)
        if _LONG_RUN not in data.translate(_DIGIT_MARKS):
            try:
                return _fast_loads(data)
            except ValueError:
                pass
    return json.loads(text)


def _one_value(line: str) -> tuple[bool, object]:
    """(True, value) for a line the streaming reader reads as one record ending the line; (True, the
    blank marker) for a blank line; (False, None) for anything else: an array, bytes that were
    not UTF-8 (kept as lone surrogates), a line that is not one whole JSON value."""
    stripped = line.strip(_JSON_SPACE)
    if not stripped:
        return True, _BLANK
    if stripped[0] == "[" or (not line.isascii() and _NOT_UTF8.search(line)):
        return False, None
    try:
        return True, decode(line)
    except (ValueError, RecursionError):
        return False, None


_BLANK = object()


def evaluate_lines(lines: list[str], evaluate: Engine, rejected: tuple[type[Exception], ...]
                   ) -> tuple[str, Summary, int]:
    """Result text and counts for the lines up to the first one that is not one record; the index
    of that line, or -1."""
    summary = Summary()
    out: list[str] = []
    for index, line in enumerate(lines):
        ok, value = _one_value(line)
        if not ok:
            return "".join(out), summary, index
        if value is _BLANK:
            continue
        result = result_of(value, None, evaluate, rejected)
        summary.add(result)
        out.append(result_line(result))
    return "".join(out), summary, -1


def evaluate_values(records: list[tuple[object, str | None]], evaluate: Engine,
                    rejected: tuple[type[Exception], ...]) -> tuple[str, Summary]:
    summary = Summary()
    out: list[str] = []
    for value, error in records:
        result = result_of(value, error, evaluate, rejected)
        summary.add(result)
        out.append(result_line(result))
    return "".join(out), summary


# -- frames


def _write_frame(stream: IO[bytes], kind: bytes, body: bytes) -> None:
    stream.write(_HEADER.pack(kind, len(body)))
    stream.write(body)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> tuple[bytes, bytes] | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    kind, size = _HEADER.unpack(header)
    body = stream.read(size)
    if len(body) < size:
        return None
    return kind, body


def _text(body: str) -> bytes:
    return body.encode("utf-8", "surrogatepass")


def _counts(summary: Summary, stopped: int = -1) -> bytes:
    return _COUNTS.pack(summary.claims, summary.with_findings, summary.errors, stopped)


# -- the worker process


def load_module(path: Path, name: str) -> types.ModuleType:
    """The generated module from its file: a native build under its own name, the pure file
    under a private one."""
    if path.suffix != ".py":
        return load_extension(path, name)
    spec = importlib.util.spec_from_file_location(f"rulesc_generated_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def worker_main(argv: list[str]) -> int:
    """Serve frames on standard input until it closes: `L` (lines) and `R` (pickled records)."""
    path, name, unknown_fields = argv
    module = load_module(Path(path), name)
    evaluate = functools.partial(module.evaluate, unknown_fields=unknown_fields)
    rejected: tuple[type[Exception], ...] = (module.ClaimError,)
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while (frame := _read_frame(source)) is not None:
        kind, body = frame
        try:
            if kind == b"L":
                text, summary, stopped = evaluate_lines(body.decode("utf-8", "surrogatepass").split("\n"),
                                                        evaluate, rejected)
                _write_frame(sink, b"T", _counts(summary, stopped) + _text(text))
            else:
                text, summary = evaluate_values(pickle.loads(body), evaluate, rejected)
                _write_frame(sink, b"T", _counts(summary) + _text(text))
        except Exception as error:  # a bug in an engine: the parent raises it, as in-process
            _write_frame(sink, b"E", _text(f"{type(error).__name__}: {error}"))
    return 0


# -- this process


class _Worker:
    """One worker process; a thread writes its frames, so that reading results never waits on
    writing batches (a worker writing a large result does not read its input meanwhile)."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.frames: queue.SimpleQueue[tuple[bytes, bytes] | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._feed, daemon=True)
        self.thread.start()

    def _feed(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        with contextlib.suppress(OSError):  # the worker stopped; reading its results says so
            while (frame := self.frames.get()) is not None:
                _write_frame(stdin, *frame)
        with contextlib.suppress(OSError):
            stdin.close()

    def send(self, kind: bytes, body: bytes) -> None:
        self.frames.put((kind, body))

    def receive(self) -> tuple[str, Summary, int]:
        assert self.process.stdout is not None
        frame = _read_frame(self.process.stdout)
        if frame is None:
            raise WorkerError(f"a worker process stopped (exit code {self.process.poll()})")
        kind, body = frame
        if kind == b"E":
            raise RuntimeError(f"in a worker process: {body.decode('utf-8', 'replace')}")
        claims, with_findings, errors, stopped = _COUNTS.unpack_from(body)
        return (body[_COUNTS.size:].decode("utf-8", "surrogatepass"), Summary(claims, with_findings, errors),
                stopped)

    def close(self) -> None:
        self.frames.put(None)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _Replay:
    """Lines already read, then the rest of a stream: the `Lines` the streaming reader takes."""

    def __init__(self, lines: Iterable[str], rest: Lines) -> None:
        self.lines: Iterator[str] = iter(lines)
        self.rest = rest

    def readline(self, size: int = -1, /) -> str:
        for line in self.lines:
            if line:
                return line
        return self.rest.readline(size)


@dataclass
class ParallelEval:
    """One `rulesc eval --jobs N` run: the module file the workers import, and the in-process
    engine for small inputs and for the batches of a worker that stopped."""

    module_file: Path | None  # None: no workers, everything in this process
    name: str
    unknown_fields: str
    evaluate: Engine
    rejected: tuple[type[Exception], ...]
    jobs: int
    batch: int = BATCH

    def run(self, source: Lines, out: IO[str], progress: Callable[[int], None]) -> Summary:
        summary = Summary()
        first = _read_lines(source, self.batch)
        if len(first) < self.batch:  # the whole input: not worth starting processes
            return self._in_process(_Replay(first, source), out, progress, summary)
        if self.jobs < 2 or self.module_file is None:
            return self._lines_here(first, source, out, progress, summary)
        workers = self._start(self.module_file)
        try:
            return self._lines(first, source, workers, out, progress, summary)
        finally:
            for worker in workers:
                worker.close()

    def run_records(self, records: Iterable[Any], out: IO[str], progress: Callable[[int], None]) -> Summary:
        """The records way alone, for records read by any reader (each with `value` and `error`)."""
        summary = Summary()
        if self.jobs < 2 or self.module_file is None:
            return self._values(((r.value, r.error) for r in records), out, progress, summary)
        workers = self._start(self.module_file)
        try:
            return self._records(records, workers, out, progress, summary)
        finally:
            for worker in workers:
                worker.close()

    def _start(self, module_file: Path) -> list[_Worker]:
        root = str(Path(__file__).resolve().parents[2])  # the folder that holds this `compiler`
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
        command = [sys.executable, "-m", "compiler.commands.parallel", str(module_file), self.name,
                   self.unknown_fields]
        return [_Worker(command, env) for _ in range(self.jobs)]

    def _in_process(self, source: Lines, out: IO[str], progress: Callable[[int], None], summary: Summary) -> Summary:
        return self._values(((r.value, r.error) for r in read_json_records(source)), out, progress, summary)

    def _values(self, values: Iterable[tuple[object, str | None]], out: IO[str], progress: Callable[[int], None],
                summary: Summary) -> Summary:
        for value, error in values:
            result = result_of(value, error, self.evaluate, self.rejected)
            summary.add(result)
            out.write(result_line(result))
            progress(summary.claims)
        return summary

    def _lines_here(self, first: list[str], source: Lines, out: IO[str], progress: Callable[[int], None],
                    summary: Summary) -> Summary:
        """The lines way in this process: what a worker does, batch after batch."""
        first[0] = first[0].removeprefix(_BOM)
        batch, number = first, 1
        while batch:
            text, counts, stopped = evaluate_lines(batch, self.evaluate, self.rejected)
            _merge(summary, counts, text, out, progress)
            if stopped >= 0:
                replay = _Replay(["\n" * (number + stopped - 1), *batch[stopped:]], source)
                return self._in_process(replay, out, progress, summary)
            number += len(batch)
            batch = _read_lines(source, self.batch)
        return summary

    def _lines(self, first: list[str], source: Lines, workers: list[_Worker], out: IO[str],
               progress: Callable[[int], None], summary: Summary) -> Summary:
        first[0] = first[0].removeprefix(_BOM)
        pending: deque[tuple[int, list[str], _Worker]] = deque()
        batch, number, sent = first, 1, 0
        while batch or pending:
            if batch and len(pending) < 2 * len(workers):
                worker = workers[sent % len(workers)]
                worker.send(b"L", _text("".join(batch)))
                pending.append((number, batch, worker))
                number, sent = number + len(batch), sent + 1
                batch = _read_lines(source, self.batch)
                continue
            start, lines, worker = pending.popleft()
            try:
                text, counts, stopped = worker.receive()
            except WorkerError as error:
                sys.stderr.write(f"rulesc eval: {error}; evaluating the rest in this process\n")
                rest = [*lines, *(line for _, more, _ in pending for line in more), *batch]
                return self._in_process(_Replay(["\n" * (start - 1), *rest], source), out, progress, summary)
            _merge(summary, counts, text, out, progress)
            if stopped >= 0:
                for _, _, later in pending:  # their results start past the line that stopped
                    later.receive()
                rest = [*lines[stopped:], *(line for _, more, _ in pending for line in more), *batch]
                replay = _Replay(["\n" * (start + stopped - 1), *rest], source)
                return self._records(read_json_records(replay), workers, out, progress, summary)
        return summary

    def _records(self, records: Iterable[Any], workers: list[_Worker], out: IO[str],
                 progress: Callable[[int], None], summary: Summary) -> Summary:
        pending: deque[tuple[list[tuple[object, str | None]], _Worker]] = deque()
        iterator = iter(records)
        batch = _take(iterator, self.batch)
        sent = 0
        while batch or pending:
            if batch and len(pending) < 2 * len(workers):
                worker = workers[sent % len(workers)]
                worker.send(b"R", pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
                pending.append((batch, worker))
                sent += 1
                batch = _take(iterator, self.batch)
                continue
            values, worker = pending.popleft()
            try:
                text, counts, _ = worker.receive()
            except WorkerError as error:
                sys.stderr.write(f"rulesc eval: {error}; evaluating the rest in this process\n")
                left = [*values, *(value for more, _ in pending for value in more), *batch]
                rest = ((record.value, record.error) for record in iterator)
                return self._values(itertools.chain(left, rest), out, progress, summary)
            _merge(summary, counts, text, out, progress)
        return summary


def _merge(summary: Summary, counts: Summary, text: str, out: IO[str], progress: Callable[[int], None]) -> None:
    out.write(text)
    summary.claims += counts.claims
    summary.with_findings += counts.with_findings
    summary.errors += counts.errors
    progress(summary.claims)


def _read_lines(source: Lines, count: int) -> list[str]:
    lines = []
    for _ in range(count):
        line = source.readline()
        if not line:
            break
        lines.append(line)
    return lines


def _take(records: Iterator[Any], count: int) -> list[tuple[object, str | None]]:
    batch = []
    for record in records:
        batch.append((record.value, record.error))
        if len(batch) == count:
            break
    return batch


if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1:]))
