"""An X12 file cut into its transaction sets reads, part by part, exactly as the reader of the
whole file reads it; an envelope the parts cannot place right is not cut, or its parts say so."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("pyx12", reason="X12 input needs the x12 extra (pyx12)")

from compiler.inputs import x12parts
from compiler.inputs.x12 import read_part, read_x12_records
from compiler.inputs.x12parts import transaction_sets
from tests.conftest import examples
from tests.inputs.common import DATA

TEXT = (DATA / "837p-scenarios.x12").read_text(encoding="utf-8")


def whole(path: Path) -> list[tuple[str, object, str | None, str | None]]:
    with path.open(encoding="utf-8", errors="surrogateescape") as source:
        return [(str(r.position), r.value, r.error, r.claim_id) for r in read_x12_records(source)]


def in_parts(path: Path) -> list[tuple[str, object, str | None, str | None]] | None:
    """The records part by part; None when the file is not cut or a part says it cannot be placed."""
    parts = transaction_sets(path)
    if parts is None:
        return None
    found = []
    for part in parts:
        records, clean = read_part(part.text, part.first, part.segments)
        if not clean:
            return None
        found += [(str(r.position), r.value, r.error, r.claim_id) for r in records]
    return found


DAMAGES = {
    "a fault inside a claim": ("DTP*472*D8*20240912", "DTP*472*D8*20241340", True),
    "a service line without its procedure": ("SV1*HC:96372*50*UN*1***1~", "SV1*XX:96372*50*UN*1***1~", True),
    "an SE count that is wrong": ("SE*81*0001", "SE*80*0001", True),
    "a GE count that is wrong": ("GE*2*101", "GE*3*101", False),
    "an IEA that closes another interchange": ("IEA*2*000000101", "IEA*2*000000102", False),
    "an ISA date that is no date": ("*240913*1200*", "*241340*1200*", True),
    "an empty segment": ("BHT*0019", "~BHT*0019", False),
    "text after the last IEA": ("IEA*2*000000101~", "IEA*2*000000101~\nGS*HC", False),
    "a guide the reader does not map": ("005010X222A1~\nST*837*0001", "005010X221A1~\nST*837*0001", False),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", DAMAGES)
def test_a_damaged_file_reads_the_same_cut_or_whole(tmp_path: Path, name: str) -> None:
    old, new, regular = DAMAGES[name]
    assert old in TEXT
    path = tmp_path / "damaged.x12"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    assert (transaction_sets(path) is not None) == regular
    parts = in_parts(path)
    assert parts is None or parts == whole(path)


def test_a_regular_file_is_cut_into_its_transaction_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sets of one functional group go together up to a number of claims, each group apart."""
    parts = transaction_sets(DATA / "837p-scenarios.x12")
    assert parts is not None
    assert [(p.first, p.segments) for p in parts] == [(3, 137), (142, 75)]
    assert in_parts(DATA / "837p-scenarios.x12") == whole(DATA / "837p-scenarios.x12")
    monkeypatch.setattr(x12parts, "PART_CLAIMS", 1)
    parts = transaction_sets(DATA / "837p-scenarios.x12")
    assert parts is not None
    assert [(p.first, p.segments) for p in parts] == [(3, 81), (84, 56), (142, 75)]
    assert in_parts(DATA / "837p-scenarios.x12") == whole(DATA / "837p-scenarios.x12")
    single = tmp_path / "one.x12"  # one transaction set: nothing to cut
    first_set = TEXT[:TEXT.index("ST*837*0002")].rsplit("\n", 1)[0]
    single.write_text(first_set + "\nGE*1*101~\nIEA*1*000000101~\n", encoding="utf-8")
    assert transaction_sets(single) is None


@pytest.mark.slow  # a damaged file sends pyx12 searching: seconds for each example
@settings(max_examples=examples(25), deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(TEXT)), st.integers(0, 8),
                          st.sampled_from([*"*:~^\n0129", "DTP*472*D8*2024", "SE*", "GE*", "\u00e9"])), max_size=3))
def test_damage_anywhere_reads_the_same_cut_or_whole(edits: list[tuple[int, int, str]]) -> None:
    import tempfile

    text = TEXT
    for at, length, replacement in edits:
        text = text[:at] + replacement + text[at + length:]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.x12"
        path.write_text(text, encoding="utf-8")
        parts = in_parts(path)
        assert parts is None or parts == whole(path)


def test_records_read_from_text_and_from_parts_agree() -> None:
    records = list(read_x12_records(io.StringIO(TEXT)))
    assert len(records) == 15 and all(r.ok for r in records)
