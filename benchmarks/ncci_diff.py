"""A quarterly update of the NCCI tables at the size payers run them, as `rulesc diff` reports it.

    python benchmarks/ncci_diff.py [--ptp 2000000] [--hospital 1000000] [--mue 15000] [--aoc 3000]
                                   [--added 2000] [--removed 1000] [--indicators 1500] [--deleted 1000]
                                   [--reworded 500] [--folder DIR] [--keep]

It writes the tables of benchmarks/ncci_scale.py (synthetic, seed 22) as version 2025.1, then a
version 2025.2 as a quarterly release changes them: in the practitioner PTP file `--added` new pairs,
`--removed` rows taken out, `--indicators` modifier indicators switched between 0 and 1,
`--deleted` rows given a deletion date, `--reworded` rows with another rationale (half of each in the
hospital file); 1% of the unit limits changed and a few added, a few add-on rows removed. Then:

- `rulesc diff OLD NEW --format json`, end to end in a fresh process: wall time and peak memory;
- the same steps in one process, timed apart: compiling both packs, then the comparison (the rows
  of every file, the witnesses of the rows listed, the rules).

Timings on a machine shared with other work vary.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.ncci_scale import RATIONALES, write_pack  # noqa: E402

SEED = 2025


def _rewrite_ptp(path: Path, order: list[str], args: argparse.Namespace, share: float, rng: random.Random) -> None:
    """A quarterly release of a PTP file: rows removed, indicators switched, deletion dates given,
    rationales reworded, new pairs (from a code to a later one in `order`, as every pair of the file
    is, so that no pair is listed both ways and no circle appears)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    pairs = {tuple(row.split(",", 2)[:2]) for row in rows}
    position = {code: index for index, code in enumerate(order)}
    count = len(rows)
    picked = rng.sample(range(count), int((args.removed + args.indicators + args.deleted + args.reworded) * share))
    cut = int(args.removed * share)
    removed = set(picked[:cut])
    switched = set(picked[cut:cut + int(args.indicators * share)])
    rest = picked[cut + len(switched):]
    deleted = set(rest[:int(args.deleted * share)])
    reworded = set(rest[len(deleted):])
    out = [header]
    for number, row in enumerate(rows):
        if number in removed:
            continue
        cells = row.split(",")
        if number in switched and cells[5] in "01":
            cells[5] = "1" if cells[5] == "0" else "0"
        if number in deleted and cells[4] == "*" and cells[3] < "20251001":
            cells[4] = "20251001"
        if number in reworded:
            cells[6] = next(r for r in RATIONALES if r != cells[6])
        out.append(",".join(cells))
    added = 0
    while added < int(args.added * share):
        first, second = sorted(rng.sample(range(len(order)), 2))
        pair = (order[first], order[second])
        if pair in pairs or position[pair[0]] > position[pair[1]]:
            continue
        pairs.add(pair)
        out.append(f"{pair[0]},{pair[1]},,20250401,*,{rng.choice('01')},{rng.choice(RATIONALES)}")
        added += 1
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _rewrite_mue(path: Path, order: list[str], rng: random.Random) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    listed = set()
    for row in lines[1:]:
        cells = row.split(",")
        listed.add(cells[0])
        if rng.random() < 0.01:
            cells[1] = str(max(0, int(cells[1]) + rng.choice((-1, 1, 2))))
        out.append(",".join(cells))
    for code in [c for c in order if c not in listed][:20]:
        out.append(f"{code},{rng.choice((1, 2, 4))},2 Date of Service Edit: Policy,Clinical: Data")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _rewrite_aoc(path: Path, rng: random.Random) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    body = lines[1:]
    gone = set(rng.sample(range(len(body)), min(20, len(body))))
    kept = [row for number, row in enumerate(body) if number not in gone]
    path.write_text("\n".join([lines[0], *kept]) + "\n", encoding="utf-8")


