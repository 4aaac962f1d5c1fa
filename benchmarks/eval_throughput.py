"""`rulesc eval` end to end: claims per second and peak memory, for --jobs 1 and --jobs 2, and
the cost against a process that only decodes the same file with `json.loads`.

    python benchmarks/eval_throughput.py [--claims N] [--jobs 1 2] [--native] [--repeat R] [--breakdown]
    python benchmarks/eval_throughput.py --claims N --write FILE     (only write the claims)

Writes N claims of the benchmark's mix (benchmarks/throughput.py) as JSON Lines, then runs
`python -m compiler eval` on them as a subprocess for each setting, and reports the wall time,
claims per second, the ratio to the wall time of `python -c` running `json.loads` over every line
of the same file (the floor: reading the claims at all), and the peak memory: the largest sum,
over the command and every process it started, of their resident memory, sampled from /proc every
20 ms (and, as a cross-check, the largest single process by getrusage). Every setting's output is
compared with --jobs 1's. The settings and the baseline take turns, `--repeat` rounds, and the
fastest of each is kept, so that the ratio holds on a busy machine. `--breakdown` then shows where
the time of one process goes: reading, parsing, validation, rules, results, writing, start-up
(`eval_breakdown.py`).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import claim_texts  # noqa: E402


def write_claims(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for text in claim_texts(count):
            out.write(text + "\n")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            tree.setdefault(parent, []).append(int(entry))
    return tree


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss(root: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kib(pid)
        todo.extend(tree.get(pid, ()))
    return total


def _digest(path: Path) -> str:
    """The output's sha256, read in pieces (a whole output held here would be inherited by the
    next command's process while it starts, and counted as its memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while piece := data.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


LOADS = ("import json, sys\n"
         "with open(sys.argv[1], encoding='utf-8') as source:\n"
         "    for line in source:\n"
         "        json.loads(line)\n")


def run(command: list[str], output: bool = True) -> tuple[float, int, int, str, float]:
    """Wall seconds, peak summed memory (KiB), largest single process (KiB), the output's digest, and
    the processor seconds of the command and every process it started (user and system)."""
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as out:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        before = usage.ru_maxrss
        cpu_before = usage.ru_utime + usage.ru_stime
        start = time.perf_counter()
        process = subprocess.Popen([*command, *(["--output", out.name] if output else [])], cwd=ROOT,
                                   stderr=subprocess.PIPE, text=True)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.02):
                peak = max(peak, tree_rss(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = process.communicate()
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        if process.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)} failed:\n{err}")
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        largest = max(before, usage.ru_maxrss)
        cpu = usage.ru_utime + usage.ru_stime - cpu_before
        digest = _digest(Path(out.name))
    return wall, peak, largest, digest, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--native", action="store_true", help="also run each --jobs with --native")
    parser.add_argument("--repeat", type=int, default=1, help="runs per setting; the fastest is kept")
    parser.add_argument("--input", type=Path, help="claims already written (JSON Lines)")
    parser.add_argument("--write", type=Path, help="write the claims to this file and stop")
    parser.add_argument("--breakdown", action="store_true",
                        help="then where the time of one process goes (benchmarks/eval_breakdown.py)")
    args = parser.parse_args()
    if args.write:
        write_claims(args.write, args.claims)
        return
    with tempfile.TemporaryDirectory() as tmp:
        source = args.input or Path(tmp) / "claims.jsonl"
        if not args.input:
            write_claims(source, args.claims)
        claims = sum(1 for _ in source.open(encoding="utf-8"))
        base = [sys.executable, "-m", "compiler", "eval", "policies/cpcp026.rules", "--input", str(source)]
        settings = [[f"--jobs={jobs}"] for jobs in args.jobs]
        if args.native:
            settings += [[f"--jobs={jobs}", "--native"] for jobs in args.jobs]
        print(f"{claims:,} claims; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
        loads = [sys.executable, "-c", LOADS, str(source)]
        results: dict[str, list[tuple[float, int, int, str, float]]] = {}
        for _ in range(args.repeat):  # the settings take turns, so that a busy moment hits them alike
            results.setdefault("json.loads", []).append(run(loads, output=False))
            for setting in settings:
                results.setdefault(" ".join(setting), []).append(run(base + setting))
        floor, floor_peak, _, _, floor_cpu = min(results.pop("json.loads"))
        print(f"{'json.loads only':20} {floor:7.1f} s  {claims / floor:>9,.0f} claims/s  "
              f"cpu {floor_cpu:6.1f} s  peak {floor_peak / 1024:6.1f} MB")
        reference = None
        for name, runs in results.items():
            wall, peak, largest, digest, cpu = min(runs)
            reference = reference or digest
            same = "same output" if digest == reference else "OUTPUT DIFFERS"
            print(f"{name:20} {wall:7.1f} s  {claims / wall:>9,.0f} claims/s  {wall / floor:4.1f}x json.loads  "
                  f"cpu {cpu:6.1f} s ({cpu / floor_cpu:4.1f}x)  peak {peak / 1024:6.1f} MB (summed over processes; "
                  f"largest one {largest / 1024:.1f} MB)  {same}")
        if args.breakdown:
            breakdown = Path(__file__).resolve().parent / "eval_breakdown.py"
            subprocess.run([sys.executable, str(breakdown), str(source), "--repeat", str(args.repeat)], check=True)


if __name__ == "__main__":
    main()
