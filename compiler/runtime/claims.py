"""Claims as the contract defines them: validation, derived fields, findings.

Standard library only. The interpreter imports this module, and the Python backend copies its
text into every generated module, so both engines read claims the same way.

Validation has two paths. The fast path takes the usual claim: exact-class tests, static sets
for places and modifiers, codes, dates and stamps remembered once checked, and one count of the
fields a line gives; it never writes a message. Anything unusual goes to the full checker, which
walks the whole claim, decides whether it is accepted and names every problem. So a good claim
pays only for the fast path, and decisions and messages are the full checker's by construction
(the tests hold the fast path to accepting only what the full checker accepts, with the same
result).
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
_CPT_CATEGORY_1 = re.compile(r"[0-9]{5}\Z")
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
    if _STAMP.match(text) is None:
        raise ClaimError(f"{path}: {_shown(text)} is not YYYY-MM-DDTHH:MM")
    minutes = _minutes(text)
    if minutes is not None:
        return minutes
    if _calendar_date(text[:10]):
        raise ClaimError(f"{path}: {_shown(text)} is not a time of day")
    raise ClaimError(f"{path}: {_shown(text)} is not a calendar date and time")


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
_CLAIM_KEYS = frozenset(CONTRACT_CLAIM_FIELDS)
_LINE_KEYS = frozenset(CONTRACT_LINE_FIELDS)


def _is_drug_code(code: str) -> bool:
    """HCPCS drug codes (J0120-J9999, Q5101-Q5199): lines whose `drug` defaults to their code."""
    if code[0] == "J":
        return code >= "J0120"
    return code[0] == "Q" and "Q5101" <= code <= "Q5199"


class Line:
    """One validated service line, with the contract's defaults applied."""

    __slots__ = ("charge", "code", "date", "description", "drug", "drug_given", "member_supplied", "minutes",
                 "modifiers", "number", "pos", "provider", "start", "start_at", "stop", "stop_at", "supervision",
                 "units")

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
    drug_given: bool  # whether `drug` is the line's own (else it follows from the code)
    supervision: str
    member_supplied: bool
    description: str | None


class Claim:
    """One validated claim: its header fields, its lines, and the lines of each date of service."""

    __slots__ = ("bill_class", "bill_type", "by_code", "by_date", "id", "lines", "member", "pos", "provider", "type")

    id: str
    type: str
    pos: str | None
    bill_type: str | None
    bill_class: str | None
    member: str | None
    provider: str | None
    lines: tuple[Line, ...]
    by_date: dict[str, list[Line]]
    # the lines of each code: not set by validation; the driver of a generated module whose rules
    # range over the lines of a code, or test a code against the claim's, sets it before they run
    by_code: dict[str, list[Line]]


