"""FHIR R4 Claim in (fhir.resources, R4B models): resources, Bundles and NDJSON encoding the pack's
scenarios give the findings of their JSON form; errors name the entry and the item."""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fhir.resources", reason="FHIR input needs the fhir extra (fhir.resources)")

from compiler.inputs import fhir
from compiler.inputs.fhir import read_fhir_records
from compiler.inputs.records import Ordinal, Position
from tests.conftest import PACK, ROOT
from tests.helpers import run_cli
from tests.inputs.common import DATA, agrees, findings, pack_claims

FILES = {"fhir-bundle.json": ["E01", "E02", "E14", "X08", "X15", "X20", "E09"],
         "fhir-claims.ndjson": ["E03", "E04", "E05", "E12", "X13", "X14", "X16", "X21"],
         "fhir-claim.json": ["X29"]}
LOST = frozenset({"drug"})  # the HCPCS drug an administration line delivers (docs/FORMATS.md)


def read_text(text: str) -> list:  # type: ignore[type-arg]
    return list(read_fhir_records(io.StringIO(text)))


def bundle() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / "fhir-bundle.json").read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize(("file", "ids"), FILES.items())
def test_fhir_scenarios_give_the_findings_of_their_json_form(file: str, ids: list[str]) -> None:
    with open(DATA / file, encoding="utf-8") as source:
        records = list(read_fhir_records(source))
    assert [r.error for r in records] == [None] * len(ids)
    assert [r.value["id"] for r in records] == ids
    for record in records:
        expected = pack_claims()[record.value["id"]]
        agrees(record.value, expected, LOST)
        assert findings(record.value) == findings(expected), expected["id"]


def test_positions_are_bundle_entries_and_ndjson_lines() -> None:
    with open(DATA / "fhir-bundle.json", encoding="utf-8") as source:
        first = next(read_fhir_records(source))
    assert first.position == Ordinal("entry", 5, within=Position(1, 1))
    assert str(first.position) == "line 1, column 1, entry 5"
    with open(DATA / "fhir-claims.ndjson", encoding="utf-8") as source:
        assert [str(r.position) for r in read_fhir_records(source)][:2] == ["line 1, column 1", "line 2, column 1"]


def test_the_mapping_field_by_field() -> None:
    claims = {r.value["id"]: r.value for r in read_text((DATA / "fhir-bundle.json").read_text(encoding="utf-8"))}
    assert claims["E01"]["lines"][1] == {"code": "J2357", "drug": "50242-0040-62", "modifiers": ["JZ"],
                                         "date": "2024-09-12", "pos": "11", "units": 30, "charge": 500}
    assert claims["E01"]["member"] == "MEMBER0001" and claims["E01"]["provider"] == "1234567893"
    assert claims["E02"]["provider"] == "1497758544"  # Claim.provider -> the Organization entry's NPI
    assert [line["provider"] for line in claims["X20"]["lines"]] == ["1234567893", "1987654321"]  # via PractitionerRole
    e14 = claims["E14"]["lines"][0]
    assert (e14["start"], e14["stop"]) == ("2024-09-12T09:00", "2024-09-12T09:25")
    assert claims["X08"]["lines"][0]["stop"] == "2024-09-12T11:00"  # 15:00Z in the start's offset (-04:00)
    assert claims["X15"]["lines"][1]["description"] == "compounded drug, 2 mg"
    assert claims["E09"]["type"] == "institutional" and claims["E09"]["bill_type"] == "0131"


def _with(claim_id: str, change: Any) -> str:
    changed = bundle()
    for entry in changed["entry"]:
        if entry["resource"].get("id") == claim_id:
            change(entry["resource"])
    return json.dumps(changed)


def test_an_item_error_names_the_entry_and_the_item_and_the_other_claims_are_read() -> None:
    def no_code(claim: dict[str, Any]) -> None:
        claim["item"][1]["productOrService"]["coding"][0]["system"] = "http://example.org/local-codes"

    records = read_text(_with("E02", no_code))
    bad = [r for r in records if r.error]
    assert len(bad) == 1 and bad[0].claim_id == "E02"
    assert bad[0].error == ("line 1, column 1, entry 6, item 2: productOrService has no CPT or HCPCS coding: its "
                            "coding is in http://example.org/local-codes, not a system docs/FORMATS.md lists")
    assert [r.value["id"] for r in records if r.ok] == ["E01", "E14", "X08", "X15", "X20", "E09"]


def test_a_validation_error_names_the_item_and_the_element() -> None:
    def bad_quantity(claim: dict[str, Any]) -> None:
        claim["item"][0]["quantity"]["value"] = "thirty"

    (bad,) = [r for r in read_text(_with("E01", bad_quantity)) if r.error]
    assert bad.error.startswith("line 1, column 1, entry 5: item 1: quantity.value: ")


def test_a_care_team_member_without_an_npi_is_an_error() -> None:
    def unknown(claim: dict[str, Any]) -> None:
        claim["careTeam"][0]["provider"] = {"reference": "Practitioner/elsewhere"}

    (bad,) = [r for r in read_text(_with("E02", unknown)) if r.error]
    assert bad.error == ("line 1, column 1, entry 6, item 1: careTeam 1 provider has no NPI identifier "
                         "(Practitioner/elsewhere is not in the Claim or its Bundle)")


