"""Throughput of the generated CPCP026 module on a realistic claim mix, as ratios measured in one run.

    python benchmarks/throughput.py [--claims N] [--repeat R] [--no-native] [--against OTHER.py]

Reports microseconds per claim for json.loads of the claims, the generated module's evaluate (pure,
and its native build where mypyc and a C compiler are at hand), claim validation alone, the rules
alone (evaluate less validation) and the interpreter; then the ratios the goals are stated in:
evaluate / json.loads (pure: at most 3.0, native: at most 2.0) and interpreter / compiled with
validation excluded (at least 12 pure, 25 native). The measurements take turns, each repeated
and the best kept, so that a machine shared with other work slows all of them alike. The mix is
mostly everyday claims whose lines no rule targets (office visits, labs, imaging), with injection,
infusion and facility claims among them.

`--against OTHER.py` times another generated CPCP026 module (an earlier version's, say) beside this
one, pure and native, in the same turns, and prints how much slower or faster this one is: the one
comparison a shared machine does not blur.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compiler.backends.native import NativeBuildError, cached_native  # noqa: E402
from compiler.batch.engines import load_module  # noqa: E402
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


def claim_texts(count: int, seed: int = 26) -> Iterator[str]:
    """The claims of the mix as JSON text, one at a time."""
    rng = random.Random(seed)
    makers = [office_claim] * 7 + [injection_claim] * 2 + [infusion_claim]
    for n in range(count):
        yield json.dumps(rng.choice(makers)(rng, n))


def claim_mix(count: int, seed: int = 26) -> list[str]:
    return list(claim_texts(count, seed))


def per_claim(runs: dict[str, tuple[Callable[[], object], int]], repeat: int) -> dict[str, float]:
    """Seconds per claim of each run (a function and the claims it handles), the best of `repeat`
    rounds in which the runs take turns."""
    best = {name: float("inf") for name in runs}
    for _ in range(repeat):
        for name, (function, count) in runs.items():
            start = time.perf_counter()
            function()
            best[name] = min(best[name], (time.perf_counter() - start) / count)
    return best


def loop(function: Callable[[Any], object], items: list[Any]) -> Callable[[], None]:
    def run() -> None:
        for item in items:
            function(item)
    return run


def native_module(path: Path = ROOT / "generated" / "cpcp026.py", name: str = "cpcp026") -> types.ModuleType | None:
    """The native build of a generated module (from the cache), or None when it cannot be made."""
    source = path.read_text(encoding="utf-8")
    try:
        return load_module(cached_native({f"{name}.py": source}, name))
    except NativeBuildError as error:
        print(f"no native build: {error}", file=sys.stderr)
        return None


def other_module(path: Path, name: str) -> types.ModuleType:
    """Another generated module, imported from its file under its own name."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-native", action="store_true")
    parser.add_argument("--against", type=Path, help="another generated cpcp026.py to time beside this one")
    args = parser.parse_args()
    texts = claim_mix(args.claims)
    claims = [json.loads(t) for t in texts]
    lines = sum(len(c["lines"]) for c in claims)
    result = compile_pack(ROOT / "policies" / "cpcp026.rules", Sources())
    assert result.plan is not None
    interpreter = Interpreter(result.plan)
    native = None if args.no_native else native_module()
    sample = claims[: max(1, args.claims // 10)]
    for claim in sample:  # the benchmark measures speed only where the engines agree
        expected = [f.to_dict() for f in interpreter.evaluate(claim)]
        assert [f.to_dict() for f in cpcp026.evaluate(claim)] == expected
        assert native is None or [f.to_dict() for f in native.evaluate(claim)] == expected
    runs: dict[str, tuple[Callable[[], object], int]] = {
        "json.loads": (loop(json.loads, texts), len(texts)),
        "evaluate, pure": (loop(cpcp026.evaluate, claims), len(claims)),
        "validation, pure": (loop(cpcp026.parse_claim, claims), len(claims)),
        "interpreter": (loop(interpreter.evaluate, sample), len(sample)),
    }
    if native is not None:
        runs["evaluate, native"] = (loop(native.evaluate, claims), len(claims))
        runs["validation, native"] = (loop(native.parse_claim, claims), len(claims))
    if args.against is not None:
        # the other module's source is copied under another name, so that both import side by side
        copy = Path(tempfile.mkdtemp()) / "cpcp026_against.py"
        copy.write_text(args.against.read_text(encoding="utf-8"), encoding="utf-8")
        against = other_module(copy, "cpcp026_against")
        runs["against, pure"] = (loop(against.evaluate, claims), len(claims))
        against_native = None if native is None else native_module(copy, "cpcp026_against")
        if against_native is not None:
            runs["against, native"] = (loop(against_native.evaluate, claims), len(claims))
    seconds = per_claim(runs, args.repeat)
    us = {name: value * 1e6 for name, value in seconds.items()}
    findings = sum(len(cpcp026.evaluate(c)) for c in claims)
    print(f"claims: {len(claims)} ({lines} lines, {findings} findings); Python {sys.version.split()[0]}; "
          f"best of {args.repeat} rounds")
    loads = us["json.loads"]
    pure, checks = us["evaluate, pure"], us["validation, pure"]
    rows = [("json.loads", loads), ("evaluate, pure", pure), ("validation, pure", checks),
            ("rules, pure", pure - checks)]
    if native is not None:
        rows += [("evaluate, native", us["evaluate, native"]), ("validation, native", us["validation, native"]),
                 ("rules, native", us["evaluate, native"] - us["validation, native"])]
    rows.append(("interpreter", us["interpreter"]))
    for name, value in rows:
        print(f"{name:20} {value:8.2f} us/claim  {1e6 / value:>10,.0f} claims/s  {value / loads:6.2f}x json.loads")
    rules_interpreted = us["interpreter"] - us["validation, pure"]
    print(f"evaluate / json.loads, pure        {us['evaluate, pure'] / loads:6.2f}x   (goal: at most 3.0)")
    if native is not None:
        print(f"evaluate / json.loads, native      {us['evaluate, native'] / loads:6.2f}x   (goal: at most 2.0)")
    print(f"interpreter / compiled, pure       {us['interpreter'] / us['evaluate, pure']:6.1f}x")
    print(f"  rules only (validation excluded) {rules_interpreted / rows[3][1]:6.1f}x   (goal: at least 12)")
    if native is not None:
        print(f"interpreter / compiled, native     {us['interpreter'] / us['evaluate, native']:6.1f}x")
        print(f"  rules only (validation excluded) {rules_interpreted / rows[6][1]:6.1f}x   (goal: at least 25)")
    for kind in ("pure", "native"):
        if f"against, {kind}" in us:
            other = us[f"against, {kind}"]
            print(f"{args.against}, {kind}: {other:.2f} us/claim ({other / loads:.2f}x json.loads); this module "
                  f"takes {us[f'evaluate, {kind}'] / other:.3f} times as long")


if __name__ == "__main__":
    main()
