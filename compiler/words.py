"""Counts in words, as the commands print them: `1 claim`, `2 claims`, `0 errors`."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None, spec: str = "") -> str:
    """`number` and `noun`, the noun in the plural unless the number is 1; `plural` where adding an
    s does not make it (`1 witness`, `2 witnesses`); `spec` formats the number (`,`: 1,200)."""
    return f"{number:{spec}} {noun if number == 1 else plural or noun + 's'}"