def test_other_claim_types_and_resources_are_errors_not_guesses() -> None:
    claim = json.loads((DATA / "fhir-claim.json").read_text(encoding="utf-8"))
    oral = copy.deepcopy(claim)
    oral["type"]["coding"][0]["code"] = "oral"
    patient = {"resourceType": "Patient", "id": "p"}
    text = "\n".join([json.dumps(oral), json.dumps(patient), "{not json", json.dumps(claim)])
    records = read_text(text)
    assert [r.error for r in records[:3]] == [
        "line 1, column 1: type is 'oral'; only professional and institutional claims are edited",
        "line 2, column 1: a Patient resource, not a Claim, an ExplanationOfBenefit or a Bundle",
        "line 3, column 1: not valid JSON at column 2: expecting property name enclosed in double quotes"]
    assert records[3].ok and records[3].value["id"] == "X29"


def test_rulesc_eval_detects_fhir(tmp_path: Path, analyzed: None) -> None:
    code, out, err = run_cli("eval", str(PACK), "--input", str(DATA / "fhir-claims.ndjson"))
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["id"] for r in results] == FILES["fhir-claims.ndjson"]
    assert err == "8 claims, 6 with findings, 0 errors\n"


# -- FHIR claims as CMS publishes them


BLUE_BUTTON = DATA / "fhir-bluebutton-eob.json"


def blue_button_eob() -> dict[str, Any]:
    bundle: dict[str, Any] = json.loads(BLUE_BUTTON.read_text(encoding="utf-8"))
    resource: dict[str, Any] = bundle["entry"][0]["resource"]
    return resource


def as_claim(eob: dict[str, Any]) -> dict[str, Any]:
    """The same claim as a FHIR Claim: the elements an ExplanationOfBenefit has and a Claim lacks go."""
    claim = {k: v for k, v in eob.items() if k not in ("outcome", "insurer", "billablePeriod")}
    claim.update(resourceType="Claim", priority={"coding": [{"code": "normal"}]},
                 insurance=[{"sequence": 1, "focal": True, "coverage": {"display": "Medicare Part B"}}])
    claim["item"] = [{k: v for k, v in item.items() if k != "adjudication"} for item in eob["item"]]
    return claim


def test_a_blue_button_explanation_of_benefit_gives_the_findings_of_its_json_form() -> None:
    """A Bundle as the CMS Blue Button 2.0 API returns it: ExplanationOfBenefit entries whose items
    name HCPCS and CPT codes in https://bluebutton.cms.gov/resources/codesystem/hcpcs and their place
    of service in the API's own variable; the same item in a Claim reads the same."""
    with open(BLUE_BUTTON, encoding="utf-8") as source:
        (record,) = list(read_fhir_records(source))
    assert record.ok, record.error
    assert str(record.position) == "line 1, column 1, entry 1"
    agrees(record.value, pack_claims()["E03"], LOST)
    assert findings(record.value) == findings(pack_claims()["E03"]) != []
    (claim,) = read_text(json.dumps(as_claim(blue_button_eob())))
    assert claim.ok, claim.error
    assert claim.value == {**record.value, "member": "Patient/-10000000000001"}


SYSTEMS = sorted(fhir.CPT | fhir.HCPCS)


@pytest.mark.parametrize("system", SYSTEMS)
def test_every_cpt_and_hcpcs_system_cms_and_hl7_publish_is_read(system: str) -> None:
    eob = blue_button_eob()
    for item in eob["item"]:
        item["productOrService"]["coding"][0]["system"] = system
    (record,) = read_text(json.dumps(eob))
    assert record.ok and [line["code"] for line in record.value["lines"]] == ["99213", "96372", "J2357"]


def test_every_system_read_is_listed_in_the_formats_document_with_its_source() -> None:
    text = (ROOT / "docs" / "FORMATS.md").read_text(encoding="utf-8")
    table = text.split("### Code systems", 1)[1].split("\n#", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    listed = {re.findall(r"`([^`]+)`", row)[0]: row for row in rows}
    assert set(listed) == fhir.CPT | fhir.HCPCS | fhir.PLACE_OF_SERVICE
    assert all(row.rstrip(" |").split(" | ")[-1].strip() for row in listed.values())  # a source each


@pytest.mark.parametrize(("codings", "said"), [
    ([{"system": "http://snomed.info/sct", "code": "410410006"}],
     ": its coding is in http://snomed.info/sct, not a system docs/FORMATS.md lists"),
    ([{"system": "http://snomed.info/sct", "code": "410410006"}, {"code": "96372"}],
     ": its codings are in http://snomed.info/sct, no system, not a system docs/FORMATS.md lists"),
    ([], " (it has no coding)"),
])
def test_an_item_coded_in_another_system_says_which(codings: list[dict[str, str]], said: str) -> None:
    eob = blue_button_eob()
    eob["item"][1]["productOrService"] = {"coding": codings, "text": "an injection"}
    (record,) = read_text(json.dumps(eob))
    assert record.claim_id == "E03"
    assert record.error == f"line 1, column 1, item 2: productOrService has no CPT or HCPCS coding{said}"
    eob = blue_button_eob()
    eob["item"][0]["locationCodeableConcept"]["coding"][0]["system"] = "http://terminology.hl7.org/CodeSystem/ex-serviceplace"
    (record,) = read_text(json.dumps(eob))
    assert record.error == ("line 1, column 1, item 1: locationCodeableConcept has no CMS place of service coding: its "
                            "coding is in http://terminology.hl7.org/CodeSystem/ex-serviceplace, not a system "
                            "docs/FORMATS.md lists")
