"""Re-analysis after an edit, from a warm cache: each rule of a pack edited once in turn.

An analyst edits one rule and runs `rulesc check` (or `analyze`) again. The analyzer keeps each
question's answer, keyed by what the question reads (compiler/analysis/conflicts/questions.py), so
the run re-asks only the questions that read the edited rule. This benchmark copies the pack into a
temporary folder, analyzes it once with an empty cache (the cold figure), then, for each rule and
exception in turn, writes the pack with that one rule edited (tests/analysis/edits.py: its condition
narrowed to lines of fewer than 1,000 units) and times `rulesc analyze` on it in a fresh process,
with the cache the earlier runs left (the original's answers, and the other variants'). It reports
each run's wall time and how many questions it asked, then the median and the largest.

    python benchmarks/incremental.py [--pack policies/cpcp026.rules] [--only ID,ID] [--check] [--json]

`--check` also analyzes each variant with an empty cache and fails unless both reports are the same
(the seconds aside): the cached answers must be the answers a fresh analysis gives.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.analysis.edits import edited_variants  # noqa: E402

SUMMARY = re.compile(r"analyzed in [0-9.]+ s(?: \((\d+) of (\d+) questions asked)?")


def analyze(path: Path, cache: Path, form: str = "text") -> tuple[float, str]:
    """`rulesc analyze` in a fresh process: its wall time and standard output."""
    env = {**os.environ, "RULESC_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "compiler", "analyze", str(path), "--format", form], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"rulesc analyze failed on {path}:\n{done.stderr}")
    return seconds, done.stdout


def asked(text: str) -> str:
    match = SUMMARY.search(text.splitlines()[-1] if text else "")
    if match is None:
        return "read whole from the cache"
    return f"{match.group(1)} of {match.group(2)} asked" if match.group(1) else "all asked"


def comparable(text: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(text)
    data.pop("seconds", None)
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pack", default=str(ROOT / "policies" / "cpcp026.rules"))
    parser.add_argument("--only", default="", help="rule ids to edit (default: every rule and exception)")
    parser.add_argument("--check", action="store_true", help="compare every report with a fresh analysis")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    text = Path(args.pack).read_text(encoding="utf-8")
    only = {r for r in args.only.split(",") if r}
    work = Path(tempfile.mkdtemp(prefix="rulesc-incremental-"))
    try:
        path, cache = work / Path(args.pack).name, work / "cache"
        path.write_text(text, encoding="utf-8")
        cold, _ = analyze(path, cache)
        print(f"cold (empty cache): {cold:.2f} s", file=sys.stderr)
        runs: list[dict[str, object]] = []
        mismatches = []
        for rule_id, variant in edited_variants(text):
            if only and rule_id not in only:
                continue
            path.write_text(variant, encoding="utf-8")
            seconds, out = analyze(path, cache)
            run: dict[str, object] = {"rule": rule_id, "seconds": round(seconds, 3), "questions": asked(out)}
            if args.check:
                _, warm = analyze(path, cache, "json")
                _, fresh = analyze(path, work / f"fresh-{len(runs)}", "json")
                run["same_as_fresh"] = comparable(warm) == comparable(fresh)
                if not run["same_as_fresh"]:
                    mismatches.append(rule_id)
            runs.append(run)
            print(f"{rule_id:40s} {seconds:6.2f} s  {run['questions']}"
                  + ("" if "same_as_fresh" not in run else f"  same as fresh: {run['same_as_fresh']}"),
                  file=sys.stderr)
        times = [float(str(r["seconds"])) for r in runs]
        figures = {"cold": round(cold, 3), "runs": runs, "median": round(statistics.median(times), 3),
                   "max": round(max(times), 3)}
        if args.json:
            print(json.dumps(figures, indent=2))
        else:
            print(f"{len(runs)} edits: median {figures['median']:.2f} s, largest {figures['max']:.2f} s "
                  f"(cold {cold:.2f} s)")
        if mismatches:
            print(f"reports differ from a fresh analysis after editing: {', '.join(mismatches)}", file=sys.stderr)
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
