"""`run`: every record of an input through an engine into a sink, in this process or in worker
processes, in input order, nothing lost. See the package's doc."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterable, Iterator

from compiler.batch.engines import Engine, EngineSource
from compiler.batch.pool import Place, Pool, WorkerError, batches
from compiler.batch.results import Result, Summary, result_of
from compiler.batch.sinks import Sink
from compiler.batch.text import text_batch
from compiler.inputs.formats import Input
from compiler.inputs.jsonstream import Lines
from compiler.inputs.lines import BOM, holds_a_value, read_lines
from compiler.inputs.records import Position, Record
from compiler.inputs.x12parts import Part

BATCH = 512
"""Lines or records per batch: enough to make a batch's cost small beside its claims'."""
PROGRESS = 64
"""Records between two progress calls in this process."""

OnProgress = Callable[[int], None]


def run(source: Input | Iterable[Record], engine: EngineSource, sink: Sink, jobs: int = 1,
        on_progress: OnProgress | None = None, batch: int = BATCH) -> Summary:
    """Evaluate every record of `source` (an opened input, or any reader's records) with the
    engine `engine` opens, and give each record and its result to `sink`, in input order; the
    count of what happened. `jobs` above 1 runs the engine in that many worker processes, for an
    input of more than one batch; `on_progress` is called with the count of records done."""
    return _Run(engine, sink, jobs, on_progress or _quiet, batch).go(source)


def _quiet(count: int) -> None:
    """No progress shown."""


class _Replay:
    """Lines already read, then the rest of a stream: the `Lines` a streaming reader takes."""

    def __init__(self, lines: Iterable[str], rest: Lines) -> None:
        self.lines: Iterator[str] = iter(lines)
        self.rest = rest

    def readline(self, size: int = -1, /) -> str:
        for line in self.lines:
            if line:
                return line
        return self.rest.readline(size)


def _read_lines(source: Lines, count: int) -> list[str]:
    """Up to `count` lines, fewer at the end of the input."""
    return list(itertools.islice(iter(source.readline, ""), count))


class _Run:
    def __init__(self, source: EngineSource, sink: Sink, jobs: int, on_progress: OnProgress, batch: int) -> None:
        self.source, self.sink, self.jobs, self.on_progress, self.batch = source, sink, jobs, on_progress, batch
        self.summary = Summary()
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        """The engine in this process, built when first needed."""
        if self._engine is None:
            self._engine = self.source.open()
        return self._engine

    def go(self, source: Input | Iterable[Record]) -> Summary:
        if isinstance(source, Input) and source.lines is not None:
            self._lines(source)
        elif isinstance(source, Input) and source.parts is not None and self.jobs >= 2 \
                and (parts := source.parts()) is not None:
            with Pool(self.source, self.jobs) as pool:
                self._parts_in(pool, source, parts)
        else:
            self._records(iter(source.records() if isinstance(source, Input) else source))
        return self.summary

    # -- one record

    def _emit(self, record: Record, result: Result, line: str | None = None) -> None:
        count = self.summary.claims
        if record.index != count:  # records of several readers are numbered here
            record = Record(count, record.position, record.value, record.error, record.claim_id)
        self.summary.add(result)
        self.sink.add(record, result, line)

    def _placed(self, places: list[Place], results: list[Result], lines: list[str]) -> None:
        """A worker's results, each with its record rebuilt from where it is (`worker.place`)."""
        summary, add = self.summary, self.sink.add
        for where, result, line in zip(places, results, lines, strict=True):
            count = summary.claims
            if type(where) is tuple:
                record = Record(count, Position(*where))
            else:
                assert isinstance(where, Record)
                record = Record(count, where.position, None, where.error, where.claim_id)
            summary.add(result)
            add(record, result, line)

    def _here(self, records: Iterable[Record]) -> None:
        engine = self.engine
        evaluate, rejected = engine.evaluate, engine.rejected
        for record in records:
            self._emit(record, result_of(record, evaluate, rejected))
            if not self.summary.claims % PROGRESS:
                self.on_progress(self.summary.claims)

    @staticmethod
    def _warn(error: Exception) -> None:
        sys.stderr.write(f"rulesc: {error}; evaluating the rest in this process\n")

    # -- records read here

    def _records(self, records: Iterator[Record]) -> None:
        if self.jobs < 2:
            self._here(records)
            return
        first = list(itertools.islice(records, self.batch))
        if len(first) < self.batch:  # one batch or less: not worth starting processes
            self._here(itertools.chain(first, records))
            return
        with Pool(self.source, self.jobs) as pool:
            self._records_in(pool, itertools.chain(first, records))

    def _records_in(self, pool: Pool, records: Iterable[Record]) -> None:
        chunks = batches(records, self.batch)
        batch = next(chunks, None)
        while batch is not None or pool.pending:
            if batch is not None and not pool.full:
                pool.submit(b"R", batch, batch)
                batch = next(chunks, None)
                continue
            try:
                sent, (_, results, lines, _) = pool.next()
            except WorkerError as error:
                self._warn(error)
                left = [record for kept in pool.drain() for record in kept] + (batch or [])
                self._here(itertools.chain(left, itertools.chain.from_iterable(chunks)))
                return
            for record, result, line in zip(sent, results, lines, strict=True):
                self._emit(record, result, line)
            self.on_progress(self.summary.claims)

    # -- parts of a file parsed by the workers

    def _parts_in(self, pool: Pool, source: Input, parts: Iterator[Part]) -> None:
        """Each part to a worker; a part whose reader saw a fault that belongs to the whole file,
        or a worker that stops, leaves the rest to the reader of the whole file, here, past the
        records already given."""
        part = next(parts, None)
        while part is not None or pool.pending:
            if part is not None and not pool.full:
                pool.submit(b"P", (source.format, part.text, part.first, part.segments), None)
                part = next(parts, None)
                continue
            try:
                _, (records, results, texts, stopped) = pool.next()
            except WorkerError as error:
                self._warn(error)
                list(pool.drain())
                self._here(itertools.islice(source.records(), self.summary.claims, None))
                return
            if stopped >= 0:
                pool.skip()
                self._records_in(pool, itertools.islice(source.records(), self.summary.claims, None))
                return
            self._placed(records, results, texts)
            self.on_progress(self.summary.claims)

    # -- lines parsed by whoever evaluates them

    def _lines(self, source: Input) -> None:
        assert source.lines is not None
        first = _read_lines(source.lines, self.batch)
        if not first:
            return
        first[0] = first[0].removeprefix(BOM)
        if self.jobs < 2 or len(first) < self.batch:
            self._lines_here(source, first, 1)
            return
        with Pool(self.source, self.jobs) as pool:
            self._lines_in(pool, source, first)

    def _text(self, source: Input) -> bool:
        """Whether batches of lines go the text way (`compiler.batch.text`): JSON Lines into a sink
        that keeps only the text."""
        return source.format == "json" and self.sink.text_only

    def _lines_here(self, source: Input, batch: list[str], number: int, follows: bool = False) -> None:
        """The lines way in this process: what a worker does, batch after batch (`follows`: a value
        came before line `number`)."""
        assert source.lines is not None
        text = self._text(source)
        while batch:
            if text:
                engine = self.engine
                texts, stopped = text_batch(batch, number, follows, engine.evaluate, engine.rejected, self.summary)
                self.sink.add_text(texts)
                self.on_progress(self.summary.claims)
            else:
                records, stopped = read_lines(source.format, batch, number, self.summary.claims, follows)
                self._here(records)
            if stopped >= 0:
                replay = _Replay(["\n" * (number + stopped - 1), *batch[stopped:]], source.lines)
                self._here(source.records(replay, follows or holds_a_value(batch[:stopped])))
                return
            follows = follows or holds_a_value(batch)
            number += len(batch)
            batch = _read_lines(source.lines, self.batch)

    def _lines_in(self, pool: Pool, source: Input, first: list[str]) -> None:
        assert source.lines is not None
        batch, number = first, 1
        follows = False  # whether a value came before the batch to send
        kind = b"J" if self._text(source) else b"L"
        while batch or pool.pending:
            if batch and not pool.full:
                pool.submit(kind, (source.format, batch, number, follows), (number, batch, follows))
                follows = follows or holds_a_value(batch)
                number += len(batch)
                batch = _read_lines(source.lines, self.batch)
                continue
            try:
                (start, lines, before), answer = pool.next()
            except WorkerError as error:
                self._warn(error)
                kept = list(pool.drain())
                self._lines_here(source, [line for _, more, _ in kept for line in more] + batch, kept[0][0],
                                 kept[0][2])
                return
            if kind == b"J":
                counts, texts, stopped = answer
                self.summary.merge(Summary(*counts))
                self.sink.add_text(texts)
            else:
                records, results, texts, stopped = answer
                self._placed(records, results, texts)
            self.on_progress(self.summary.claims)
            if stopped >= 0:  # the batches in flight start past the line that stopped: read again
                later = pool.skip()
                rest = [*lines[stopped:], *(line for _, more, _ in later for line in more), *batch]
                replay = _Replay(["\n" * (start + stopped - 1), *rest], source.lines)
                self._records_in(pool, source.records(replay, before or holds_a_value(lines[:stopped])))
                return
