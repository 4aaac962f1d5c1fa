"""`compiler.batch.run`: worker processes give exactly what one process gives, in input order,
whatever the input's shape and format and whichever engine, and lose nothing when a worker stops."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import cli
from compiler.batch import (
    Collect,
    JsonLines,
    ModuleFile,
    ModuleFiles,
    Summary,
    load_module,
    module_files,
    result_line,
    run,
)
from compiler.batch import pool as pool_module
from compiler.batch.engines import data_file
from compiler.inputs.formats import Input, open_input, text_input
from compiler.inputs.jsonstream import read_claim_records
from compiler.inputs.records import Record
from compiler.interpreter.engine import InterpreterSource
from tests.claimgen import random_claim
from tests.conftest import PACK, ROOT, examples
from tests.helpers import compile_plan, run_cli

MODULE = ROOT / "generated" / "cpcp026.py"
ENGINE = ModuleFile(str(MODULE))
CLAIMS = [json.dumps(random_claim(random.Random(n))) for n in range(40)]
SIDECAR = Path(__file__).resolve().parent / "data" / "tabled.py"


def through(source: Input | Iterator[Record], engine: Any = ENGINE, jobs: int = 1, batch: int = 512) -> tuple[str, str]:
    out = io.StringIO()
    summary = run(source, engine, JsonLines(out), jobs, batch=batch)
    return out.getvalue(), str(summary)


def in_one_process(text: str, engine: Any = ENGINE) -> tuple[str, str]:
    """The streaming reader, record by record, in this process: the reference."""
    return through(read_claim_records(io.StringIO(text)), engine)


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
    "a record cut off and arrays on lines": "\n".join([*CLAIMS[:7], CLAIMS[7][:40], "[1, 2]", f"[{CLAIMS[8]}]", "[]",
                                                      '  {"id": "x", "units":', *CLAIMS[9:]]),
}


@pytest.mark.parametrize("name", INPUTS)
@pytest.mark.parametrize("batch", [1, 3, 16])
def test_workers_write_what_one_process_writes(name: str, batch: int) -> None:
    text = INPUTS[name]
    assert through(text_input(io.StringIO(text)), jobs=2, batch=batch) == in_one_process(text)


@pytest.mark.parametrize("name", INPUTS)
def test_lines_read_in_this_process_give_what_the_reader_gives(name: str) -> None:
    """--jobs 1: the lines way in this process, as the streaming reader alone."""
    text = INPUTS[name]
    assert through(text_input(io.StringIO(text)), batch=3) == in_one_process(text)


@pytest.mark.parametrize("jobs", [1, 2])
def test_records_of_any_reader_in_workers(jobs: int) -> None:
    """Records from another reader (here the streaming reader itself) go to the workers as they are."""
    text = INPUTS["a broken record midway"] * 30
    assert through(read_claim_records(io.StringIO(text)), jobs=jobs, batch=16) == in_one_process(text)


def test_records_keep_their_positions_and_are_numbered_in_order() -> None:
    text = INPUTS["a broken record midway"] * 3
    expected = Collect()
    run(read_claim_records(io.StringIO(text)), ENGINE, expected)
    for jobs in (1, 2):
        sink = Collect()
        run(text_input(io.StringIO(text)), ENGINE, sink, jobs, batch=4)
        assert [(r.index, r.position, r.error) for r, _ in sink.items] == [
            (r.index, r.position, r.error) for r, _ in expected.items]
        assert [r for _, r in sink.items] == [r for _, r in expected.items]
        assert [r.index for r, _ in sink.items] == list(range(len(sink.items)))


def test_the_interpreter_in_workers() -> None:
    plan, _ = compile_plan(PACK)
    engine = InterpreterSource(plan)
    text = INPUTS["a broken record midway"]
    assert through(text_input(io.StringIO(text)), engine, jobs=2, batch=8) == in_one_process(text)
    assert in_one_process(text, engine) == in_one_process(text)


def test_a_worker_that_stops_loses_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A worker that dies midway (here its module exits on one claim) leaves its batches, and all
    that follows, to this process, which evaluates them with its own engine."""
    dying = tmp_path / "dying.py"
    dying.write_text(MODULE.read_text(encoding="utf-8") + (
        "\n\n_evaluate = evaluate\n\n\ndef evaluate(claim: Any, unknown_fields: str = 'error') -> list[Finding]:\n"
        "    if claim.get('id') == 'R1' and __import__('os').environ.get('RULESC_WORKER'):\n"
        "        import os\n        os._exit(3)\n"
        "    return _evaluate(claim, unknown_fields)\n"), encoding="utf-8")
    claims = [json.dumps({**json.loads(c), "id": f"R{n}"}) for n, c in enumerate(CLAIMS)]
    engine = ModuleFile(str(dying))
    for text in ("\n".join(claims) + "\n", "[" + ",\n".join(claims) + "]"):
        assert through(text_input(io.StringIO(text)), engine, jobs=2, batch=4) == in_one_process(text)
        assert "a worker process stopped" in capsys.readouterr().err


