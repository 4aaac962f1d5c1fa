"""What `rulesc eval` writes for one record, and the count of what happened.

One definition for the in-process loop and the worker processes of `--jobs`, so both write the
same line for the same record. Standard library only: workers import it without the compiler.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Engine = Callable[[object], Sequence[Any]]


@dataclass
class Summary:
    claims: int = 0
    with_findings: int = 0
    errors: int = 0

    def __str__(self) -> str:
        return f"{self.claims} claims, {self.with_findings} with findings, {self.errors} errors"

    def add(self, result: dict[str, Any]) -> None:
        self.claims += 1
        self.with_findings += bool(result.get("findings"))
        self.errors += "error" in result


def claim_id(value: object) -> Any:
    """The claim's id as the result echoes it; null for a record without a usable one."""
    if isinstance(value, dict):
        found = value.get("id")
        if isinstance(found, (str, int, float)) and not isinstance(found, bool):
            return found
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def result_line(result: dict[str, Any]) -> str:
    """One JSON line; non-ASCII text as is, except a lone surrogate (from a `\\udXXX` escape in the
    input), which UTF-8 cannot hold: then the whole line is written with ASCII escapes."""
    text = json.dumps(result, ensure_ascii=False)
    if not text.isascii() and _SURROGATE.search(text):
        text = json.dumps(result)
    return text + "\n"


def result_of(value: object, error: str | None, evaluate: Engine,
              rejected: tuple[type[Exception], ...]) -> dict[str, Any]:
    """The result of one record: its reader's error, the engine's ClaimError, or its findings."""
    result: dict[str, Any] = {"id": claim_id(value)}
    if error is not None:
        result["error"] = error
        return result
    try:
        findings = evaluate(value)
    except rejected as caught:
        result["error"] = str(caught)
    else:
        result["findings"] = [f.to_dict() for f in findings]
    return result
