"""The streaming claim reader: formats, positions, one error per broken record, recovery."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.inputs.jsonstream import open_text, read_json_records
from compiler.inputs.records import Position, Record
from tests.conftest import examples


def read(text: str, chunk: int = 1 << 16) -> list[tuple[str, object]]:
    """(position, value or "ERROR: ...") for each record."""
    return [(str(r.position), r.value if r.ok else f"ERROR: {r.error}")
            for r in read_json_records(io.StringIO(text), chunk)]


def values(text: str) -> list[object]:
    return [value for _, value in read(text)]


def test_position_is_rendered_for_people_and_for_json() -> None:
    assert str(Position(3, 5)) == "line 3, column 5" and Position(3, 5).to_dict() == {"line": 3, "column": 5}
    assert Record(0, Position(1, 1), {"id": 1}).ok and not Record(1, Position(2, 1), None, "bad").ok


def test_json_lines_with_positions() -> None:
    assert read('{"id": 1}\n\n  {"id": 2}\r\n{"id": 3}') == [
        ("line 1, column 1", {"id": 1}), ("line 3, column 3", {"id": 2}), ("line 4, column 1", {"id": 3})]


def test_an_array_is_read_element_by_element() -> None:
    assert read('[\n  {"id": 1},\n  {"id": 2}\n]\n') == [
        ("line 2, column 3", {"id": 1}), ("line 3, column 3", {"id": 2})]


def test_values_back_to_back() -> None:
    text = json.dumps({"id": 1}, indent=2) + "\n" + json.dumps({"id": 2}) + "\n" + json.dumps([{"id": 3}, {"id": 4}])
    assert values(text) == [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}]


def test_text_after_a_value_on_its_line_makes_one_broken_record() -> None:
    """`{}{` is one line of JSON Lines that is not JSON, not a claim and a broken one."""
    assert values('{}{\n{"id": 2}\n') == [
        "ERROR: line 1, column 1: not valid JSON at column 3: unexpected text after the value", {"id": 2}]


def test_a_broken_json_line_is_one_error_and_the_next_line_is_read() -> None:
    assert read('{"id": 1}\n{"id": 2,, "x": 1}\n{"id": 3}\n') == [
        ("line 1, column 1", {"id": 1}),
        ("line 2, column 1", "ERROR: line 2, column 1: not valid JSON at column 10: expecting property name "
                             "enclosed in double quotes"),
        ("line 3, column 1", {"id": 3})]


@pytest.mark.parametrize(("line", "column"), [('{"id": 1} x', 11), ("0 0", 3), ('{"id": 1}}', 10),
                                              ('{"id": 1} [2]', 11)])
def test_text_after_a_value_on_its_line_breaks_that_line(line: str, column: int) -> None:
    assert values(f'{line}\n{{"id": 2}}') == [
        f"ERROR: line 1, column 1: not valid JSON at column {column}: unexpected text after the value", {"id": 2}]


@pytest.mark.parametrize("chunk", [1, 3, 1 << 16])
def test_indented_records_resume_at_the_next_record_indented_as_far(chunk: int) -> None:
    """A broken record indented by two spaces: the next line indented as far (or less) starts the
    next record, however the lines are read; a line indented further is part of the broken one."""
    text = '\n  {"id": 1}{"id": 1}\n  {"id": 2}\n  {"id": 3, "x":\n    {"id": 4}\n {"id": 5}\n'
    assert read(text, chunk) == [
        ("line 2, column 3", "ERROR: line 2, column 3: not valid JSON at column 12: unexpected text after the value"),
        ("line 3, column 3", {"id": 2}),
        ("line 4, column 3", "ERROR: line 4, column 3: not valid JSON at line 5, column 14: expecting ',' delimiter "
                             "(the record is cut off)"),
        ("line 6, column 2", {"id": 5})]


def test_a_broken_pretty_printed_object_is_one_error() -> None:
    text = '{\n  "id": 1,\n  "lines": [\n    {"code": "x"\n  ]\n}\n{\n  "id": 2\n}\n'
    assert read(text) == [("line 1, column 1", "ERROR: line 1, column 1: not valid JSON at line 5, column 3: "
                                               "expecting ',' delimiter"),
                          ("line 7, column 1", {"id": 2})]


@pytest.mark.parametrize(("element", "fault"), [
    ('{"id": 2,, "x": 1}', "at column 12: expecting property name enclosed in double quotes"),
    ('{"id": 2, "x": [1, }', "at column 22: expecting value"),
    ('{"id": "2}', "at column 14: a string is not closed on its line"),
    ('{"id": "a "quoted" b"}', "at column 14: expecting ',' delimiter"),
    ('{"id": 2, "lines": [{"code": "x"}}', "at column 36: expecting ',' delimiter"),
    ('{"id": tru}', "at column 10: expecting value"),
    ('{"id": 2, "lines": [{"code": "x"}', "at column 37: expecting value (the record is cut off)"),
])
def test_a_broken_array_element_is_one_error_and_the_others_are_read(element: str, fault: str) -> None:
    text = f'[\n  {{"id": 1}},\n  {element},\n  {{"id": 3}},\n  {{"id": 4}}\n]\n'
    assert read(text) == [("line 2, column 3", {"id": 1}),
                          ("line 3, column 3", f"ERROR: line 3, column 3: not valid JSON {fault}"),
                          ("line 4, column 3", {"id": 3}), ("line 5, column 3", {"id": 4})]


def test_a_broken_element_of_a_one_line_array_skips_to_the_next_comma_at_its_depth() -> None:
    text = '[{"id": 1}, {"id": [2, {"a": "x,]"}, oops]}, {"id": 3}]'
    assert values(text) == [{"id": 1}, "ERROR: line 1, column 13: not valid JSON at column 38: expecting value",
                            {"id": 3}]


def test_lenient_where_nothing_can_be_misread() -> None:
    assert values('[{"id": 1} {"id": 2},, {"id": 3},]') == [{"id": 1}, {"id": 2}, {"id": 3}]


def test_a_cut_short_array_is_one_error() -> None:
    assert values('[{"id": 1},\n {"id": 2},') == [
        {"id": 1}, {"id": 2},
        "ERROR: line 2, column 12: the input ends inside the array that opens at line 1, column 1 "
        "(is the file cut short?)"]
    assert values('[{"id": 1}, {"id": 2') == [{"id": 1}, "ERROR: line 1, column 13: not valid JSON at column 21: "
                                                          "expecting ',' delimiter (the record is cut off)"]


def test_a_byte_order_mark_and_bytes_that_are_not_utf8() -> None:
    data = b'\xef\xbb\xbf{"id": 1}\n{"id": "caf\xe9"}\n{"id": "\xc3\xa9"}\n\xff\n'
    records = list(read_json_records(open_text(io.BytesIO(data))))
    assert [(str(r.position), r.value if r.ok else r.error) for r in records] == [
        ("line 1, column 1", {"id": 1}),
        ("line 2, column 1", "line 2, column 1: not UTF-8 text at column 12 (byte 0xE9)"),
        ("line 3, column 1", {"id": "é"}),
        ("line 4, column 1", "line 4, column 1: not UTF-8 text (byte 0xFF)")]


def test_what_json_cannot_read_is_one_error() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert values(f'{{"a": {deep}}}\n{{"id": 2}}') == ["ERROR: line 1, column 1: the record nests too deeply to read",
                                                       {"id": 2}]
    (error, after) = values('{"n": ' + "9" * 5000 + '}\n{"id": 2}')
    assert str(error).startswith("ERROR: line 1, column 1: cannot read this record") and after == {"id": 2}


def test_numbers_and_literals_cut_by_the_buffer_are_read_whole() -> None:
    text = "12345678901234567890 -Infinity 1.5e3\n" * 3
    assert values(text) == [f"ERROR: line {n}, column 1: not valid JSON at column 22: unexpected text after the value"
                            for n in (1, 2, 3)]
    assert values("\n".join(["12345678901234567890", "-Infinity", "1.5e3", '"' + "x" * 100 + '"'])) == [
        12345678901234567890, float("-inf"), 1500.0, "x" * 100]


def test_a_record_longer_than_the_buffer() -> None:
    big = {"id": "big", "lines": [{"code": f"{n:05d}", "date": "2024-09-12"} for n in range(5000)]}
    text = json.dumps([{"id": 1}, big, {"id": 2}]) + "\n" + json.dumps(big, indent=1)
    assert values(text) == [{"id": 1}, big, {"id": 2}, big]
    assert read(text, chunk=7) == read(text)


_PIECES = st.sampled_from(['{"id": 1}', '{"id": "a,b]"}', "[", "]", "{", "}", ",", "\n", "\n  ", " ", '"', "\\",
                           '"x"', "12", "-1.5e3", "true", "nul", ":", '{"a": [1, 2]}', "\ufeff", "\t"])


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_records_do_not_depend_on_how_the_input_is_cut(text: str) -> None:
    """Any text, read a few characters at a time or all at once, gives the same records; the
    reader never raises and always ends."""
    whole = read(text)
    assert read(text, chunk=1) == whole
    assert read(text, chunk=5) == whole