def quarterly(old: Path, new: Path, args: argparse.Namespace) -> Path:
    """Version 2025.2 of the pack in `old` (folder of its rules file), written to `new`."""
    shutil.copytree(old / "ncci", new / "ncci")
    text = (old / "ncci.rules").read_text(encoding="utf-8").replace('version "2025.1"', 'version "2025.2"')
    (new / "ncci.rules").write_text(text, encoding="utf-8")
    order = json.loads((old / "codes.json").read_text(encoding="utf-8"))
    rng = random.Random(SEED)
    _rewrite_ptp(new / "ncci" / "ptp-practitioner.csv", order, args, 1.0, rng)
    _rewrite_ptp(new / "ncci" / "ptp-hospital.csv", order, args, 0.5, rng)
    _rewrite_mue(new / "ncci" / "mue-practitioner.csv", order, rng)
    _rewrite_mue(new / "ncci" / "mue-hospital.csv", order, rng)
    _rewrite_aoc(new / "ncci" / "aoc.csv", rng)
    return new / "ncci.rules"


STAGES = r'''
import json, resource, sys, time
sys.setrecursionlimit(10000)
from compiler.analysis.changes.compare import compare_packs
from compiler.diagnostics import Sources
from compiler.pipeline import ABOUT_EXAMPLES, compile_pack
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
sources = Sources()
started = time.perf_counter()
packs = [compile_pack(path, sources, ABOUT_EXAMPLES).pack for path in sys.argv[1:3]]
compiled = time.perf_counter() - started
after_compile = peak()
started = time.perf_counter()
report = compare_packs(*packs)
compared = time.perf_counter() - started
tables = report.tables or []
print(json.dumps({"compile": compiled, "compare": compared, "peak_compile": after_compile, "peak": peak(),
                  "summary": report.summary(),
                  "tables": [{"file": t.file, **t.rows.to_json(), "listed": len(t.changes),
                              "witnesses": sum(1 for c in t.changes if c.witness is not None)} for t in tables]}))
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ptp", type=int, default=2_000_000)
    parser.add_argument("--hospital", type=int, default=1_000_000)
    parser.add_argument("--mue", type=int, default=15_000)
    parser.add_argument("--aoc", type=int, default=3_000)
    parser.add_argument("--added", type=int, default=2_000)
    parser.add_argument("--removed", type=int, default=1_000)
    parser.add_argument("--indicators", type=int, default=1_500)
    parser.add_argument("--deleted", type=int, default=1_000)
    parser.add_argument("--reworded", type=int, default=500)
    parser.add_argument("--folder", help="where to write the tables (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the folder")
    args = parser.parse_args()
    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="rulesc-ncci-diff-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        old = write_pack(folder / "old", args)
        new = quarterly(folder / "old", folder / "new", args)
        print(f"two versions of the tables written in {time.perf_counter() - started:.1f} s", flush=True)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RULESC_CACHE_DIR": str(folder / "cache")}
        command = [sys.executable, "-c", "import resource, runpy, sys; sys.argv = sys.argv[1:]; "
                   "code = 0\ntry:\n    runpy.run_module('compiler', run_name='__main__')\n"
                   "except SystemExit as exit:\n    code = exit.code or 0\n"
                   "print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
                   "sys.exit(code)", "rulesc", "diff", str(old), str(new), "--format", "json"]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, cwd=folder)
        seconds = time.perf_counter() - started
        peak = next((int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("peak ")), 0)
        if done.returncode != 0:
            print(done.stderr[-3000:])
            raise SystemExit("rulesc diff failed")
        report = json.loads(done.stdout)
        print(f"rulesc diff --format json: {seconds:.1f} s wall, peak {peak / 1024:.0f} MB", flush=True)
        print("  rules: " + ", ".join(f"{n} {kind}" for kind, n in report["summary"].items() if n))
        for table in report["tables"]:
            rows = table["rows"]
            shown = sum(1 for c in table["changes"] if c["witness"] is not None)
            print(f"  {table['table']} {Path(table['file']).name}: {rows['old']} -> {rows['new']} rows, "
                  f"{rows['added']} added, {rows['removed']} removed, {rows['changed']} changed; "
                  f"{len(table['changes'])} listed, {shown} with a witness")
        measured = subprocess.run([sys.executable, "-c", STAGES, str(old), str(new)], env=env, capture_output=True,
                                  text=True, check=True, cwd=folder)
        figures = json.loads(measured.stdout)
        print(f"in one process: compiling both packs {figures['compile']:.1f} s "
              f"(peak {figures['peak_compile']:.0f} MB), the comparison {figures['compare']:.1f} s "
              f"(peak {figures['peak']:.0f} MB)")
    finally:
        if not args.keep and not args.folder:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
