"""The claims of a Spark DataFrame evaluated with `mapInPandas`, by the generated module.

Spark hands each task an iterator of pandas frames of the one-row-per-claim Parquet layout
(`spark.read.parquet(...)` of files `rulesc eval` reads); `evaluate_frames` yields one frame of
claim results for each (the columns of `compiler.inputs.parquet.CLAIM_RESULTS`). The executor
imports the generated module from its file path, as the Dask tasks do. PySpark itself is not a
dependency of rulesc; executors need rulesc[parquet] and pandas, which PySpark needs anyway.

    results = claims.mapInPandas(lambda frames: evaluate_frames("/shared/generated/cpcp026.py", frames),
                                 schema=RESULT_DDL)
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from compiler.commands.evaluate import Progress, evaluate_records
from compiler.commands.sinks import ResultSink
from compiler.inputs.parquet import CLAIM_RESULTS, ClaimRows, claim_row
from compiler.inputs.records import Record
from compiler.scale.dask_eval import load_module_file

# The schema to give mapInPandas: CLAIM_RESULTS in Spark's DDL.
RESULT_DDL = "id string, status string, findings int, error string, position string"


class _ClaimResults(ResultSink):
    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in CLAIM_RESULTS.names}

    def add(self, record: Record, result: dict[str, Any]) -> None:
        for name, value in claim_row(record, result).items():
            self.columns[name].append(value)


def evaluate_frames(module_path: str, frames: Iterable[Any], unknown_fields: str = "error") -> Iterator[Any]:
    """One pandas frame of claim results for each pandas frame of claims; positions count the
    rows this task was given, from 1."""
    module = load_module_file(module_path)
    evaluate = functools.partial(module.evaluate, unknown_fields="ignore" if unknown_fields == "ignore" else "error")
    first = 1
    for frame in frames:
        rows = pa.Table.from_pandas(frame, preserve_index=False).to_pylist()
        sink = _ClaimResults()
        evaluate_records(ClaimRows(None, first).records(iter([rows])), evaluate, (module.ClaimError,), sink,
                         Progress(io.StringIO(), False))
        first += len(rows)
        yield pa.table(sink.columns, schema=CLAIM_RESULTS).to_pandas()
