"""The generated module and the interpreter agree: same findings, or the same ClaimError, on many
random claims, for CPCP026 and for the test packs that use every construct. The module runs pure
and, where a C compiler is at hand, as its native build."""

from __future__ import annotations

import json
import random
import types
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.interpreter.evaluate import Interpreter
from compiler.runtime.claims import CONTRACT_CLAIM_FIELDS, CONTRACT_LINE_FIELDS, ClaimError
from tests.claimgen import CPCP026_CODES, random_claim
from tests.conftest import PACK, ROOT, examples, native_unavailable
from tests.helpers import engines, native_module, run_cli

CONSTRUCT_CODES = ["96360", "96361", "96365", "96366", "96367", "96372", "96374", "96375", "96413", "96401",
                   "99213", "G0463", "J1745", "J2405", "Q5101", "0075T", "36000"]
CONSTRUCT_DATES = ["2023-12-31", "2024-01-01", "2024-05-01", "2024-05-01", "2024-06-01"]


def outcome(engine: Any, error: type[Exception], claim: object, unknown_fields: str = "error") -> object:
    """The findings (with their evidence) as dictionaries, or the error's message."""
    try:
        return [f.to_dict() for f in engine(claim, unknown_fields=unknown_fields)]
    except error as caught:
        return ("error", str(caught))


def agree(interpreter: Interpreter, module: types.ModuleType, claim: object) -> object:
    snapshot = json.dumps(claim, sort_keys=True, default=str)
    expected = outcome(interpreter.evaluate, ClaimError, claim)
    got = outcome(module.evaluate, module.ClaimError, claim)
    assert got == expected, json.dumps(claim)
    lenient = outcome(module.evaluate, module.ClaimError, claim, "ignore")
    assert lenient == outcome(interpreter.evaluate, ClaimError, claim, "ignore"), json.dumps(claim)
    assert json.dumps(claim, sort_keys=True, default=str) == snapshot, "evaluate changed its input"
    return got


CONSTRUCTS = ROOT / "tests" / "packs" / "constructs.rules"
BUILDS = ["pure", pytest.param("native", marks=pytest.mark.slow)]  # a native build takes a compiler's while


def _build(request: pytest.FixtureRequest, pure: types.ModuleType, pack: Any, cache: Any) -> types.ModuleType:
    if request.param == "pure":
        return pure
    reason = native_unavailable()
    if reason:
        pytest.skip(reason)
    return native_module(pack, cache)


@pytest.fixture(scope="module", params=BUILDS)
def cpcp026(request: pytest.FixtureRequest, native_cache: Any) -> types.ModuleType:
    """The CPCP026 module, pure and native."""
    return _build(request, engines(PACK)[2], PACK, native_cache)


@pytest.fixture(scope="module", params=BUILDS)
def constructs(request: pytest.FixtureRequest, native_cache: Any) -> types.ModuleType:
    return _build(request, engines(CONSTRUCTS)[2], CONSTRUCTS, native_cache)


@settings(max_examples=examples(400), deadline=None)
@given(st.randoms(use_true_random=False))
def test_cpcp026_engines_agree(cpcp026: types.ModuleType, rng: random.Random) -> None:
    agree(engines(PACK)[1], cpcp026, random_claim(rng))


@settings(max_examples=examples(400), deadline=None)
@given(st.randoms(use_true_random=False))
def test_construct_pack_engines_agree(constructs: types.ModuleType, rng: random.Random) -> None:
    agree(engines(CONSTRUCTS)[1], constructs, random_claim(rng, CONSTRUCT_CODES, CONSTRUCT_DATES))


MAPPED = ROOT / "tests" / "packs" / "mapped.rules"
MAPPED_CODES = ["96360", "96365", "96374", "96413", "96372", "99213"]


@pytest.fixture(scope="module", params=BUILDS)
def mapped(request: pytest.FixtureRequest, native_cache: Any) -> types.ModuleType:
    """A pack that ranks and maps codes a map gave (absent for a code the map does not list)."""
    return _build(request, engines(MAPPED)[2], MAPPED, native_cache)


@settings(max_examples=examples(300), deadline=None)
@given(st.randoms(use_true_random=False))
def test_mapped_lookups_agree(mapped: types.ModuleType, rng: random.Random) -> None:
    agree(engines(MAPPED)[1], mapped, random_claim(rng, MAPPED_CODES, CONSTRUCT_DATES))


def test_mapped_lookups_are_exercised() -> None:
    """The claims of the test above reach both rules, with and without a suggestion."""
    rng = random.Random(3)
    seen: set[tuple[str, str | None]] = set()
    for _ in range(500):
        result = outcome(engines(MAPPED)[2].evaluate, engines(MAPPED)[2].ClaimError, random_claim(rng, MAPPED_CODES,
                                                                                        CONSTRUCT_DATES))
        if isinstance(result, list):
            seen.update((f["rule"], f["suggest"]) for f in result)
    assert {("M01-upgrade-ranks-higher", "96413"), ("M01-upgrade-ranks-higher", None),
            ("M02-twice-upgraded", None)} <= seen, seen


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("name", ["escaping", "contract", "evidence"])
def test_other_packs_agree(name: str, build: str, native_cache: Any) -> None:
    path = ROOT / "tests" / "packs" / f"{name}.rules"
    _, interpreter, module = engines(path)
    if build == "native":
        reason = native_unavailable()
        if reason:
            pytest.skip(reason)
        module = native_module(path, native_cache)
    rng = random.Random(name)
    for _ in range(300):
        agree(interpreter, module, random_claim(rng, [*CPCP026_CODES, "96372", "96360"]))


