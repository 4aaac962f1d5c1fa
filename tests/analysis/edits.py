"""Edited variants of a pack, one per rule or exception: what an analyst does between two runs of
`rulesc check`. Shared by the incremental analysis test and `benchmarks/incremental.py`.

Each variant changes one rule's condition, so that the rule's canonical form changes and every
question that reads it must be asked again: the condition C becomes `line.units < 1000 and (C)`
(a rule without one gets `when line.units < 1000`). The edit narrows the rule to lines of fewer
than 1,000 units, which changes what it decides on no claim of the pack's examples.
"""

from __future__ import annotations

import re

EDIT = "line.units < 1000"
_BLOCK = re.compile(r"^(?:rule|exception) (\S+).*?(?=^\S|\Z)", re.S | re.M)


def edited_variants(text: str) -> list[tuple[str, str]]:
    """(rule id, the pack's text with that rule edited), for each rule and exception, in file order."""
    out = []
    for block in _BLOCK.finditer(text):
        body = block.group(0)
        when = re.search(r"\n  when ([^\n]*(?:\n    [^\n]*)*)", body)
        if when is not None:  # the condition: its line and the lines indented under it
            edited = body[:when.start(1)] + f"{EDIT} and ({when.group(1)})" + body[when.end(1):]
        else:
            target = re.search(r"\n  target [^\n]*", body)
            assert target is not None, f"{block.group(1)} has neither a condition nor a target"
            edited = body[:target.end()] + f"\n  when {EDIT}" + body[target.end():]
        out.append((block.group(1), text[:block.start()] + edited + text[block.end():]))
    return out
