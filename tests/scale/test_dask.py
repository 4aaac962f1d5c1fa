"""Scale-out on Dask: a folder of Parquet files evaluated on a local Dask cluster (two worker
processes, each handed the generated module's files) gives the single-process results row for row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow", reason="needs the parquet extra (pyarrow)")
pytest.importorskip("distributed", reason="needs the dask extra (dask, distributed)")

import pyarrow.parquet as pq

from compiler.inputs.parquet import claims_table, lines_table
from compiler.scale.dask_eval import evaluate_dataset, read_results
from tests.conftest import PACK, ROOT
from tests.helpers import run_cli
from tests.inputs.common import pack_claims

MODULE = ROOT / "generated" / "cpcp026.py"
NCCI_PACK = ROOT / "policies" / "ncci.rules"
NCCI_MODULE = ROOT / "generated" / "ncci.py"
NCCI_SCENARIOS = json.loads((ROOT / "tests" / "data" / "ncci-scenarios.json").read_text(encoding="utf-8"))
pytestmark = pytest.mark.slow  # a local cluster takes several seconds to start


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
    (tmp_path / "ncci").mkdir()
    pq.write_table(claims_table([{**case["claim"], "id": f"S{n}"} for n, case in enumerate(NCCI_SCENARIOS)]),
                   tmp_path / "ncci" / "part-0.parquet")
    assert run_cli("eval", str(NCCI_PACK), "--input", str(tmp_path / "ncci"), "--output-format", "parquet",
                   "--output", str(tmp_path / "ncci-single"))[0] == 0
    assert single_claims.num_rows == len(claims) + 1  # the broken file is one error record
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        summary = evaluate_dataset(client, MODULE, tmp_path / "claims", tmp_path / "dask")
        workers = len(client.scheduler_info()["workers"])
        # a generated module with its tables (the NCCI pack): the workers get both files
        ncci_summary = evaluate_dataset(client, NCCI_MODULE, tmp_path / "ncci", tmp_path / "ncci-dask")
    assert workers == 2
    dask_claims, dask_findings = read_results(tmp_path / "dask")
    assert dask_claims.to_pylist() == single_claims.to_pylist()
    assert dask_findings.to_pylist() == single_findings.to_pylist()
    assert summary.claims == len(claims) + 1 and summary.errors == 4  # X19 (three times) and the broken file
    ncci_claims, ncci_findings = read_results(tmp_path / "ncci-dask")
    assert ncci_claims.to_pylist() == pq.read_table(tmp_path / "ncci-single" / "claims.parquet").to_pylist()
    assert ncci_findings.to_pylist() == pq.read_table(tmp_path / "ncci-single" / "findings.parquet").to_pylist()
    assert ncci_summary.claims == len(NCCI_SCENARIOS) and ncci_findings.num_rows > 3
    assert single_findings.num_rows > 50
