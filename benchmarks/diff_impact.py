"""`rulesc diff --input`: claims per second measuring the impact of a CPCP026 edit on a claim file.

    python benchmarks/diff_impact.py [--claims N] [--jobs 1 2]

Writes N claims of the benchmark's mix (benchmarks/throughput.py) as JSON Lines, then measures
CPCP026 against an edit of it (P11's minimum and P12's hours moved, the pack's examples left out
since they expect the old decisions), streaming the file, once per --jobs; reports wall time,
claims per second, this process's peak memory, and whether every run counted the same.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import ROOT, claim_texts

from compiler.analysis.changes.impact import impact_of
from compiler.analysis.changes.model import Impact
from compiler.batch import Tally, run
from compiler.diagnostics import Sources
from compiler.inputs.formats import open_input
from compiler.pipeline import compile_pack, pair_source
from compiler.semantics import ir

PACK = ROOT / "policies" / "cpcp026.rules"
EDITS = [("line.minutes is given and line.minutes < 31", "line.minutes is given and line.minutes < 46"),
         ("ceil((p.minutes - 90) / 60)", "ceil((p.minutes - 60) / 60)")]


def plan_of(path: Path, sources: Sources) -> ir.Plan:
    compiled = compile_pack(path, sources)
    if compiled.plan is None:
        raise SystemExit("\n".join(d.message for d in compiled.diagnostics))
    return compiled.plan


def edited(folder: Path) -> Path:
    blocks = re.split(r"\n(?=\S)", PACK.read_text(encoding="utf-8"))
    text = "\n".join(block for block in blocks if not block.startswith("example "))
    for old, new in EDITS:
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "cpcp026-edited.rules"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        claims = folder / "claims.jsonl"
        with claims.open("w", encoding="utf-8") as out:
            for text in claim_texts(args.claims):
                out.write(text + "\n")
        sources = Sources()
        start = time.perf_counter()
        pair = pair_source(plan_of(PACK, sources), plan_of(edited(folder), sources), sources)
        print(f"{args.claims:,} claims; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; "
              f"both packs compiled and loaded in {time.perf_counter() - start:.1f} s")
        reference: Impact | None = None
        for jobs in args.jobs:
            start = time.perf_counter()
            tally = Tally()
            with ExitStack() as stack:
                run(open_input("json", str(claims), stack), pair, tally, jobs)
            found = impact_of(tally)
            wall = time.perf_counter() - start
            reference = reference or found
            same = "same counts" if found == reference else "COUNTS DIFFER"
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"--jobs {jobs}  {wall:7.1f} s  {args.claims / wall:>9,.0f} claims/s  peak {peak:6.1f} MB "
                  f"(this process)  {same}")
        assert reference is not None
        print(f"{reference.changed:,} claims and {reference.lines_changed:,} lines changed: "
              + ", ".join(f"{rule} {counts.to_json()}" for rule, counts in reference.by_rule.items()))


if __name__ == "__main__":
    main()
