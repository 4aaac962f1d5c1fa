"""The change-report catalogue checks itself (tests/diff/variants.py): every variant applies to
the current pack and compiles; every refactor still passes the pack's examples and decides like
CPCP026 on random claims; every edit's expected changes are shown by its demonstrations through
the two interpreters, and random claims show no change it does not expect. This holds the
expectations of tests/diff/test_suites.py to the reference semantics."""

from __future__ import annotations

import copy
import datetime
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from compiler.diagnostics import Sources
from compiler.runtime.claims import ClaimError
from tests.claimgen import CPCP026_CODES, DATES, MODIFIERS, random_claim
from tests.conftest import PACK
from tests.diff import variants as catalogue
from tests.diff.replay import Pair, compile_text
from tests.diff.text import EditError, in_decl, rename, replace, split
from tests.diff.variants import DAY, DIRECTIONS, EDITS, EVERY_RULE_EDITED, REFACTORS, VARIANTS, Variant
from tests.helpers import compile_ok, run_cli

RANDOM_CLAIMS = 600


def params(variants: list[Variant]) -> list[object]:
    return [pytest.param(v, id=v.name, marks=[pytest.mark.slow] if v.slow else []) for v in variants]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Variant], Pair]]:
    """Each variant compiled once, beside CPCP026 compiled once."""
    folder = tmp_path_factory.mktemp("variants")
    sources = Sources()
    old = compile_text(catalogue.pack_text(), folder / "cpcp026.rules", sources)
    made: dict[str, Pair] = {}

    def get(variant: Variant) -> Pair:
        if variant.name not in made:
            made[variant.name] = Pair(old, compile_text(variant.new_text(), folder / f"{variant.name}.rules", sources))
        return made[variant.name]

    yield get


# ------------------------------------------------------------------ the text helpers


def test_a_replacement_must_find_its_text_exactly_as_often_as_it_says() -> None:
    assert replace("a b a", "b", "c") == "a c a"
    assert replace("a b a", "a", "c", count=2) == "c b c"
    with pytest.raises(EditError, match="found 0"):
        replace("a b", "x", "y")
    with pytest.raises(EditError, match="found 2"):
        replace("a b a", "a", "c")
    with pytest.raises(EditError, match="changes nothing"):
        replace("a b", "a", "a")


def test_the_pack_splits_into_its_declarations_and_joins_back() -> None:
    text = catalogue.pack_text()
    chunks = split(text)
    assert "".join(c.text for c in chunks) == text
    assert chunks[0].keyword == "pack"
    rules = [c.name for c in chunks if c.keyword == "rule"]
    assert "P11-hydration-minimum" in rules and len(rules) == len(set(rules))


def test_an_edit_scoped_to_a_declaration_touches_no_other() -> None:
    text = catalogue.pack_text()
    edited = in_decl("rule", "P16-initial-units", "  when line.units > 1", "  when line.units > 2")(text)
    assert edited.count("  when line.units > 1\n") == text.count("  when line.units > 1\n") - 1
    with pytest.raises(EditError, match="one `rule P99-none`"):
        in_decl("rule", "P99-none", "a", "b")(text)


def test_renaming_keeps_strings_comments_table_values_and_keywords() -> None:
    text = ('section documentation "hydration"\n  text "hydration"\n\n'
            "codes hydration = 96360  # hydration\n\n"
            "table kinds\n  columns category: symbol\n  96360: hydration\n\n"
            'documentation D1-x "x"\n  cite documentation\n\n'
            "rule R1-hydration-rule \"t\"\n  target hydration\n  when line.code in hydration\n  deny \"x\"\n")
    out = rename({"hydration": "fluids", "documentation": "records"})(text)
    assert 'section records "hydration"' in out and 'text "hydration"' in out
    assert "codes fluids = 96360  # hydration" in out and "96360: hydration" in out
    assert "documentation D1-x" in out and "cite records" in out
    assert "R1-hydration-rule" in out and "target fluids" in out and "line.code in fluids" in out
    with pytest.raises(EditError, match="does not have"):
        rename({"nothing_here": "x"})(text)


# ------------------------------------------------------------------ every variant


def test_the_catalogue_has_the_suites_the_issue_asks_for() -> None:
    assert len(REFACTORS) >= 8 and len(EDITS) >= 12
    names = [v.name for v in [*VARIANTS, EVERY_RULE_EDITED]]
    assert len(names) == len(set(names))
    changes = {change for v in EDITS for change in v.expected.values()}
    assert changes >= {"broader", "narrower", "incomparable", "outcome", "added", "removed"}
    assert all(not v.expected for v in REFACTORS)
    assert all(v.expected for v in EDITS)


