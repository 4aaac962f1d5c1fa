"""Where results go: a sink receives every record with its result, in input order, exactly once;
`close` finishes what it writes (a Parquet footer).

`add(record, result, line)`: the record as its reader gave it (its position, and the claim id the
reader found; its value may be gone, since a worker process read it), the result object
(`compiler.batch.results`), and, when a worker process already wrote it, the result's JSON line,
which a sink that writes JSON Lines writes as it is.

Sinks here: `JsonLines` (`rulesc eval`), `Tally` (the differences a pair engine finds,
`rulesc diff --input`) and `Collect`; Parquet is `compiler.batch.parquet.ParquetSink`, which needs
pyarrow.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from compiler.batch.results import Result, result_line
from compiler.inputs.records import Record, Where


class Sink:
    """Receives every result in input order."""

    text_only = False
    """True for a sink that keeps only each result's JSON line: it is then given a batch's lines
    (`add_text`) where the records and results were never built (`compiler.batch.text`)."""

    def add(self, record: Record, result: Result, line: str | None = None) -> None:
        raise NotImplementedError

    def add_text(self, lines: list[str]) -> None:
        """The JSON lines of consecutive results (a `text_only` sink's)."""
        raise NotImplementedError

    def close(self) -> None:
        """Finish writing; nothing by default."""


class JsonLines(Sink):
    """One JSON line per result on a text stream."""

    text_only = True

    def __init__(self, out: TextIO) -> None:
        self.write = out.write

    def add(self, record: Record, result: Result, line: str | None = None) -> None:
        self.write(line if line is not None else result_line(result))

    def add_text(self, lines: list[str]) -> None:
        self.write("".join(lines))


class Collect(Sink):
    """Every record and result, kept (for small inputs and tests)."""

    def __init__(self) -> None:
        self.items: list[tuple[Record, Result]] = []

    def add(self, record: Record, result: Result, line: str | None = None) -> None:
        self.items.append((record, result))


@dataclass(frozen=True)
class BadRecord:
    """A record left out of a tally: unreadable (the reader's error, which names where the fault
    is), or a claim an engine rejects (its message)."""

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


@dataclass
class Tally(Sink):
    """The differences a pair engine (`compiler.batch.pairs`) finds, counted a claim at a time:
    claims, claims and lines that changed, and per rule the findings added, removed and changed.
    Records that could not be read and claims rejected are counted in `errors` and handed to
    `on_error`."""

    on_error: Callable[[BadRecord], None] | None = None
    claims: int = 0
    changed: int = 0
    lines_changed: int = 0
    errors: int = 0
    by_rule: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, record: Record, result: Result, line: str | None = None) -> None:
        if "error" in result:
            unreadable = record.error is not None
            known = None if unreadable else result.get("id")
            self._bad(BadRecord(record.index, record.position, record.claim_id if known is None else known,
                                result["error"], unreadable))
            return
        self.claims += 1
        found: list[dict[str, Any]] = result["findings"]
        if not found:
            return
        lines = set()
        for difference in found:
            counts = self.by_rule.setdefault(difference["rule"], {"added": 0, "removed": 0, "changed": 0})
            counts[difference["change"]] += 1
            lines.add(difference["line"])
        self.changed += 1
        self.lines_changed += len(lines)

    def _bad(self, record: BadRecord) -> None:
        self.errors += 1
        if self.on_error is not None:
            self.on_error(record)
