"""docs/FORMATS.md says which of the pack's scenarios each format carries; this checks it: a
scenario is carried in full when it uses no field the format lacks, carried with the same
findings when dropping those fields changes no finding, and not carried otherwise."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.inputs.common import findings, pack_claims

DOC = ROOT / "docs" / "FORMATS.md"
# Line fields a format has no place for; `drug` only where it differs from the line's own code
# (the drug an administration line delivers).
LACKS = {"X12 837P and 837I": {"start", "stop", "supervision", "member_supplied", "drug"},
         "FHIR R4 Claim": {"supervision", "member_supplied", "drug"}}
GROUPS = ("carried in full", "carried without the drug of an administration line, same findings", "not carried")


def _without(claim: dict[str, Any], lacks: set[str]) -> tuple[dict[str, Any], bool]:
    lines, lost = [], False
    for line in claim["lines"]:
        kept = {k: v for k, v in line.items() if k not in lacks or (k == "drug" and v == line["code"])}
        lost |= kept != line
        lines.append(kept)
    return {**claim, "lines": lines}, lost


def _outcome(claim: object) -> object:
    try:
        return findings(claim)
    except ValueError as error:
        return str(error)


def computed(lacks: set[str]) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {g: set() for g in GROUPS}
    for claim_id, claim in pack_claims().items():
        if isinstance(_outcome(claim), str):
            continue  # an example whose claim is an error carries no findings to compare
        reduced, lost = _without(claim, lacks)
        group = GROUPS[0] if not lost else GROUPS[1] if _outcome(reduced) == _outcome(claim) else GROUPS[2]
        groups[group].add(claim_id)
    return groups


def documented(section: str) -> dict[str, set[str]]:
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    groups = {}
    for group in GROUPS:
        (row,) = [line for line in body.splitlines() if line.startswith(f"| {group} |")]
        groups[group] = set(re.findall(r"\b[A-Z]\d\d\b", row))
    return groups


@pytest.mark.parametrize("section", LACKS)
def test_the_document_lists_what_each_format_carries(section: str) -> None:
    assert documented(section) == computed(LACKS[section])
