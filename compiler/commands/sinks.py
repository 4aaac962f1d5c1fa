"""Where `rulesc eval` puts its results: a sink receives each record with its result, in input
order, exactly once; `close` finishes what it writes (a Parquet footer). The result is the JSON
object of the contract: `{"id", "findings"}` or `{"id", "error"}`. JSON Lines on a text stream is
`compiler.commands.evaluate.JsonLinesSink`; Parquet is `compiler.inputs.parquet.ParquetResults`.
"""

from __future__ import annotations

from typing import Any

from compiler.inputs.records import Record


class ResultSink:
    """Receives every result in input order."""

    def add(self, record: Record, result: dict[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish writing; nothing by default."""
