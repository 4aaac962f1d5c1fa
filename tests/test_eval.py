"""`rulesc eval`: every record of a stream gets one result line, in order; summary and progress on
standard error; memory flat in the number of claims."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import cli
from compiler.batch import JsonLines, result_line, run
from compiler.batch.engines import Bound
from compiler.commands.evaluate import Progress
from compiler.inputs.jsonstream import read_json_records
from compiler.runtime.claims import ClaimError, Finding
from tests.conftest import PACK, ROOT, examples
from tests.helpers import run_cli

GOOD_CLAIM = {"id": "A", "type": "professional", "pos": "11", "lines": [
    {"code": "96372", "date": "2024-09-12", "supervision": "none"}]}
SCENARIOS = [case["claim"] for case in json.loads(
    (ROOT / "tests" / "data" / "cpcp026-scenarios.json").read_text(encoding="utf-8"))]


def evaluate(text: str, tmp_path: Path, *options: str) -> tuple[int, list[dict[str, Any]], str]:
    source = tmp_path / "claims.json"
    source.write_text(text, encoding="utf-8")
    code, out, err = run_cli("eval", str(PACK), "--input", str(source), *options)
    return code, [json.loads(line) for line in out.splitlines()], err


def test_a_claim_an_array_and_json_lines(tmp_path: Path) -> None:
    code, (result,), err = evaluate(json.dumps(GOOD_CLAIM), tmp_path)
    assert code == 0 and result["id"] == "A" and result["findings"][0]["suggest"] == "99211"
    assert err == "1 claim, 1 with findings, 0 errors\n"
    code, results, _ = evaluate(json.dumps([GOOD_CLAIM, {**GOOD_CLAIM, "id": "B"}]), tmp_path)
    assert code == 0 and [r["id"] for r in results] == ["A", "B"]
    code, results, _ = evaluate("\n".join(json.dumps({**GOOD_CLAIM, "id": i}) for i in "XYZ"), tmp_path)
    assert code == 0 and [r["id"] for r in results] == ["X", "Y", "Z"]


def test_a_bad_record_is_reported_in_place_and_the_batch_goes_on(tmp_path: Path) -> None:
    lines = [json.dumps(GOOD_CLAIM), "{not json", json.dumps({"id": "C", "type": "professional", "lines": []}),
             json.dumps({"id": "N"}), "", json.dumps({**GOOD_CLAIM, "id": "D"})]
    for engine in ("compiled", "interpreter"):
        code, results, err = evaluate("\n".join(lines) + "\n", tmp_path, "--engine", engine)
        assert code == 1 and err == "5 claims, 2 with findings, 3 errors\n"
        assert [r["id"] for r in results] == ["A", None, "C", "N", "D"]
        assert "findings" in results[0] and "findings" in results[4]
        assert results[1]["error"] == ("line 2, column 1: not valid JSON at column 2: expecting property name "
                                       "enclosed in double quotes")
        assert results[2]["error"] == "lines: expected 1 to 999 lines, got 0"
        assert results[3]["error"].startswith("type:")


def test_a_broken_element_of_a_pretty_printed_array_loses_nothing(tmp_path: Path) -> None:
    claims = [{**GOOD_CLAIM, "id": f"C{i}"} for i in range(5)]
    text = json.dumps(claims, indent=2)
    broken = text.replace('"id": "C2",', '"id": "C2",,', 1)
    code, results, err = evaluate(broken, tmp_path)
    assert code == 1 and err == "5 claims, 4 with findings, 1 error\n"
    assert [r["id"] for r in results] == ["C0", "C1", None, "C3", "C4"]
    line = broken.splitlines().index('    "id": "C2",,') + 1
    assert results[2]["error"] == f"line {line - 1}, column 3: not valid JSON at line {line}, column 16: expecting " \
                                  "property name enclosed in double quotes"


def test_pretty_printed_objects_back_to_back(tmp_path: Path) -> None:
    text = json.dumps(GOOD_CLAIM, indent=2) + "\n" + json.dumps({**GOOD_CLAIM, "id": "B"}, indent=4)
    code, results, err = evaluate(text, tmp_path)
    assert code == 0 and [r["id"] for r in results] == ["A", "B"] and err.startswith("2 claims")


def test_a_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    code, results, _ = evaluate("\ufeff" + json.dumps([GOOD_CLAIM]), tmp_path)
    assert code == 0 and [r["id"] for r in results] == ["A"]


@pytest.mark.parametrize("text", ["", "\n\n  \n", "[]", "\ufeff"])
def test_empty_input_still_gets_its_summary(tmp_path: Path, text: str) -> None:
    assert evaluate(text, tmp_path) == (0, [], "0 claims, 0 with findings, 0 errors\n")


def test_a_cut_short_array_is_an_error(tmp_path: Path) -> None:
    code, results, _ = evaluate(json.dumps([GOOD_CLAIM, GOOD_CLAIM])[:-1] + ",", tmp_path)
    assert code == 1 and [("findings" in r) for r in results] == [True, True, False]
    assert "the input ends inside the array that opens at line 1, column 1" in results[2]["error"]


def test_a_lone_surrogate_in_an_id_is_written_as_valid_json(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    source = tmp_path / "claims.json"
    source.write_text('{"id": "\\ud800", "type": "professional", "pos": "11", "lines": []}', encoding="utf-8")
    code, _, _ = run_cli("eval", str(PACK), "--input", str(source), "--output", str(out))
    assert code == 1 and json.loads(out.read_text(encoding="utf-8"))["id"] == "\ud800"
    assert result_line({"id": "é"}) == '{"id": "é"}\n'


def test_from_standard_input_to_a_file(tmp_path: Path) -> None:
    out_path = tmp_path / "out.jsonl"
    code, out, err = run_cli("eval", str(PACK), "--input", "-", "--output", str(out_path),
                             stdin=json.dumps(GOOD_CLAIM))
    assert code == 0 and out == "" and json.loads(out_path.read_text(encoding="utf-8"))["id"] == "A"
    assert err == "1 claim, 1 with findings, 0 errors\n"


_GARBAGE = st.text(st.sampled_from('{}":,abc 01\t\\'), min_size=1, max_size=12).filter(
    lambda s: s[0] not in ' \t}],[' and s.strip())


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.one_of(st.integers(0, len(SCENARIOS) - 1), _GARBAGE), max_size=12))
def test_json_lines_lose_nothing(records: list[int | str]) -> None:
    """Whatever lines are broken, each line of JSON Lines gets exactly one result, in order, and
    each good line is evaluated as it would be alone."""
    lines = [json.dumps(SCENARIOS[r]) if isinstance(r, int) else r for r in records]
    out = io.StringIO()
    summary = run(read_json_records(io.StringIO("\n".join(lines))), _Source(Bound(_engine, (ClaimError,))),
                  JsonLines(out))
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert summary.claims == len(records) == len(results)
    for record, result in zip(records, results, strict=True):
        if isinstance(record, int):
            expected = [f.to_dict() for f in _engine(SCENARIOS[record])]
            assert result == {"id": SCENARIOS[record]["id"], "findings": expected}


@dataclasses.dataclass(frozen=True)
class _Source:
    """An engine already built, as an engine source (for runs in this process only)."""

    engine: Bound

    def open(self) -> Bound:
        return self.engine


def _engine(claim: object) -> list[Finding]:
    """A stand-in engine whose findings depend on the claim, so results can be told apart."""
    if not isinstance(claim, dict):
        raise ClaimError("claim: expected an object")
    return [Finding("R", len(claim.get("lines", [])), "info", str(claim.get("id")), "c", None, ())]


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counts_and_rates_without_a_total() -> None:
    clock, log = _Clock(), io.StringIO()
    progress = Progress(log, True, clock, interval=0.5)
    for count in range(1, 3001):
        clock.now = count / 500  # 500 claims a second
        progress.update(count)
    progress.close()
    # into a log: a line every 2 s
    assert log.getvalue() == "1,000 claims, 500/s\n2,000 claims, 500/s\n3,000 claims, 500/s\n"
    terminal = _Terminal()
    progress = Progress(terminal, True, clock := _Clock(), interval=0.5)
    for count in range(1, 1001):
        clock.now = count / 100
        progress.update(count)
    progress.close()
    text = terminal.getvalue()
    assert text.startswith("\r50 claims, 100/s") and "\n" not in text and text.endswith("\r")
    silent = io.StringIO()
    progress = Progress(silent, False, clock)
    progress.update(64 * 1000)
    progress.close()
    assert silent.getvalue() == ""


def test_progress_option() -> None:
    for flag, expected in (([], None), (["--progress"], True), (["--no-progress"], False)):
        _, options = cli.parse(["eval", str(PACK), "--input", "-", *flag])
        assert getattr(options, "progress", "missing") is expected


def _peak(path: Path, count: int, array: bool) -> int:
    """Peak traced memory while reading and writing `count` claims through `rulesc eval`'s loop."""
    claims = ({**SCENARIOS[i % len(SCENARIOS)], "id": f"C{i}"} for i in range(count))
    with path.open("w", encoding="utf-8") as out:
        if array:
            out.write("[\n" + ",\n".join(json.dumps(c, indent=2) for c in claims) + "\n]\n")
        else:
            out.writelines(json.dumps(c) + "\n" for c in claims)
    findings = [Finding("R", 1, "deny", "message", "citation", None, ())]
    tracemalloc.start()
    try:
        with path.open(encoding="utf-8") as source, open(os.devnull, "w", encoding="utf-8") as sink:
            summary = run(read_json_records(source), _Source(Bound(lambda claim: findings, (ClaimError,))),
                          JsonLines(sink))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert summary.claims == count and summary.errors == 0
    return peak


