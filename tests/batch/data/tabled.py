"""A hand-made module in the shape of a generated one with a data file beside it (`tabled.tables`,
one code a line): it denies every line whose code the file lists.

The file is read when the module is first used, not while it is imported: a native build (mypyc)
runs its module body before `__file__` holds the folder (it is the bare file name then), so only
afterwards does `Path(__file__).parent` name the folder the data file is in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TABLES: dict[str, frozenset[str]] = {}


def denied() -> frozenset[str]:
    """The codes the data file lists, read once."""
    if "denied" not in _TABLES:
        text = (Path(__file__).parent / "tabled.tables").read_text(encoding="utf-8")
        _TABLES["denied"] = frozenset(text.split())
    return _TABLES["denied"]


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
    codes = denied()
    for number, line in enumerate(claim["lines"], 1):
        code = line.get("code") if isinstance(line, dict) else None
        if code in codes:
            found.append(Finding("T1-listed", number, "deny", f"{code} is listed in tabled.tables"))
    return found
