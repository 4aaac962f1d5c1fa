"""Claims as the contract defines them: validation, derived fields, findings.

Standard library only. The interpreter imports this module, and the Python backend copies its
text into every generated module, so both engines read claims the same way.

Validation has two paths. The short path accepts the usual claim at the cost of a few checks per
field and stops at the first thing it does not like; only then does the long path walk the whole
claim and name every problem, so a malformed claim is reported in full while a good one pays for
nothing more than the short path.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# -- runtime begins (copied into generated modules from here to the end marker)


class ClaimError(ValueError):
    """A claim that does not follow the contract; the message names each problem by its path."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's decision about one line; `evidence` lists the other lines the decision rests on."""

    rule: str
    line: int
    disposition: str
    message: str
    citation: str
    suggest: str | None
    evidence: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "line": self.line, "disposition": self.disposition,
                "message": self.message, "citation": self.citation, "suggest": self.suggest,
                "evidence": list(self.evidence)}


_CODE = re.compile(r"(?:[0-9]{4}[0-9A-Z]|[A-V][0-9]{4})\Z")
_CPT = re.compile(r"[0-9]{4}[0-9A-Z]\Z")
_HCPCS = re.compile(r"[A-V][0-9]{4}\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_STAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})\Z")
_MODIFIER = re.compile(r"[0-9A-Z]{2}\Z")
_PLACE = re.compile(r"[0-9]{2}\Z")
_BILL_TYPE = re.compile(r"[0-9]{3,4}\Z")


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


# -- one check per contract field: the value, or a ClaimError naming the path


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


def _claim_id(value: object, path: str) -> str:
    if not _text(value, path):
        raise ClaimError(f"{path}: must not be empty")
    return str(value)


def _either(value: object, path: str, first: str, second: str) -> str:
    text = _text(value, path)
    if text != first and text != second:
        raise ClaimError(f"{path}: {_shown(text)} is not {first!r} or {second!r}")
    return text


def _claim_type(value: object, path: str) -> str:
    return _either(value, path, "professional", "institutional")


def _place(value: object, path: str) -> str:
    return _pattern(value, path, _PLACE, "a two-digit place of service")


def _bill_type(value: object, path: str) -> str:
    return _pattern(value, path, _BILL_TYPE, "a 3- or 4-digit type of bill")


