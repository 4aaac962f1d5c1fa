"""A broken record is reported where it starts, in every format and every way of running.

A record is cut off at several places (after a key, inside a string, after a comma, in the middle
of a number, without its closing braces; for X12, segments cut or lost; for Parquet, rows that do
not make a claim). Each time the error names the broken record's own position (JSON: the line and
column where it starts, and the fault on its own text, never in a record after it; X12: its claim's
CLM segment; Parquet: its file and first row), and every other record gets the result it gets
without the broken one, in input order: one process or worker processes, either engine.
"""

from __future__ import annotations

import functools
import io
import json
import re
import textwrap
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from compiler.batch import Collect, EngineSource, ModuleFile, Result, run
from compiler.inputs.formats import open_input, text_input
from compiler.inputs.records import Ordinal, Record
from compiler.interpreter.engine import InterpreterSource
from tests.conftest import PACK, ROOT
from tests.helpers import compile_plan, run_cli
from tests.inputs.common import DATA

MODULE = ROOT / "generated" / "cpcp026.py"


@functools.cache
def engine(name: str) -> EngineSource:
    if name == "compiled":
        return ModuleFile(str(MODULE))
    plan, _ = compile_plan(PACK)
    return InterpreterSource(plan)


def evaluated(source: Callable[[ExitStack], Any], jobs: int, engine_name: str) -> list[tuple[Record, Result]]:
    """Every record and result, read from a fresh `source`; batches of two, so that `jobs` 2 sends
    even these few records to worker processes."""
    sink = Collect()
    with ExitStack() as stack:
        run(source(stack), engine(engine_name), sink, jobs, batch=2)
    return sink.items


WAYS = [pytest.param(1, "compiled", id="jobs1-compiled"), pytest.param(1, "interpreter", id="jobs1-interpreter"),
        pytest.param(2, "compiled", id="jobs2-compiled", marks=pytest.mark.slow),
        pytest.param(2, "interpreter", id="jobs2-interpreter", marks=pytest.mark.slow)]


def others_unharmed(items: list[tuple[Record, Result]], broken: int, reference: list[tuple[Record, Result]]) -> None:
    """Every record but the broken one gets the result it gets when the broken one is not there."""
    assert [r.index for r, _ in items] == list(range(len(items)))
    kept = [result for n, (_, result) in enumerate(items) if n != broken]
    assert kept == [result for _, result in reference]
    assert all("findings" in result for result in kept)


# -- JSON: a claim cut off at several places


def claim(n: int) -> dict[str, Any]:
    return {"id": f"C{n}", "type": "professional", "pos": "11", "lines": [
        {"code": "96372", "date": "2024-09-12", "units": 1},
        {"code": "J2357", "date": "2024-09-12", "units": 30}]}


# where the record is cut (its text is kept up to the end of the first `marker`; None: up to its
# closing brackets, which are lost), and what the error says is wrong there
CUTS = {
    "after a key": ('"units":', "expecting value (the record is cut off)"),
    "inside a string": ('"date": "2024-0', "a string is not closed on its line"),
    "after a comma": ('"code": "96372",', "expecting property name enclosed in double quotes (the record is cut off)"),
    "mid-number": ('"units": 3', "expecting ',' delimiter (the record is cut off)"),
    "missing closing braces": (None, "expecting ',' delimiter (the record is cut off)"),
}
FHIR_MARKERS = {"after a key": '"quantity":', "inside a string": '"servicedDate": "2024-0',
                "after a comma": '"sequence": 1,', "mid-number": '"net": {"value": 5',
                "missing closing braces": None}


def cut(text: str, marker: str | None) -> str:
    if marker is None:
        return text.rstrip("}] \n")
    return text[:text.index(marker) + len(marker)]


def after(text: str, line: int, column: int) -> tuple[int, int]:
    """The line and column just after `text`, written from `line`, `column` on."""
    rows = text.split("\n")
    return line + len(rows) - 1, (column if len(rows) == 1 else 1) + len(rows[-1])


