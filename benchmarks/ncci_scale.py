"""The NCCI pack at the size payers run it: tables written in the published layouts, then `rulesc
build`, the generated module's import and its evaluation of claims, each measured.

    python benchmarks/ncci_scale.py [--ptp 2000000] [--hospital 1000000] [--mue 15000] [--aoc 3000]
                                    [--claims 20000] [--repeat 5] [--folder DIR] [--keep]

The tables are synthetic and deterministic (seed 22): about fifteen thousand codes; pairs listed in
one direction only (a code's pairs go to codes later in a fixed order, so there is no circle, as in
the real files); quarterly effective dates, some rows deleted and some pairs deleted and added
again; indicators 0, 1 and 9; one limit per code with indicators 1, 2 and 3; add-on codes with
primaries earlier in the same order (chains, no circles) and a few type-2 and type-3 codes.

It reports, against the goals of issue 22:
- `rulesc build` of the pack on those tables, wall time and peak memory (goal: under 5 minutes);
- the size of the generated module, its `.tables` file and its documents (documents under 5 MB, each
  Markdown page under 200 KB);
- importing the generated module with the standard library only, in a fresh interpreter (goal:
  under 3 s) and its memory after evaluating the claims (goal: under 600 MB);
- per claim, `json.loads` of the claim text and the module's `evaluate`, taking turns, the best of
  `--repeat` rounds (goal: evaluate at most 4x json.loads), in wall time and in the process's
  processor time (which other work on the machine moves less).
Timings on a machine shared with other work vary; the ratio is measured in one process, in turns.
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
SEED = 22
QUARTERS = [f"{year}{month:02d}01" for year in range(1996, 2026) for month in (1, 4, 7, 10)]
RATIONALES = ["Standards of medical/surgical services", "Misuse of column two code with column one code",
              "Mutually exclusive procedures", "More extensive procedure",
              "CPT Manual or CMS manual coding instruction"]
MAI = ["1 Line Edit", "2 Date of Service Edit: Policy", "3 Date of Service Edit: Clinical"]


def codes(count: int, rng: random.Random) -> list[str]:
    """Distinct codes in a fixed, shuffled order: CPT codes mostly, some HCPCS."""
    found: set[str] = set()
    while len(found) < count:
        if rng.random() < 0.85:
            found.add(f"{rng.randint(10000, 99499):05d}")
        else:
            found.add(f"{rng.choice('AGJ')}{rng.randint(1, 9999):04d}")
    ordered = sorted(found)
    rng.shuffle(ordered)
    return ordered


def write_ptp(path: Path, rows: int, order: list[str], rng: random.Random) -> None:
    """Pairs from a code to codes after it in `order`: no pair both ways, no circle."""
    size = len(order)
    seen: set[tuple[int, int]] = set()
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("column_1,column_2,prior_1996,effective_date,deletion_date,modifier_indicator,rationale\n")
        written = 0
        while written < rows:
            # most pairs are among the common codes, as in the published files
            first = min(int(rng.paretovariate(1.2)) - 1, size - 2) if rng.random() < 0.7 else rng.randrange(size - 1)
            second = rng.randrange(first + 1, size)
            if (first, second) in seen:
                continue
            seen.add((first, second))
            start = rng.randrange(len(QUARTERS) - 4)
            indicator = rng.choices("019", (35, 60, 5))[0]
            prior = "*" if QUARTERS[start] < "19970101" else ""
            rationale = rng.choice(RATIONALES)
            if rng.random() < 0.08 and written + 2 <= rows:  # deleted, then added again later
                end = rng.randrange(start + 1, len(QUARTERS) - 2)
                again = rng.randrange(end, len(QUARTERS) - 1)
                out.write(f"{order[first]},{order[second]},{prior},{QUARTERS[start]},{QUARTERS[end]},"
                          f"{indicator},{rationale}\n")
                out.write(f"{order[first]},{order[second]},,{QUARTERS[again]},*,{indicator},{rationale}\n")
                written += 2
                continue
            end_text = "*"
            if rng.random() < 0.1:
                end_text = QUARTERS[rng.randrange(start + 1, len(QUARTERS))]
            out.write(f"{order[first]},{order[second]},{prior},{QUARTERS[start]},{end_text},{indicator},{rationale}\n")
            written += 1


def write_mue(path: Path, rows: int, order: list[str], rng: random.Random) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("code,mue_value,mai,rationale\n")
        for code in order[:rows]:  # limits of 1 to 4 units mostly, a few of 0 (codes one provider type never reports)
            value = rng.choice([1, 1, 1, 2, 2, 3, 4, 4, 6, 8, 12, 25, 75]) if rng.random() > 0.01 else 0
            out.write(f"{code},{value},{rng.choices(MAI, (25, 45, 30))[0]},Clinical: Data\n")


def write_aoc(path: Path, rows: int, order: list[str], rng: random.Random) -> None:
    """Add-on codes whose primaries come before them in `order` (so chains, never circles)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("addon_code,primary_code,aoc_type,effective_date,deletion_date\n")
        written = 0
        addon = len(order) // 2
        while written < rows:
            kind = rng.choices("123", (85, 5, 10))[0]
            start = QUARTERS[rng.randrange(len(QUARTERS) - 8)]
            if kind == "2":
                out.write(f"{order[addon]},CCCCC,2,{start},*\n")
                written += 1
            else:
                for primary in sorted(rng.sample(range(addon), min(addon, rng.randint(1, 8)))):
                    out.write(f"{order[addon]},{order[primary]},{kind},{start},*\n")
                    written += 1
            addon += 1


