"""What one record's evaluation gives, and the count of what happened.

A result is the JSON object of the contract: `{"id", "findings"}` for a claim the engine
evaluated, `{"id", "error"}` for a record that could not be read or a claim the engine rejected.
One definition for this process and the worker processes, so both give the same result for the
same record. Standard library only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from compiler.inputs.records import Record
from compiler.words import counted

Evaluate = Callable[[object], Sequence[Any]]
Result = dict[str, Any]


@dataclass
class Summary:
    claims: int = 0
    with_findings: int = 0
    errors: int = 0

    def __str__(self) -> str:
        return f"{counted(self.claims, 'claim')}, {self.with_findings} with findings, {counted(self.errors, 'error')}"

    def add(self, result: Result) -> None:
        self.claims += 1
        self.with_findings += bool(result.get("findings"))
        self.errors += "error" in result

    def merge(self, other: Summary) -> None:
        self.claims += other.claims
        self.with_findings += other.with_findings
        self.errors += other.errors


def claim_id(value: object) -> Any:
    """The claim's id as the result echoes it; null for a record without a usable one."""
    if isinstance(value, dict):
        found = value.get("id")
        if isinstance(found, (str, int, float)) and not isinstance(found, bool):
            return found
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


_text = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes for a string
_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(ensure_ascii=False), made once


def no_findings_line(claim: object) -> str:
    """The JSON line of a claim evaluated without a finding, as `result_line` writes it: the
    commonest result, whose line for a text id is made without the encoder, in the very bytes
    `json.dumps` writes (the tests hold the two to it)."""
    if type(claim) is str and claim.isascii():
        return _no_findings(claim)
    return result_line({"id": claim, "findings": []})


def _no_findings(claim: str) -> str:
    return '{"id": ' + _text(claim) + ', "findings": []}\n'


def result_line(result: Result) -> str:
    """One JSON line; non-ASCII text as is, except a lone surrogate (from a `\\udXXX` escape in the
    input), which UTF-8 cannot hold: then the whole line is written with ASCII escapes.

    The commonest result, a claim with a text id and no findings, is written without the encoder,
    in the very bytes `json.dumps` writes (the tests hold the two to it)."""
    if len(result) == 2 and result.get("findings") == [] and next(iter(result)) == "id":
        claim = result["id"]
        if type(claim) is str and claim.isascii():
            return _no_findings(claim)
    text = _encode(result)
    if not text.isascii() and _SURROGATE.search(text):
        text = json.dumps(result)
    return text + "\n"


def result_of(record: Record, evaluate: Evaluate, rejected: tuple[type[Exception], ...]) -> Result:
    """The result of one record: its reader's error (with the claim id the reader found), the
    engine's rejection (ClaimError), or its findings."""
    if record.error is not None:
        return {"id": record.claim_id, "error": record.error}
    result: Result = {"id": claim_id(record.value)}
    try:
        findings = evaluate(record.value)
    except rejected as caught:
        result["error"] = str(caught)
    else:
        result["findings"] = [f.to_dict() for f in findings]
    return result