def json_lines(texts: list[str], broken: int | None) -> tuple[str, tuple[int, int]]:
    """JSON Lines; the broken record's line and column."""
    return "".join(t + "\n" for t in texts), (1 + (broken or 0), 1)


def objects(texts: list[str], broken: int | None) -> tuple[str, tuple[int, int]]:
    """Pretty-printed objects back to back."""
    text = "\n".join(texts) + "\n"
    return text, (1 + "\n".join(texts[:broken or 0]).count("\n") + (1 if broken else 0), 1)


def array(texts: list[str], broken: int | None) -> tuple[str, tuple[int, int]]:
    """A JSON array, an element on each line (or over several, indented), the broken one without
    the comma after it."""
    elements = [textwrap.indent(t, "  ") + ("" if n == broken else ",") for n, t in enumerate(texts)]
    elements[-1] = elements[-1].removesuffix(",")
    start = 2 + "\n".join(elements[:broken or 0]).count("\n") + (1 if broken else 0)
    return "[\n" + "\n".join(elements) + "\n]\n", (start, 3)


LAYOUTS: dict[str, tuple[Callable[[list[str], int | None], tuple[str, tuple[int, int]]], int | None]] = {
    "json lines": (json_lines, None), "one claim a line in an array": (array, None),
    "pretty-printed objects back to back": (objects, 2), "a pretty-printed array": (array, 2)}


def texts_of(layout: str, values: Iterable[object]) -> list[str]:
    return [json.dumps(value, indent=LAYOUTS[layout][1]) for value in values]


def expected_error(start: tuple[int, int], kept: str, reason: str) -> str:
    line, column = after(kept, *start)
    where = f"column {column}" if line == start[0] else f"line {line}, column {column}"
    return f"line {start[0]}, column {start[1]}: not valid JSON at {where}: {reason}"


