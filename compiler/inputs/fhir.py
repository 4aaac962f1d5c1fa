"""Claims from FHIR R4 `Claim` and `ExplanationOfBenefit` resources: single resources, Bundles,
and NDJSON.

The input is framed by the JSON reader (`compiler.inputs.jsonstream`): one resource, NDJSON (one
resource a line), resources back to back, or a JSON array of them. Each `Claim` is validated with
fhir.resources' R4B model (R4B's Claim is R4's; the library's default models are R5) and mapped
to the contract's claim; docs/FORMATS.md lists the mapping field by field. An
`ExplanationOfBenefit` (what the CMS Blue Button API and CARIN Blue Button servers publish: the
claim as adjudicated) carries the same elements and is mapped the same way.

A Bundle contributes one record per `Claim` or `ExplanationOfBenefit` entry; its other entries
(Practitioner, Organization, PractitionerRole, Patient...) are what the claims' references point
to. Each entry is validated on its own, so one bad Claim does not take its Bundle down.

Code systems: CPT and HCPCS codes are read from the codings of the systems CMS and HL7 publish for
them (`CPT`, `HCPCS`; docs/FORMATS.md gives each one's source), and an item whose codings are all
in other systems is an error that names them.

Positions: a top-level resource is where the JSON reader found it (`line 7, column 1`, which for
NDJSON is its line); a Bundle entry is counted from 1 within its Bundle (`line 1, column 1,
entry 3`). An error names the entry and, where it lies in an item, the item (counted from 1, as
the claim's lines are: item N becomes line N), e.g. `line 1, column 1, entry 3, item 2:
productOrService has no CPT or HCPCS coding`.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

import pydantic
from fhir.resources.R4B.claim import Claim, ClaimCareTeam, ClaimItem
from fhir.resources.R4B.explanationofbenefit import (
    ExplanationOfBenefit,
    ExplanationOfBenefitCareTeam,
    ExplanationOfBenefitItem,
)

from compiler.inputs.jsonstream import Lines, read_json_records
from compiler.inputs.records import Ordinal, Record, Where
from compiler.words import counted

CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
# The code systems of CPT and HCPCS codes as HL7 and CMS publish them (docs/FORMATS.md, "Code
# systems", gives the source of each).
CPT = frozenset({
    "http://www.ama-assn.org/go/cpt",  # HL7 terminology: CPT's URI
    "urn:oid:2.16.840.1.113883.6.12",  # HL7 terminology: CPT's OID
})
HCPCS = frozenset({
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",  # HL7 terminology: HCPCS Level II's URI
    "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",  # its other form; CARIN Blue Button
    "urn:oid:2.16.840.1.113883.6.285",  # HL7 terminology: HCPCS Level II's OID
    "urn:oid:2.16.840.1.113883.6.14",  # HL7 terminology: HCPCS, every level (retired, in older data)
    "https://bluebutton.cms.gov/resources/codesystem/hcpcs",  # the CMS Blue Button 2.0 API
    "https://www.cms.gov/Medicare/Coding/MedHCPCSGenInfo/index.html",  # the Blue Button API before 2018
    "https://www.ccwdata.org/cs/groups/public/documents/datadictionary/hcpcs_cd.txt",  # its first releases
})
NDC = frozenset({"http://hl7.org/fhir/sid/ndc"})
PLACE_OF_SERVICE = frozenset({
    "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set",  # HL7 terminology
    "http://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set",  # its http form
    "urn:oid:2.16.840.1.113883.15.5",  # HL7 terminology: the code set's OID
    "https://bluebutton.cms.gov/resources/variables/line_place_of_srvc_cd",  # the CMS Blue Button 2.0 API
})
NPI = "http://hl7.org/fhir/sid/us-npi"
SUPPORTING_INFO = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType"
RENDERING_ROLES = frozenset({"rendering", "primary"})
_PROVIDERS = frozenset({"Practitioner", "Organization", "PractitionerRole"})
# The resources that are claims, and their models
MODELS: dict[str, type[Claim] | type[ExplanationOfBenefit]] = {"Claim": Claim,
                                                                "ExplanationOfBenefit": ExplanationOfBenefit}
Item = ClaimItem | ExplanationOfBenefitItem
CareTeam = ClaimCareTeam | ExplanationOfBenefitCareTeam


class MapError(ValueError):
    """A valid Claim that the contract's claim cannot be made from; the message names the item."""


