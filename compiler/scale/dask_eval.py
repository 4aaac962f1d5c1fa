"""A partitioned Parquet data set evaluated on a Dask cluster (`dask.distributed`).

Each file of the data set is one task. A task runs on a worker: it is handed the generated edit
module's files themselves (the module `rulesc build` wrote, pure or native, and the data file
beside it, if any: `compiler.batch.engines.ModuleFiles`, sent to the workers once), so workers
need nothing but rulesc[parquet] installed and the data set on a file system they all see. It
reads its file with the same Parquet reader as `rulesc eval`, evaluates it with
`compiler.batch.run` and writes its results next to the others:
`OUTPUT/claims/part-NNNNN.parquet` and `OUTPUT/findings/part-NNNNN.parquet`, one part per input
file, in the order of the files' paths. Read back in part order, the parts are what
`rulesc eval --input FOLDER --output-format parquet` writes in one process, row for row
(positions name the input file and row, e.g. `part-3.parquet, row 12`).

Dask does the distribution: scheduling, retries, moving tasks off a worker that died. Nothing
here is a scheduler of its own; a task is a plain function of file paths, so the same function
runs under any engine that can map over files; `compiler.scale.spark` is the same for PySpark's
`mapInPandas` (the README shows both).

    from distributed import Client
    from compiler.scale.dask_eval import evaluate_dataset
    with Client("tcp://scheduler:8786") as client:
        summary = evaluate_dataset(client, "/shared/generated/cpcp026.py", "/shared/claims", "/shared/results")

or from a shell: `python -m compiler.scale.dask_eval MODULE INPUT OUTPUT [--scheduler ADDRESS | --workers N]`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.inputs.extras import MissingExtra, need

if __name__ == "__main__":  # run as a command: a missing extra is one line naming it, not a traceback
    try:
        need("parquet", "evaluating Parquet files on Dask")
        need("dask", "evaluating Parquet files on Dask")
    except MissingExtra as missing:
        sys.stderr.write(f"python -m compiler.scale.dask_eval: {missing}\n")
        sys.exit(2)

import pyarrow as pa
import pyarrow.parquet as pq
from distributed import Client, LocalCluster

from compiler.batch import ModuleFiles, Summary, run
from compiler.batch.parquet import CLAIM_RESULTS, FINDING_RESULTS, ParquetSink
from compiler.inputs.parquet import parquet_files, read_parquet_file


@dataclass(frozen=True)
class Part:
    """What one task did: the input file, its part number and what happened to its claims."""

    file: str
    number: int
    claims: int
    with_findings: int
    errors: int


def evaluate_file(engine: ModuleFiles, file: str, name: str | None, output: str, number: int) -> Part:
    """One task: evaluate the claims of one Parquet file and write its part of the results."""
    sink = ParquetSink(output, part=f"part-{number:05d}")
    try:
        summary = run(read_parquet_file(file, name, file_number=number + 1), engine, sink)
    finally:
        sink.close()
    return Part(file, number, summary.claims, summary.with_findings, summary.errors)


def evaluate_dataset(client: Any, module_path: str | os.PathLike[str], input: str | os.PathLike[str],
                     output: str | os.PathLike[str], unknown_fields: str = "error") -> Summary:
    """Evaluate every Parquet file under `input` on the cluster `client` is connected to, one
    task per file; results go to `output` (see the module doc). The module's files travel to the
    workers; the data set's paths must be the same on the workers (a shared or mounted file system)."""
    files = parquet_files(input)
    engine = client.scatter(ModuleFiles.read(module_path, "ignore" if unknown_fields == "ignore" else "error"),
                            broadcast=True)
    futures = client.map(evaluate_file, [engine] * len(files), [str(Path(f).resolve()) for f, _ in files],
                         [name for _, name in files], [str(Path(output).resolve())] * len(files),
                         list(range(len(files))), pure=False)
    summary = Summary()
    for part in client.gather(futures):
        summary.merge(Summary(part.claims, part.with_findings, part.errors))
    return summary


def read_results(output: str | os.PathLike[str]) -> tuple[pa.Table, pa.Table]:
    """The claims and findings tables of a Dask run, parts in order (for checks and small outputs)."""
    tables = []
    for kind, schema in (("claims", CLAIM_RESULTS), ("findings", FINDING_RESULTS)):
        parts = sorted((Path(output) / kind).glob("part-*.parquet"))
        tables.append(pa.concat_tables([pq.read_table(p) for p in parts]) if parts else schema.empty_table())
    return tables[0], tables[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compiler.scale.dask_eval",
                                     description="Evaluate a folder of Parquet claims on a Dask cluster.")
    parser.add_argument("module", help="the generated edit module (rulesc build), e.g. generated/cpcp026.py")
    parser.add_argument("input", help="a folder of Parquet files (or one file)")
    parser.add_argument("output", help="the results folder: claims/ and findings/ parts")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="a running scheduler, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--workers", type=int, default=2, help="start a local cluster of N worker processes")
    parser.add_argument("--allow-unknown-fields", action="store_true")
    args = parser.parse_args(argv)
    unknown = "ignore" if args.allow_unknown_fields else "error"
    if args.scheduler:
        with Client(args.scheduler) as client:
            summary = evaluate_dataset(client, args.module, args.input, args.output, unknown)
    else:
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            summary = evaluate_dataset(client, args.module, args.input, args.output, unknown)
    sys.stderr.write(f"{summary}\n")
    return 1 if summary.errors else 0


if __name__ == "__main__":
    sys.exit(main())
