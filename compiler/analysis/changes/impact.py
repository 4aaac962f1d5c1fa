"""The measured impact of a new version of a pack on real claims (`rulesc diff --input`).

Both packs' generated modules run on every claim of the input and their findings are compared
per claim (`pairs.py`); the counts make the report's `impact` object (contract/DIFF.md). The
input is anything `rulesc eval` reads, streamed as `eval` streams it: each record is counted as
soon as its result is known, so memory does not grow with the input. A record the reader could
not read, or a claim either pack rejects, is handed to `on_error` with its place and counted in
`errors`; the others are still counted.

`jobs > 1` runs the comparison in the worker processes of `compiler.commands.parallel`, which
keep results in input order and take over the batches of a worker that stops. The workers import
one file that holds `pairs.py` and loads both modules beside it; their results come back as
`rulesc eval` result lines whose `findings` are the differences. JSON goes the pool's lines way,
where the workers decode the claims (this process only cuts the text into lines, which is what
lets more workers go faster); its results carry no position, so a rejected claim is placed by
its ordinal (`record 12`). The other formats go the records way, each record with the position
its reader gave. The counts and the records reported do not depend on `jobs`.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.analysis.changes import pairs
from compiler.analysis.changes.model import Impact, RuleImpact
from compiler.backends.loading import load_source, module_source, tables_data
from compiler.commands.parallel import BATCH, ParallelEval
from compiler.commands.results import claim_id
from compiler.diagnostics import Diagnostic, Sources
from compiler.inputs.formats import json_text, open_records
from compiler.inputs.jsonstream import Lines
from compiler.inputs.records import Ordinal, Record, Where
from compiler.pipeline import generate
from compiler.semantics import ir

__all__ = ["BadRecord", "ImpactUnavailable", "Versions", "measure_impact"]


class ImpactUnavailable(Exception):
    """A pack's module cannot be generated (a condition nested beyond Python's limits); the
    diagnostics say which and why."""

    def __init__(self, diagnostics: tuple[Diagnostic, ...]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass(frozen=True)
class BadRecord:
    """A record left out of the counts: unreadable (the reader's error, which names where the
    fault is), or a claim either pack rejects (its ClaimError)."""

    index: int  # counted from 0 in input order
    position: Where
    claim_id: object  # the claim's id where known, else None
    message: str
    unreadable: bool

    def __str__(self) -> str:
        if self.unreadable:
            return self.message
        claim = "" if self.claim_id is None else f"claim {json.dumps(self.claim_id, ensure_ascii=False)}: "
        return f"{self.position}: {claim}{self.message}"


OnError = Callable[[BadRecord], None]
OnProgress = Callable[[int], None]


class _Tally:
    """The counts, a claim at a time."""

    def __init__(self, on_error: OnError | None) -> None:
        self.on_error = on_error
        self.claims = self.changed = self.lines_changed = self.errors = 0
        self.by_rule: dict[str, dict[str, int]] = {}

    def add(self, found: Iterable[tuple[str, int, str]]) -> None:
        """One claim's differences, as (rule, line, change)."""
        self.claims += 1
        lines = set()
        for rule, line, change in found:
            counts = self.by_rule.setdefault(rule, {"added": 0, "removed": 0, "changed": 0})
            counts[change] += 1
            lines.add(line)
        self.changed += bool(lines)
        self.lines_changed += len(lines)

    def bad(self, record: BadRecord) -> None:
        self.errors += 1
        if self.on_error is not None:
            self.on_error(record)

    def impact(self) -> Impact:
        by_rule = {rule: RuleImpact(**counts) for rule, counts in sorted(self.by_rule.items())}
        return Impact(self.claims, self.changed, self.lines_changed, by_rule, self.errors)


def measure_impact(old: ir.Plan, new: ir.Plan, path: str, input_format: str = "auto", *, jobs: int = 1,
                   sources: Sources | None = None, on_error: OnError | None = None,
                   progress: OnProgress | None = None, unknown_fields: str = "error") -> Impact:
    """Run both packs on every claim of the input at `path` ("-": standard input) read as
    `input_format` (auto, json, x12, fhir, parquet: what `rulesc eval` reads) and count the
    claims, lines and findings that differ. `sources` holds the packs' texts (the modules quote
    them in comments); `progress` is called with the count of records done, now and then.

    Raises what `compiler.inputs.formats.open_records` raises when the input cannot be read at
    all (OSError, MissingExtra, InputError), and ImpactUnavailable when a pack's module cannot be
    generated."""
    with ExitStack() as stack:
        text = json_text(input_format, path, stack)
        records = None if text is not None else open_records(input_format, path, stack)
        versions = Versions.of(old, new, sources)
        options = _Options(jobs, on_error, progress, unknown_fields)
        if text is not None:
            return versions._measure_text(text, options)
        assert records is not None
        return versions._measure_records(records, options)


