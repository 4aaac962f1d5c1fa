"""The claims of a Spark DataFrame evaluated with `mapInPandas`, findings included.

Spark hands each task an iterator of pandas frames of the one-row-per-claim Parquet layout
(`spark.read.parquet(...)` of files `rulesc eval` reads); `evaluate_frames` yields one frame of
results for each: the columns of the claims table (`compiler.batch.parquet.CLAIM_RESULTS`) and
`details`, the claim's findings as a list of structs with the columns of the findings table
(`FINDING_RESULTS`, less the claim's id and position). `findings_frame` unnests them into the
findings table, `claims_frame` drops them: the two tables `rulesc eval --output-format parquet`
writes.

The engine is the generated module's files themselves (`compiler.batch.engines.ModuleFiles`,
read on the driver), which travel with the function to the executors; they need rulesc[parquet]
and pandas, which PySpark needs anyway. PySpark itself is not a dependency of rulesc.

    engine = ModuleFiles.read("generated/cpcp026.py")
    results = claims.mapInPandas(lambda frames: evaluate_frames(engine, frames), schema=RESULT_DDL)
    findings_frame(results).write.parquet(".../findings")
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from compiler.batch import EngineSource, ModuleFile, Result, Sink, run
from compiler.batch.parquet import CLAIM_RESULTS, FINDING_FIELDS, FINDING_RESULTS, claim_row
from compiler.inputs.parquet import ClaimRows
from compiler.inputs.records import Record

DETAIL = pa.struct([field for field in FINDING_RESULTS if field.name not in ("id", "position")])
RESULTS = pa.schema([*CLAIM_RESULTS, pa.field("details", pa.list_(DETAIL), nullable=False)])

# The schema to give mapInPandas: RESULTS in Spark's DDL.
RESULT_DDL = ("id string, status string, findings int, error string, position string, "
              "details array<struct<line:int,rule:string,disposition:string,message:string,citation:string,"
              "suggest:string,evidence:array<int>>>")


class _Frame(Sink):
    """One frame's results as columns."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in RESULTS.names}

    def add(self, record: Record, result: Result, line: str | None = None) -> None:
        for name, value in claim_row(record, result).items():
            self.columns[name].append(value)
        self.columns["details"].append([{**{key: finding.get(key) for key in FINDING_FIELDS},
                                         "evidence": list(finding.get("evidence", ()))}
                                        for finding in result.get("findings", ())])


def evaluate_frames(engine: EngineSource | str, frames: Iterable[Any], unknown_fields: str = "error") -> Iterator[Any]:
    """One pandas frame of results for each pandas frame of claims; positions count the rows this
    task was given, from 1. `engine` is an engine source, or a module's path every executor sees."""
    source = ModuleFile(engine, "ignore" if unknown_fields == "ignore" else "error") if isinstance(engine, str) \
        else engine
    first = 1
    for frame in frames:
        rows = pa.Table.from_pandas(frame, preserve_index=False).to_pylist()
        sink = _Frame()
        run(ClaimRows(None, first).records(iter([rows])), source, sink)
        first += len(rows)
        yield pa.table(sink.columns, schema=RESULTS).to_pandas()


def claims_frame(results: Any) -> Any:
    """The claims table of `evaluate_frames`' results (a Spark DataFrame): one row per claim."""
    return results.drop("details")


def findings_frame(results: Any) -> Any:
    """The findings table of `evaluate_frames`' results (a Spark DataFrame): one row per finding,
    the columns of `FINDING_RESULTS`."""
    functions = importlib.import_module("pyspark.sql.functions")  # PySpark is the caller's, not a dependency
    return results.select("id", "position", functions.inline("details"))