@pytest.fixture(autouse=True)
def _mark_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers see RULESC_WORKER (this process does not), so that a module can behave otherwise there."""
    monkeypatch.setenv("RULESC_WORKER", "")
    original = pool_module.Worker.__init__

    def marked(self: pool_module.Worker, source: Any) -> None:
        monkeypatch.setenv("RULESC_WORKER", "1")
        try:
            original(self, source)
        finally:
            monkeypatch.setenv("RULESC_WORKER", "")

    monkeypatch.setattr(pool_module.Worker, "__init__", marked)


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

    class First(JsonLines):
        read_at_first: int | None = None

        def add(self, record: Record, result: Any, line: str | None = None) -> None:
            if self.read_at_first is None:
                self.read_at_first = source.read
            super().add(record, result, line)

        def add_text(self, lines: list[str]) -> None:
            if self.read_at_first is None:
                self.read_at_first = source.read
            super().add_text(lines)

    sink = First(io.StringIO())
    run(Input("json", source, read_claim_records, source), ENGINE, sink, 2, batch=4)
    assert sink.read_at_first is not None and sink.read_at_first <= (2 * 2 + 1) * 4 + 1
    assert source.read > 390


@pytest.mark.slow
def test_eval_jobs_on_the_command_line(tmp_path: Path) -> None:
    claims = [json.dumps(random_claim(random.Random(n))) for n in range(1200)]
    source = tmp_path / "claims.jsonl"
    source.write_text("\n".join(claims) + "\n", encoding="utf-8")
    outputs = []
    for jobs, engine in (("1", "compiled"), ("2", "compiled"), ("3", "compiled"), ("2", "interpreter")):
        out = tmp_path / f"out-{jobs}-{engine}.jsonl"
        code, _, err = run_cli("eval", str(PACK), "--input", str(source), "--output", str(out), "--jobs", jobs,
                               "--engine", engine)
        assert code == 1 and err.endswith(" errors\n")
        outputs.append((out.read_text(encoding="utf-8"), err))
    assert outputs[0] == outputs[1] == outputs[2] == outputs[3] and outputs[0][0].count("\n") == 1200
    for bad in ("0", "-2", "two"):
        code, _, err = run_cli("eval", str(PACK), "--input", str(source), "--jobs", bad)
        assert code == 2 and "--jobs: expected a number of processes" in err


def test_jobs_default_to_the_machines_cores() -> None:
    _, options = cli.parse(["eval", str(PACK), "--input", "-"])
    assert options.jobs == cli.cores() >= 1  # type: ignore[attr-defined]


# -- a module with a data file beside it


def test_a_module_reads_its_data_file_wherever_it_goes(tmp_path: Path) -> None:
    """The loader, the workers and carried files (Dask, Spark) all find `<name>.tables` beside the
    module: the hand-made module denies the codes its data file lists."""
    assert [p.name for p in module_files(SIDECAR)] == ["tabled.py", "tabled.tables"]
    assert data_file(tmp_path / "tabled.cpython-311-x86_64-linux-gnu.so") == tmp_path / "tabled.tables"
    module = load_module(SIDECAR)
    assert load_module(SIDECAR) is module and frozenset({"96372", "96374"}) == module.denied()
    claims = "".join(json.dumps({"id": f"T{n}", "lines": [{"code": code}]}) + "\n"
                     for n, code in enumerate(["96372", "99213", "96374", "96360"] * 30))
    expected = through(text_input(io.StringIO(claims)), ModuleFile(str(SIDECAR)))
    assert expected[1] == "120 claims, 60 with findings, 0 errors"
    carried = ModuleFiles.read(SIDECAR)
    assert [name for name, _ in carried.files] == ["tabled.py", "tabled.tables"]
    assert through(text_input(io.StringIO(claims)), ModuleFile(str(SIDECAR)), jobs=2, batch=7) == expected
    assert through(text_input(io.StringIO(claims)), carried, jobs=2, batch=7) == expected
    assert through(text_input(io.StringIO(claims)), carried) == expected
    alone = tmp_path / "tabled.py"  # without its data file the module does not import
    alone.write_bytes(SIDECAR.read_bytes())
    with pytest.raises(ImportError, match=r"tabled\.tables is not beside"):
        load_module(alone)


# -- every format, through the command line: --jobs 2 writes what --jobs 1 writes


def _x12(tmp_path: Path) -> Path:
    """The X12 scenarios, 40 interchanges of them (600 claims), each with its own control number."""
    text = (ROOT / "tests" / "inputs" / "data" / "837p-scenarios.x12").read_text(encoding="utf-8")
    parts = [text.replace("000000101", f"{n:09d}") for n in range(1, 41)]
    path = tmp_path / "claims.x12"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def _fhir(tmp_path: Path) -> Path:
    lines = (ROOT / "tests" / "inputs" / "data" / "fhir-claims.ndjson").read_text(encoding="utf-8").splitlines()
    out = []
    for n in range(80):
        for line in lines:
            resource = json.loads(line)
            resource["id"] = f"{resource.get('id')}-{n}"
            out.append(json.dumps(resource))
    out.insert(300, "{not json")
    path = tmp_path / "claims.ndjson"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _parquet(tmp_path: Path) -> Path:
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from compiler.inputs.parquet import claims_table
    from tests.inputs.common import pack_claims

    claims = [{**claim, "id": f"{claim['id']}-{n}"} for n in range(20) for claim in pack_claims().values()]
    path = tmp_path / "claims.parquet"
    pq.write_table(claims_table(claims), path, row_group_size=100)
    return path


@pytest.mark.slow
@pytest.mark.parametrize(("maker", "extra"), [(_x12, "pyx12"), (_fhir, "fhir.resources"), (_parquet, "pyarrow")])
def test_every_format_in_workers_as_in_one_process(tmp_path: Path, maker: Any, extra: str) -> None:
    pytest.importorskip(extra)
    source = str(maker(tmp_path))
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}.jsonl"
        code, _, err = run_cli("eval", str(PACK), "--input", source, "--output", str(out), "--jobs", jobs)
        assert code in (0, 1), err
        outputs.append((out.read_bytes(), err))
    assert outputs[0] == outputs[1]
    assert outputs[0][0].count(b"\n") > 512
    if extra == "pyarrow":
        import pyarrow.parquet as pq

        tables = []
        for jobs in ("1", "2"):
            folder = tmp_path / f"parquet-{jobs}"
            run_cli("eval", str(PACK), "--input", source, "--output-format", "parquet", "--output", str(folder),
                    "--jobs", jobs)
            tables.append([pq.read_table(folder / name).to_pylist() for name in ("claims.parquet", "findings.parquet")])
        assert tables[0] == tables[1] and len(tables[0][0]) > 512


def test_summaries_add_up() -> None:
    total = Summary()
    total.merge(Summary(3, 1, 1))
    total.merge(Summary(2, 2, 0))
    assert str(total) == "5 claims, 3 with findings, 1 error"


@pytest.mark.parametrize(("counts", "text"), [
    ((1, 1, 1), "1 claim, 1 with findings, 1 error"), ((0, 0, 0), "0 claims, 0 with findings, 0 errors"),
    ((2, 0, 2), "2 claims, 0 with findings, 2 errors"), ((1200, 3, 0), "1200 claims, 3 with findings, 0 errors")])
def test_a_summary_says_one_claim_and_one_error(counts: tuple[int, int, int], text: str) -> None:
    assert str(Summary(*counts)) == text


def test_an_opened_input_reads_its_records_here(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(CLAIMS[:3]) + "\n", encoding="utf-8")
    with ExitStack() as stack:
        opened = open_input("auto", str(path), stack)
        assert opened.format == "json" and len(list(opened.records())) == 3


@settings(max_examples=examples(500), deadline=None)
@given(st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.booleans()), st.booleans())
def test_result_lines_are_what_json_writes(claim: object, found: bool) -> None:
    """The shortcut for a clean claim writes the bytes json.dumps writes, whatever its id."""
    findings = [{"rule": "R", "line": 1}] if found else []
    result = {"id": claim, "findings": findings}
    expected = json.dumps(result, ensure_ascii=False)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in expected):
        expected = json.dumps(result)
    assert result_line(result) == expected + "\n"


def test_workers_write_nothing_of_their_own_on_standard_error(tmp_path: Path, analyzed: None) -> None:
    """A command with workers says on standard error what one process says: its summary alone."""
    source = tmp_path / "claims.jsonl"
    source.write_text("".join(json.dumps(random_claim(random.Random(n))) + "\n" for n in range(700)),
                      encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "compiler", "eval", str(PACK), "--input", str(source), "--jobs", "2",
                           "--output", str(tmp_path / "out.jsonl")], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode in (0, 1)
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("700 claims, "), done.stderr