@dataclass(frozen=True)
class _Options:
    jobs: int = 1
    on_error: OnError | None = None
    progress: OnProgress | None = None
    unknown_fields: str = "error"


@dataclass(frozen=True)
class Versions:
    """Both packs' modules, generated and loaded once, to measure any number of inputs."""

    texts: tuple[str, str]
    pair: pairs.Pair
    # each module's `.tables` file (name, bytes), for packs with tables read from files
    tables: tuple[tuple[str, bytes] | None, tuple[str, bytes] | None] = (None, None)

    @classmethod
    def of(cls, old: ir.Plan, new: ir.Plan, sources: Sources | None = None) -> Versions:
        sources = sources or Sources()
        files = (_module_files(old, sources), _module_files(new, sources))
        texts = (files[0][0], files[1][0])
        tables = (files[0][1], files[1][1])
        sides = [pairs.Side.of_module(load_source(text, f"diff_{side}_{plan.pack.name}",
                                                  data[1] if data is not None else None))
                 for side, text, data, plan in zip(("old", "new"), texts, tables, (old, new), strict=True)]
        return cls(texts, pairs.Pair(sides[0], sides[1]), tables)

    def measure_text(self, text: Lines, *, jobs: int = 1, on_error: OnError | None = None,
                     progress: OnProgress | None = None, unknown_fields: str = "error") -> Impact:
        """The impact on JSON text (anything with `readline`: a text file, standard input)."""
        return self._measure_text(text, _Options(jobs, on_error, progress, unknown_fields))

    def measure_records(self, records: Iterable[Record], *, jobs: int = 1, on_error: OnError | None = None,
                        progress: OnProgress | None = None, unknown_fields: str = "error") -> Impact:
        """The impact on the records of any reader (`compiler.inputs`)."""
        return self._measure_records(records, _Options(jobs, on_error, progress, unknown_fields))

    def _measure_text(self, text: Lines, options: _Options) -> Impact:
        """JSON input, through the lines way of `compiler.commands.parallel` (as `rulesc eval`
        reads it): only there do workers decode the claims. Its results carry no position, so a
        rejected claim is placed by its ordinal, `record N`, in input order (a record that cannot
        be read still names its line and column)."""
        tally = _Tally(options.on_error)
        with ExitStack() as stack:
            module_file = None
            if options.jobs > 1:
                module_file = self._worker_module(Path(stack.enter_context(_folder())))
            results = _Results(tally, _ordinals())
            self._pool(module_file, options).run(text, results, options.progress or _quiet)
        results.finish()
        return tally.impact()

    def _measure_records(self, records: Iterable[Record], options: _Options) -> Impact:
        """Records of any reader, each reported with its own position: in this process, or, with
        `jobs > 1` and more than one batch of records, through the records way of the pool."""
        tally = _Tally(options.on_error)
        iterator = iter(records)
        first = list(itertools.islice(iterator, BATCH))
        if options.jobs < 2 or len(first) < BATCH:  # one batch or less: not worth starting processes
            _here(self.pair, itertools.chain(first, iterator), options, tally)
            return tally.impact()
        pending: deque[_Place] = deque()
        with _folder() as folder:
            results = _Results(tally, pending.popleft)
            self._pool(self._worker_module(Path(folder)), options).run_records(
                _remembered(itertools.chain(first, iterator), pending), results, options.progress or _quiet)
        results.finish()
        return tally.impact()

    def _pool(self, module_file: Path | None, options: _Options) -> ParallelEval:
        """The pool; its workers are told `unknown_fields`, its engine here is given it."""
        here = functools.partial(self.pair.evaluate, unknown_fields=options.unknown_fields)
        return ParallelEval(module_file, "pair", options.unknown_fields, here, (pairs.PairError,), options.jobs)

    def _worker_module(self, folder: Path) -> Path:
        """The file each worker imports: `pairs.py` itself, then both packs' modules loaded from
        files beside it and paired (their paths written as literals)."""
        paths = []
        for side, text, tables in zip(("old", "new"), self.texts, self.tables, strict=True):
            (folder / side).mkdir(exist_ok=True)  # each module reads its tables beside it
            path = folder / side / f"{side}.py"
            path.write_text(text, encoding="utf-8")
            if tables is not None:
                (folder / side / tables[0]).write_bytes(tables[1])
            paths.append(str(path))
        tail = (f"\n\n_PAIR = Pair(Side.of_module(load({paths[0]!r}, 'rulesc_diff_old')),\n"
                f"             Side.of_module(load({paths[1]!r}, 'rulesc_diff_new')))\n"
                "evaluate = _PAIR.evaluate\n"
                "ClaimError = PairError\n")
        module_file = folder / "pair.py"
        module_file.write_text(Path(pairs.__file__).read_text(encoding="utf-8") + tail, encoding="utf-8")
        return module_file


