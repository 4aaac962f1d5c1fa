"""`rulesc eval --jobs N`: worker processes write exactly what one process writes, in input order,
whatever the input's shape, and lose nothing when a worker stops; the optional orjson decoder
reads every text as `json` does."""

from __future__ import annotations

import functools
import io
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import cli
from compiler.commands import parallel
from compiler.commands.evaluate import Progress, evaluate_records
from compiler.inputs.jsonstream import read_json_records
from compiler.runtime.claims import ClaimError
from tests.claimgen import random_claim
from tests.conftest import PACK, ROOT
from tests.helpers import engines, run_cli

_, _, MODULE = engines(PACK)
EVALUATE = functools.partial(MODULE.evaluate, unknown_fields="error")
REJECTED = (ClaimError, MODULE.ClaimError)
CLAIMS = [json.dumps(random_claim(random.Random(n))) for n in range(40)]


def in_one_process(text: str) -> tuple[str, str]:
    out = io.StringIO()
    summary = evaluate_records(read_json_records(io.StringIO(text)), EVALUATE, REJECTED, out,
                               Progress(io.StringIO(), False))
    return out.getvalue(), str(summary)


def in_workers(text: str, batch: int, module_file: Path | None = ROOT / "generated" / "cpcp026.py",
               source: Any = None, jobs: int = 2) -> tuple[str, str]:
    out = io.StringIO()
    run = parallel.ParallelEval(module_file, "cpcp026", "error", EVALUATE, REJECTED, jobs, batch)
    summary = run.run(source or io.StringIO(text), out, lambda count: None)
    return out.getvalue(), str(summary)


INPUTS = {
    "json lines": "\n".join(CLAIMS) + "\n",
    "blank lines and a byte order mark": "\ufeff" + "\n\n".join(CLAIMS),
    "an array": "[\n" + ",\n".join(CLAIMS) + "\n]\n",
    "a broken record midway": "\n".join([*CLAIMS[:20], '{"id": "x", "lines": [', '{"id": 2}} x', *CLAIMS[20:]]),
    "a pretty-printed claim": "\n".join([*CLAIMS[:10], json.dumps(json.loads(CLAIMS[10]), indent=2), *CLAIMS[11:]]),
    "bytes that are not UTF-8": "\n".join([*CLAIMS[:15], '{"id": "\udcff"}', *CLAIMS[15:]]),
    "what orjson reads otherwise": "\n".join([
        *CLAIMS[:5], '{"id": "\\ud800", "x": NaN}', '{"id": 123456789012345678901234567890}', '[1, 2]',
        '  {"id": "indented"}  ', '"text"', "12", "null", '{"id": 1e400}', *CLAIMS[5:]]),
    "nesting too deep": "\n".join([*CLAIMS[:5], "[" * 5000 + "]" * 5000, *CLAIMS[5:]]),
}


@pytest.mark.parametrize("name", INPUTS)
@pytest.mark.parametrize("batch", [1, 3, 16])
def test_workers_write_what_one_process_writes(name: str, batch: int) -> None:
    text = INPUTS[name]
    assert in_workers(text, batch) == in_one_process(text)


@pytest.mark.parametrize("name", INPUTS)
def test_lines_read_in_this_process_give_what_the_reader_gives(name: str) -> None:
    """--jobs 1: the lines way and the streaming reader, in this process, as the reader alone."""
    text = INPUTS[name]
    assert in_workers(text, 3, None, jobs=1) == in_one_process(text)


@pytest.mark.parametrize("jobs", [1, 2])
def test_records_of_any_reader_in_workers(jobs: int) -> None:
    """Records from another reader (here the streaming reader itself) go to the workers as they are."""
    text = INPUTS["a broken record midway"] * 30
    out = io.StringIO()
    run = parallel.ParallelEval(ROOT / "generated" / "cpcp026.py", "cpcp026", "error", EVALUATE, REJECTED, jobs, 16)
    summary = run.run_records(read_json_records(io.StringIO(text)), out, lambda count: None)
    assert (out.getvalue(), str(summary)) == in_one_process(text)


