"""Counts in words: one, and every other number."""

from __future__ import annotations

from compiler.words import counted


def test_one_is_singular_every_other_count_plural() -> None:
    assert [counted(n, "claim") for n in (0, 1, 2)] == ["0 claims", "1 claim", "2 claims"]
    assert counted(1, "witness", "witnesses") == "1 witness" and counted(3, "witness", "witnesses") == "3 witnesses"
    assert counted(1200, "claim", spec=",") == "1,200 claims" and counted(1, "more fault") == "1 more fault"
