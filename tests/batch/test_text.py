"""`compiler.batch.text`: JSON lines written without record or result objects are the very bytes,
counts and stopping points of the record way (`read_lines`, `result_of`, `result_line`)."""

from __future__ import annotations

import json
import random

from hypothesis import given
from hypothesis import strategies as st

from compiler.batch import ModuleFile, Summary, result_line, result_of
from compiler.batch.text import text_batch, text_results
from compiler.inputs.lines import read_lines
from tests.claimgen import random_claim
from tests.conftest import ROOT

ENGINE = ModuleFile(str(ROOT / "generated" / "cpcp026.py")).open()


def record_way(lines: list[str], first: int, follows: bool) -> tuple[list[str], Summary, int]:
    summary = Summary()
    records, stopped = read_lines("json", lines, first, 0, follows)
    texts = []
    for record in records:
        result = result_of(record, ENGINE.evaluate, ENGINE.rejected)
        summary.add(result)
        texts.append(result_line(result))
    return texts, summary, stopped


def text_way(lines: list[str], first: int, follows: bool) -> tuple[list[str], Summary, int]:
    summary = Summary()
    texts, stopped = text_batch(lines, first, follows, ENGINE.evaluate, ENGINE.rejected, summary)
    return texts, summary, stopped


def with_id(claim: dict[str, object], claim_id: object) -> str:
    return json.dumps({**claim, "id": claim_id}, ensure_ascii=False)


IDS = st.one_of(st.text(max_size=6), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
                st.none(), st.lists(st.integers(), max_size=2))
ODD_LINES = ["", "   ", "[1, 2]", "[]", '  {"id": "indented"}', '"text"', "12", "null", '{"id": 1e400}',
             '{"id": "\\ud800"}', '{"id": 123456789012345678901234567890, "type": "professional"}', '{"id": "cut',
             '{"id": "x"} {"id": "y"}', '{"id": "\udcff"}', "{}", '{"id": "no lines"}']


@given(st.lists(st.one_of(
    st.tuples(st.integers(0, 10_000), IDS).map(lambda pair: with_id(random_claim(random.Random(pair[0])), pair[1])),
    st.tuples(st.integers(0, 10_000), st.sampled_from(["type", "lines", "pos", "extra"])).map(
        lambda pair: json.dumps({**random_claim(random.Random(pair[0])), pair[1]: [None]})),
    st.sampled_from(ODD_LINES),
), max_size=12), st.integers(1, 50), st.booleans())
def test_the_text_way_writes_what_the_record_way_writes(lines: list[str], first: int, follows: bool) -> None:
    texts, summary, stopped = text_way(lines, first, follows)
    expected, counted, where = record_way(lines, first, follows)
    assert (texts, str(summary), stopped) == (expected, str(counted), where)


def test_usual_lines_go_without_records_up_to_the_first_unusual_one() -> None:
    claims = [json.dumps(random_claim(random.Random(n))) for n in range(6)]
    texts, done = text_results([*claims[:3], "", '  {"id": 1}', *claims[3:]], ENGINE.evaluate, ENGINE.rejected,
                               Summary())
    assert (len(texts), done) == (3, 4)


def test_a_rejected_claim_and_odd_ids_are_written_as_json_writes_them() -> None:
    claim = random_claim(random.Random(7))
    lines = [with_id(claim, "é"), with_id(claim, 12), with_id(claim, True), json.dumps({**claim, "type": "x"})]
    texts, summary, _ = text_way(lines, 1, False)
    assert [json.loads(text)["id"] for text in texts] == ["é", 12, None, claim["id"]]
    assert "error" in json.loads(texts[-1]) and summary.errors == 3  # the contract takes text ids only
