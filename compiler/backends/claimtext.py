"""Claims as the policy documents show them: the claim's fields above a table of its lines.

The pack's examples, the analyzer's witnesses and the witnesses of a change report are all shown
this way. Values stay raw text here; the templates escape them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from compiler.backends.english import number_text

LINE_COLUMNS = ("code", "date", "modifiers", "units", "provider", "pos", "drug", "start", "stop", "charge",
                "supervision", "member_supplied", "description")
CLAIM_FIELDS = ("id", "type", "pos", "provider", "bill_type", "member")


@dataclass(frozen=True)
class ClaimLayout:
    """The claim's own fields (name, value), in a fixed order; the columns its lines use (the
    contract's line fields first, in the contract's order, then any others by name); one row of
    cells per line, the line's number first."""

    header: tuple[tuple[str, str], ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def claim_layout(claim: object) -> ClaimLayout | None:
    """The claim as a header and a table; None when it is not an object with a list of line objects."""
    lines = claim.get("lines") if isinstance(claim, Mapping) else None
    if not isinstance(claim, Mapping) or not isinstance(lines, list) or \
            not all(isinstance(line, Mapping) for line in lines):
        return None
    header_keys = [k for k in CLAIM_FIELDS if k in claim]
    header_keys += sorted(str(k) for k in claim if k not in CLAIM_FIELDS and k != "lines")
    present = {str(k) for line in lines for k in line}
    columns = [c for c in LINE_COLUMNS if c in present] + sorted(present - set(LINE_COLUMNS))
    rows = tuple((str(n), *(value_text(line[c]) if c in line else "" for c in columns))
                 for n, line in enumerate(lines, 1))
    return ClaimLayout(tuple((k, value_text(claim[k])) for k in header_keys), ("line", *columns), rows)


def value_text(value: object) -> str:
    """A claim value as text: yes/no, 2 (not 2.0), a list of modifiers joined, anything else as JSON."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return json_text(value)


def json_text(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
