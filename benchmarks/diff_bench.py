"""Change-report time (`rulesc diff`) on CPCP026: against itself, and against the pack with every
rule and exception edited once (tests/diff/variants.py), whose report must take under a minute.

    python benchmarks/diff_bench.py [--variants] [--json]

`--variants` also times the report of every variant of the refactor and edit suites.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from compiler.analysis.changes.compare import compare_packs  # noqa: E402
from compiler.analysis.changes.model import CHANGES  # noqa: E402
from compiler.diagnostics import Sources  # noqa: E402
from compiler.pipeline import compile_pack  # noqa: E402
from compiler.semantics import ir  # noqa: E402
from tests.diff.variants import EVERY_RULE_EDITED, VARIANTS, Variant, pack_text  # noqa: E402

GOAL = 60.0  # seconds, for the pack with every rule edited


def compiled(path: Path, text: str, sources: Sources) -> ir.Pack:
    path.write_text(text, encoding="utf-8")
    result = compile_pack(path, sources)
    assert result.pack is not None, [d.message for d in result.diagnostics]
    return result.pack


def measure(old: ir.Pack, new: ir.Pack) -> dict[str, object]:
    started, cpu = time.perf_counter(), time.process_time()
    report = compare_packs(old, new)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rules = len(report.rules)
    summary = report.summary()
    return {"rules": rules, "seconds": round(seconds, 2), "cpu": round(cpu, 2),
            "ms_per_rule": round(1000 * cpu / rules, 1),
            "changed": sum(n for change, n in summary.items() if change != "equivalent"),
            "witnesses": sum(len(r.witnesses) for r in report.rules), "lines": report.lines,
            "complete": report.complete, **summary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", action="store_true", help="also time every variant of the suites")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sources = Sources()
    with tempfile.TemporaryDirectory() as folder:
        old = compiled(Path(folder) / "cpcp026.rules", pack_text(), sources)
        cases: list[tuple[str, ir.Pack]] = [("itself", old)]
        chosen: list[Variant] = [EVERY_RULE_EDITED, *(VARIANTS if args.variants else [])]
        for variant in chosen:
            cases.append((variant.name, compiled(Path(folder) / f"{variant.name}.rules", variant.new_text(), sources)))
        results = {name: measure(old, new) for name, new in cases}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print("rulesc diff of CPCP026 against each pack: wall and CPU seconds (CPU time is steadier on a shared "
          "machine), CPU milliseconds per rule id, and the report's counts")
    print(f"{'against':<36} {'rules':>5} {'wall s':>7} {'cpu s':>7} {'ms/rule':>8} {'changed':>7} "
          f"{'unknown':>7} {'witn.':>5} {'lines':>5}")
    for name, row in results.items():
        print(f"{name:<36} {row['rules']!s:>5} {row['seconds']!s:>7} {row['cpu']!s:>7} {row['ms_per_rule']!s:>8} "
              f"{row['changed']!s:>7} {row['unknown']!s:>7} {row['witnesses']!s:>5} {row['lines']!s:>5}")
    every = results[EVERY_RULE_EDITED.name]
    verdict = "within" if float(str(every["seconds"])) < GOAL else "OVER"
    print(f"\nevery rule edited: {every['seconds']} s wall, {verdict} the {GOAL:.0f} s goal; "
          + ", ".join(f"{change} {every[change]}" for change in CHANGES if every[change]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
