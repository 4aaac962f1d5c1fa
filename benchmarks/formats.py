"""Throughput and peak memory of `rulesc eval` over claims in Parquet.

Writes N claims (the pack's examples over and over, each with its own id) to a Parquet file in
the one-row-per-claim or one-row-per-line layout, then runs `rulesc eval` on it in a child
process with Parquet results, and reports the wall time, claims per second and the child's peak
resident memory. Memory is bounded by the reader's batch and the writer's row group, so it should
not grow with N; run with two sizes to see it.

    python benchmarks/formats.py --claims 1000000 [--layout claims|lines] [--keep DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compiler.inputs.parquet import CLAIMS_SCHEMA, LINES_SCHEMA, claims_table, lines_table  # noqa: E402
from tests.helpers import compile_ok  # noqa: E402

PACK = ROOT / "policies" / "cpcp026.rules"
CHUNK = 50_000


def write(path: Path, count: int, layout: str) -> None:
    pack, _ = compile_ok(PACK)
    examples = [e.claim for e in pack.examples if isinstance(e.claim, dict)]
    cycle = itertools.cycle(examples)
    schema = CLAIMS_SCHEMA if layout == "claims" else LINES_SCHEMA
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, count, CHUNK):
            # ids are zero-padded so that the one-row-per-line layout is sorted by claim id
            chunk = [{**next(cycle), "id": f"C{n:09d}"} for n in range(start, min(start + CHUNK, count))]
            writer.write_table(claims_table(chunk) if layout == "claims" else lines_table(chunk))


def run(source: Path, results: Path) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "compiler", "eval", str(PACK), "--input", str(source),
                           "--output-format", "parquet", "--output", str(results)],
                          cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    return {"seconds": seconds, "peak_rss_mib": max(peak, before) / 1024, "summary": done.stderr.strip()}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--layout", choices=("claims", "lines"), default="claims")
    parser.add_argument("--keep", type=Path, help="keep the data and results in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="rulesc-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"claims-{args.layout}.parquet"
    started = time.perf_counter()
    write(source, args.claims, args.layout)
    written = time.perf_counter() - started
    figures = run(source, folder / "results")
    rows = pq.ParquetFile(folder / "results" / "claims.parquet").metadata.num_rows
    report = {"claims": args.claims, "layout": args.layout, "input_mib": round(source.stat().st_size / 2**20, 1),
              "write_seconds": round(written, 1), "eval_seconds": round(figures["seconds"], 1),
              "claims_per_second": round(args.claims / figures["seconds"]),
              "peak_rss_mib": round(figures["peak_rss_mib"]), "result_rows": rows, "summary": figures["summary"]}
    print(json.dumps(report, indent=2))
    if args.keep is None:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
