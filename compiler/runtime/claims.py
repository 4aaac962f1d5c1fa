"""Claims as the contract defines them: validation, derived fields, findings.

Standard library only. The interpreter imports this module, and the Python backend copies its
text into every generated module, so both engines read claims the same way.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# -- runtime begins (copied into generated modules from here to the end marker)


class ClaimError(ValueError):
    """A claim that does not follow the contract; the message names the field by its path."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's decision about one line."""

    rule: str
    line: int
    disposition: str
    message: str
    citation: str
    suggest: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "line": self.line, "disposition": self.disposition,
                "message": self.message, "citation": self.citation, "suggest": self.suggest}


_CODE = re.compile(r"(?:[0-9]{4}[0-9A-Z]|[A-V][0-9]{4})\Z")
_CPT = re.compile(r"[0-9]{4}[0-9A-Z]\Z")
_HCPCS = re.compile(r"[A-V][0-9]{4}\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_STAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})\Z")
_MODIFIER = re.compile(r"[0-9A-Z]{2}\Z")
_PLACE = re.compile(r"[0-9]{2}\Z")
_BILL_TYPE = re.compile(r"[0-9]{3,4}\Z")
_LINE_FIELDS = ("code", "date", "modifiers", "units", "provider", "pos", "charge", "start", "stop", "drug",
                "supervision", "member_supplied", "description")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "an array"
    return type(value).__name__