def read_fhir_records(stream: Lines, follows: bool = False) -> Iterator[Record]:
    """Every Claim of the stream, in input order, each with its position; see the module doc
    (`follows`: as `compiler.inputs.jsonstream.read_json_records` has it)."""
    count = 0
    for framed in read_json_records(stream, follows=follows):
        for position, value, error, claim_id in _claims(framed):
            yield Record(count, position, value, error, claim_id)
            count += 1


def claims_of(framed: Record) -> Iterator[Record]:
    """The Claims of one resource the JSON reader framed (a Claim, or a Bundle's), numbered from 0:
    what the workers of `rulesc eval --jobs` make of one NDJSON line (`compiler.inputs.lines`)."""
    for count, (position, value, error, claim_id) in enumerate(_claims(framed)):
        yield Record(count, position, value, error, claim_id)


Read = tuple[Where, object, str | None, str | None]


def _claims(framed: Record) -> Iterator[Read]:
    if framed.error is not None:
        yield framed.position, None, framed.error, None
        return
    resource = framed.value
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if kind == "Bundle":
        yield from _bundle(framed.position, resource)  # type: ignore[arg-type]
    elif isinstance(kind, str) and kind in MODELS:
        yield _claim(framed.position, resource, {})  # type: ignore[arg-type]
    else:
        what = f"a {kind} resource" if isinstance(kind, str) else "not a FHIR resource (no resourceType)"
        yield framed.position, None, f"{framed.position}: {what}, not a Claim, an ExplanationOfBenefit or a Bundle", \
            None


