"""Scale-out: a folder of Parquet files evaluated on a local Dask cluster (two worker processes,
each importing the generated module from its file) gives the single-process results row for
row; the Spark recipe's function gives the same claim results for pandas frames."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow", reason="needs the parquet extra (pyarrow)")
pytest.importorskip("distributed", reason="needs the dask extra (dask, distributed)")

import pyarrow.parquet as pq

from compiler.inputs.parquet import claims_table, lines_table
from compiler.scale.dask_eval import evaluate_dataset, load_module_file, read_results
from generated import cpcp026
from tests.conftest import PACK, ROOT
from tests.formats.common import pack_claims
from tests.helpers import run_cli

MODULE = ROOT / "generated" / "cpcp026.py"


def dataset(folder: Path) -> list[dict[str, Any]]:
    """The pack's claims, three times over with new ids, in four files of both layouts and a
    nested folder, plus a file that is not Parquet."""
    claims = [{**claim, "id": f"{claim['id']}-{n}"} for n in range(3) for claim in pack_claims().values()]
    quarter = len(claims) // 4
    parts = [claims[i * quarter:(i + 1) * quarter] for i in range(3)] + [claims[3 * quarter:]]
    (folder / "2024").mkdir(parents=True)
    pq.write_table(claims_table(parts[0]), folder / "part-0.parquet")
    pq.write_table(lines_table(sorted(parts[1], key=lambda c: c["id"])), folder / "part-1.parquet")
    pq.write_table(claims_table(parts[2]), folder / "part-2.parquet", row_group_size=5)
    pq.write_table(claims_table(parts[3]), folder / "2024" / "part-3.parquet")
    (folder / "part-4.parquet").write_bytes(b"PAR1 but cut short")
    return claims


def test_dask_over_a_parquet_folder_matches_the_single_process_run(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    claims = dataset(tmp_path / "claims")
    code, _, err = run_cli("eval", str(PACK), "--input", str(tmp_path / "claims"), "--output-format", "parquet",
                           "--output", str(tmp_path / "single"))
    assert code == 1, err
    single_claims = pq.read_table(tmp_path / "single" / "claims.parquet")
    single_findings = pq.read_table(tmp_path / "single" / "findings.parquet")
    assert single_claims.num_rows == len(claims) + 1  # the broken file is one error record
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        summary = evaluate_dataset(client, MODULE, tmp_path / "claims", tmp_path / "dask")
        workers = len(client.scheduler_info()["workers"])
    assert workers == 2
    dask_claims, dask_findings = read_results(tmp_path / "dask")
    assert dask_claims.to_pylist() == single_claims.to_pylist()
    assert dask_findings.to_pylist() == single_findings.to_pylist()
    assert summary.claims == len(claims) + 1 and summary.errors == 4  # X19 (three times) and the broken file
    assert single_findings.num_rows > 50


def test_a_generated_module_is_imported_from_its_file_once(tmp_path: Path) -> None:
    copy = tmp_path / "cpcp026.py"
    shutil.copy(MODULE, copy)
    module = load_module_file(copy)
    assert load_module_file(copy) is module and module.__file__ == str(copy.resolve())
    claim = pack_claims()["E02"]
    assert [f.to_dict() for f in module.evaluate(claim)] == [f.to_dict() for f in cpcp026.evaluate(claim)] != []


def test_the_spark_function_gives_the_claim_results_for_pandas_frames(tmp_path: Path) -> None:
    pytest.importorskip("pandas", reason="the Spark recipe's frames are pandas frames")
    from compiler.scale.spark import evaluate_frames

    claims = list(pack_claims().values())
    pq.write_table(claims_table(claims), tmp_path / "claims.parquet")
    frame = pq.read_table(tmp_path / "claims.parquet").to_pandas()
    halves = [frame.iloc[:20], frame.iloc[20:]]
    results = [row for out in evaluate_frames(str(MODULE), halves) for row in out.to_dict("records")]
    run_cli("eval", str(PACK), "--input", str(tmp_path / "claims.parquet"), "--output-format", "parquet",
            "--output", str(tmp_path / "out"))
    expected = pq.read_table(tmp_path / "out" / "claims.parquet").to_pylist()
    assert [{**r, "error": r["error"] if isinstance(r["error"], str) else None} for r in results] == expected


def _spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    java = shutil.which("java")
    return java is not None and subprocess.run([java, "-version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _spark_available(), reason="the PySpark recipe needs pyspark and Java (not installed in CI)")
def test_the_readme_spark_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyspark.sql import SparkSession

    from compiler.scale.spark import RESULT_DDL, evaluate_frames

    claims = list(pack_claims().values())
    pq.write_table(claims_table(claims), tmp_path / "claims.parquet")
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)  # the executors' Python is this one, with rulesc
    spark = (SparkSession.builder.master("local[1]").appName("rulesc-test")
             .config("spark.pyspark.python", sys.executable).config("spark.ui.enabled", "false").getOrCreate())
    try:
        module = str(MODULE)
        frame = spark.read.parquet(str(tmp_path / "claims.parquet")).coalesce(1)
        results = frame.mapInPandas(lambda frames: evaluate_frames(module, frames), schema=RESULT_DDL).collect()
    finally:
        spark.stop()
    run_cli("eval", str(PACK), "--input", str(tmp_path / "claims.parquet"), "--output-format", "parquet",
            "--output", str(tmp_path / "out"))
    expected = pq.read_table(tmp_path / "out" / "claims.parquet").to_pylist()
    assert [row.asDict() for row in results] == expected