def test_a_worker_that_stops_loses_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A worker that dies midway (here its module exits on one claim) leaves its batches, and all
    that follows, to this process, which evaluates them with its own engine."""
    dying = tmp_path / "dying.py"
    dying.write_text((ROOT / "generated" / "cpcp026.py").read_text(encoding="utf-8") + (
        "\n\n_evaluate = evaluate\n\n\ndef evaluate(claim: Any, unknown_fields: str = 'error') -> list[Finding]:\n"
        "    if claim.get('id') == 'R1':\n        import os\n        os._exit(3)\n"
        "    return _evaluate(claim, unknown_fields)\n"), encoding="utf-8")
    claims = [json.dumps({**json.loads(c), "id": f"R{n}"}) for n, c in enumerate(CLAIMS)]
    for text in ("\n".join(claims) + "\n", "[" + ",\n".join(claims) + "]"):
        assert in_workers(text, 4, dying) == in_one_process(text)
        assert "a worker process stopped" in capsys.readouterr().err


class CountingLines:
    """A source that counts the lines read from it."""

    def __init__(self, text: str) -> None:
        self.lines = io.StringIO(text)
        self.read = 0

    def readline(self, size: int = -1, /) -> str:
        self.read += 1
        return self.lines.readline(size)


def test_memory_is_bounded_by_the_batches_in_flight() -> None:
    """The input is read only as far as the batches in flight (two per worker) reach."""
    source = CountingLines("\n".join(CLAIMS * 10) + "\n")

    class Out(io.StringIO):
        read_at_first_write: int | None = None

        def write(self, text: str) -> int:
            if self.read_at_first_write is None:
                self.read_at_first_write = source.read
            return super().write(text)

    out = Out()
    run = parallel.ParallelEval(ROOT / "generated" / "cpcp026.py", "cpcp026", "error", EVALUATE, REJECTED, 2, 4)
    run.run(source, out, lambda count: None)
    assert out.read_at_first_write is not None and out.read_at_first_write <= (2 * 2 + 1) * 4 + 1
    assert source.read > 390


def test_eval_jobs_on_the_command_line(tmp_path: Path) -> None:
    claims = [json.dumps(random_claim(random.Random(n))) for n in range(1200)]
    source = tmp_path / "claims.jsonl"
    source.write_text("\n".join(claims) + "\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "2", "3"):
        out = tmp_path / f"out-{jobs}.jsonl"
        code, _, err = run_cli("eval", str(PACK), "--input", str(source), "--output", str(out), "--jobs", jobs)
        assert code == 1 and err.endswith(" errors\n")
        outputs.append((out.read_text(encoding="utf-8"), err))
    assert outputs[0] == outputs[1] == outputs[2] and outputs[0][0].count("\n") == 1200
    for bad in ("0", "-2", "two"):
        code, _, err = run_cli("eval", str(PACK), "--input", str(source), "--jobs", bad)
        assert code == 2 and "--jobs: expected a number of processes" in err


def test_jobs_default_to_the_machines_cores() -> None:
    _, options = cli.parse(["eval", str(PACK), "--input", "-"])
    assert options.jobs == cli.cores() >= 1  # type: ignore[attr-defined]


# -- the decoder

def _same(a: object, b: object) -> bool:
    """Equal values of equal types all the way down (NaN equal to NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b  # type: ignore[arg-type]
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)  # type: ignore[index]
    return a == b


def _read(text: str) -> tuple[str, object]:
    try:
        return "ok", parallel.decode(text)
    except ValueError as error:
        return "error", type(error).__name__


def _reference(text: str) -> tuple[str, object]:
    try:
        return "ok", json.loads(text)
    except ValueError as error:
        return "error", type(error).__name__


numbers = st.one_of(st.integers(), st.integers(-(10**40), 10**40), st.floats(allow_nan=False).map(repr),
                    st.from_regex(r"-?[0-9]{1,25}(\.[0-9]{1,25})?([eE][-+]?[0-9]{1,3})?", fullmatch=True))
values = st.recursive(
    st.none() | st.booleans() | numbers | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=10)


def _text(value: object) -> str:
    if isinstance(value, str) and value[:1] in "-0123456789" and value[1:2] != "":
        return value  # a number literal as written
    return json.dumps(value)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=4), values), max_size=4),
       st.sampled_from(["", " NaN", " Infinity", ' "\\ud800"', " 1e400", " 123456789012345678901234"]))
def test_decode_reads_every_text_as_json_does(pairs: list[tuple[str, object]], odd: str) -> None:
    """Objects with duplicate keys, numbers as written (integers beyond 64 bits, long floats), and
    what orjson refuses: decode gives json's value, of json's types, or json's refusal."""
    members = [f"{json.dumps(key)}: {_text(value)}" for key, value in pairs]
    if odd:
        members.append(f'"odd":{odd}')
    text = "{" + ", ".join(members + members[:1]) + "}"
    got, want = _read(text), _reference(text)
    assert got[0] == want[0] and (got[0] == "error" or _same(got[1], want[1])), text


def test_decode_without_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_fast_loads", None)
    assert _same(parallel.decode('{"a": 1, "a": 2.5, "b": NaN}'), {"a": 2.5, "b": float("nan")})


def test_orjson_is_used_where_installed() -> None:
    """The `fast` extra: when orjson is importable, decode uses it (the dev install includes it)."""
    orjson = pytest.importorskip("orjson")
    assert parallel._fast_loads is orjson.loads