def _text(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise ClaimError(f"{path}: expected a string, got {_kind(value)}")
    return value


def _pattern(value: object, path: str, pattern: re.Pattern[str], shape: str) -> str:
    text = _text(value, path)
    if not pattern.match(text):
        raise ClaimError(f"{path}: {_shown(text)} is not {shape}")
    return text


def _number(value: object, path: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ClaimError(f"{path}: expected a number, got {_kind(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ClaimError(f"{path}: {_shown(value)} is not a finite number")
    return value


def _date(value: object, path: str) -> str:
    text = _pattern(value, path, _DATE, "YYYY-MM-DD")
    try:
        datetime.date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        raise ClaimError(f"{path}: {_shown(text)} is not a calendar date") from None
    return text


def _stamp(value: object, path: str) -> int:
    """Minutes since 0001-01-01T00:00 of a YYYY-MM-DDTHH:MM value."""
    text = _text(value, path)
    match = _STAMP.match(text)
    if match is None:
        raise ClaimError(f"{path}: {_shown(text)} is not YYYY-MM-DDTHH:MM")
    year, month, day, hour, minute = (int(part) for part in match.groups())
    try:
        ordinal = datetime.date(year, month, day).toordinal()
    except ValueError:
        raise ClaimError(f"{path}: {_shown(text)} is not a calendar date and time") from None
    if hour > 23 or minute > 59:
        raise ClaimError(f"{path}: {_shown(text)} is not a time of day")
    return ordinal * 1440 + hour * 60 + minute


def _is_drug_code(code: str) -> bool:
    """HCPCS drug codes (J0120-J9999, Q5101-Q5199): lines whose `drug` defaults to their code."""
    if code[0] == "J":
        return code >= "J0120"
    return code[0] == "Q" and "Q5101" <= code <= "Q5199"


class Line:
    """One validated service line, with the contract's defaults applied."""

    __slots__ = ("charge", "code", "date", "description", "drug", "member_supplied", "minutes", "modifiers",
                 "number", "pos", "provider", "start", "start_at", "stop", "stop_at", "supervision", "units")

    number: int
    code: str
    date: str
    modifiers: tuple[str, ...]
    units: int | float
    provider: str | None
    pos: str | None
    charge: int | float | None
    start: str | None
    stop: str | None
    start_at: int | None
    stop_at: int | None
    minutes: int | None
    drug: str | None
    supervision: str
    member_supplied: bool
    description: str | None


class Claim:
    """One validated claim: its header fields, its lines, and the lines of each date of service."""

    __slots__ = ("bill_class", "bill_type", "by_date", "id", "lines", "member", "pos", "provider", "type")

    id: str
    type: str
    pos: str | None
    bill_type: str | None
    bill_class: str | None
    member: str | None
    provider: str | None
    lines: tuple[Line, ...]
    by_date: dict[str, list[Line]]


def _optional_text(raw: Mapping[Any, Any], name: str, path: str) -> str | None:
    value = raw.get(name, _MISSING)
    if value is _MISSING:
        return None
    return _text(value, f"{path}{name}")


_MISSING: Any = object()
_PLAIN_NUMBERS = (int, float)


def _line(raw: object, number: int, claim_pos: str | None, claim_provider: str | None,
          dates: set[str]) -> Line:
    """One line. The common case (well-formed values of the usual fields) takes the short path;
    anything unusual goes through the checks that name the problem."""
    if not isinstance(raw, Mapping):
        raise ClaimError(f"lines[{number}]: expected an object, got {_kind(raw)}")
    get = raw.get
    line = Line()
    line.number = number
    code = get("code", _MISSING)
    if code.__class__ is not str or _CODE.match(code) is None:
        if code is _MISSING:
            raise ClaimError(f"lines[{number}].code: required")
        code = _pattern(code, f"lines[{number}].code", _CODE, "a CPT or HCPCS Level II code")
    line.code = code
    date = get("date", _MISSING)
    if date.__class__ is not str or date not in dates:
        if date is _MISSING:
            raise ClaimError(f"lines[{number}].date: required")
        date = _date(date, f"lines[{number}].date")
        dates.add(date)
    line.date = date
    modifiers = get("modifiers", _MISSING)
    if modifiers is _MISSING:
        line.modifiers = ()
    elif modifiers.__class__ is list and len(modifiers) <= 4 and all(
            m.__class__ is str and _MODIFIER.match(m) is not None for m in modifiers):
        line.modifiers = tuple(modifiers)
    else:
        line.modifiers = _modifiers(modifiers, f"lines[{number}]")
    units = get("units", _MISSING)
    if units is _MISSING:
        line.units = 1
    elif units.__class__ in _PLAIN_NUMBERS and units > 0 and units != math.inf:
        line.units = units
    else:
        line.units = _positive(units, f"lines[{number}].units")
    provider = get("provider", _MISSING)
    if provider is _MISSING:
        line.provider = claim_provider
    else:
        line.provider = _text(provider, f"lines[{number}].provider")
    pos = get("pos", _MISSING)
    if pos is _MISSING:
        line.pos = claim_pos
    else:
        line.pos = _pattern(pos, f"lines[{number}].pos", _PLACE, "a two-digit place of service")
    charge = get("charge", _MISSING)
    if charge is _MISSING:
        line.charge = None
    elif charge.__class__ in _PLAIN_NUMBERS and 0 <= charge < math.inf:
        line.charge = charge
    else:
        line.charge = _charge(charge, f"lines[{number}].charge")
    if "start" in raw or "stop" in raw:
        _times(line, raw, f"lines[{number}]")
    else:
        line.start = line.stop = None
        line.start_at = line.stop_at = line.minutes = None
    drug = get("drug", _MISSING)
    if drug is _MISSING:
        line.drug = code if _is_drug_code(code) else None
    else:
        drug = _text(drug, f"lines[{number}].drug")
        if not drug:
            raise ClaimError(f"lines[{number}].drug: must not be empty")
        line.drug = drug
    supervision = get("supervision", _MISSING)
    if supervision is _MISSING:
        line.supervision = "direct"
    else:
        supervision = _text(supervision, f"lines[{number}].supervision")
        if supervision not in ("direct", "none"):
            raise ClaimError(f"lines[{number}].supervision: {_shown(supervision)} is not 'direct' or 'none'")
        line.supervision = supervision
    member_supplied = get("member_supplied", False)
    if member_supplied.__class__ is not bool:
        raise ClaimError(f"lines[{number}].member_supplied: expected a boolean, got {_kind(member_supplied)}")
    line.member_supplied = member_supplied
    description = get("description", _MISSING)
    if description is _MISSING:
        line.description = None
    else:
        description = _text(description, f"lines[{number}].description")
        line.description = description if description.strip() else None
    return line


def _modifiers(listed: object, path: str) -> tuple[str, ...]:
    if not isinstance(listed, list):
        raise ClaimError(f"{path}.modifiers: expected an array, got {_kind(listed)}")
    if len(listed) > 4:
        raise ClaimError(f"{path}.modifiers: at most 4 modifiers, got {len(listed)}")
    return tuple(_pattern(m, f"{path}.modifiers[{i}]", _MODIFIER, "a two-character modifier")
                 for i, m in enumerate(listed, 1))


def _positive(value: object, path: str) -> int | float:
    number = _number(value, path)
    if number <= 0:
        raise ClaimError(f"{path}: {_shown(number)} is not greater than 0")
    return number


def _charge(value: object, path: str) -> int | float:
    number = _number(value, path)
    if number < 0:
        raise ClaimError(f"{path}: {_shown(number)} is negative")
    return number


def _times(line: Line, raw: Mapping[Any, Any], path: str) -> None:
    has_start, has_stop = "start" in raw, "stop" in raw
    if has_start != has_stop:
        missing = "stop" if has_start else "start"
        raise ClaimError(f"{path}.{missing}: required when {'start' if has_start else 'stop'} is given")
    start_at = _stamp(raw["start"], f"{path}.start")
    stop_at = _stamp(raw["stop"], f"{path}.stop")
    if stop_at <= start_at:
        raise ClaimError(f"{path}.stop: {_shown(raw['stop'])} is not after start {_shown(raw['start'])}")
    line.start, line.stop = raw["start"], raw["stop"]
    line.start_at, line.stop_at, line.minutes = start_at, stop_at, stop_at - start_at


def parse_claim(raw: object) -> Claim:
    """Validate a JSON-shaped claim; raise ClaimError naming the first malformed field."""
    if not isinstance(raw, Mapping):
        raise ClaimError(f"claim: expected an object, got {_kind(raw)}")
    claim = Claim()
    get = raw.get
    claim_id = get("id", _MISSING)
    if claim_id.__class__ is not str or not claim_id:
        if claim_id is _MISSING:
            raise ClaimError("id: required")
        if not _text(claim_id, "id"):
            raise ClaimError("id: must not be empty")
    claim.id = claim_id
    kind = get("type", _MISSING)
    if kind != "professional" and kind != "institutional":
        if kind is _MISSING:
            raise ClaimError("type: required")
        raise ClaimError(f"type: {_shown(_text(kind, 'type'))} is not 'professional' or 'institutional'")
    claim.type = kind
    pos = get("pos", _MISSING)
    claim.pos = None if pos is _MISSING else _pattern(pos, "pos", _PLACE, "a two-digit place of service")
    claim.bill_type = claim.bill_class = None
    bill_type = get("bill_type", _MISSING)
    if bill_type is not _MISSING:
        bill_type = _pattern(bill_type, "bill_type", _BILL_TYPE, "a 3- or 4-digit type of bill")
        claim.bill_type = bill_type
        claim.bill_class = bill_type[1:3] if len(bill_type) == 4 else bill_type[0:2]
    claim.member = _optional_text(raw, "member", "")
    claim.provider = _optional_text(raw, "provider", "")
    if "lines" not in raw:
        raise ClaimError("lines: required")
    listed = raw["lines"]
    if not isinstance(listed, list):
        raise ClaimError(f"lines: expected an array, got {_kind(listed)}")
    if not 1 <= len(listed) <= 999:
        raise ClaimError(f"lines: expected 1 to 999 lines, got {len(listed)}")
    dates: set[str] = set()
    by_date: dict[str, list[Line]] = {}
    lines: list[Line] = []
    for number, item in enumerate(listed, 1):
        line = _line(item, number, claim.pos, claim.provider, dates)
        lines.append(line)
        same_day = by_date.get(line.date)
        if same_day is None:
            by_date[line.date] = [line]
        else:
            same_day.append(line)
    if claim.type == "professional" and claim.pos is None:
        for line in lines:
            if line.pos is None:
                raise ClaimError(f"lines[{line.number}].pos: required on a professional claim without pos")
    claim.lines = tuple(lines)
    claim.by_date = by_date
    return claim


def same_provider(a: Line, b: Line) -> bool:
    """Lines whose effective rendering provider is absent match every provider."""
    return a.provider is None or b.provider is None or a.provider == b.provider


def overlapping(a: Line, b: Line) -> bool:
    """Both lines give start and stop, and their intervals share more than 0 minutes."""
    if a.start_at is None or b.start_at is None or a.stop_at is None or b.stop_at is None:
        return False
    return max(a.start_at, b.start_at) < min(a.stop_at, b.stop_at)


def is_cpt(code: str | None) -> bool:
    return code is not None and _CPT.match(code) is not None


def is_hcpcs(code: str | None) -> bool:
    return code is not None and _HCPCS.match(code) is not None


def field_text(value: object) -> str:
    """A line field as a message shows it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) if value else "none"
    return str(value)


def expand_codes(singles: tuple[str, ...], runs: tuple[tuple[str, str], ...]) -> frozenset[str]:
    """A code set from its single codes and its runs of consecutive codes."""
    members = set(singles)
    for low, high in runs:
        if low[0].isalpha():
            prefix, suffix, start, stop = low[0], "", int(low[1:]), int(high[1:])
        elif low[-1].isalpha():
            prefix, suffix, start, stop = "", low[-1], int(low[:4]), int(high[:4])
        else:
            prefix, suffix, start, stop = "", "", int(low), int(high)
        width = 5 - len(prefix) - len(suffix)
        members.update(f"{prefix}{n:0{width}d}{suffix}" for n in range(start, stop + 1))
    return frozenset(members)


# -- runtime ends
