"""Random claims for the equivalence tests: mostly valid, sometimes malformed in one field or with
a field the contract does not name."""

from __future__ import annotations

import random
from typing import Any

from compiler.runtime.claims import CONTRACT_LINE_FIELDS

CPCP026_CODES = [
    "96360", "96361", "96365", "96366", "96367", "96368", "96369", "96370", "96371", "96372", "96373", "96374",
    "96375", "96376", "96377", "96379", "96401", "96409", "96411", "96413", "96415", "96416", "96417", "96422",
    "96423", "96425", "96523", "96549", "36000", "99211", "99213", "99215", "G0463", "90471", "G0008", "A4206",
    "A4215", "A4452", "J7030", "J7050", "J1745", "J2357", "J2405", "J3490", "J9035", "Q5101", "C9399", "C8957",
    "80053", "0075T",
]
DATES = ["2024-07-29", "2024-07-30", "2024-09-12", "2024-09-12", "2024-09-12", "2024-09-13"]
DURATIONS = [5, 10, 15, 16, 25, 30, 31, 60, 89, 90, 91, 120, 150, 151, 200]
MODIFIERS = ["25", "59", "XS", "XE", "XU", "JW", "JZ", "76"]
BAD_VALUES: list[Any] = ["9:00", -1, 0, "x", None, [], {}, True, "2024-13-01", 1.5, "", "ABCDEFG"]
UNKNOWN_FIELDS = ["modifier", "minutes", "number", "diagnosis", "Units"]


def _stamp(date: str, minutes: int) -> str:
    return f"{date}T{minutes // 60:02d}:{minutes % 60:02d}"


def random_line(rng: random.Random, codes: list[str], dates: list[str]) -> dict[str, Any]:
    date = rng.choice(dates)
    line: dict[str, Any] = {"code": rng.choice(codes), "date": date}
    if rng.random() < 0.35:
        line["modifiers"] = rng.sample(MODIFIERS, rng.randint(0, 2))
    if rng.random() < 0.4:
        line["units"] = rng.choice([1, 2, 3, 0.5, 1.5, 30, 4.0])
    if rng.random() < 0.2:
        line["provider"] = rng.choice(["P1", "P2"])
    if rng.random() < 0.25:
        line["pos"] = rng.choice(["11", "22", "12", "21", "19"])
    if rng.random() < 0.2:
        line["charge"] = rng.choice([0, 0.0, 250.0, 12])
    if rng.random() < 0.4:
        start = rng.choice([480, 540, 570, 600, 660])
        line["start"] = _stamp(date, start)
        line["stop"] = _stamp(date, min(start + rng.choice(DURATIONS), 1439))
    if rng.random() < 0.4:
        line["drug"] = rng.choice(["J1745", "J2405", "J7030", "J2357", "00002-7510-01"])
    if rng.random() < 0.15:
        line["supervision"] = rng.choice(["direct", "none"])
    if rng.random() < 0.15:
        line["member_supplied"] = rng.choice([True, False])
    if rng.random() < 0.15:
        line["description"] = rng.choice(["", "  ", "compounded drug"])
    return line


def random_claim(rng: random.Random, codes: list[str] = CPCP026_CODES, dates: list[str] = DATES,
                 malformed: float = 0.1) -> dict[str, Any]:
    kind = rng.choice(["professional", "professional", "institutional"])
    claim: dict[str, Any] = {"id": f"R{rng.randint(0, 10**6)}", "type": kind}
    if kind == "professional" or rng.random() < 0.2:
        claim["pos"] = rng.choice(["11", "11", "22", "12", "21", "19"])
    if kind == "institutional" and rng.random() < 0.8:
        claim["bill_type"] = rng.choice(["0131", "0111", "131", "0851"])
    if rng.random() < 0.7:
        claim["provider"] = rng.choice(["P1", "P2"])
    claim["lines"] = [random_line(rng, codes, dates) for _ in range(rng.randint(1, 8))]
    if rng.random() < malformed:
        line = rng.choice(claim["lines"])
        line[rng.choice(CONTRACT_LINE_FIELDS)] = rng.choice(BAD_VALUES)
    if rng.random() < malformed / 4:
        target = rng.choice([claim, *claim["lines"]])
        target[rng.choice(UNKNOWN_FIELDS)] = rng.choice([1, "25", ["25"]])
    if rng.random() < malformed / 4:
        claim[rng.choice(["id", "type", "pos", "lines", "bill_type"])] = rng.choice(BAD_VALUES)
    return claim
