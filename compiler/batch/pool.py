"""Worker processes: batches of an input evaluated in N processes, results in input order.

The workers are plain subprocesses (`python -m compiler.batch.worker`) that build their engine
from the engine source they are sent first (`compiler.batch.engines`) and import nothing of the
compiler's front end for a generated module, so each stays small. They talk to this process
through their standard input and output in frames (a kind byte, a length, a pickled body).

Two kinds of batch:

- Lines, for the formats with a record on each line (`compiler.inputs.lines`): this process only
  cuts the text into batches of lines; workers parse them (decode the JSON, map a FHIR resource)
  and evaluate the records. A worker stops at the first line that is not one whole record and
  says where; from that line on, the format's streaming reader reads the rest here, with its
  positions (the lines before it are handed to it as blank lines, so its line numbers stay
  right), and batches of records go to the workers.
- Records, read here by any reader, sent as they are.

Order and nothing lost: batches go round the workers and their results are read back in the
order they were sent; a worker that stops leaves its batches, and everything after them, to this
process, which evaluates them itself. At most `2 * jobs` batches are in flight, so memory does
not grow with the input.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from compiler.batch.engines import EngineSource
from compiler.inputs.records import Position, Record

HEADER = struct.Struct(">cI")


Place = Record | tuple[int, int]


def place(record: Record) -> Place:
    """What the other process needs of a record: a plain line and column where that is all there
    is (a JSON line), else the record without its value."""
    position = record.position
    if record.error is None and record.claim_id is None and type(position) is Position:
        return position.line, position.column
    return Record(0, position, None, record.error, record.claim_id)


class WorkerError(Exception):
    """A worker stopped or broke the protocol."""


def write_frame(stream: IO[bytes], kind: bytes, body: bytes) -> None:
    stream.write(HEADER.pack(kind, len(body)))
    stream.write(body)
    stream.flush()


def read_frame(stream: IO[bytes]) -> tuple[bytes, bytes] | None:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    kind, size = HEADER.unpack(header)
    body = stream.read(size)
    if len(body) < size:
        return None
    return kind, body


def dumps(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class Worker:
    """One worker process; a thread writes its frames, so that reading results never waits on
    writing batches (a worker writing a large result does not read its input meanwhile)."""

    def __init__(self, source: EngineSource) -> None:
        root = str(Path(__file__).resolve().parents[2])  # the folder that holds this `compiler`
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
        self.process = subprocess.Popen([sys.executable, "-m", "compiler.batch.worker"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env)
        self.frames: queue.SimpleQueue[tuple[bytes, bytes] | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._feed, daemon=True)
        self.thread.start()
        self.send(b"S", dumps(source))

    def _feed(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        with contextlib.suppress(OSError):  # the worker stopped; reading its results says so
            while (frame := self.frames.get()) is not None:
                write_frame(stdin, *frame)
        with contextlib.suppress(OSError):
            stdin.close()

    def send(self, kind: bytes, body: bytes) -> None:
        self.frames.put((kind, body))

    def receive(self) -> Any:
        assert self.process.stdout is not None
        frame = read_frame(self.process.stdout)
        if frame is None:
            raise WorkerError(f"a worker process stopped (exit code {self.process.poll()})")
        kind, body = frame
        if kind == b"E":
            raise RuntimeError(f"in a worker process: {body.decode('utf-8', 'replace')}")
        return pickle.loads(body)

    def close(self) -> None:
        self.frames.put(None)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Pool:
    """`jobs` workers, each batch sent to the next one round, at most two batches each in flight."""

    def __init__(self, source: EngineSource, jobs: int) -> None:
        self.workers = [Worker(source) for _ in range(jobs)]
        self.sent = 0
        self.pending: deque[tuple[Any, Worker]] = deque()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *_: object) -> None:
        for worker in self.workers:
            worker.close()

    @property
    def full(self) -> bool:
        return len(self.pending) >= 2 * len(self.workers)

    def submit(self, kind: bytes, body: object, keep: Any) -> None:
        """Send a batch; `keep` comes back with its reply (what this process remembers of it)."""
        worker = self.workers[self.sent % len(self.workers)]
        worker.send(kind, dumps(body))
        self.pending.append((keep, worker))
        self.sent += 1

    def next(self) -> tuple[Any, Any]:
        """The oldest batch's kept value and its reply; WorkerError leaves the batch pending."""
        keep, worker = self.pending[0]
        reply = worker.receive()
        self.pending.popleft()
        return keep, reply

    def drain(self) -> Iterator[Any]:
        """The kept values of the batches in flight, forgetting them (their replies are not read)."""
        while self.pending:
            yield self.pending.popleft()[0]

    def skip(self) -> list[Any]:
        """The kept values of the batches in flight, their replies read and dropped."""
        kept = []
        while self.pending:
            try:
                keep, _ = self.next()
            except WorkerError:
                keep = self.pending.popleft()[0]
            kept.append(keep)
        return kept


def batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
