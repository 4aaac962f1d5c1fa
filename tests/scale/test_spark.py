"""The Spark recipe: its function gives the claim results and the findings for pandas frames, and
on a local Spark (where pyspark, pandas and Java are installed) the recipe's two tables are what
`rulesc eval --output-format parquet` writes, row for row."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow", reason="needs the parquet extra (pyarrow)")
pytest.importorskip("pandas", reason="the Spark recipe's frames are pandas frames")

import pyarrow.parquet as pq

from compiler.batch import ModuleFiles
from compiler.inputs.parquet import claims_table
from compiler.scale.spark import RESULTS, evaluate_frames
from tests.batch.test_run import SIDECAR
from tests.conftest import PACK, ROOT
from tests.helpers import run_cli
from tests.inputs.common import pack_claims

MODULE = ROOT / "generated" / "cpcp026.py"
NCCI_PACK = ROOT / "policies" / "ncci.rules"
NCCI_MODULE = ROOT / "generated" / "ncci.py"
NCCI_SCENARIOS = json.loads((ROOT / "tests" / "data" / "ncci-scenarios.json").read_text(encoding="utf-8"))


def single_process(tmp_path: Path, pack: Path = PACK,
                   claims: list[dict[str, Any]] | None = None) -> tuple[Path, list[dict[str, object]],
                                                                    list[dict[str, object]]]:
    """The pack's claims (CPCP026's examples by default) as Parquet, and the tables `rulesc eval`
    writes for them."""
    claims = list(pack_claims().values()) if claims is None else claims
    pq.write_table(claims_table(claims), tmp_path / "claims.parquet")
    run_cli("eval", str(pack), "--input", str(tmp_path / "claims.parquet"), "--output-format", "parquet",
            "--output", str(tmp_path / "out"))
    return (tmp_path / "claims.parquet", pq.read_table(tmp_path / "out" / "claims.parquet").to_pylist(),
            pq.read_table(tmp_path / "out" / "findings.parquet").to_pylist())


def _plain(value: object) -> object:
    """pandas' values as Python's: arrays as lists, missing text as None."""
    if hasattr(value, "tolist"):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return None if isinstance(value, float) and value != value else value


def test_the_function_gives_claims_and_findings_for_pandas_frames(tmp_path: Path) -> None:
    source, claims, findings = single_process(tmp_path)
    frame = pq.read_table(source).to_pandas()
    halves = [frame.iloc[:20], frame.iloc[20:]]
    rows = [{k: _plain(v) for k, v in row.items()}
            for out in evaluate_frames(ModuleFiles.read(MODULE), halves) for row in out.to_dict("records")]
    assert [{k: v for k, v in r.items() if k != "details"} for r in rows] == claims
    unnested = [{"id": r["id"], "position": r["position"], **detail} for r in rows for detail in r["details"]]
    assert unnested == findings and len(findings) > 20
    assert list(RESULTS.names) == [*claims[0], "details"]
    by_path = [row for out in evaluate_frames(str(MODULE), halves) for row in out.to_dict("records")]
    assert len(by_path) == len(rows)


def _spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    java = shutil.which("java")
    return java is not None and subprocess.run([java, "-version"], capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _spark_available(), reason="the PySpark recipe needs pyspark and Java")
def test_the_readme_spark_recipe_on_a_local_spark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyspark.sql import SparkSession

    from compiler.scale.spark import RESULT_DDL, claims_frame, findings_frame

    source, claims, findings = single_process(tmp_path)
    (tmp_path / "ncci").mkdir()
    ncci_source, ncci_claims, ncci_findings = single_process(tmp_path / "ncci", NCCI_PACK, [
        {**case["claim"], "id": f"S{n}"} for n, case in enumerate(NCCI_SCENARIOS)])
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)  # the executors' Python is this one, with rulesc
    spark = (SparkSession.builder.master("local[2]").appName("rulesc-test")
             .config("spark.pyspark.python", sys.executable).config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    try:
        engine = ModuleFiles.read(MODULE)
        tabled = ModuleFiles.read(SIDECAR)
        frame = spark.read.parquet(str(source)).coalesce(1)
        results = frame.mapInPandas(lambda frames: evaluate_frames(engine, frames), schema=RESULT_DDL)
        got_claims = [row.asDict() for row in claims_frame(results).collect()]
        got_findings = [row.asDict() for row in findings_frame(results).collect()]
        # a module with a data file beside it: the file travels with the engine to the executors
        listed = spark.createDataFrame([("T1", [{"code": "96372", "date": "2024-01-02"}])],
                                       "id string, lines array<struct<code:string,date:string>>")
        denied = listed.mapInPandas(lambda frames: evaluate_frames(tabled, frames), schema=RESULT_DDL)
        tabled_rows = [row.asDict(recursive=True) for row in findings_frame(denied).collect()]
        # a generated module with its tables (the NCCI pack), read by the executors when they import it
        ncci = ModuleFiles.read(NCCI_MODULE)
        ncci_results = spark.read.parquet(str(ncci_source)).coalesce(1).mapInPandas(
            lambda frames: evaluate_frames(ncci, frames), schema=RESULT_DDL)
        got_ncci_claims = [row.asDict() for row in claims_frame(ncci_results).collect()]
        got_ncci_findings = [row.asDict() for row in findings_frame(ncci_results).collect()]
    finally:
        spark.stop()
    assert got_claims == claims
    assert got_findings == findings and len(findings) > 20
    assert [(r["id"], r["rule"], r["line"]) for r in tabled_rows] == [("T1", "T1-listed", 1)]
    assert got_ncci_claims == ncci_claims
    assert got_ncci_findings == ncci_findings and len(ncci_findings) > 3
