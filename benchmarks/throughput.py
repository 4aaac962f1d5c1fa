"""Throughput of the generated CPCP026 module on a realistic claim mix, as ratios measured in one run.

    python benchmarks/throughput.py [--claims N] [--repeat R]

Reports claims per second for json.loads of the claims, the generated module's evaluate on the
parsed claims, and the interpreter; then evaluate / json.loads (goal: at most 2.0) and
interpreter / compiled (goal: at least 20). The mix is mostly everyday claims whose lines no rule
targets (office visits, labs, imaging), with injection, infusion and facility claims among them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compiler.diagnostics import Sources  # noqa: E402
from compiler.interpreter.evaluate import Interpreter  # noqa: E402
from compiler.pipeline import compile_pack  # noqa: E402
from generated import cpcp026  # noqa: E402

UNTARGETED = ["80053", "85025", "36415", "81002", "71046", "93000", "87880", "90686", "G0439", "J3301"]
VISITS = ["99213", "99214", "99203", "99204"]


def _line(code: str, date: str, **fields: Any) -> dict[str, Any]:
    return {"code": code, "date": date, **fields}


def office_claim(rng: random.Random, n: int) -> dict[str, Any]:
    date = f"2024-{rng.randint(8, 12):02d}-{rng.randint(10, 28):02d}"
    lines = [_line(rng.choice(VISITS), date, charge=rng.choice([120.0, 180.0]))]
    lines += [_line(rng.choice(UNTARGETED), date, charge=25.0) for _ in range(rng.randint(1, 6))]
    return {"id": f"O{n}", "type": "professional", "pos": "11", "provider": "1234567893", "member": "M1",
            "lines": lines}


def injection_claim(rng: random.Random, n: int) -> dict[str, Any]:
    date = "2024-09-12"
    lines = [_line(rng.choice(VISITS), date, modifiers=["25"]), _line("96372", date),
             _line("J2357", date, units=30, modifiers=["JZ"], charge=900.0)]
    if rng.random() < 0.5:
        lines.append(_line("96372", date, modifiers=["59"]))
        lines.append(_line("J1100", date, units=4))
    return {"id": f"J{n}", "type": "professional", "pos": "11", "provider": "1234567893", "lines": lines}


def infusion_claim(rng: random.Random, n: int) -> dict[str, Any]:
    date = "2024-10-02"
    minutes = rng.choice([45, 95, 150])
    stop = f"{date}T{9 + minutes // 60:02d}:{minutes % 60:02d}"
    lines = [_line("96365", date, drug="J1745", start=f"{date}T09:00", stop=stop),
             _line("96366", date, units=rng.choice([1, 2])), _line("96375", date, drug="J2405"),
             _line("J1745", date, units=40), _line("J2405", date, units=2), _line("J7050", date)]
    kind = rng.choice(["professional", "institutional"])
    claim: dict[str, Any] = {"id": f"I{n}", "type": kind, "lines": lines}
    claim.update({"pos": "11", "provider": "1234567893"} if kind == "professional" else {"bill_type": "0131"})
    return claim


def claim_mix(count: int, seed: int = 26) -> list[str]:
    rng = random.Random(seed)
    makers = [office_claim] * 7 + [injection_claim] * 2 + [infusion_claim]
    return [json.dumps(rng.choice(makers)(rng, n)) for n in range(count)]


def best(seconds: Callable[[], float], repeat: int) -> float:
    return min(seconds() for _ in range(repeat))


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    texts = claim_mix(args.claims)
    claims = [json.loads(t) for t in texts]
    lines = sum(len(c["lines"]) for c in claims)
    result = compile_pack(ROOT / "policies" / "cpcp026.rules", Sources())
    assert result.plan is not None
    interpreter = Interpreter(result.plan)
    evaluate = cpcp026.evaluate
    sample = claims[: max(1, args.claims // 10)]

    def run_loads() -> None:
        for text in texts:
            json.loads(text)

    def run_compiled() -> None:
        for claim in claims:
            evaluate(claim)

    def run_validation() -> None:
        for claim in claims:
            cpcp026.parse_claim(claim)

    def run_interpreter() -> None:
        for claim in sample:
            interpreter.evaluate(claim)

    for claim in sample:  # the benchmark measures speed only where both engines agree
        assert [f.to_dict() for f in evaluate(claim)] == [f.to_dict() for f in interpreter.evaluate(claim)]
    loads = best(lambda: timed(run_loads), args.repeat) / len(texts)
    compiled = best(lambda: timed(run_compiled), args.repeat) / len(claims)
    interpreted = best(lambda: timed(run_interpreter), max(1, args.repeat // 2)) / len(sample)
    validation = best(lambda: timed(run_validation), args.repeat) / len(claims)
    findings = sum(len(evaluate(c)) for c in claims)
    print(f"claims: {len(claims)} ({lines} lines, {findings} findings); Python {sys.version.split()[0]}")
    print(f"json.loads          {1 / loads:>10,.0f} claims/s  {loads * 1e6:8.1f} us/claim")
    print(f"compiled evaluate   {1 / compiled:>10,.0f} claims/s  {compiled * 1e6:8.1f} us/claim")
    print(f"interpreter         {1 / interpreted:>10,.0f} claims/s  {interpreted * 1e6:8.1f} us/claim")
    print(f"  of which validation {1 / validation:>10,.0f} claims/s  {validation * 1e6:8.1f} us/claim "
          "(parse_claim, shared by both engines)")
    print(f"evaluate / json.loads      {compiled / loads:6.2f}x   (goal: at most 2.0)")
    print(f"interpreter / compiled     {interpreted / compiled:6.1f}x   (goal: at least 20)")
    print(f"  rules only, validation excluded: interpreter / compiled "
          f"{(interpreted - validation) / (compiled - validation):6.1f}x")


if __name__ == "__main__":
    main()