_MISSING: Any = object()
# The fast path's static sets: values it accepts without a pattern match.
_PLACES = frozenset(f"{n:02d}" for n in range(100))
_MODIFIER_SET = frozenset(a + b for a in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                          for b in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_CLAIM_TYPES = frozenset({"professional", "institutional"})
_SUPERVISION = frozenset({"direct", "none"})
# Line fields the fast path looks for only when a line has more fields than it counted.
_SELDOM_GIVEN = frozenset({"provider", "pos", "supervision", "member_supplied", "description"})
# Values that passed their full check once: codes, dates and start or stop stamps (with their
# minutes) recur from claim to claim. Each holds at most _REMEMBERED values, so memory is bounded.
_REMEMBERED = 1 << 14
_GOOD_CODES: set[str] = set()
_GOOD_DATES: set[str] = set()
_GOOD_STAMPS: dict[str, int] = {}


def _calendar_date(text: str) -> bool:
    """YYYY-MM-DD naming a day of the calendar."""
    if _DATE.match(text) is None:
        return False
    try:
        datetime.date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return False
    return True


def _minutes(text: str) -> int | None:
    """Minutes since 0001-01-01T00:00 of a YYYY-MM-DDTHH:MM value; None when it is not one."""
    match = _STAMP.match(text)
    if match is None:
        return None
    year, month, day, hour, minute = [int(part) for part in match.groups()]
    try:
        ordinal = datetime.date(year, month, day).toordinal()
    except ValueError:
        return None
    if hour > 23 or minute > 59:
        return None
    return ordinal * 1440 + hour * 60 + minute


def _stamp_minutes(value: object) -> int | None:
    """The minutes of a well-formed stamp, remembered; None for anything else."""
    if type(value) is not str:
        return None
    minutes = _GOOD_STAMPS.get(value)
    if minutes is None:
        minutes = _minutes(value)
        if minutes is not None and len(_GOOD_STAMPS) < _REMEMBERED:
            _GOOD_STAMPS[value] = minutes
    return minutes


def _fast_claim(raw: object, strict: bool) -> Claim | None:
    """The fast path: the claim, when every value is of the usual kind and well-formed; None when
    anything is unusual (a value of another class, a malformed or unknown field, a null), so
    that the full checker decides. It accepts only what the full checker accepts, and builds the
    claim `_built_claim` builds; the tests hold it to both. It raises nothing.

    A field is looked up with `get` (None when missing) and counted when present; a dict with
    more keys than were counted has a field that is null, seldom given, or not the contract's."""
    if type(raw) is not dict:
        return None
    get = raw.get
    claim_id = get("id")
    kind = get("type")
    listed = get("lines")
    if (type(claim_id) is not str or not claim_id or type(kind) is not str or kind not in _CLAIM_TYPES
            or type(listed) is not list or not 0 < len(listed) <= 999):
        return None
    given = 3
    pos = get("pos")
    if pos is not None:
        if type(pos) is not str or pos not in _PLACES:
            return None
        given += 1
    bill_type = get("bill_type")
    bill_class: str | None = None
    if bill_type is not None:
        if type(bill_type) is not str or _BILL_TYPE.match(bill_type) is None:
            return None
        bill_class = bill_type[1:3] if len(bill_type) == 4 else bill_type[0:2]
        given += 1
    member = get("member")
    if member is not None:
        if type(member) is not str:
            return None
        given += 1
    provider = get("provider")
    if provider is not None:
        if type(provider) is not str:
            return None
        given += 1
    if len(raw) != given and (strict or len(_CLAIM_KEYS.intersection(raw)) != given):
        return None
    needs_pos = kind == "professional" and pos is None
    lines: list[Line] = []
    by_date: dict[str, list[Line]] = {}
    for number, item in enumerate(listed, 1):
        if type(item) is not dict:
            return None
        get = item.get
        code = get("code")
        if type(code) is not str:
            return None
        if code not in _GOOD_CODES:
            if _CODE.match(code) is None:
                return None
            if len(_GOOD_CODES) < _REMEMBERED:
                _GOOD_CODES.add(code)
        date = get("date")
        if type(date) is not str:
            return None
        if date not in _GOOD_DATES:
            if not _calendar_date(date):
                return None
            if len(_GOOD_DATES) < _REMEMBERED:
                _GOOD_DATES.add(date)
        line = Line()
        line.number = number
        line.code = code
        line.date = date
        given = 2
        modifiers = get("modifiers")
        if modifiers is None:
            line.modifiers = ()
        else:
            if type(modifiers) is not list or len(modifiers) > 4:
                return None
            for modifier in modifiers:
                if type(modifier) is not str or modifier not in _MODIFIER_SET:
                    return None
            line.modifiers = tuple(modifiers)
            given += 1
        units = get("units")
        if units is None:
            line.units = 1
        else:
            if not ((type(units) is int and units > 0) or (type(units) is float and 0 < units < math.inf)):
                return None
            line.units = units
            given += 1
        charge = get("charge")
        if charge is not None:
            if not ((type(charge) is int and charge >= 0) or (type(charge) is float and 0 <= charge < math.inf)):
                return None
            given += 1
        line.charge = charge
        start = get("start")
        stop = get("stop")
        if start is None and stop is None:
            line.start = line.stop = None
            line.start_at = line.stop_at = line.minutes = None
        else:
            start_at = _stamp_minutes(start)
            stop_at = _stamp_minutes(stop)
            if start_at is None or stop_at is None or stop_at <= start_at:
                return None
            line.start = start
            line.stop = stop
            line.start_at = start_at
            line.stop_at = stop_at
            line.minutes = stop_at - start_at
            given += 2
        drug = get("drug")
        if drug is None:
            line.drug = code if code[0] in "JQ" and _is_drug_code(code) else None
            line.drug_given = False
        else:
            if type(drug) is not str or not drug:
                return None
            line.drug = drug
            line.drug_given = True
            given += 1
        line.provider = provider
        line.pos = pos
        line.supervision = "direct"
        line.member_supplied = False
        line.description = None
        if len(item) != given:
            if not _SELDOM_GIVEN.isdisjoint(item):
                seldom = _seldom_given(item, line)
                if seldom < 0:
                    return None
                given += seldom
            if len(item) != given and (strict or len(_LINE_KEYS.intersection(item)) != given):
                return None
        if needs_pos and line.pos is None:
            return None
        lines.append(line)
        same_day = by_date.get(date)
        if same_day is None:
            by_date[date] = [line]
        else:
            same_day.append(line)
    claim = Claim()
    claim.id = claim_id
    claim.type = kind
    claim.pos = pos
    claim.bill_type = bill_type
    claim.bill_class = bill_class
    claim.member = member
    claim.provider = provider
    claim.lines = tuple(lines)
    claim.by_date = by_date
    return claim


def _seldom_given(item: dict[Any, Any], line: Line) -> int:
    """The fast path for the fields lines seldom give: how many of them the line gives, each set
    on `line`; -1 when one of them is unusual."""
    get = item.get
    given = 0
    provider = get("provider")
    if provider is not None:
        if type(provider) is not str:
            return -1
        line.provider = provider
        given += 1
    pos = get("pos")
    if pos is not None:
        if type(pos) is not str or pos not in _PLACES:
            return -1
        line.pos = pos
        given += 1
    supervision = get("supervision")
    if supervision is not None:
        if type(supervision) is not str or supervision not in _SUPERVISION:
            return -1
        line.supervision = supervision
        given += 1
    member_supplied = get("member_supplied")
    if member_supplied is not None:
        if type(member_supplied) is not bool:
            return -1
        line.member_supplied = member_supplied
        given += 1
    description = get("description")
    if description is not None:
        if type(description) is not str:
            return -1
        line.description = description if description.strip() else None
        given += 1
    return given


def _built_claim(raw: Mapping[Any, Any]) -> Claim:
    """The claim of a mapping the full checker found no problem in: each field through its own
    check (which returns the value rules read), the contract's defaults for the others."""
    claim = Claim()
    claim.id = _claim_id(raw["id"], "id")
    claim.type = _claim_type(raw["type"], "type")
    claim.pos = _place(raw["pos"], "pos") if "pos" in raw else None
    claim.bill_type = claim.bill_class = None
    if "bill_type" in raw:
        bill_type = claim.bill_type = _bill_type(raw["bill_type"], "bill_type")
        claim.bill_class = bill_type[1:3] if len(bill_type) == 4 else bill_type[0:2]
    claim.member = _text(raw["member"], "member") if "member" in raw else None
    claim.provider = _text(raw["provider"], "provider") if "provider" in raw else None
    lines = [_built_line(item, number, claim) for number, item in enumerate(raw["lines"], 1)]
    by_date: dict[str, list[Line]] = {}
    for line in lines:
        by_date.setdefault(line.date, []).append(line)
    claim.lines = tuple(lines)
    claim.by_date = by_date
    return claim


def _built_line(raw: Mapping[Any, Any], number: int, claim: Claim) -> Line:
    def field(name: str, default: Any) -> Any:
        return _LINE_CHECKS[name](raw[name], f"lines[{number}].{name}") if name in raw else default

    line = Line()
    line.number = number
    line.code = _code(raw["code"], f"lines[{number}].code")
    line.date = _date(raw["date"], f"lines[{number}].date")
    line.modifiers = field("modifiers", ())
    line.units = field("units", 1)
    line.charge = field("charge", None)
    line.start = line.stop = line.start_at = line.stop_at = line.minutes = None
    if "start" in raw:  # and so "stop", after it: the full checker says so
        line.start, line.stop = raw["start"], raw["stop"]
        line.start_at, line.stop_at = field("start", None), field("stop", None)
        line.minutes = line.stop_at - line.start_at
    line.drug = field("drug", line.code if _is_drug_code(line.code) else None)
    line.drug_given = "drug" in raw
    line.provider = field("provider", claim.provider)
    line.pos = field("pos", claim.pos)
    line.supervision = field("supervision", "direct")
    line.member_supplied = field("member_supplied", False)
    line.description = field("description", None)
    return line


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
    name; any other value than "error" or "ignore" is the caller's mistake (ValueError).

    The fast path takes the usual claim; whatever it does not take, the full checker decides, and
    it alone writes messages."""
    if unknown_fields == "error":
        strict = True
    elif unknown_fields == "ignore":
        strict = False
    else:
        raise ValueError(f"unknown_fields must be 'error' or 'ignore', not {_shown(unknown_fields)}")
    claim = _fast_claim(raw, strict)
    if claim is not None:
        return claim
    problems = claim_problems(raw, strict)
    if problems:
        raise ClaimError("; ".join(problems))
    assert isinstance(raw, Mapping)  # claim_problems finds a problem in anything else
    return _built_claim(raw)


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


def is_cpt_category_1(code: str | None) -> bool:
    """Five numeric digits: a CPT category I code (not a category II `1036F` or III `0591T` code)."""
    return code is not None and _CPT_CATEGORY_1.match(code) is not None


def is_hcpcs(code: str | None) -> bool:
    return code is not None and _HCPCS.match(code) is not None


# -- suggestions that stand


def rebilled(claim: Claim, number: int, code: str) -> Claim:
    """The claim with line `number` billed as `code` and every other field as it is; the line's
    `drug`, where the line does not give one, follows the new code (a HCPCS drug code is its own
    drug), as it would had the claim been sent that way."""
    old = claim.lines[number - 1]
    line = Line()
    line.number = old.number
    line.code = code
    line.date = old.date
    line.modifiers = old.modifiers
    line.units = old.units
    line.provider = old.provider
    line.pos = old.pos
    line.charge = old.charge
    line.start = old.start
    line.stop = old.stop
    line.start_at = old.start_at
    line.stop_at = old.stop_at
    line.minutes = old.minutes
    line.drug_given = old.drug_given
    line.drug = old.drug if old.drug_given else (code if _is_drug_code(code) else None)
    line.supervision = old.supervision
    line.member_supplied = old.member_supplied
    line.description = old.description
    changed = Claim()
    changed.id = claim.id
    changed.type = claim.type
    changed.pos = claim.pos
    changed.bill_type = claim.bill_type
    changed.bill_class = claim.bill_class
    changed.member = claim.member
    changed.provider = claim.provider
    changed.lines = tuple(line if item is old else item for item in claim.lines)
    changed.by_date = {date: [line if item is old else item for item in same_day] if date == old.date else same_day
                       for date, same_day in claim.by_date.items()}
    return changed


def standing(claim: Claim, findings: list[Finding], denies: Callable[[Claim, int], bool]) -> list[Finding]:
    """The findings, each suggested code kept only where it stands: where the line, billed with that
    code on the same claim (every other line unchanged), would get no `deny` finding. `denies(claim,
    number)` evaluates the pack on a re-billed claim and says whether line `number` is denied; it
    never asks about suggestions again. Each line and code is evaluated once. Replaces in place."""
    verdicts: dict[tuple[int, str], bool] | None = None  # made at the first suggestion: most findings have none
    for index, finding in enumerate(findings):
        code = finding.suggest
        if code is None:
            continue
        if verdicts is None:
            verdicts = {}
        key = (finding.line, code)
        denied = verdicts.get(key)
        if denied is None:
            denied = verdicts[key] = denies(rebilled(claim, finding.line, code), finding.line)
        if denied:
            findings[index] = Finding(finding.rule, finding.line, finding.disposition, finding.message,
                                      finding.citation, None, finding.evidence)
    return findings


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
