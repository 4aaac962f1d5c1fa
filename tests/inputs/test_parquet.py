"""Parquet in and out (pyarrow): both layouts read every claim of the pack exactly as its JSON
form; errors name their row; results are two tables, one row per claim and one per finding."""

from __future__ import annotations

import datetime
import decimal
import json
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow", reason="Parquet needs the parquet extra (pyarrow)")
pq = pytest.importorskip("pyarrow.parquet", reason="Parquet needs the parquet extra (pyarrow)")

from compiler.batch.parquet import ParquetSink  # noqa: E402
from compiler.inputs.parquet import (  # noqa: E402
    CLAIMS_SCHEMA,
    claims_table,
    lines_table,
    read_parquet_records,
)
from compiler.inputs.records import Ordinal, Record  # noqa: E402
from tests.conftest import PACK  # noqa: E402
from tests.helpers import run_cli  # noqa: E402
from tests.inputs.common import findings, pack_claims  # noqa: E402


def claims() -> list[dict[str, Any]]:
    return list(pack_claims().values())


def read(path: Path, **options: Any) -> list[Record]:
    return list(read_parquet_records(path, **options))


@pytest.mark.parametrize("layout", ["claims", "lines"])
def test_both_layouts_read_every_claim_as_its_json_form(layout: str, tmp_path: Path) -> None:
    path = tmp_path / "claims.parquet"
    ordered = sorted(claims(), key=lambda c: c["id"]) if layout == "lines" else claims()
    pq.write_table(claims_table(ordered) if layout == "claims" else lines_table(ordered), path)
    records = read(path, batch_size=7)  # claims cross batch boundaries
    assert [r.error for r in records] == [None] * len(ordered)
    for record, claim in zip(records, ordered, strict=True):
        assert record.value == claim
        try:
            expected: object = findings(claim)
        except ValueError as error:
            expected = str(error)
        try:
            got: object = findings(record.value)
        except ValueError as error:
            got = str(error)
        assert got == expected


def test_positions_are_rows_and_the_line_layout_names_the_first_row_of_a_claim(tmp_path: Path) -> None:
    ordered = sorted(claims(), key=lambda c: c["id"])[:3]
    pq.write_table(lines_table(ordered), tmp_path / "lines.parquet")
    records = read(tmp_path / "lines.parquet")
    firsts = [1, 1 + len(ordered[0]["lines"]), 1 + len(ordered[0]["lines"]) + len(ordered[1]["lines"])]
    assert [r.position for r in records] == [Ordinal("row", n) for n in firsts]


def test_the_line_layout_must_be_sorted_by_claim_id(tmp_path: Path) -> None:
    a, b = ({"id": i, "type": "professional", "pos": "11", "lines": [{"code": "96372", "date": "2024-09-12"}]}
            for i in ("A", "B"))
    pq.write_table(lines_table([b, a, b]), tmp_path / "lines.parquet")
    records = read(tmp_path / "lines.parquet")
    assert [r.ok for r in records] == [True, False, True]
    assert records[1].claim_id == "A" and records[1].error == (
        "row 2: claim 'A' comes after claim 'B': the one-row-per-line layout must be sorted by claim_id "
        "(ORDER BY claim_id, line)")


def test_rows_of_one_claim_must_agree_and_lines_come_in_order(tmp_path: Path) -> None:
    table = lines_table([{"id": "A", "type": "professional", "pos": "11", "lines": [
        {"code": "96372", "date": "2024-09-12"}, {"code": "J2357", "date": "2024-09-12"}]},
        {"id": "B", "type": "professional", "lines": [{"code": "96372", "date": "2024-09-12"},
                                                      {"code": "J2357", "date": "2024-09-12"}]}])
    rows = table.to_pylist()
    rows[1]["claim_pos"] = "22"
    rows[3]["line"] = 1
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), tmp_path / "lines.parquet")
    first, second = read(tmp_path / "lines.parquet")
    assert first.error == "row 1: claim_pos differs between the rows of claim 'A' (row 1: '11', row 2: '22')"
    assert second.error == ("row 3: line 1 at row 4, where line 2 of claim 'B' was due "
                            "(rows are in line order, numbered from 1)")