@pytest.mark.slow
@pytest.mark.parametrize(("array", "small", "large"), [(False, 10_000, 50_000), (True, 4_000, 20_000)])
def test_memory_does_not_grow_with_the_number_of_claims(tmp_path: Path, array: bool, small: int,
                                                        large: int) -> None:
    """Five times the claims, the same peak: nothing is kept per record (about 50 KB here, where
    reading the whole file would take megabytes)."""
    few, many = _peak(tmp_path / "few", small, array), _peak(tmp_path / "many", large, array)
    assert many < few + 64 * 1024, (few, many)
    assert many < 1024 * 1024, many


def _rulesc(*argv: str) -> list[str]:
    return [sys.executable, "-m", "compiler", *argv]


def test_standard_input_as_bytes_with_a_byte_order_mark_and_a_byte_that_is_not_utf8() -> None:
    claim = json.dumps(GOOD_CLAIM).encode()
    data = b"\xef\xbb\xbf" + claim + b"\n" + claim.replace(b'"A"', b'"\xff"') + b"\n" + claim + b"\n"
    done = subprocess.run(_rulesc("eval", str(PACK), "--input", "-"), input=data, capture_output=True,
                          cwd=ROOT, timeout=60)
    results = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert done.returncode == 1 and done.stderr == b"3 claims, 2 with findings, 1 error\n"
    assert [r["id"] for r in results] == ["A", None, "A"]
    assert results[1]["error"] == "line 2, column 1: not UTF-8 text at column 9 (byte 0xFF)"


@pytest.mark.slow
def test_a_reader_that_stops_early_is_no_traceback(tmp_path: Path) -> None:
    """`rulesc eval ... | head -1`: the results pipe closes; eval stops quietly."""
    source = tmp_path / "many.jsonl"
    source.write_text("".join(json.dumps({**GOOD_CLAIM, "id": f"C{i}"}) + "\n" for i in range(20_000)),
                      encoding="utf-8")
    with subprocess.Popen(_rulesc("eval", str(PACK), "--input", str(source)), cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert json.loads(process.stdout.readline())["id"] == "C0"
        process.stdout.close()
        error = process.stderr.read().decode()
        assert process.wait(timeout=60) == 1
    assert "Traceback" not in error and "Exception ignored" not in error and "BrokenPipe" not in error