def _folder() -> tempfile.TemporaryDirectory[str]:
    """Where the workers' module files are written, removed after the run."""
    return tempfile.TemporaryDirectory(prefix="rulesc-diff-")


def _quiet(count: int) -> None:
    """No progress shown."""


def _module_files(plan: ir.Plan, sources: Sources) -> tuple[str, tuple[str, bytes] | None]:
    """The module's text, and its `.tables` file (name and bytes) when the pack has one."""
    stage = generate(plan, sources)
    if stage.value is None:
        raise ImpactUnavailable(stage.diagnostics)
    name = plan.pack.name
    tables = tables_data(stage.value, name)
    return module_source(stage.value, name), (f"{name}.tables", tables) if tables is not None else None


def _here(pair: pairs.Pair, records: Iterable[Record], options: _Options, tally: _Tally) -> None:
    progress = options.progress or _quiet
    for count, record in enumerate(records, 1):
        if record.error is not None:
            tally.bad(BadRecord(record.index, record.position, record.claim_id, record.error, True))
        else:
            found = pair.evaluate(record.value, options.unknown_fields)
            if found and isinstance(found[0], pairs.Rejection):
                tally.bad(BadRecord(record.index, record.position, _claim_id(record), found[0].message, False))
            else:
                tally.add((d.rule, d.line, d.change) for d in found if isinstance(d, pairs.Difference))
        if not count % 512:
            progress(count)


@dataclass(frozen=True, slots=True)
class _Place:
    """What a result line needs of its record to report it."""

    index: int
    position: Where
    claim_id: str | None  # the reader's


def _ordinals() -> Callable[[], _Place]:
    """Places by ordinal: the next record in input order, each time it is called."""
    counter = itertools.count()

    def place() -> _Place:
        index = next(counter)
        return _Place(index, Ordinal("record", index + 1), None)
    return place


def _remembered(records: Iterable[Record], pending: deque[_Place]) -> Iterator[Record]:
    """The records, each remembered (without its value) until its result line is read: at most
    the records of the batches in flight."""
    for record in records:
        pending.append(_Place(record.index, record.position, record.claim_id))
        yield record


def _claim_id(record: Record) -> object:
    """The claim's id: the one the claim gives, else the one its reader found."""
    found = claim_id(record.value)
    return record.claim_id if found is None else found


_UNCHANGED = ', "findings": []}'  # the end of a result line without differences (`result_line`)


class _Results(io.StringIO):
    """Where the pool writes its result lines, one per record in input order: each is counted
    against the place of its record. A line's `error` is the reader's (the record could not be
    read); a claim a pack rejects has a `Rejection` as its only finding."""

    def __init__(self, tally: _Tally, places: Callable[[], _Place]) -> None:
        super().__init__()
        self.tally, self.places = tally, places
        self.partial = ""

    def write(self, text: str, /) -> int:
        lines = (self.partial + text).split("\n")
        self.partial = lines.pop()
        for line in lines:
            if line.endswith(_UNCHANGED):  # most claims: no need to decode the line
                self.places()
                self.tally.add(())
            else:
                self._count(json.loads(line))
        return len(text)

    def _count(self, result: dict[str, Any]) -> None:
        place = self.places()
        if "error" in result:
            self.tally.bad(BadRecord(place.index, place.position, place.claim_id, result["error"], True))
            return
        found: list[dict[str, Any]] = result["findings"]
        if found and "rejected" in found[0]:
            known = result["id"]  # the claim's own id, as `_claim_id` gives it
            self.tally.bad(BadRecord(place.index, place.position, place.claim_id if known is None else known,
                                     found[0]["rejected"], False))
            return
        self.tally.add((d["rule"], d["line"], d["change"]) for d in found)

    def finish(self) -> None:
        """The pool writes whole lines; a part of one left over would be a record not counted."""
        if self.partial:
            raise RuntimeError(f"a result line was cut short: {self.partial[:80]!r}")