@pytest.mark.parametrize("variant", params([*VARIANTS, EVERY_RULE_EDITED]))
def test_the_variant_applies_and_compiles(variant: Variant, pair: Callable[[Variant], Pair]) -> None:
    text = catalogue.pack_text()
    assert variant.new_text(text) != text
    compiled = pair(variant)
    old_ids, new_ids = compiled.ids
    for rule in variant.expected:
        assert rule in old_ids | new_ids, f"{rule} is in neither pack"
    for rule, change in variant.expected.items():
        assert (change == "added") == (rule not in old_ids), rule
        assert (change == "removed") == (rule not in new_ids), rule
    assert set(variant.unasserted) <= old_ids | new_ids


@pytest.mark.parametrize("variant", params(REFACTORS))
def test_the_refactor_passes_the_pack_examples(variant: Variant, tmp_path: Path) -> None:
    path = tmp_path / "refactor.rules"
    path.write_text(variant.new_text(), encoding="utf-8")
    code, out, err = run_cli("test", str(path))
    assert code == 0, out + err
    assert "passed" in out


@pytest.mark.parametrize("variant", params(EDITS))
def test_the_demonstrations_show_every_expected_change(variant: Variant, pair: Callable[[Variant], Pair]) -> None:
    compiled = pair(variant)
    shown: dict[str, set[str]] = {}
    for demo in variant.demos:
        old, new = compiled.replay(demo.claim, demo.rule, demo.line)
        way = "broader" if not old and new else "narrower" if old and not new else "outcome"
        if old and new:
            assert {(f.disposition, f.suggest) for f in old} != {(f.disposition, f.suggest) for f in new}, demo
        else:
            assert old or new, f"{demo.rule} decides line {demo.line} under neither pack: {demo.claim}"
        assert way == demo.direction, (demo.rule, demo.direction, old, new)
        shown.setdefault(demo.rule, set()).add(way)
    for rule, change in variant.expected.items():
        assert shown.get(rule, set()) == DIRECTIONS[change], f"{rule} expected {change}, shown {shown.get(rule)}"
    assert set(shown) <= set(variant.expected), f"demonstrations of rules expected equivalent: {set(shown)}"


MINUTES = [0, 3, 5, 6, 10, 15, 16, 18, 20, 21, 25, 30, 31, 33, 35, 36, 45, 60, 61, 90, 91, 120, 150, 151, 500]
SEEDS: list[dict[str, Any]] = [e.claim for e in compile_ok(PACK)[0].examples if isinstance(e.claim, dict)]
SEEDS += [d.claim for v in VARIANTS for d in v.demos]


def _mutate(claim: dict[str, Any], rng: random.Random, codes: list[str], dates: list[str]) -> dict[str, Any]:
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


def _random_claims(variant: Variant, count: int, seed: int) -> Iterator[object]:
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
            yield _mutate(rng.choice(seeds), rng, codes, dates)


@pytest.mark.parametrize("variant", params(VARIANTS))
def test_random_claims_show_no_change_the_variant_does_not_expect(variant: Variant,
                                                                 pair: Callable[[Variant], Pair]) -> None:
    compiled = pair(variant)
    unexpected: dict[str, list[object]] = {}
    for claim in _random_claims(variant, RANDOM_CLAIMS, 0):
        try:
            seen = compiled.differences(claim)
        except ClaimError:
            continue
        for rule, ways in seen.items():
            allowed = DIRECTIONS[catalogue.change_of(variant, rule, rule in compiled.ids[0], rule in compiled.ids[1])]
            if rule in variant.expected and variant.expected[rule] == "incomparable":
                allowed = allowed | {"outcome"}
            if not ways <= allowed:
                unexpected.setdefault(f"{rule}: {sorted(ways - allowed)}", []).append(claim)
    assert not unexpected, {k: v[0] for k, v in unexpected.items()}


def test_every_rule_edited_changes_each_rule_and_exception_once() -> None:
    old = {(c.keyword, c.name): c.text for c in split(catalogue.pack_text())}
    new = {(c.keyword, c.name): c.text for c in split(EVERY_RULE_EDITED.new_text())}
    assert old.keys() == new.keys()
    edits = [key for key in old if key[0] in ("rule", "exception")]
    assert len(edits) == 36
    assert all(old[key] != new[key] for key in edits)
    untouched = [key for key in old if key[0] not in ("rule", "exception", "example") and old[key] != new[key]]
    assert not untouched
