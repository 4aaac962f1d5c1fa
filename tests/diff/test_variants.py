"""The change-report catalogue checks itself (tests/diff/variants.py): every variant applies to
the current pack and compiles; every refactor still passes the pack's examples and decides like
CPCP026 on random claims; every edit's expected changes are shown by its demonstrations through
the two interpreters, and random claims show no change it does not expect. This holds the
expectations of tests/diff/test_suites.py to the reference semantics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from compiler.diagnostics import Sources
from compiler.runtime.claims import ClaimError
from tests.diff import variants as catalogue
from tests.diff.replay import Pair, compile_text
from tests.diff.sampling import random_claims
from tests.diff.text import EditError, in_decl, rename, replace, split
from tests.diff.variants import EDITS, EVERY_RULE_EDITED, REFACTORS, VARIANTS, Variant
from tests.helpers import run_cli

pytestmark = pytest.mark.slow  # the diff suites' variants, each compiled and checked

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
        want = variant.directions(rule, change)
        assert shown.get(rule, set()) == want, f"{rule} expected {change} ({sorted(want)}), shown {shown.get(rule)}"
    assert set(shown) <= set(variant.expected), f"demonstrations of rules expected equivalent: {set(shown)}"


@pytest.mark.parametrize("variant", params(VARIANTS))
def test_random_claims_show_no_change_the_variant_does_not_expect(variant: Variant,
                                                                 pair: Callable[[Variant], Pair]) -> None:
    compiled = pair(variant)
    unexpected: dict[str, list[object]] = {}
    for claim in random_claims(variant, RANDOM_CLAIMS, 0):
        try:
            seen = compiled.differences(claim)
        except ClaimError:
            continue
        for rule, ways in seen.items():
            allowed = variant.directions(rule, catalogue.change_of(variant, rule, rule in compiled.ids[0],
                                                                   rule in compiled.ids[1]))
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
