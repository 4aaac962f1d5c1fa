"""Claims for checking a change report by sampling: the pack's examples and the catalogue's
demonstrations, changed a little at random, and claims drawn at random, with the codes and dates a
variant is about drawn more often. Sampling cannot prove a rule equivalent; it can catch a change
where an expectation or a report rules one out."""

from __future__ import annotations

import copy
import datetime
import random
from collections.abc import Iterator
from typing import Any

from tests.claimgen import CPCP026_CODES, DATES, MODIFIERS, random_claim
from tests.conftest import PACK
from tests.diff.variants import DAY, VARIANTS, Variant
from tests.helpers import compile_ok

MINUTES = [0, 3, 5, 6, 10, 15, 16, 18, 20, 21, 25, 30, 31, 33, 35, 36, 45, 60, 61, 90, 91, 120, 150, 151, 500]
SEEDS: list[dict[str, Any]] = [e.claim for e in compile_ok(PACK)[0].examples if isinstance(e.claim, dict)]
SEEDS += [d.claim for v in VARIANTS for d in v.demos]


def mutate(claim: dict[str, Any], rng: random.Random, codes: list[str], dates: list[str]) -> dict[str, Any]:
    """The claim with one to four random changes: a line's code, modifiers, units, times, drug,
    provider, place, date or flags, a line added or removed, the claim's type."""
    claim = copy.deepcopy(claim)
    lines: list[dict[str, Any]] = claim["lines"]
    for _ in range(rng.randint(1, 4)):
        line = rng.choice(lines)
        op = rng.randrange(13)
        if op == 0:
            line["code"] = rng.choice(codes)
        elif op == 1:
            mods = set(line.get("modifiers", []))
            mods ^= {rng.choice(MODIFIERS)}
            line["modifiers"] = sorted(mods)
        elif op == 2:
            line["units"] = rng.choice([1, 2, 3, 4, 0.5, 1.5, 12])
        elif op == 3:
            at = rng.choice(["08:00", "09:00", "09:30", "10:00"])
            start = datetime.datetime.fromisoformat(f"{line['date']}T{at}")
            line["start"] = start.strftime("%Y-%m-%dT%H:%M")
            line["stop"] = (start + datetime.timedelta(minutes=rng.choice(MINUTES))).strftime("%Y-%m-%dT%H:%M")
        elif op == 4:
            line.pop("start", None)
            line.pop("stop", None)
        elif op == 5:
            if rng.random() < 0.3:
                line.pop("drug", None)
            else:
                line["drug"] = rng.choice(["J1745", "J2405", "J7050", "J9035", "J2357", "J3490"])
        elif op == 6:
            line["provider"] = rng.choice(["1234567893", "1987654321"])
        elif op == 7 and claim["type"] == "professional":
            claim["pos"] = rng.choice(["11", "22", "12", "21", "19", "13"])
        elif op == 8:
            day = rng.choice(dates)
            for key in ("start", "stop"):
                if key in line:
                    line[key] = day + line[key][10:]
            line["date"] = day
        elif op == 9:
            key = rng.choice(["supervision", "member_supplied", "charge", "description"])
            values: dict[str, list[Any]] = {"supervision": ["none", "direct"], "member_supplied": [True, False],
                                            "charge": [0, 10.0, 250.0], "description": ["compounded drug"]}
            line[key] = rng.choice(values[key])
        elif op == 10 and len(lines) < 6:
            lines.append(copy.deepcopy(line) if rng.random() < 0.5 else {"code": rng.choice(codes),
                                                                           "date": line["date"]})
        elif op == 11 and len(lines) > 1:
            lines.remove(line)
        elif op == 12:
            if claim["type"] == "professional":
                claim.update(type="institutional", bill_type=rng.choice(["0131", "0111", "0851"]))
                claim.pop("pos", None)
            else:
                claim.update(type="professional", pos=rng.choice(["11", "22"]))
                claim.pop("bill_type", None)
    return claim


def random_claims(variant: Variant, count: int, seed: int) -> Iterator[object]:
    """Claims around the pack's examples and the catalogue's demonstrations (changed a little),
    and some drawn at random, with the codes and dates the variant is about more often."""
    rng = random.Random(f"{variant.name}-{seed}")
    focus = [c for c in variant.focus for _ in range(6)]
    codes = [*CPCP026_CODES, "G0466", "J9035", "J7120", "96373", "96370", "96369", *focus]
    dates = [DAY, DAY, DAY, "2024-09-13", *variant.dates]
    seeds = SEEDS + [d.claim for d in variant.demos] * 10
    for i in range(count):
        if i % 4 == 0:
            yield random_claim(rng, codes, DATES + list(variant.dates) * 4, malformed=0.0)
        else:
            yield mutate(rng.choice(seeds), rng, codes, dates)