def test_random_claims_exercise_findings_and_errors(cpcp026: types.ModuleType) -> None:
    """The generator is not vacuous: it produces findings of every disposition and ClaimErrors."""
    rng = random.Random(7)
    dispositions: set[str] = set()
    rules: set[str] = set()
    evidence: set[int] = set()
    errors: list[str] = []
    for _ in range(3000):
        result = outcome(cpcp026.evaluate, cpcp026.ClaimError, random_claim(rng))
        if isinstance(result, tuple):
            errors.append(result[1])
            continue
        assert isinstance(result, list)
        dispositions.update(f["disposition"] for f in result)
        rules.update(f["rule"] for f in result)
        evidence.update(len(f["evidence"]) for f in result)
    assert dispositions == {"deny", "review", "info"}
    assert len(errors) > 100
    assert any("unknown field" in e for e in errors) and any("; " in e for e in errors)
    assert len(rules) >= 25, sorted(rules)
    assert {0, 1, 2} <= evidence, sorted(evidence)


@pytest.mark.slow
def test_eval_engines_agree_on_thousands_of_claims(tmp_path: Any, native_cache: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`rulesc eval` writes the same lines with the interpreter, the pure module and its native
    build, in one process and in worker processes."""
    rng = random.Random(2024)
    claims = [random_claim(rng) for _ in range(3000)]
    source = tmp_path / "claims.jsonl"
    source.write_text("\n".join(json.dumps(c) for c in claims) + "\n", encoding="utf-8")
    monkeypatch.setenv("RULESC_CACHE", str(native_cache))
    runs = {"interpreter": ["--engine", "interpreter"], "compiled": ["--jobs", "1"], "jobs 2": ["--jobs", "2"]}
    if native_unavailable() is None:
        runs.update({"native": ["--native", "--jobs", "1"], "native jobs 2": ["--native", "--jobs", "2"]})
    results = {}
    for name, options in runs.items():
        out = tmp_path / "out.jsonl"
        code, _, err = run_cli("eval", str(PACK), "--input", str(source), "--output", str(out), *options)
        assert code == 1, err  # some claims are malformed on purpose
        results[name] = out.read_text(encoding="utf-8").splitlines()
    for name, lines in results.items():
        assert lines == results["interpreter"], name
    assert len(results["compiled"]) == len(claims)

    def shown(claim: dict[str, Any]) -> object:
        value = claim.get("id")
        return value if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None

    assert [json.loads(r)["id"] for r in results["compiled"]] == [shown(c) for c in claims]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12)
CLAIM_KEYS = [*CONTRACT_CLAIM_FIELDS, "bill_class", "note"]
FIELDS = [*CLAIM_KEYS, *CONTRACT_LINE_FIELDS, "minutes", "modifier"]


@settings(max_examples=examples(400), deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from(FIELDS), json_values)
def test_any_json_value_in_any_field_gives_findings_or_claim_error(cpcp026: types.ModuleType, rng: random.Random,
                                                                  field: str, value: object) -> None:
    claim = random_claim(rng, malformed=0)
    if field in CLAIM_KEYS:
        claim[field] = value
    else:
        rng.choice(claim["lines"])[field] = value
    agree(engines(PACK)[1], cpcp026, claim)


@settings(max_examples=examples(200), deadline=None)
@given(json_values)
def test_any_json_value_as_the_claim(cpcp026: types.ModuleType, value: object) -> None:
    assert agree(engines(PACK)[1], cpcp026, value) is not None


@pytest.mark.parametrize("engine", ["interpreter", "compiled"])
def test_both_engines_take_unknown_fields(engine: str) -> None:
    evaluate = engines(PACK)[1].evaluate if engine == "interpreter" else engines(PACK)[2].evaluate
    error = ClaimError if engine == "interpreter" else engines(PACK)[2].ClaimError
    claim = {"id": "U", "type": "professional", "pos": "11", "diagnosis": "J45",
             "lines": [{"code": "96372", "date": "2024-09-12", "supervision": "none", "modifier": ["25"]}]}
    with pytest.raises(error) as rejected:
        evaluate(claim)
    assert str(rejected.value) == ('diagnosis: unknown field; '
                                   'lines[1].modifier: unknown field (did you mean "modifiers"?)')
    assert "P21-injection-without-supervision" in [f.rule for f in evaluate(claim, unknown_fields="ignore")]
    with pytest.raises(ValueError) as caught:
        evaluate(claim, unknown_fields="warn")
    assert str(caught.value) == "unknown_fields must be 'error' or 'ignore', not 'warn'"
    assert not isinstance(caught.value, error)