KEYWORDS = ("pack", "import", "remove", "section", "codes", "set", "table", "map", "ranking", "rule", "exception",
            "precedence", "documentation", "example")


def without_examples(text: str) -> str:
    """The rules file without its `example` declarations: they bill rows of the sample tables, which
    the synthetic tables do not hold, and `rulesc build` refuses a pack whose examples fail."""
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        word = line.split(maxsplit=1)[0] if line[:1].isalpha() else ""
        if word in KEYWORDS:
            skipping = word == "example"
        if not skipping:
            kept.append(line)
    return "".join(kept)


def write_pack(folder: Path, args: argparse.Namespace) -> Path:
    """The NCCI pack's rules beside synthetic tables of the given sizes; the pack's path."""
    rng = random.Random(SEED)
    order = codes(15000, rng)
    tables = folder / "ncci"
    tables.mkdir(parents=True, exist_ok=True)
    write_ptp(tables / "ptp-practitioner.csv", args.ptp, order, random.Random(SEED + 1))
    write_ptp(tables / "ptp-hospital.csv", args.hospital, order, random.Random(SEED + 2))
    write_mue(tables / "mue-practitioner.csv", args.mue, order, random.Random(SEED + 3))
    write_mue(tables / "mue-hospital.csv", args.mue, order, random.Random(SEED + 4))
    write_aoc(tables / "aoc.csv", args.aoc, order, random.Random(SEED + 5))
    (folder / "ncci.rules").write_text(without_examples((ROOT / "policies" / "ncci.rules").read_text("utf-8")),
                                       encoding="utf-8")
    (folder / "codes.json").write_text(json.dumps(order), encoding="utf-8")
    return folder / "ncci.rules"


def claims(order: list[str], count: int, rng: random.Random) -> list[str]:
    """Claim texts: professional (most) and outpatient, 1 to 8 lines of common codes on one or two dates,
    each line with its charge and the claim with its member, as claims come (benchmarks/throughput.py
    has the same fields)."""
    common = random.Random(SEED + 7).sample(order, 600)  # the codes billed most, wherever the tables list them
    texts = []
    for n in range(count):
        professional = rng.random() < 0.8
        dates = [f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" for _ in range(rng.choice((1, 1, 1, 2)))]
        lines = []
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4, 4, 5, 6, 8))):
            line: dict[str, object] = {"code": rng.choice(common) if rng.random() < 0.9 else rng.choice(order),
                                       "date": rng.choice(dates), "charge": rng.choice((25.0, 80.0, 120.0, 310.5))}
            if rng.random() < 0.3:
                line["units"] = rng.choice((1, 1, 1, 1, 2, 2, 3, 4))
            if rng.random() < 0.15:
                line["modifiers"] = [rng.choice(("59", "25", "XS", "LT", "RT", "JW"))]
            lines.append(line)
        claim: dict[str, object] = {"id": f"C{n}", "type": "professional" if professional else "institutional",
                                    "provider": f"{rng.randint(1, 50):010d}", "member": f"M{rng.randint(1, 9999)}",
                                    "lines": lines}
        if professional:
            claim["pos"] = "11"
        else:
            claim["bill_type"] = rng.choice(("0131", "0131", "0111"))
        texts.append(json.dumps(claim))
    return texts