def _lines(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ClaimError(f"{path}: expected an array, got {_kind(value)}")
    if not 1 <= len(value) <= 999:
        raise ClaimError(f"{path}: expected 1 to 999 lines, got {len(value)}")
    return value


def _code(value: object, path: str) -> str:
    return _pattern(value, path, _CODE, "a CPT or HCPCS Level II code")


def _date(value: object, path: str) -> str:
    text = _pattern(value, path, _DATE, "YYYY-MM-DD")
    try:
        datetime.date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        raise ClaimError(f"{path}: {_shown(text)} is not a calendar date") from None
    return text


def _modifiers(value: object, path: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ClaimError(f"{path}: expected an array, got {_kind(value)}")
    if len(value) > 4:
        raise ClaimError(f"{path}: at most 4 modifiers, got {len(value)}")
    problems = []
    for index, modifier in enumerate(value, 1):
        try:
            _pattern(modifier, f"{path}[{index}]", _MODIFIER, "a two-character modifier")
        except ClaimError as error:
            problems.append(str(error))
    if problems:
        raise ClaimError("; ".join(problems))
    return tuple(value)


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


def _stamp(value: object, path: str) -> int:
    """Minutes since 0001-01-01T00:00 of a YYYY-MM-DDTHH:MM value."""
    text = _text(value, path)
    match = _STAMP.match(text)
    if match is None:
        raise ClaimError(f"{path}: {_shown(text)} is not YYYY-MM-DDTHH:MM")
    year, month, day, hour, minute = [int(part) for part in match.groups()]
    try:
        ordinal = datetime.date(year, month, day).toordinal()
    except ValueError:
        raise ClaimError(f"{path}: {_shown(text)} is not a calendar date and time") from None
    if hour > 23 or minute > 59:
        raise ClaimError(f"{path}: {_shown(text)} is not a time of day")
    return ordinal * 1440 + hour * 60 + minute


def _drug(value: object, path: str) -> str:
    text = _text(value, path)
    if not text:
        raise ClaimError(f"{path}: must not be empty")
    return text


def _supervision(value: object, path: str) -> str:
    return _either(value, path, "direct", "none")


def _flag(value: object, path: str) -> bool:
    if value.__class__ is not bool:
        raise ClaimError(f"{path}: expected a boolean, got {_kind(value)}")
    return bool(value)


def _description(value: object, path: str) -> str | None:
    text = _text(value, path)
    return text if text.strip() else None


_Check = Callable[[object, str], object]
_CLAIM_CHECKS: dict[str, _Check] = {
    "id": _claim_id, "type": _claim_type, "pos": _place, "bill_type": _bill_type, "member": _text,
    "provider": _text, "lines": _lines,
}
_LINE_CHECKS: dict[str, _Check] = {
    "code": _code, "date": _date, "modifiers": _modifiers, "units": _positive, "provider": _text,
    "pos": _place, "charge": _charge, "start": _stamp, "stop": _stamp, "drug": _drug,
    "supervision": _supervision, "member_supplied": _flag, "description": _description,
}
# The fields the contract names, in its order: the one list every part of rulesc reads.
CONTRACT_CLAIM_FIELDS: tuple[str, ...] = tuple(_CLAIM_CHECKS)
CONTRACT_LINE_FIELDS: tuple[str, ...] = tuple(_LINE_CHECKS)
# Fields rules read that validation derives; a claim that gives one is told where it comes from.
DERIVED_CLAIM_FIELDS: dict[str, str] = {"bill_class": "derived from bill_type; give that"}
DERIVED_LINE_FIELDS: dict[str, str] = {
    "number": "derived from the line's position in lines",
    "minutes": "derived from start and stop; give those",
}
# Line fields the short path reads only when a line has more fields than the usual ones.
_SELDOM_GIVEN = ("provider", "pos", "supervision", "member_supplied", "description")
_CLAIM_KEYS = frozenset(CONTRACT_CLAIM_FIELDS)
_LINE_KEYS = frozenset(CONTRACT_LINE_FIELDS)


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


_MISSING: Any = object()
_PLAIN_NUMBERS = (int, float)


def _rejected(path: str) -> ClaimError:
    """What the short path raises: the long path then says exactly what is wrong."""
    return ClaimError(f"{path}: not as the contract says")


def _line(raw: object, number: int, claim_pos: str | None, claim_provider: str | None,
          dates: set[str], strict: bool) -> Line:
    """One line, on the short path: well-formed values of the usual fields are taken as they are,
    anything else goes through its field's check. `given` counts the contract fields the line
    has; when the line has more, some field is not the contract's."""
    if not isinstance(raw, Mapping):
        raise _rejected(f"lines[{number}]")
    get = raw.get
    given = 2
    line = Line()
    line.number = number
    code = get("code", _MISSING)
    if code.__class__ is not str or _CODE.match(code) is None:
        code = _code(code, f"lines[{number}].code")
    line.code = code
    date = get("date", _MISSING)
    if date.__class__ is not str or date not in dates:
        date = _date(date, f"lines[{number}].date")
        dates.add(date)
    line.date = date
    modifiers = get("modifiers", _MISSING)
    if modifiers is _MISSING:
        line.modifiers = ()
    elif modifiers.__class__ is list and len(modifiers) <= 4 and all(
            m.__class__ is str and _MODIFIER.match(m) is not None for m in modifiers):
        line.modifiers = tuple(modifiers)
        given += 1
    else:
        line.modifiers = _modifiers(modifiers, f"lines[{number}].modifiers")
        given += 1
    units = get("units", _MISSING)
    if units is _MISSING:
        line.units = 1
    elif units.__class__ in _PLAIN_NUMBERS and units > 0 and units != math.inf:
        line.units = units
        given += 1
    else:
        line.units = _positive(units, f"lines[{number}].units")
        given += 1
    charge = get("charge", _MISSING)
    if charge is _MISSING:
        line.charge = None
    elif charge.__class__ in _PLAIN_NUMBERS and 0 <= charge < math.inf:
        line.charge = charge
        given += 1
    else:
        line.charge = _charge(charge, f"lines[{number}].charge")
        given += 1
    start, stop = get("start", _MISSING), get("stop", _MISSING)
    if start is _MISSING and stop is _MISSING:
        line.start = line.stop = None
        line.start_at = line.stop_at = line.minutes = None
    else:
        start_at = _stamp(start, f"lines[{number}].start")
        stop_at = _stamp(stop, f"lines[{number}].stop")
        if stop_at <= start_at:
            raise _rejected(f"lines[{number}].stop")
        line.start, line.stop = start, stop
        line.start_at, line.stop_at, line.minutes = start_at, stop_at, stop_at - start_at
        given += 2
    drug = get("drug", _MISSING)
    if drug is _MISSING:
        line.drug = code if _is_drug_code(code) else None
    else:
        line.drug = _drug(drug, f"lines[{number}].drug")
        given += 1
    line.provider, line.pos, line.supervision, line.member_supplied, line.description = (
        claim_provider, claim_pos, "direct", False, None)
    if len(raw) != given:  # the line has more: the fields lines seldom give, or unknown ones
        for name in _SELDOM_GIVEN:
            value = get(name, _MISSING)
            if value is not _MISSING:
                setattr(line, name, _LINE_CHECKS[name](value, f"lines[{number}].{name}"))
                given += 1
    if strict and len(raw) != given:
        raise _rejected(f"lines[{number}]")
    return line


def _parse(raw: object, strict: bool) -> Claim:
    """The short path: a validated claim, or a ClaimError at the first problem. `given` counts the
    contract fields, as in `_line`."""
    if not isinstance(raw, Mapping):
        raise _rejected("claim")
    claim = Claim()
    get = raw.get
    given = 3
    claim_id = get("id", _MISSING)
    if claim_id.__class__ is not str or not claim_id:
        claim_id = _claim_id(claim_id, "id")
    claim.id = claim_id
    kind = get("type", _MISSING)
    if kind != "professional" and kind != "institutional":
        kind = _claim_type(kind, "type")
    claim.type = kind
    pos = get("pos", _MISSING)
    if pos is _MISSING:
        claim.pos = None
    else:
        claim.pos = _place(pos, "pos")
        given += 1
    claim.bill_type = claim.bill_class = None
    bill_type = get("bill_type", _MISSING)
    if bill_type is not _MISSING:
        bill_type = _bill_type(bill_type, "bill_type")
        claim.bill_type = bill_type
        claim.bill_class = bill_type[1:3] if len(bill_type) == 4 else bill_type[0:2]
        given += 1
    member = get("member", _MISSING)
    if member is _MISSING:
        claim.member = None
    else:
        claim.member = _text(member, "member")
        given += 1
    provider = get("provider", _MISSING)
    if provider is _MISSING:
        claim.provider = None
    else:
        claim.provider = _text(provider, "provider")
        given += 1
    if strict and len(raw) != given:
        raise _rejected("claim")
    listed = _lines(get("lines", _MISSING), "lines")
    dates: set[str] = set()
    by_date: dict[str, list[Line]] = {}
    lines: list[Line] = []
    for number, item in enumerate(listed, 1):
        line = _line(item, number, claim.pos, claim.provider, dates, strict)
        lines.append(line)
        same_day = by_date.get(line.date)
        if same_day is None:
            by_date[line.date] = [line]
        else:
            same_day.append(line)
    if claim.type == "professional" and claim.pos is None:
        for line in lines:
            if line.pos is None:
                raise _rejected(f"lines[{line.number}].pos")
    claim.lines = tuple(lines)
    claim.by_date = by_date
    return claim


# -- the long path: every problem of a claim, in path order


def _unknown(key: object, prefix: str, fields: tuple[str, ...], derived: Mapping[str, str],
             elsewhere: tuple[tuple[str, ...], str]) -> str:
    """The message for a field the contract does not name, with the nearest field it does."""
    path = f"{prefix}{key if isinstance(key, str) and key.isidentifier() else _shown(key)}"
    if not isinstance(key, str):
        return f"{path}: unknown field"
    if key in derived:
        return f"{path}: unknown field ({derived[key]})"
    other_fields, where = elsewhere
    if key in other_fields:
        return f"{path}: unknown field ({where})"
    near = difflib.get_close_matches(key, fields, 1, 0.6) or difflib.get_close_matches(key.lower(), fields, 1, 0.6)
    if near:
        return f'{path}: unknown field (did you mean "{near[0]}"?)'
    return f"{path}: unknown field"


def _fields(raw: Mapping[Any, Any], prefix: str, checks: Mapping[str, _Check],
            required: tuple[str, ...]) -> list[tuple[int, str]]:
    """(field index, message) for each contract field of `raw` that is missing or malformed."""
    problems = []
    for index, (name, check) in enumerate(checks.items()):
        value = raw.get(name, _MISSING)
        if value is _MISSING:
            if name in required:
                problems.append((index, f"{prefix}{name}: required"))
            continue
        try:
            check(value, prefix + name)
        except ClaimError as error:
            problems.append((index, str(error)))
    return problems


def _line_problems(raw: object, number: int, needs_pos: bool, strict: bool) -> list[str]:
    prefix = f"lines[{number}]."
    if not isinstance(raw, Mapping):
        return [f"lines[{number}]: expected an object, got {_kind(raw)}"]
    problems = _fields(raw, prefix, _LINE_CHECKS, ("code", "date"))
    position = CONTRACT_LINE_FIELDS.index
    has_start, has_stop = "start" in raw, "stop" in raw
    if has_start != has_stop:
        given, missing = ("start", "stop") if has_start else ("stop", "start")
        problems.append((position(missing), f"{prefix}{missing}: required when {given} is given"))
    elif (has_start and not any(index in (position("start"), position("stop")) for index, _ in problems)
          and _stamp(raw["stop"], "") <= _stamp(raw["start"], "")):
        problems.append((position("stop"), f"{prefix}stop: {_shown(raw['stop'])} is not after start "
                                           f"{_shown(raw['start'])}"))
    if needs_pos and "pos" not in raw:
        problems.append((position("pos"), f"{prefix}pos: required on a professional claim without pos"))
    problems.sort(key=lambda problem: problem[0])
    messages = [message for _, message in problems]
    if strict:
        messages.extend(_unknown(key, prefix, CONTRACT_LINE_FIELDS, DERIVED_LINE_FIELDS,
                                 (CONTRACT_CLAIM_FIELDS, "a claim field, not a line field"))
                        for key in raw if key not in _LINE_KEYS)
    return messages


def claim_problems(raw: object, strict: bool = True) -> list[str]:
    """Every problem of a claim, in path order: the claim's own fields in the contract's order,
    then the fields it does not name, then each line in turn (its fields in the same order)."""
    if not isinstance(raw, Mapping):
        return [f"claim: expected an object, got {_kind(raw)}"]
    messages = [message for _, message in _fields(raw, "", _CLAIM_CHECKS, ("id", "type", "lines"))]
    if strict:
        messages.extend(_unknown(key, "", CONTRACT_CLAIM_FIELDS, DERIVED_CLAIM_FIELDS,
                                 (CONTRACT_LINE_FIELDS, "a line field: give it on each line"))
                        for key in raw if key not in _CLAIM_KEYS)
    listed = raw.get("lines")
    if isinstance(listed, list) and 1 <= len(listed) <= 999:
        needs_pos = raw.get("type") == "professional" and "pos" not in raw
        for number, item in enumerate(listed, 1):
            messages.extend(_line_problems(item, number, needs_pos, strict))
    return messages


def parse_claim(raw: object, unknown_fields: str = "error") -> Claim:
    """Validate a JSON-shaped claim. A malformed claim raises one ClaimError naming every problem,
    joined by "; " in path order. `unknown_fields="ignore"` accepts fields the contract does not
    name; any other value than "error" or "ignore" is the caller's mistake (ValueError)."""
    if unknown_fields == "error":
        strict = True
    elif unknown_fields == "ignore":
        strict = False
    else:
        raise ValueError(f"unknown_fields must be 'error' or 'ignore', not {_shown(unknown_fields)}")
    try:
        return _parse(raw, strict)
    except ClaimError as error:
        problems = claim_problems(raw, strict)
        raise ClaimError("; ".join(problems) if problems else str(error)) from None


# -- what rules read of lines


def same_provider(a: Line, b: Line) -> bool:
    """Lines whose effective rendering provider is absent match every provider."""
    return a.provider is None or b.provider is None or a.provider == b.provider


def same_drug(a: Line, b: Line) -> bool:
    """Both lines name a drug, and it is the same one."""
    return a.drug is not None and a.drug == b.drug


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
