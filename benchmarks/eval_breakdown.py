"""Where the time of `rulesc eval` goes, on a JSON Lines file of claims: the steps of one process
(`--jobs 1`, the pure module), each timed as a pass over the whole file that does that step and
every step before it, so that the difference between two passes is the step's cost.

    python benchmarks/eval_breakdown.py CLAIMS.jsonl [--repeat R]

The passes, in order (JSON Lines into JSON Lines takes the text way, `compiler.batch.text`: no
record or result objects for a line that is one claim object):
- read: the file's lines, decoded (`for line in file`);
- parse: and `json.loads` of each line (the floor `eval_throughput.py` divides by);
- decode: the reader's decoding instead (`compiler.inputs.lines.plain_object`: orjson where
  installed, which is faster than `json.loads`, so this step can cost less than nothing);
- validation: and the generated module's `parse_claim` of each claim (CPCP026, pure);
- evaluate: the module's `evaluate` instead (validation, then the rules);
- text: the result lines as `rulesc eval` makes them (`text_results`, batches of 512 lines), kept
  in memory;
- write: the whole batch run in this process, `compiler.batch.run` into a file (the steps above,
  the batch layer's bookkeeping, and the writes).
Then `start-up`: the wall time of `python -m compiler eval` on a file of one claim (interpreter
start, imports, the module from the cache), which a run pays once. The passes take turns, `--repeat`
rounds, and the fastest of each is kept. The times are processor times of this process (and of
the start-up's), not wall times, so that other work on the machine moves them less. Run by
`eval_throughput.py --breakdown`.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compiler.batch import JsonLines, ModuleFile, Summary  # noqa: E402
from compiler.batch import run as run_batch  # noqa: E402
from compiler.batch.engines import load_module, module_engine  # noqa: E402
from compiler.batch.text import text_results  # noqa: E402
from compiler.inputs.formats import open_input  # noqa: E402
from compiler.inputs.lines import plain_object  # noqa: E402

BATCH = 512
MODULE = ROOT / "generated" / "cpcp026.py"


def passes(source: Path, out: Path) -> dict[str, Callable[[], None]]:
    """Each pass over the file, by name, in the order they add steps."""
    module = load_module(MODULE)
    engine = module_engine(module)
    evaluate, rejected, parse_claim = engine.evaluate, engine.rejected, module.parse_claim

    def batches() -> Iterator[list[str]]:
        with source.open(encoding="utf-8") as lines:
            while chunk := list(itertools.islice(lines, BATCH)):
                yield chunk

    def claims(then: Callable[[dict[str, Any]], object] | None = None) -> None:
        with source.open(encoding="utf-8") as lines:
            for line in lines:
                value = plain_object(line)
                assert value is not None, "the benchmark's claims are one a line"
                if then is not None:
                    then(value)

    def read() -> None:
        with source.open(encoding="utf-8") as lines:
            for _ in lines:
                pass

    def parse() -> None:
        loads = json.loads
        with source.open(encoding="utf-8") as lines:
            for line in lines:
                loads(line)

    def validation(claim: dict[str, Any]) -> None:
        with contextlib.suppress(*rejected):
            parse_claim(claim, "error")

    def evaluated(claim: dict[str, Any]) -> None:
        with contextlib.suppress(*rejected):
            evaluate(claim)

    def text() -> None:
        summary = Summary()
        for chunk in batches():
            _, done = text_results(chunk, evaluate, rejected, summary)
            assert done == len(chunk), "the benchmark's claims are one a line"

    def whole() -> None:
        with ExitStack() as stack, out.open("w", encoding="utf-8") as written:
            run_batch(open_input("json", str(source), stack), ModuleFile(str(MODULE)), JsonLines(written))

    return {
        "read": read,
        "parse": parse,
        "decode": claims,
        "validation": lambda: claims(validation),
        "evaluate": lambda: claims(evaluated),
        "text": text,
        "write": whole,
    }


def start_up(folder: Path) -> float:
    """Processor seconds (user and system) of `rulesc eval` on one claim, its output to a file."""
    one = folder / "one.jsonl"
    one.write_text(json.dumps({"id": "C1", "type": "professional", "pos": "11",
                               "lines": [{"code": "99213", "date": "2025-03-01"}]}) + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "compiler", "eval", "policies/cpcp026.rules", "--input", str(one),
               "--output", str(folder / "one-out.jsonl")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, cwd=ROOT, env=env, check=False, capture_output=True)  # fills the module cache
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=ROOT, env=env, check=False, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("claims", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    count = sum(1 for _ in args.claims.open(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        steps = passes(args.claims, Path(tmp) / "out.jsonl")
        best = dict.fromkeys(steps, float("inf"))
        startup = float("inf")
        for _ in range(args.repeat):
            for name, step in steps.items():
                started = time.process_time()
                step()
                best[name] = min(best[name], time.process_time() - started)
            startup = min(startup, start_up(Path(tmp)))
    if args.json:
        print(json.dumps({"claims": count, "passes": best, "start-up": startup}))
        return
    show(count, best, startup)


STEPS = [  # (step, its pass, the pass before it)
    ("read the lines", "read", None),
    ("json.loads", "parse", "read"),
    ("reader, for json.loads", "decode", "parse"),
    ("validation", "validation", "decode"),
    ("rules", "evaluate", "validation"),
    ("result lines", "text", "evaluate"),
    ("batch layer, writes", "write", "text"),
]


def show(count: int, best: dict[str, float], startup: float) -> None:
    """What each step adds, per claim and as a multiple of json.loads alone."""
    floor = best["parse"] - best["read"]
    print(f"where the time of one process goes ({count:,} claims, per claim; x: times json.loads alone):")
    for label, name, before in STEPS:
        step = best[name] - (best[before] if before else 0.0)
        print(f"  {label:22} {step / count * 1e6:6.2f} us  {step / floor:5.2f}x")
    total = best["write"] + startup
    print(f"  {'start-up, once':22} {startup / count * 1e6:6.2f} us  {startup / floor:5.2f}x   ({startup:.2f} s)")
    print(f"  {'in all':22} {total / count * 1e6:6.2f} us  {total / floor:5.2f}x")


if __name__ == "__main__":
    main()