def test_types_a_writer_would_choose_are_read(tmp_path: Path) -> None:
    schema = pa.schema([("id", pa.string()), ("type", pa.string()), ("pos", pa.string()),
                        ("lines", pa.list_(pa.struct([("code", pa.string()), ("date", pa.date32()),
                                                      ("units", pa.int64()), ("charge", pa.decimal128(9, 2)),
                                                      ("start", pa.timestamp("s")), ("stop", pa.timestamp("s"))])))])
    start = datetime.datetime(2024, 9, 12, 9, 0)
    row = {"id": "T", "type": "professional", "pos": "11", "lines": [
        {"code": "96360", "date": datetime.date(2024, 9, 12), "units": 1, "charge": decimal.Decimal("12.50"),
         "start": start, "stop": start + datetime.timedelta(minutes=25)}]}
    pq.write_table(pa.Table.from_pylist([row], schema=schema), tmp_path / "typed.parquet")
    (record,) = read(tmp_path / "typed.parquet")
    assert record.value["lines"] == [{"code": "96360", "date": "2024-09-12", "units": 1, "charge": 12.5,
                                      "start": "2024-09-12T09:00", "stop": "2024-09-12T09:25"}]
    assert findings(record.value)[0]["rule"] == "P11-hydration-minimum"


def test_a_folder_is_read_file_by_file_and_a_bad_file_is_one_error(tmp_path: Path) -> None:
    everything = claims()
    pq.write_table(claims_table(everything[:10]), tmp_path / "part-0.parquet")
    pq.write_table(claims_table(everything[10:]), tmp_path / "part-1.parquet")
    (tmp_path / "part-2.parquet").write_bytes(b"not parquet at all")
    records = read(tmp_path)
    assert [r.value["id"] for r in records if r.ok] == [c["id"] for c in everything]
    assert str(records[10].position) == "part-1.parquet, row 1"
    assert records[-1].error is not None and records[-1].error.startswith("part-2.parquet: not a readable Parquet file")
    assert [r.index for r in records] == list(range(len(records)))


def test_results_are_one_row_per_claim_and_one_per_finding_in_row_groups(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path / "out", row_group=4)
    results = [({"id": "A", "findings": []}), {"id": "B", "findings": [
        {"rule": "R1", "line": 2, "disposition": "deny", "message": "m", "citation": "c", "suggest": "96361",
         "evidence": [1]}]}, {"id": None, "error": "row 3: broken"}] * 5
    for n, result in enumerate(results):
        sink.add(Record(n, Ordinal("row", n + 1)), result)
    sink.close()
    table = pq.read_table(tmp_path / "out" / "claims.parquet")
    assert table.num_rows == 15 and pq.ParquetFile(tmp_path / "out" / "claims.parquet").metadata.num_row_groups == 4
    assert table.to_pylist()[:3] == [
        {"id": "A", "status": "clean", "findings": 0, "error": None, "position": "row 1"},
        {"id": "B", "status": "findings", "findings": 1, "error": None, "position": "row 2"},
        {"id": None, "status": "error", "findings": 0, "error": "row 3: broken", "position": "row 3"}]
    assert pq.read_table(tmp_path / "out" / "findings.parquet").to_pylist()[0] == {
        "id": "B", "position": "row 2", "line": 2, "rule": "R1", "disposition": "deny", "message": "m",
        "citation": "c", "suggest": "96361", "evidence": [1]}


def test_rulesc_eval_parquet_in_and_out(tmp_path: Path, analyzed: None) -> None:
    everything = claims()
    pq.write_table(claims_table(everything), tmp_path / "claims.parquet")
    code, out, err = run_cli("eval", str(PACK), "--input", str(tmp_path / "claims.parquet"),
                             "--output-format", "parquet", "--output", str(tmp_path / "results"))
    assert code == 1 and out == "" and err.startswith(f"{len(everything)} claims, ")  # X19 is an error
    rows = pq.read_table(tmp_path / "results" / "claims.parquet").to_pylist()
    assert [r["id"] for r in rows] == [c["id"] for c in everything]  # clean claims too, in input order
    code, out, _ = run_cli("eval", str(PACK), "--input", str(tmp_path / "claims.parquet"))
    jsonl = [json.loads(line) for line in out.splitlines()]
    assert [len(r.get("findings", [])) for r in jsonl] == [r["findings"] for r in rows]
    found = pq.read_table(tmp_path / "results" / "findings.parquet").to_pylist()
    assert sum(r["findings"] for r in rows) == len(found) > 0
    assert [r["status"] for r in rows].count("error") == 1


def test_a_table_of_neither_layout_is_one_error(tmp_path: Path) -> None:
    pq.write_table(pa.table({"code": ["96372"]}), tmp_path / "odd.parquet")
    (record,) = read(tmp_path / "odd.parquet")
    assert record.error is not None and "neither layout" in record.error
    assert CLAIMS_SCHEMA.names[-1] == "lines"
