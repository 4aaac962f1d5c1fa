"""A hand-made module in the shape of a generated one with a data file beside it (`tabled.tables`,
one code a line): it denies every line whose code the file lists.

It reads the file while it is imported, as generated modules do (`tables_file` in
compiler/runtime/tables.py): from the folder `__file__` names or, in a native build (mypyc), whose
module body runs while `__file__` is only the bare file name, from the first entry of sys.path that
holds that file (where the import found it; `compiler.batch.load_module` puts the folder there)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any


def _data_file(name: str) -> bytes:
    here = str(globals().get("__file__") or "")
    if os.path.dirname(here):
        folders = [os.path.dirname(os.path.abspath(here))]
    else:
        folders = [entry or os.curdir for entry in sys.path if os.path.isfile(os.path.join(entry or os.curdir, here))]
    for folder in folders[:1]:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            with open(path, "rb") as stream:
                return stream.read()
    raise ImportError(f"{name} is not beside {here or 'the module'}")


_DENIED = frozenset(_data_file("tabled.tables").decode("utf-8").split())


def denied() -> frozenset[str]:
    """The codes the data file lists, read when the module was imported."""
    return _DENIED


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
