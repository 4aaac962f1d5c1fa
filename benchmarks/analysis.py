"""Conflict analysis time on CPCP026 and on synthetic packs of 250 to 2,000 rules.

The synthetic packs are families of five rules over their own CPT code clusters (initial and add-on
codes, as administration code families have), with the constructs CPCP026 uses: units, times,
modifiers, other lines on the same date and provider, suggestions and precedences; two rules read
every line (as JW/JZ rules do). Rules share codes within a family and with the two rules that read
every line, so the pairs the index asks about grow linearly with the number of rules.

    python benchmarks/analysis.py [--sizes 250,500,1000,2000] [--json]
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

from compiler.analysis.conflicts import analyze_conflicts  # noqa: E402
from compiler.diagnostics import Sources  # noqa: E402
from compiler.pipeline import compile_pack  # noqa: E402

HEADER = '''pack synthetic
  title "Synthetic administration policy"
  version "1"
  effective 2024-07-30
  source "none.txt"

section main "Main"
  text "Generated for the analysis benchmark."

codes em = 99202..99215, G0463
set distinct = "59", "XS", "XU"

rule G1-waste-modifiers "JW and JZ together"
  cite main
  when line.modifiers has "JW" and line.modifiers has "JZ"
  deny "{code} carries JW and JZ."

rule G2-member-charge "Member-supplied drug at no charge"
  cite main
  when line.member_supplied and line.charge is given and line.charge != 0
  deny "Member-supplied {code} is billed at no charge."

'''


def family(index: int) -> str:
    base = 20000 + 10 * index
    initial = f"{base:05d}..{base + 4:05d}"
    addon = f"{base + 5:05d}..{base + 9:05d}"
    f = f"F{index:04d}"
    text = f'''codes init_{index} = {initial}
codes addon_{index} = {addon}

rule {f}-a-units "Initial service units"
  cite main
  target init_{index}
  when line.units > 1
  deny "{{code}} is one unit."
  suggest {base + 1:05d}

rule {f}-b-addon-first "Initial billed with its add-on"
  cite main
  target init_{index}
  when any other line x where x.code in addon_{index} and same date and same provider
  deny "{{code}} is reported with an add-on of the same day."

rule {f}-c-short "Short add-on"
  cite main
  target addon_{index}
  when line.minutes is given and line.minutes <= 15
  review "{{code}} lasted {{minutes}} minutes."

rule {f}-d-distinct "Add-on without a distinct modifier"
  cite main
  target addon_{index}
  when line.modifiers lacks "59" and (any other line x where x.code in em and same date)
  deny "{{code}} on an E/M date needs modifier 59."
  suggest {base + 6:05d} if claim.type = "institutional"

rule {f}-e-many-units "Initial service with many units"
  cite main
  target init_{index}
  when line.units > 3 or (no other line x where same date and x.code in addon_{index})
  deny "{{code}} with {{units}} units."

'''
    if index % 2 == 0:
        text += f'''precedence {f}-a-units over {f}-e-many-units
  resolves R{index} "One unit rule is enough."

'''
    return text


def synthetic(rules: int) -> str:
    return HEADER + "".join(family(i) for i in range(rules // 5))


def measure(path: Path) -> dict[str, object]:
    sources = Sources()
    compiled = compile_pack(path, sources)
    assert compiled.pack is not None, [d.message for d in compiled.diagnostics]
    started, cpu = time.perf_counter(), time.process_time()
    report = analyze_conflicts(compiled.pack, sources=sources, use_cache=False)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert not report.disagreements, report.disagreements
    summary = report.summary()
    return {"rules": sum(1 for r in compiled.pack.rules if r.edits), "seconds": round(seconds, 2),
            "cpu": round(cpu, 2),
            "entries": len(report.conflicts), **summary, "lines": report.lines}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,500,1000,2000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = {"cpcp026": measure(ROOT / "policies" / "cpcp026.rules")}
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(folder) / f"synthetic_{size}.rules"
            path.write_text(synthetic(size), encoding="utf-8")
            results[f"synthetic-{size}"] = measure(path)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print("wall and CPU seconds of the analysis (CPU time is steadier on a shared machine)")
    print(f"{'pack':<16} {'rules':>6} {'wall s':>8} {'cpu s':>8} {'entries':>8} {'error':>6} {'info':>6} "
          f"{'cpu ms/rule':>12}")
    for name, row in results.items():
        rules, seconds, cpu = int(str(row["rules"])), float(str(row["seconds"])), float(str(row["cpu"]))
        print(f"{name:<16} {rules:>6} {seconds:>8.2f} {cpu:>8.2f} {row['entries']!s:>8} {row['error']!s:>6} "
              f"{row['info']!s:>6} {1000 * cpu / rules:>12.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
