"""Results written as Parquet (pyarrow): two tables, streamed in row groups.

`claims.parquet`, one row per record (`id`, `status` clean / findings / error, `findings` count,
`error`, `position`), so that a claim with no findings is never missing; and `findings.parquet`,
one row per finding (`FINDING_RESULTS`). docs/FORMATS.md gives both schemas.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from compiler.batch.results import Result
from compiler.batch.sinks import Sink
from compiler.inputs.records import Record

ROW_GROUP = 65536
FINDING_FIELDS = ("line", "rule", "disposition", "message", "citation", "suggest")

CLAIM_RESULTS = pa.schema([
    pa.field("id", pa.string()),
    pa.field("status", pa.string(), nullable=False),
    pa.field("findings", pa.int32(), nullable=False),
    pa.field("error", pa.string()),
    pa.field("position", pa.string(), nullable=False),
])
FINDING_RESULTS = pa.schema([
    pa.field("id", pa.string()),
    pa.field("position", pa.string(), nullable=False),
    pa.field("line", pa.int32(), nullable=False),
    pa.field("rule", pa.string(), nullable=False),
    pa.field("disposition", pa.string(), nullable=False),
    pa.field("message", pa.string(), nullable=False),
    pa.field("citation", pa.string(), nullable=False),
    pa.field("suggest", pa.string()),
    pa.field("evidence", pa.list_(pa.int32()), nullable=False),
])


def claim_row(record: Record, result: dict[str, Any]) -> dict[str, Any]:
    """The row of the claims table (CLAIM_RESULTS) for one result."""
    claim_id = result.get("id")
    findings = result.get("findings", [])
    return {"id": None if claim_id is None else str(claim_id),
            "status": "error" if "error" in result else "findings" if findings else "clean",
            "findings": len(findings), "error": result.get("error"), "position": str(record.position)}


def finding_rows(record: Record, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the findings table (FINDING_RESULTS) for one result."""
    claim_id = result.get("id")
    return [{"id": None if claim_id is None else str(claim_id), "position": str(record.position),
             **{key: finding.get(key) for key in FINDING_FIELDS},
             "evidence": list(finding.get("evidence", ()))} for finding in result.get("findings", ())]



class ParquetSink(Sink):
    """Results as two Parquet tables in `directory`: claims.parquet and findings.parquet,
    written a row group at a time (`row_group` rows), so memory does not grow with the input.

    With `part` (one partition of a data set), the tables are `claims/PART.parquet` and
    `findings/PART.parquet`, so that the parts together read as two Parquet data sets."""

    def __init__(self, directory: str | os.PathLike[str], row_group: int = ROW_GROUP, part: str | None = None) -> None:
        self.directory = Path(directory)
        if part is None:
            claims, findings = self.directory / "claims.parquet", self.directory / "findings.parquet"
        else:
            claims = self.directory / "claims" / f"{part}.parquet"
            findings = self.directory / "findings" / f"{part}.parquet"
        claims.parent.mkdir(parents=True, exist_ok=True)
        findings.parent.mkdir(parents=True, exist_ok=True)
        self.row_group = row_group
        self.claims = pq.ParquetWriter(claims, CLAIM_RESULTS)
        self.findings = pq.ParquetWriter(findings, FINDING_RESULTS)
        self.claim_rows: dict[str, list[Any]] = {name: [] for name in CLAIM_RESULTS.names}
        self.finding_rows: dict[str, list[Any]] = {name: [] for name in FINDING_RESULTS.names}

    def add(self, record: Record, result: Result, line: str | None = None) -> None:
        for name, value in claim_row(record, result).items():
            self.claim_rows[name].append(value)
        for row in finding_rows(record, result):
            for name, value in row.items():
                self.finding_rows[name].append(value)
        if len(self.claim_rows["id"]) >= self.row_group:
            self._flush_claims()
        if len(self.finding_rows["id"]) >= self.row_group:
            self._flush_findings()

    def _flush_claims(self) -> None:
        if self.claim_rows["id"]:
            self.claims.write_table(pa.table(self.claim_rows, schema=CLAIM_RESULTS))
            self.claim_rows = {name: [] for name in CLAIM_RESULTS.names}

    def _flush_findings(self) -> None:
        if self.finding_rows["id"]:
            self.findings.write_table(pa.table(self.finding_rows, schema=FINDING_RESULTS))
            self.finding_rows = {name: [] for name in FINDING_RESULTS.names}

    def close(self) -> None:
        self._flush_claims()
        self._flush_findings()
        self.claims.close()
        self.findings.close()
