"""X12 837P and 837I in: the pack's scenarios written as 837 files give the findings of their
JSON form; faults are reported with their segment, and the other claims are still read."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

pytest.importorskip("pyx12", reason="X12 input needs the x12 extra (pyx12)")

from compiler.inputs.records import Ordinal
from compiler.inputs.x12 import read_x12_records
from tests.conftest import PACK
from tests.helpers import run_cli
from tests.inputs.common import DATA, agrees, findings, pack_claims

PROFESSIONAL = ["E01", "E02", "E03", "E04", "E05", "E12", "E13", "X13", "X14", "X15", "X20", "X21", "X28", "X29", "X11"]
INSTITUTIONAL = ["E09", "X16", "X23", "X02", "X05"]
# What an 837 cannot carry (docs/FORMATS.md): the HCPCS drug an administration line delivers.
LOST = frozenset({"drug"})


def read(path: Path) -> list:  # type: ignore[type-arg]
    with open(path, encoding="utf-8") as source:
        return list(read_x12_records(source))


def text_records(text: str) -> list:  # type: ignore[type-arg]
    return list(read_x12_records(io.StringIO(text)))


@pytest.mark.parametrize(("file", "ids"), [("837p-scenarios.x12", PROFESSIONAL), ("837i-scenarios.x12", INSTITUTIONAL)])
def test_837_scenarios_give_the_findings_of_their_json_form(file: str, ids: list[str]) -> None:
    records = read(DATA / file)
    assert [r.error for r in records] == [None] * len(ids)
    assert [r.value["id"] for r in records] == ids
    for record in records:
        source = pack_claims()[record.value["id"]]
        agrees(record.value, source, LOST)
        assert findings(record.value) == findings(source), source["id"]
    with_findings = sum(bool(findings(r.value)) for r in records)
    assert 0 < with_findings < len(records)  # some scenarios are clean, others not


def test_the_mapping_field_by_field() -> None:
    claims = {r.value["id"]: r.value for r in read(DATA / "837p-scenarios.x12")}
    e01, e04, x11, x15, x20 = claims["E01"], claims["E04"], claims["X11"], claims["X15"], claims["X20"]
    assert e01["type"] == "professional" and e01["pos"] == "11" and e01["member"] == "MEMBER0001"
    assert e01["provider"] == "1234567893"  # 2310B, not the billing provider 1497758544
    assert e01["lines"][1] == {"code": "J2357", "modifiers": ["JZ"], "date": "2024-09-12", "charge": 500,
                               "units": 30, "drug": "50242004062"}
    assert e04["member"] == "MEMBER0002"  # the subscriber, also when a patient loop (2000C) follows
    assert x11["lines"][0]["date"] == "2024-09-12" and x11["lines"][0]["pos"] == "11"  # RD8: first day; SV105
    assert x15["lines"][1]["description"] == "compounded drug, 2 mg"  # SV101-7
    assert "provider" not in x20["lines"][0] and x20["lines"][1]["provider"] == "1987654321"  # 2420A
    assert x20["provider"] == "1234567893"  # no 2310B: the billing provider renders
    institutional = {r.value["id"]: r.value for r in read(DATA / "837i-scenarios.x12")}
    assert institutional["E09"]["bill_type"] == "0131" and "pos" not in institutional["E09"]
    assert institutional["E09"]["provider"] == "1234567893"  # 2310A attending renders when 2310D is absent
    assert [line["date"] for line in institutional["X16"]["lines"]] == ["2024-09-12"] * 3  # DTP*434, one day
    assert institutional["X16"]["lines"][2]["drug"] == "50242006001"
    assert "provider" not in institutional["X02"]  # neither 2310D nor 2310A


def _p_file() -> str:
    return (DATA / "837p-scenarios.x12").read_text(encoding="utf-8")


def test_a_segment_fault_makes_its_claim_an_error_and_the_others_are_read() -> None:
    text = _p_file().replace("CLM*E02*630***11:B:1*Y*A*Y*Y~\nHI*ABK:J4550~\nNM1*82*1*SMITH*JANE****XX*1234567893~\n"
                             "LX*1~\nSV1*HC:99213*80", "CLM*E02*630***11:B:1*Y*A*Y*Y~\nHI*ABK:J4550~\n"
                             "NM1*82*1*SMITH*JANE****XX*1234567893~\nLX*1~\nSV1*HC:99213*8x0", 1)
    records = text_records(text)
    bad = [r for r in records if r.error]
    assert len(bad) == 1  # the SE count is still right: no envelope fault
    assert bad[0].claim_id == "E02" and bad[0].position == Ordinal("segment", 28, "CLM")
    assert bad[0].error.startswith("segment 28 (CLM): segment 32 (SV1): ") and "SV102" in bad[0].error
    assert [r.value["id"] for r in records if r.ok] == [i for i in PROFESSIONAL if i != "E02"]


def test_a_missing_mandatory_segment_belongs_to_the_line_before_it() -> None:
    # E01's second line loses its DTP*472; pyx12 notices at the LIN that follows
    text = _p_file().replace("*30***1~\nDTP*472*D8*20240912~\nLIN", "*30***1~\nLIN", 1)
    text = text.replace("SE*81*0001~", "SE*80*0001~")
    records = text_records(text)
    assert records[0].claim_id == "E01" and records[0].error is not None
    assert records[0].error.startswith("segment 17 (CLM): segment 25 (LIN): Mandatory segment \"Date - Service Date\" "
                                       "(DTP) missing")
    assert all(r.ok for r in records[1:])


def test_an_envelope_fault_is_its_own_record_and_the_claims_are_evaluated() -> None:
    records = text_records(_p_file().replace("SE*56*0002~", "SE*50*0002~").replace("GE*1*102~", "GE*3*102~"))
    errors = [(str(r.position), r.error) for r in records if r.error]
    assert errors == [("segment 139 (SE)", "segment 139 (SE): SE count of 50 for SE02=0002 is wrong. I count 56"),
                      ("segment 217 (GE)", "segment 217 (GE): GE count of 3 for GE02=102 is wrong. I count 1")]
    assert [r.value["id"] for r in records if r.ok] == PROFESSIONAL
    assert [r.index for r in records] == list(range(len(records)))


def test_an_input_cut_short_names_the_claim_it_ends_in() -> None:
    text = _p_file()
    records = text_records(text[:text.index("LX*2~\nSV1*HC:90471")])  # inside X20
    assert [r.value["id"] for r in records if r.ok] == PROFESSIONAL[:PROFESSIONAL.index("X20")]
    cut = [r for r in records if r.error]
    assert cut[0].claim_id == "X20" and cut[0].error == "segment 175 (CLM): the input ends inside this claim"
    assert "Transaction Set Trailer" in cut[1].error and len(cut) == 2


def test_a_functional_group_of_another_guide_is_reported_with_each_of_its_claims() -> None:
    text = _p_file().replace("*102*X*005010X222A1~", "*102*X*005010X224A2~").replace("ST*837*0003*005010X222A1~",
                                                                                     "ST*837*0003*005010X224A2~")
    records = text_records(text)
    errors = [r for r in records if r.error]
    assert errors[0].position == Ordinal("segment", 141, "GS") and "'005010X224A2'" in errors[0].error
    assert [r.claim_id for r in errors[1:]] == ["X14", "X15", "X20", "X21", "X28", "X29", "X11"]
    assert all("functional group of '005010X224A2'" in r.error for r in errors[1:])
    assert [r.value["id"] for r in records if r.ok] == PROFESSIONAL[:8]


def test_what_is_not_x12_is_one_error_record() -> None:
    (record,) = text_records("ISB*00*nonsense~")
    assert record.position == Ordinal("segment", 1, "ISA") and record.error.startswith("segment 1 (ISA): First line")
    assert text_records("") != []  # an empty input is reported too, never a traceback


def test_leading_blank_lines_and_a_byte_order_mark_are_skipped() -> None:
    records = text_records("\ufeff\n\n" + _p_file())
    assert all(r.ok for r in records) and len(records) == len(PROFESSIONAL)


def test_a_line_with_only_a_revenue_code_cannot_be_edited() -> None:
    text = (DATA / "837i-scenarios.x12").read_text(encoding="utf-8")
    text = text.replace("SV2*0270*HC:A4215*30*UN*1~", "SV2*0270**30*UN*1~")
    bad = [r for r in text_records(text) if r.error]
    assert len(bad) == 1 and bad[0].claim_id == "X23"
    assert bad[0].error.startswith("segment 44 (CLM): segment 54 (SV2): the line has revenue code 0270 but no "
                                   "procedure code")


def test_rulesc_eval_detects_x12_and_keeps_claim_ids_on_errors(tmp_path: Path) -> None:
    source = tmp_path / "claims.edi"
    bad_date = _p_file().replace("D8*20240912~\nLX*2~\nSV1*HC:J2357:JZ", "D8*20241340~\nLX*2~\nSV1*HC:J2357:JZ", 1)
    source.write_text(bad_date, encoding="utf-8")
    code, out, err = run_cli("eval", str(PACK), "--input", str(source))
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and err.endswith(f"{len(PROFESSIONAL)} claims, 11 with findings, 1 error\n")
    assert results[0] == {"id": "E01", "error": "segment 17 (CLM): segment 22 (DTP): Data element \"Service Date\" "
                                                "(DTP03) contains an invalid date (20241340)"}
    assert [r["id"] for r in results] == PROFESSIONAL
