"""A hand-made module in the shape of a generated one that reads a data file beside it when it is
imported (`tabled.tables`, one code a line): it denies every line whose code the file lists."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

DENIED = frozenset((Path(__file__).parent / "tabled.tables").read_text(encoding="utf-8").split())


class ClaimError(ValueError):
    pass


@dataclass(frozen=True)
class Finding:
    rule: str
    line: int
    disposition: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "line": self.line, "disposition": self.disposition, "message": self.message}


def evaluate(claim: Any, unknown_fields: str = "error") -> list[Finding]:
    if not isinstance(claim, dict) or not isinstance(claim.get("lines"), list):
        raise ClaimError("lines: required")
    found = []
    for number, line in enumerate(claim["lines"], 1):
        code = line.get("code") if isinstance(line, dict) else None
        if code in DENIED:
            found.append(Finding("T1-listed", number, "deny", f"{code} is listed in tabled.tables"))
    return found
