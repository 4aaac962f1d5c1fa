"""The language server's latencies, as an editor sees them: `rulesc lsp` in a subprocess, spoken to
over standard input and output by the tests' client (tests/lsp/client.py).

- diagnostics after a keystroke: the time from sending an incremental change to CPCP026 to
  receiving the diagnostics of that version (the debounce included), for characters typed into a
  condition (each keeps the pack valid or breaks a name, alternately) and into a message;
- hover on a rule id, a code set and a code; definition, references and completion;
- the conflict analysis on save, with the analyzer's cache empty (and hover while it runs) and then
  warm;
- the same keystrokes on the NCCI pack, whose tables are read once (`--ncci-rows N` writes payer-like
  tables of N practitioner PTP rows first, with benchmarks/ncci_scale.py's generator).

    python benchmarks/lsp_latency.py [--edits 60] [--hovers 40] [--debounce 40] [--ncci-rows 200000]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.lsp.client import Client, find  # noqa: E402

PACK = ROOT / "policies" / "cpcp026.rules"
NCCI = ROOT / "policies" / "ncci.rules"


def summary(name: str, seconds: list[float], goal: float | None = None) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    text = (f"{name:<58} median {statistics.median(ms):7.1f} ms  p90 {p90:7.1f} ms  max {ms[-1]:7.1f} ms  "
            f"(n={len(ms)})")
    if goal is not None:
        text += f"  goal {goal * 1000:.0f} ms: {'met' if p90 <= goal * 1000 else 'NOT met'} at p90"
    return text


def keystrokes(client: Client, address: str, text: str, anchor: str, edits: int, breaking: bool
               ) -> tuple[list[float], str]:
    """Type `edits` characters after `anchor` (and take them back), waiting for each version's
    diagnostics; with `breaking`, every other keystroke leaves an unknown name."""
    line, character = find(text, anchor)
    character += len(anchor)
    times: list[float] = []
    typed = ""
    lines = text.split("\n")
    for number in range(edits):
        after = len(client.notifications)
        started = time.perf_counter()
        if number % 2 == 0:
            char = "x" if breaking else "a"
            version = client.edit(address, line, character + len(typed), line, character + len(typed), char)
            typed += char
        else:
            version = client.edit(address, line, character + len(typed) - 1, line, character + len(typed), "")
            typed = typed[:-1]
        client.diagnostics(address, version, after=after)
        times.append(time.perf_counter() - started)
    lines[line] = lines[line][:character] + typed + lines[line][character:]
    return times, "\n".join(lines)


def timed(call: Callable[[], Any], count: int) -> list[float]:
    """Seconds per call; every call must answer something (an empty answer means the benchmark asked
    about the wrong place, and would time nothing worth timing)."""
    found = []
    for _ in range(count):
        started = time.perf_counter()
        answer = call()
        found.append(time.perf_counter() - started)
        if not answer or (isinstance(answer, dict) and not answer.get("contents", answer.get("items", True))):
            raise SystemExit(f"the server answered {answer!r}: the benchmark asks about a wrong place")
    return found


def save_analysis(client: Client, address: str, probe: dict[str, Any]) -> tuple[float, list[float]]:
    """Seconds from a save to the analysis's report, and hovers (on `probe`) timed while it ran."""
    after = len(client.notifications)

    def reported(message: dict[str, Any]) -> bool:
        return message.get("method") == "window/logMessage" and "conflict analysis of" in message["params"]["message"]

    started = time.perf_counter()
    client.save(address)
    during: list[float] = []
    while not any(reported(m) for m in client.notifications[after:]) and len(during) < 2000:
        during += timed(lambda: client.request("textDocument/hover", probe), 1)
        time.sleep(0.02)
    client.wait_for(reported, timeout=600, after=after)
    return time.perf_counter() - started, during