def _bundle(position: Where, bundle: dict[str, Any]) -> Iterator[Read]:
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        yield position, None, f"{position}: Bundle.entry is not a list", None
        return
    index = _index(entries)
    for number, entry in enumerate(entries, 1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if isinstance(resource, dict) and isinstance(kind, str) and kind in MODELS:
            yield _claim(Ordinal("entry", number, within=position), resource, index)


def _index(entries: Iterable[object]) -> dict[str, dict[str, Any]]:
    """The providers of a Bundle by every name a reference may use: fullUrl and Type/id."""
    found: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        resource = entry.get("resource")
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if isinstance(resource, dict) and isinstance(kind, str) and kind in _PROVIDERS:
            if isinstance(entry.get("fullUrl"), str):
                found[entry["fullUrl"]] = resource
            if isinstance(resource.get("id"), str):
                found[f"{resource['resourceType']}/{resource['id']}"] = resource
    return found


def _claim(position: Where, raw: dict[str, Any], index: dict[str, dict[str, Any]]) -> Read:
    claim_id = _raw_id(raw)
    try:
        model = MODELS[raw["resourceType"]].model_validate(raw)
    except pydantic.ValidationError as error:
        return position, None, f"{position}: {_validation(error)}", claim_id
    try:
        return position, _Mapper(model, raw, index).claim(), None, claim_id
    except MapError as error:  # "entry 3, item 2: ..." or "entry 3: type is ..."
        joint = ", " if str(error).startswith("item ") else ": "
        return position, None, f"{position}{joint}{error}", claim_id


def _raw_id(raw: Mapping[str, Any]) -> str | None:
    if isinstance(raw.get("id"), str):
        return str(raw["id"])
    identifiers = raw.get("identifier")
    if isinstance(identifiers, list) and identifiers and isinstance(identifiers[0], dict):
        value = identifiers[0].get("value")
        return value if isinstance(value, str) else None
    return None


def _validation(error: pydantic.ValidationError) -> str:
    """The first fault of a validation, where it is: `item 2: quantity.value: ...`."""
    details = error.errors()
    first = details[0]
    parts: list[str] = []
    path: list[str] = []
    for step in first["loc"]:
        if isinstance(step, int):  # `item`, 0 -> "item 1"
            name = path.pop() if path else "element"
            parts.append(f"{'.'.join(path) + '.' if path else ''}{name} {step + 1}")
            path = []
        else:
            path.append(str(step))
    if path:
        parts.append(".".join(path))
    where = ": ".join(parts) or "Claim"
    more = f" (and {counted(len(details) - 1, 'more fault')})" if len(details) > 1 else ""
    return f"{where}: {first['msg']}{more}"


class _Mapper:
    def __init__(self, model: Claim | ExplanationOfBenefit, raw: dict[str, Any],
                 index: dict[str, dict[str, Any]]) -> None:
        self.model, self.raw, self.index = model, raw, index
        contained = raw.get("contained")
        self.contained = {f"#{c['id']}": c for c in contained or ()
                          if isinstance(c, dict) and isinstance(c.get("id"), str)}

    def claim(self) -> dict[str, Any]:
        model = self.model
        claim_id = model.id or next((i.value for i in model.identifier or () if i.value), None)
        if not claim_id:
            raise MapError(f"the {self.raw['resourceType']} has neither an id nor an identifier with a value")
        claim: dict[str, Any] = {"id": claim_id, "type": self._type()}
        bill_type = self._bill_type()
        if bill_type:
            claim["bill_type"] = bill_type
        patient = model.patient
        member = None if patient is None else (
            patient.identifier.value if patient.identifier is not None else patient.reference)
        if member:
            claim["member"] = member
        provider = self._npi(model.provider)
        if provider:
            claim["provider"] = provider
        items = cast(list[Item], model.item or [])
        if not items:
            raise MapError(f"the {self.raw['resourceType']} has no item")
        claim["lines"] = [self._line(number, item) for number, item in enumerate(items, 1)]
        return claim

    def _type(self) -> str:
        codes = _codes(self.model.type, frozenset({CLAIM_TYPE}))
        if not codes:
            raise MapError(f"type has no coding of {CLAIM_TYPE}")
        if codes[0] not in ("professional", "institutional"):
            raise MapError(f"type is {codes[0]!r}; only professional and institutional claims are edited")
        return str(codes[0])

    def _bill_type(self) -> str | None:
        for info in self.model.supportingInfo or ():
            if "typeofbill" in _codes(info.category, frozenset({SUPPORTING_INFO})):
                codes = _codes(info.code)
                if not codes:
                    raise MapError(f"supportingInfo {info.sequence} (typeofbill) has no code")
                return str(codes[0])
        return None

    def _line(self, number: int, item: Item) -> dict[str, Any]:
        where = f"item {number}"
        product = item.productOrService
        codes = _codes(product, CPT | HCPCS)
        if not codes:
            raise MapError(f"{where}: productOrService has no CPT or HCPCS coding{_systems(product)}")
        line: dict[str, Any] = {"code": codes[0]}
        drug = _codes(product, NDC)
        if drug:
            line["drug"] = drug[0]
        if product is not None and product.text:
            line["description"] = product.text
        modifiers = [next(iter(_codes(m)), None) for m in item.modifier or ()]
        if None in modifiers:
            raise MapError(f"{where}: a modifier has no coded value")
        if modifiers:
            line["modifiers"] = modifiers
        line.update(self._dates(where, item))
        if item.locationCodeableConcept is not None:
            pos = _codes(item.locationCodeableConcept, PLACE_OF_SERVICE)
            if not pos:
                raise MapError(f"{where}: locationCodeableConcept has no CMS place of service coding"
                               f"{_systems(item.locationCodeableConcept)}")
            line["pos"] = pos[0]
        if item.quantity is not None and item.quantity.value is not None:
            line["units"] = _number(item.quantity.value)
        if item.net is not None and item.net.value is not None:
            if item.net.currency not in (None, "USD"):
                raise MapError(f"{where}: net is in {item.net.currency}, not USD")
            line["charge"] = _number(item.net.value)
        provider = self._rendering(where, item)
        if provider:
            line["provider"] = provider
        return line

    @staticmethod
    def _dates(where: str, item: Item) -> dict[str, str]:
        if item.servicedDate is not None:
            return {"date": _day(item.servicedDate)}
        period = item.servicedPeriod
        if period is None or period.start is None:
            raise MapError(f"{where}: neither servicedDate nor servicedPeriod.start is given")
        start, end = period.start, period.end
        dates = {"date": _day(start)}
        if isinstance(start, datetime.datetime) and isinstance(end, datetime.datetime):
            if start.tzinfo is not None and end.tzinfo is not None:
                end = end.astimezone(start.tzinfo)
            dates["start"], dates["stop"] = _minute(start), _minute(end)
        return dates

    def _rendering(self, where: str, item: Item) -> str | None:
        members: dict[int | None, CareTeam] = {m.sequence: m for m in self.model.careTeam or ()}
        chosen: list[CareTeam] = []
        for sequence in item.careTeamSequence or ():
            if sequence not in members:
                raise MapError(f"{where}: careTeamSequence {sequence} names no careTeam member")
            chosen.append(members[sequence])
        if not chosen:
            return None
        rendering = [m for m in chosen if m.role is not None
                     and RENDERING_ROLES.intersection(_codes(m.role))]
        member = (rendering or chosen)[0]
        npi = self._npi(member.provider)
        if npi is None:
            raise MapError(f"{where}: careTeam {member.sequence} provider has no NPI identifier "
                           f"({getattr(member.provider, 'reference', None) or 'no reference'} is not in the "
                           f"{self.raw['resourceType']} or its Bundle)")
        return npi

    def _npi(self, reference: Any, depth: int = 0) -> str | None:
        """The NPI a reference names: its own identifier, or the NPI identifier of the contained
        or Bundle resource it points to (a PractitionerRole's practitioner, once)."""
        if reference is None:
            return None
        identifier = reference.identifier
        if identifier is not None and identifier.system == NPI and identifier.value:
            return str(identifier.value)
        target = reference.reference
        resource = (self.contained.get(target) or self.index.get(target)) if isinstance(target, str) else None
        if resource is None:
            return None
        identifiers = resource.get("identifier")
        for found in identifiers if isinstance(identifiers, list) else ():
            if isinstance(found, dict) and found.get("system") == NPI and isinstance(found.get("value"), str):
                return str(found["value"])
        practitioner = resource.get("practitioner")
        if resource.get("resourceType") == "PractitionerRole" and isinstance(practitioner, dict) and depth == 0:
            return self._npi(_Ref(practitioner), depth + 1)
        return None


class _Ref:
    """A raw reference read like the model's (`.identifier`, `.reference`)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.reference = raw.get("reference")
        found = raw.get("identifier")
        self.identifier = _Identifier(found) if isinstance(found, dict) else None


class _Identifier:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.system, self.value = raw.get("system"), raw.get("value")


def _codes(concept: Any, systems: frozenset[str] | None = None) -> list[str]:
    """The codes of a CodeableConcept's codings (of `systems`, when given), in order; none for an
    absent concept (a required element the model let through empty)."""
    codings = getattr(concept, "coding", None) or ()
    return [str(c.code) for c in codings if c.code and (systems is None or c.system in systems)]


def _systems(concept: Any) -> str:
    """What the codings of a concept that has none of the systems looked for are in, for its error:
    `: its coding is in http://snomed.info/sct, ...`; nothing for a concept without a coding."""
    codings = getattr(concept, "coding", None) or ()
    if not codings:
        return " (it has no coding)"
    systems = list(dict.fromkeys(str(c.system) if c.system else "no system" for c in codings))
    shown = ", ".join(systems)
    return f": its {'coding is' if len(codings) == 1 else 'codings are'} in {shown}, not a system docs/FORMATS.md lists"


def _day(value: object) -> str:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()[:10]
    return str(value)[:10]


def _minute(value: datetime.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


def _number(value: decimal.Decimal | float | int) -> int | float:
    number = decimal.Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)