@pytest.mark.parametrize(("jobs", "engine_name"), WAYS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("place", CUTS)
def test_a_json_claim_cut_off_is_reported_where_it_starts(layout: str, place: str, jobs: int,
                                                          engine_name: str) -> None:
    marker, reason = CUTS[place]
    texts = texts_of(layout, [claim(n) for n in range(1, 6)])
    texts[2] = cut(texts[2], marker)
    text, start = LAYOUTS[layout][0](texts, 2)
    items = evaluated(lambda _: text_input(io.StringIO(text)), jobs, engine_name)
    assert len(items) == 5
    record, result = items[2]
    assert (record.position.line, record.position.column) == start  # type: ignore[union-attr]
    written = texts[2].replace("\n", "\n  ") if LAYOUTS[layout][0] is array else texts[2]  # as indented there
    assert result == {"id": None, "error": expected_error(start, written, reason)}
    others = texts_of(layout, [claim(n) for n in (1, 2, 4, 5)])
    reference = evaluated(lambda _: text_input(io.StringIO(LAYOUTS[layout][0](others, None)[0])), 1, engine_name)
    others_unharmed(items, 2, reference)


@pytest.mark.parametrize(("jobs", "engine_name"), WAYS)
@pytest.mark.parametrize("value", [[1, 2], [], "text", 12, None, True])
def test_a_json_line_that_is_not_an_object_is_one_error_at_its_line(value: object, jobs: int,
                                                                    engine_name: str) -> None:
    lines = [json.dumps(claim(n)) for n in range(1, 6)]
    lines.insert(2, "  " + json.dumps(value))
    items = evaluated(lambda _: text_input(io.StringIO("\n".join(lines) + "\n")), jobs, engine_name)
    kind = {list: "an array", str: "a string", int: "a number", type(None): "null", bool: "a boolean"}[type(value)]
    if value == []:  # an empty array of claims holds no record
        assert len(items) == 5 and all("findings" in result for _, result in items)
        return
    assert len(items) == 6
    assert items[2][1] == {"id": None, "error": f"line 3, column 3: expected a claim object, got {kind}"}
    reference = evaluated(lambda _: text_input(io.StringIO("\n".join(lines[:2] + lines[3:]))), 1, engine_name)
    others_unharmed(items, 2, reference)


def test_arrays_of_claims_still_read_as_claims() -> None:
    """An input that starts with an array reads every top-level array element by element, and an
    array of objects after other claims is read so too (`cat claim.json claims.json`)."""
    one, two = json.dumps(claim(1)), json.dumps(claim(2))
    inputs = {f"[{one}, {two}]\n[{one}]": ["C1", "C2", "C1"], f"{one}\n[{two}, {one}]": ["C1", "C2", "C1"],
              f"{one}\n[\n  {two}\n]": ["C1", "C2"], f"{one}\n[]\n{two}": ["C1", "C2"]}
    for text, ids in inputs.items():
        assert [result["id"] for _, result in evaluated(lambda _, t=text: text_input(io.StringIO(t)), 1,
                                                         "compiled")] == ids
    # the input's first value is an array: its elements are the records
    assert [result["error"] for _, result in evaluated(lambda _: text_input(io.StringIO("[1, 2]")), 1, "compiled")] == [
        "line 1, column 2: expected a claim object, got a number",
        "line 1, column 5: expected a claim object, got a number"]


def test_the_reported_case_on_the_command_line(tmp_path: Path, analyzed: None) -> None:
    """The JSON Lines file of the report: line 3 cut off after `"units":`, a line holding `[1, 2]`;
    enough lines that `--jobs 2` gives them to worker processes."""
    lines = [json.dumps(claim(n)) for n in range(1, 1201)]
    lines[2] = cut(lines[2], '"units":')
    lines[5] = "[1, 2]"
    source = tmp_path / "claims.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = set()
    for jobs in ("1", "2"):
        code, out, err = run_cli("eval", str(PACK), "--input", str(source), "--jobs", jobs)
        results = [json.loads(line) for line in out.splitlines()]
        assert code == 1 and err.startswith("1200 claims, ") and err.endswith(" 2 errors\n")
        assert results[2] == {"id": None, "error": "line 3, column 1: not valid JSON at column 109: expecting value "
                                                   "(the record is cut off)"}
        assert results[5] == {"id": None, "error": "line 6, column 1: expected a claim object, got an array"}
        assert [r["id"] for r in results] == [None if n in (2, 5) else f"C{n + 1}" for n in range(1200)]
        outputs.add(out)
    assert len(outputs) == 1


# -- FHIR NDJSON


FHIR_LINES = (DATA / "fhir-claims.ndjson").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(("jobs", "engine_name"), WAYS)
@pytest.mark.parametrize("place", CUTS)
def test_a_fhir_resource_cut_off_is_reported_at_its_line(place: str, jobs: int, engine_name: str) -> None:
    pytest.importorskip("fhir.resources", reason="FHIR input needs the fhir extra (fhir.resources)")
    lines = [FHIR_LINES[0], FHIR_LINES[2], FHIR_LINES[1], FHIR_LINES[3], FHIR_LINES[4]]  # E04, cut, in the middle
    lines[2] = cut(lines[2], FHIR_MARKERS[place])
    items = evaluated(lambda _: text_input(io.StringIO("\n".join(lines) + "\n"), "fhir"), jobs, engine_name)
    assert len(items) == 5
    assert items[2][1] == {"id": None, "error": expected_error((3, 1), lines[2], CUTS[place][1])}
    reference = evaluated(lambda _: text_input(io.StringIO("\n".join(lines[:2] + lines[3:]) + "\n"), "fhir"), 1,
                          engine_name)
    others_unharmed(items, 2, reference)


# -- X12: a claim's segments cut or lost


X12_TEXT = (DATA / "837p-scenarios.x12").read_text(encoding="utf-8")
X12_CUTS = {  # in the claim X14, in the third transaction set (the second part the file is cut into)
    "a segment cut in an element, its terminator lost": ("SV1*HC:96372*50*UN*1***1~", "SV1*HC:96372*5"),
    "the claim segment cut after a separator": ("CLM*X14*580***11:B:1*Y*A*Y*Y~", "CLM*X14*580***~"),
    "a date cut in its value": ("DTP*472*D8*20240912~", "DTP*472*D8*2024~"),
    "the claim's last segment lost": ("DTP*472*D8*20240912~\nCLM*X15", "CLM*X15"),
}


def recount(text: str) -> str:
    """SE01 counts the segments of its transaction set again (the damage changed them)."""
    segments = text.split("~")
    count: int | None = None
    for number, segment in enumerate(segments):
        name = segment.strip().split("*", 1)[0]
        count = 0 if name == "ST" else count
        if count is not None:
            count += 1
        if name == "SE" and count is not None:
            fields = segment.split("*")
            fields[1] = str(count)
            segments[number] = "*".join(fields)
            count = None
    return "~".join(segments)


@pytest.mark.parametrize(("jobs", "engine_name"), WAYS)
@pytest.mark.parametrize("damage", X12_CUTS)
def test_an_x12_claim_cut_is_reported_at_its_clm_segment(damage: str, jobs: int, engine_name: str,
                                                         tmp_path: Path) -> None:
    pytest.importorskip("pyx12", reason="X12 input needs the x12 extra (pyx12)")
    at = X12_TEXT.index("CLM*X14")
    old, new = X12_CUTS[damage]
    damaged = recount(X12_TEXT[:at] + X12_TEXT[at:].replace(old, new, 1))
    clm = damaged[:at].count("~") + 1
    (tmp_path / "damaged.x12").write_text(damaged, encoding="utf-8")
    items = evaluated(lambda stack: open_input("x12", str(tmp_path / "damaged.x12"), stack), jobs, engine_name)
    reference = evaluated(lambda stack: open_input("x12", str(DATA / "837p-scenarios.x12"), stack), 1, engine_name)
    assert len(items) == len(reference)
    broken = [n for n, (record, _) in enumerate(items) if record.error is not None]
    assert len(broken) == 1 and reference[broken[0]][1]["id"] == "X14"
    record, result = items[broken[0]]
    assert record.position == Ordinal("segment", clm, "CLM")
    assert result["id"] == "X14" and result["error"].startswith(f"segment {clm} (CLM): ")
    faults = [int(n) for n in re.findall(r"segment (\d+)", result["error"])]
    assert all(clm <= n <= clm + 11 for n in faults), result["error"]  # X14's own segments, and X15's CLM
    others_unharmed(items, broken[0], [item for n, item in enumerate(reference) if n != broken[0]])


def test_an_x12_file_is_cut_into_parts_for_the_workers(tmp_path: Path) -> None:
    """The X12 test above runs the way `--jobs 2` runs a file: in parts, its transaction sets."""
    pytest.importorskip("pyx12", reason="X12 input needs the x12 extra (pyx12)")
    with ExitStack() as stack:
        opened = open_input("x12", str(DATA / "837p-scenarios.x12"), stack)
        parts = opened.parts() if opened.parts is not None else None
        assert parts is not None and [part.first for part in parts] == [3, 142]


# -- Parquet: rows that do not make a claim, a file damaged midway


def _parquet() -> Any:
    return pytest.importorskip("pyarrow.parquet", reason="Parquet needs the parquet extra (pyarrow)")


def _claims(first: int, count: int) -> list[dict[str, Any]]:
    """Claims of three lines each (so of three rows), their ids in sorting order."""
    return [{**claim(n), "id": f"P{n:03d}", "lines": [*claim(n)["lines"], {"code": "96372", "date": "2024-09-13"}]}
            for n in range(first, first + count)]


PARQUET_CUTS = {
    "a line row lost": (lambda rows: rows.pop(7), "line 3 at row 8, where line 2 of claim 'P003' was due "
                                                  "(rows are in line order, numbered from 1)"),
    "a row that lost its claim fields": (lambda rows: rows[7].update(claim_type=None),
                                         "claim_type differs between the rows of claim 'P003' (row 7: "
                                         "'professional', row 8: None)"),
}


@pytest.mark.parametrize(("jobs", "engine_name"), WAYS)
@pytest.mark.parametrize("damage", PARQUET_CUTS)
def test_parquet_rows_that_make_no_claim_are_reported_at_the_file_and_first_row(
        damage: str, jobs: int, engine_name: str, tmp_path: Path) -> None:
    pq = _parquet()
    import pyarrow as pa

    from compiler.inputs.parquet import LINES_SCHEMA, lines_table

    folder, whole = tmp_path / "claims", tmp_path / "whole"
    for place in (folder, whole):
        place.mkdir()
        pq.write_table(lines_table(_claims(1, 5)), place / "part-0.parquet")
        pq.write_table(lines_table(_claims(6, 4)), place / "part-1.parquet")
    rows = lines_table(_claims(1, 5)).to_pylist()
    change, message = PARQUET_CUTS[damage]
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=LINES_SCHEMA), folder / "part-0.parquet")
    items = evaluated(lambda stack: open_input("parquet", str(folder), stack), jobs, engine_name)
    assert len(items) == 9
    record, result = items[2]
    assert str(record.position) == "part-0.parquet, row 7"
    assert result == {"id": "P003", "error": f"part-0.parquet, row 7: {message}"}
    reference = [item for n, item in enumerate(evaluated(lambda stack: open_input("parquet", str(whole), stack), 1,
                                                         engine_name)) if n != 2]
    others_unharmed(items, 2, reference)


