"""What the format tests share: the pack's claims by id, findings through the generated module,
and a claim's effective values (what the rules see, whatever level a format gives a field at)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from generated import cpcp026
from tests.conftest import PACK
from tests.helpers import compile_ok

DATA = Path(__file__).resolve().parent / "data"


@functools.cache
def pack_claims() -> dict[str, dict[str, Any]]:
    """The claims of every example written in the pack (the published scenarios among them), by id."""
    pack, _ = compile_ok(PACK)
    return {e.claim["id"]: e.claim for e in pack.examples if isinstance(e.claim, dict)}


def findings(claim: object) -> list[dict[str, Any]]:
    return [f.to_dict() for f in cpcp026.evaluate(claim)]


def effective(claim: dict[str, Any]) -> dict[str, Any]:
    """The claim as the rules read it: each line with its own provider and place of service."""
    lines = []
    for line in claim["lines"]:
        seen = dict(line)
        for key in ("provider", "pos"):
            if key not in seen and key in claim:
                seen[key] = claim[key]
        lines.append(seen)
    return {"id": claim["id"], "type": claim["type"], "bill_type": claim.get("bill_type"), "lines": lines}


def agrees(read: dict[str, Any], source: dict[str, Any], lost: frozenset[str] = frozenset()) -> None:
    """`read` (from a format) gives every field of `source` (the JSON claim) the format carries,
    with the same effective value; `lost` names line fields the format cannot carry."""
    got, want = effective(read), effective(source)
    assert (got["id"], got["type"], got["bill_type"]) == (want["id"], want["type"], want["bill_type"])
    assert len(got["lines"]) == len(want["lines"])
    for number, (line, expected) in enumerate(zip(got["lines"], want["lines"], strict=True), 1):
        for key, value in expected.items():
            if key in lost or (key == "drug" and value == expected["code"]):
                continue
            assert line.get(key, 1 if key == "units" else None) == value, (source["id"], number, key)
