"""Procedure code shapes, ranges and their compact form (shared by every stage)."""

from __future__ import annotations

import re
from collections.abc import Iterable

MODIFIER = re.compile(r"[0-9A-Z]{2}")
PLACE = re.compile(r"[0-9]{2}")


def shape(code: str) -> tuple[str, str, int]:
    """(prefix, suffix, number): codes of one shape differ only in their number."""
    if code[0].isalpha():
        return code[0], "", int(code[1:])
    if code[-1].isalpha():
        return "", code[-1], int(code[:4])
    return "", "", int(code)


def _render(prefix: str, suffix: str, number: int) -> str:
    width = 5 - len(prefix) - len(suffix)
    return f"{prefix}{number:0{width}d}{suffix}"


def range_problem(low: str, high: str) -> str | None:
    """Why `low..high` is not a range, or None when it is one."""
    low_shape, high_shape = shape(low), shape(high)
    if low_shape[:2] != high_shape[:2]:
        return "mixed-range"
    if low_shape[2] > high_shape[2]:
        return "reversed-range"
    return None


def expand(low: str, high: str) -> frozenset[str]:
    prefix, suffix, start = shape(low)
    stop = shape(high)[2]
    return frozenset(_render(prefix, suffix, n) for n in range(start, stop + 1))


def compress(codes: Iterable[str]) -> list[tuple[str, str]]:
    """Runs of consecutive codes as (first, last) pairs, in a stable order."""
    by_shape: dict[tuple[str, str], list[int]] = {}
    for code in codes:
        prefix, suffix, number = shape(code)
        by_shape.setdefault((prefix, suffix), []).append(number)
    runs: list[tuple[str, str]] = []
    for (prefix, suffix), numbers in sorted(by_shape.items()):
        numbers.sort()
        first = previous = numbers[0]
        for number in numbers[1:]:
            if number == previous + 1:
                previous = number
                continue
            runs.append((_render(prefix, suffix, first), _render(prefix, suffix, previous)))
            first = previous = number
        runs.append((_render(prefix, suffix, first), _render(prefix, suffix, previous)))
    return runs