@pytest.mark.parametrize("layout", ["lines", "claims"])
def test_parquet_rows_that_cannot_be_read_are_reported_where_they_start(layout: str, tmp_path: Path) -> None:
    """A damaged page: one error where the rows that cannot be read start, with the file's name, and
    the rows after them are read; in the line layout the claims whose rows may lie in the damaged
    rows are errors where they start, never claims evaluated without some of their lines."""
    pq = _parquet()
    from compiler.inputs.parquet import claims_table, lines_table

    table = lines_table if layout == "lines" else claims_table
    folder = tmp_path / "claims"
    folder.mkdir()
    pq.write_table(table(_claims(1, 12)), folder / "part-0.parquet", row_group_size=10 if layout == "lines" else 4,
                   compression="NONE")
    pq.write_table(table(_claims(20, 3)), folder / "part-1.parquet")
    data = bytearray((folder / "part-0.parquet").read_bytes())
    column = pq.ParquetFile(folder / "part-0.parquet").metadata.row_group(1).column(0)
    start = column.data_page_offset
    data[start:start + column.total_compressed_size] = b"\xab" * column.total_compressed_size
    (folder / "part-0.parquet").write_bytes(bytes(data))
    if layout == "lines":  # rows 11 to 20 damaged: P004 (rows 10-12) goes on in them, P007 (rows 19-21) starts in them
        errors = {3: ("part-0.parquet, row 10", "part-0.parquet, row 10: claim 'P004' is not read: its rows may go "
                                                "on in rows 11 to 20, which cannot be read"),
                  4: ("part-0.parquet, row 11", "part-0.parquet, row 11: rows 11 to 20 cannot be read: "),
                  5: ("part-0.parquet, row 21", "part-0.parquet, row 21: claim 'P007' is not read: its first rows "
                                                "may be in rows 11 to 20, which cannot be read")}
        ids = ["P001", "P002", "P003", "P004", None, "P007", *(f"P{n:03d}" for n in (8, 9, 10, 11, 12, 20, 21, 22))]
    else:  # rows 5 to 8 damaged: the claims P005 to P008
        errors = {4: ("part-0.parquet, row 5", "part-0.parquet, row 5: rows 5 to 8 cannot be read: ")}
        ids = ["P001", "P002", "P003", "P004", None, *(f"P{n:03d}" for n in (9, 10, 11, 12, 20, 21, 22))]
    for engine_name in ("compiled", "interpreter"):
        items = evaluated(lambda stack: open_input("parquet", str(folder), stack), 1, engine_name)
        assert [result["id"] for _, result in items] == ids
        for n, (record, result) in enumerate(items):
            if n in errors:
                assert str(record.position) == errors[n][0] and result["error"].startswith(errors[n][1])
            else:
                assert "findings" in result