def cpcp026(args: argparse.Namespace) -> None:
    text = PACK.read_text(encoding="utf-8")
    pack = Path(args.scratch) / PACK.name  # a copy: the benchmark saves an edit of it
    pack.write_text(text, encoding="utf-8")
    client = Client("--debounce", str(args.debounce))
    try:
        client.initialize()
        started = time.perf_counter()
        address = client.open(pack)
        client.diagnostics(address, 1)
        first = (time.perf_counter() - started) * 1000
        print(f"open CPCP026 ({len(text):,} characters), first diagnostics: {first:.0f} ms")
        # `x.code in em_services and same date`: typing after `em_services` breaks the name, then mends it
        typing, _ = keystrokes(client, address, text, "x.code in em_services", args.edits, breaking=True)
        print(summary("diagnostics after a keystroke in a condition (names)", typing, 0.2))
        typing, _ = keystrokes(client, address, text, 'deny "96372 is not separately', args.edits, breaking=False)
        print(summary("diagnostics after a keystroke in a message", typing, 0.2))
        rule = client.position(address, *_inside(text, "rule P23-injection-with-em", 8))
        codes = client.position(address, *_inside(text, "x.code in em_services", 12))
        code = client.position(address, *_inside(text, "target 96372", 9))
        print(summary("hover on a rule id (its plain-English statement)",
                      timed(lambda: client.request("textDocument/hover", rule), args.hovers), 0.05))
        print(summary("hover on a code set", timed(lambda: client.request("textDocument/hover", codes), args.hovers),
                      0.05))
        print(summary("hover on a code (the rules that touch it)",
                      timed(lambda: client.request("textDocument/hover", code), args.hovers), 0.05))
        print(summary("go to definition", timed(lambda: client.request("textDocument/definition", codes),
                                                args.hovers)))
        print(summary("find references", timed(lambda: client.request(
            "textDocument/references", {**codes, "context": {"includeDeclaration": True}}), args.hovers)))
        print(summary("completion", timed(lambda: client.request("textDocument/completion", codes), args.hovers)))
        took, during = save_analysis(client, address, rule)
        print(f"conflict analysis on save, the analyzer's cache empty: {took:.2f} s")
        if during:
            print(summary("hover on a rule id during the analysis on save", during, 0.05))
        took, _ = save_analysis(client, address, rule)
        print(f"conflict analysis on save, unchanged pack (the analyzer's cache): {took * 1000:.0f} ms")
        # a word added to a message, saved: the analyzer's answers are kept by question, so only
        # what the edit changed is asked again
        line, character = find(text, 'deny "96372 is not separately')
        client.edit(address, line, character + len('deny "'), line, character + len('deny "'), "Note: ")
        lines = text.split("\n")
        lines[line] = lines[line][:character + len('deny "')] + "Note: " + lines[line][character + len('deny "'):]
        pack.write_text("\n".join(lines), encoding="utf-8")
        took, _ = save_analysis(client, address, rule)
        print(f"conflict analysis on save, a message edited (the analyzer's answers by question): {took * 1000:.0f} ms")
    finally:
        client.close()


def _inside(text: str, needle: str, offset: int) -> tuple[int, int]:
    line, character = find(text, needle)
    return line, character + offset


def ncci(args: argparse.Namespace) -> None:
    folder = Path(args.scratch) / "ncci"
    pack = NCCI
    if args.ncci_rows:
        spec = importlib.util.spec_from_file_location("ncci_scale", ROOT / "benchmarks" / "ncci_scale.py")
        assert spec is not None and spec.loader is not None
        scale = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(scale)
        sizes = SimpleNamespace(ptp=args.ncci_rows, hospital=args.ncci_rows // 2, mue=15_000, aoc=3_000)
        pack = scale.write_pack(folder, sizes)
    text = pack.read_text(encoding="utf-8")
    client = Client("--debounce", str(args.debounce))
    try:
        client.initialize()
        started = time.perf_counter()
        address = client.open(pack)
        client.diagnostics(address, 1, timeout=900)
        rows = f", {args.ncci_rows:,} practitioner PTP rows" if args.ncci_rows else " (the sample tables)"
        print(f"open NCCI{rows}, first diagnostics (tables read and checked): "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")
        typing, _ = keystrokes(client, address, text, 'deny "', args.edits, breaking=False)
        print(summary(f"NCCI{rows}: diagnostics after a keystroke", typing, 0.2))
        table = client.position(address, *_inside(text, "table ptp ", 7))
        print(summary(f"NCCI{rows}: hover on a table read from files",
                      timed(lambda: client.request("textDocument/hover", table), args.hovers), 0.05))
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=60, help="keystrokes per measurement")
    parser.add_argument("--hovers", type=int, default=40, help="requests per measurement")
    parser.add_argument("--debounce", type=int, default=40, help="the server's debounce, in milliseconds")
    parser.add_argument("--ncci-rows", type=int, default=0, help="write payer-like NCCI tables of this many rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rulesc-lsp-latency-") as scratch:
        args.scratch = scratch
        os.environ["RULESC_CACHE_DIR"] = str(Path(scratch) / "cache")  # an empty analyzer cache, for the first save
        print(f"debounce {args.debounce} ms; load average {os.getloadavg()[0]:.1f} at the start "
              f"({os.cpu_count()} cores)")
        cpcp026(args)
        ncci(args)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
