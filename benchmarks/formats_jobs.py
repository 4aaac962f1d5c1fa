"""`rulesc eval` on every input format with --jobs 1 and --jobs 2: claims per second, and the same
output either way.

    python benchmarks/formats_jobs.py [--claims N] [--repeat R]

Writes about N claims in each format: JSON Lines (the benchmark mix of throughput.py), X12 837P
(the test scenarios' interchange, over and over with new control numbers: 15 claims in three
transaction sets each), FHIR NDJSON (the test resources over and over with new ids) and Parquet
(the pack's examples over and over, one row per claim). Each is evaluated by `python -m compiler
eval` in a child process with --jobs 1 and --jobs 2, taking turns, `--repeat` rounds (the fastest
is kept); the JSON Lines results of both settings must be the same bytes. The module cache is
warmed first, so that no run pays for compiling the pack.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import claim_texts  # noqa: E402

DATA = ROOT / "tests" / "inputs" / "data"
PACK = ROOT / "policies" / "cpcp026.rules"


def write_json(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.writelines(text + "\n" for text in claim_texts(count))


def write_x12(path: Path, count: int) -> None:
    """One interchange, one functional group of 837P, and the scenarios' first two transaction
    sets (10 claims) over and over, each copy with control numbers of its own: the shape of a
    submitter's daily file."""
    segments = [s.strip() for s in (DATA / "837p-scenarios.x12").read_text(encoding="utf-8").split("~") if s.strip()]
    isa, gs = segments[0], segments[1]
    end = next(i for i, s in enumerate(segments) if s.startswith("GE*"))
    sets, current = [], []
    for segment in segments[2:end]:
        current.append(segment)
        if segment.startswith("SE*"):
            sets.append(current)
            current = []
    claims_per_round = sum(1 for block in sets for s in block if s.startswith("CLM*"))
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(f"{isa}~\n{gs}~\n")
        for n in range(count // claims_per_round + 1):
            for k, block in enumerate(sets):
                control = f"{n * len(sets) + k + 1:09d}"
                for segment in block:
                    if segment.startswith(("ST*", "SE*")):
                        parts = segment.split("*")
                        parts[2] = control
                        segment = "*".join(parts)
                    out.write(segment + "~\n")
                written += 1
        out.write(f"GE*{written}*{gs.split('*')[6]}~\nIEA*1*{isa.split('*')[13]}~\n")


def write_fhir(path: Path, count: int) -> None:
    lines = [json.loads(line) for line in (DATA / "fhir-claims.ndjson").read_text(encoding="utf-8").splitlines()]
    with path.open("w", encoding="utf-8") as out:
        for n, resource in zip(range(count), itertools.cycle(lines), strict=False):
            out.write(json.dumps({**resource, "id": f"F{n:09d}"}) + "\n")


def write_parquet(path: Path, count: int) -> None:
    import pyarrow.parquet as pq

    from compiler.inputs.parquet import CLAIMS_SCHEMA, claims_table
    from tests.helpers import compile_ok

    pack, _ = compile_ok(PACK)
    cycle = itertools.cycle([e.claim for e in pack.examples if isinstance(e.claim, dict)])
    with pq.ParquetWriter(path, CLAIMS_SCHEMA) as writer:
        for start in range(0, count, 50_000):
            writer.write_table(claims_table([{**next(cycle), "id": f"C{n:09d}"}
                                             for n in range(start, min(start + 50_000, count))]))


FORMATS = {"json": (write_json, "jsonl"), "x12": (write_x12, "x12"), "fhir": (write_fhir, "ndjson"),
           "parquet": (write_parquet, "parquet")}


def run(source: Path, jobs: int) -> tuple[float, int, str]:
    """Wall seconds, claims evaluated, and the digest of the JSON Lines results."""
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as out:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "compiler", "eval", str(PACK), "--input", str(source),
                               "--jobs", str(jobs), "--output", out.name], cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode not in (0, 1):
            raise SystemExit(done.stderr)
        data = Path(out.name).read_bytes()
    return wall, data.count(b"\n"), hashlib.sha256(data).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=list(FORMATS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rulesc-bench-") as tmp:
        sources = {}
        for name in args.formats:
            writer, suffix = FORMATS[name]
            sources[name] = Path(tmp) / f"claims.{suffix}"
            writer(sources[name], args.claims)
        run(sources[args.formats[0]], 1)  # warm the module cache
        print(f"about {args.claims:,} claims a format; {os.cpu_count()} cores; "
              f"load average {os.getloadavg()[0]:.1f}")
        for name, source in sources.items():
            best: dict[int, tuple[float, int, str]] = {}
            for _ in range(args.repeat):
                for jobs in (1, 2):
                    result = run(source, jobs)
                    best[jobs] = min(best.get(jobs, result), result)
            same = "same output" if best[1][2] == best[2][2] else "OUTPUT DIFFERS"
            cells = "   ".join(f"--jobs {jobs}: {best[jobs][1] / best[jobs][0]:>8,.0f} claims/s ({best[jobs][0]:.1f} s)"
                               for jobs in (1, 2))
            print(f"{name:8} {best[1][1]:>8,} results   {cells}   {same}")


if __name__ == "__main__":
    main()