MEASURE = r'''
import gc, json, resource, sys, time
started = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import ncci
imported = time.perf_counter() - started
texts = json.loads(open(sys.argv[2], encoding="utf-8").read())
repeat = int(sys.argv[3])
best_json = best_eval = best_check = cpu_json = cpu_eval = float("inf")
findings = 0
parsed = [json.loads(text) for text in texts]
for _ in range(repeat):
    t, c = time.perf_counter(), time.process_time()
    for text in texts:
        json.loads(text)
    best_json, cpu_json = min(best_json, time.perf_counter() - t), min(cpu_json, time.process_time() - c)
    t, c = time.perf_counter(), time.process_time()
    found = 0
    for claim in parsed:
        found += len(ncci.evaluate(claim))
    best_eval, cpu_eval = min(best_eval, time.perf_counter() - t), min(cpu_eval, time.process_time() - c)
    findings = found
    t = time.perf_counter()
    for claim in parsed:
        ncci.parse_claim(claim, "error")
    best_check = min(best_check, time.perf_counter() - t)
print(json.dumps({"import": imported, "json": best_json / len(texts), "evaluate": best_eval / len(texts),
                  "cpu_ratio": cpu_eval / cpu_json,
                  "validation": best_check / len(texts), "findings": findings,
                  "with_findings": sum(1 for claim in parsed if ncci.evaluate(claim)),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ptp", type=int, default=2_000_000)
    parser.add_argument("--hospital", type=int, default=1_000_000)
    parser.add_argument("--mue", type=int, default=15_000)
    parser.add_argument("--aoc", type=int, default=3_000)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--native", action="store_true", help="measure the native build (mypyc) too")
    parser.add_argument("--folder", help="where to write the tables and the build (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the folder")
    args = parser.parse_args()
    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="rulesc-ncci-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        pack = write_pack(folder, args)
        sizes = {p.name: p.stat().st_size for p in (folder / "ncci").iterdir()}
        print(f"tables written in {time.perf_counter() - started:.1f} s: "
              + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sorted(sizes.items())), flush=True)
        out = folder / "out"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "RULESC_CACHE_DIR": str(folder / "cache")}
        # no --allow-unknown: every question of the conflict analysis must be answered at this size
        command = [sys.executable, "-c", "import resource, runpy, sys; sys.argv = sys.argv[1:]; "
                   "code = 0\ntry:\n    runpy.run_module('compiler', run_name='__main__')\n"
                   "except SystemExit as exit:\n    code = exit.code or 0\n"
                   "print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
                   "sys.exit(code)", "rulesc", "build", str(pack), "--out", str(out)]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        peak = next((int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("peak ")), 0)
        if done.returncode != 0:
            print(done.stderr[-3000:])
            raise SystemExit("rulesc build failed")
        print(f"rulesc build: {seconds:.1f} s wall, peak {peak / 1024:.0f} MB (goal: under 300 s)", flush=True)
        report = (out / "ncci-policy" / "analysis.md").read_text(encoding="utf-8")
        counts = [line[4:].replace("**", "") for line in report.splitlines() if line.startswith("- **")][:6]
        print("  conflict analysis: " + "; ".join(counts))
        for name in ("ncci.py", "ncci.tables", "ncci.html"):
            print(f"  {name}: {(out / name).stat().st_size / 1e6:.2f} MB")
        pages = {p.name: p.stat().st_size for p in (out / "ncci-policy").iterdir()}
        largest = max(pages, key=lambda name: pages[name])
        print(f"  ncci-policy/: {len(pages)} Markdown pages, {sum(pages.values()) / 1e6:.2f} MB, the largest "
              f"{largest} {pages[largest] / 1e3:.0f} KB (each under 200 KB)")
        order = json.loads((folder / "codes.json").read_text(encoding="utf-8"))
        texts = folder / "claims.json"
        texts.write_text(json.dumps(claims(order, args.claims, random.Random(SEED + 6))), encoding="utf-8")
        builds = [("pure", out)]
        if args.native:
            native = folder / "native"
            native_build = [*command[:4], "build", str(pack), "--native", "--out", str(native)]
            done = subprocess.run(native_build, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(done.stderr[-3000:])
                raise SystemExit("rulesc build --native failed")
            builds.append(("native", native))
        for label, where in builds:
            measured = subprocess.run([sys.executable, "-I", "-S", "-c", MEASURE, str(where), str(texts),
                                       str(args.repeat)], capture_output=True, text=True, check=True)
            figures = json.loads(measured.stdout)
            ratio = figures["evaluate"] / figures["json"]
            print(f"{label}: import (standard library only, fresh interpreter) {figures['import']:.2f} s "
                  "(goal: under 3 s)")
            print(f"{label}: per claim, json.loads {figures['json'] * 1e6:.1f} us, evaluate "
                  f"{figures['evaluate'] * 1e6:.1f} us: {ratio:.2f}x (goal: at most 4x; in processor time "
                  f"{figures['cpu_ratio']:.2f}x), of which validation "
                  f"{figures['validation'] * 1e6:.1f} us; {figures['findings']} findings on {args.claims} claims, "
                  f"{figures['with_findings']} of them with findings")
            print(f"{label}: memory of the process that imported the module, holds the claims and evaluated them: "
                  f"{figures['rss_mb']:.0f} MB (goal: under 600 MB)")
    finally:
        if not args.keep and not args.folder:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
