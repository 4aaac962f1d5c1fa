"""`rulesc explain`: the interpreter's tracing walk agrees with both engines, rule by rule and line by
line, on random claims of both packs and of the pack that uses every construct; every IR node has an
explainer; the JSON form follows docs/explain.schema.json; the text form says what an analyst asks."""

from __future__ import annotations

import json
import random
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.backends.explanation import _NODE_NAMES, Explanation, Selection
from compiler.diagnostics import Sources
from compiler.interpreter.evaluate import Interpreter
from compiler.interpreter.trace import ClaimTrace, Explainer
from compiler.runtime.claims import ClaimError, parse_claim
from compiler.semantics import ir
from tests.claimgen import random_claim
from tests.conftest import PACK, ROOT, examples
from tests.helpers import engines, run_cli
from tests.test_ncci import random_ncci_claim

NCCI = ROOT / "policies" / "ncci.rules"
CONSTRUCTS = ROOT / "tests" / "packs" / "constructs.rules"
SCHEMA = ROOT / "docs" / "explain.schema.json"
CONSTRUCT_CODES = ["96360", "96361", "96365", "96366", "96367", "96372", "96374", "96375", "96413", "96401",
                   "99213", "G0463", "J1745", "J2405", "Q5101", "0075T", "36000"]
CONSTRUCT_DATES = ["2023-12-31", "2024-01-01", "2024-05-01", "2024-05-01", "2024-06-01"]


def _explainer(path: Path) -> tuple[Interpreter, Explainer, Any]:
    _, interpreter, module = engines(path)
    return interpreter, Explainer(interpreter.plan), module


def agree(path: Path, claim: dict[str, Any]) -> ClaimTrace | None:
    """Explain's verdict on every rule and line is the engines': the same findings (disposition,
    message, suggestion, evidence), every rule's decision the interpreter's, every suggestion the
    interpreter's raw one."""
    interpreter, explainer, module = _explainer(path)
    try:
        expected = [f.to_dict() for f in interpreter.evaluate(claim)]
    except ClaimError as error:
        with pytest.raises(ClaimError) as caught:
            explainer.explain(claim)
        assert str(caught.value) == str(error)
        return None
    assert [f.to_dict() for f in module.evaluate(claim)] == expected, json.dumps(claim)
    trace = explainer.explain(claim)
    assert [f.to_dict() for f in trace.findings] == expected, json.dumps(claim)
    by_key = {(f["rule"], f["line"]): f for f in expected}
    run = interpreter._decide(parse_claim(claim))
    raw = {(f.rule, f.line): f.suggest for f in interpreter.evaluate(claim, raw_suggestions=True)}
    for verdict in trace.verdicts:
        key = (verdict.rule.id, verdict.line)
        assert (verdict.finding.to_dict() if verdict.finding else None) == by_key.get(key), (key, json.dumps(claim))
        applies = verdict.line in run.raw.get(verdict.rule.id, frozenset())
        assert verdict.decision.applies == applies, (key, json.dumps(claim))
        if verdict.decision.condition is not None:
            assert bool(verdict.decision.condition.value) == applies
        if verdict.suggestion is not None:
            assert verdict.suggestion.code == raw[key], (key, json.dumps(claim))
            assert verdict.finding is not None
            assert verdict.finding.suggest == (verdict.suggestion.code if verdict.suggestion.stands else None)
            suggestion = verdict.suggestion
            assert suggestion.stands == (suggestion.code is not None and not suggestion.denied_by)
    fired = {(v.rule.id, v.line) for v in trace.verdicts if v.finding is not None}
    assert fired == set(by_key)
    return trace


def test_every_ir_expression_has_an_explainer_and_a_node_name() -> None:
    expressions = set(typing.get_args(ir.Expr))
    _, explainer, _ = _explainer(PACK)
    assert set(explainer.explainers) == expressions
    assert set(_NODE_NAMES) == expressions
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert set(schema["$defs"]["step"]["properties"]["node"]["enum"]) == set(_NODE_NAMES.values())


@settings(max_examples=examples(300), deadline=None)
@given(st.randoms(use_true_random=False))
def test_explain_agrees_with_both_engines_on_cpcp026(rng: random.Random) -> None:
    agree(PACK, random_claim(rng))


@settings(max_examples=examples(300), deadline=None)
@given(st.randoms(use_true_random=False))
def test_explain_agrees_with_both_engines_on_ncci(rng: random.Random) -> None:
    agree(NCCI, random_ncci_claim(rng))


@settings(max_examples=examples(300), deadline=None)
@given(st.randoms(use_true_random=False))
def test_explain_agrees_with_both_engines_on_every_construct(rng: random.Random) -> None:
    agree(CONSTRUCTS, random_claim(rng, CONSTRUCT_CODES, CONSTRUCT_DATES))


def test_the_random_claims_meet_findings_suggestions_withheld_and_precedence() -> None:
    """The agreement above is not idle: its claims reach findings of every kind of verdict."""
    rng = random.Random(23)
    seen: set[str] = set()
    for _ in range(400):
        trace = agree(PACK, random_claim(rng, malformed=0))
        for verdict in trace.verdicts if trace else ():
            if verdict.finding is not None:
                seen.add("finding")
            if verdict.removed and verdict.decision.applies:
                seen.add("removed by precedence")
            if verdict.suggestion is not None and verdict.suggestion.code and not verdict.suggestion.stands:
                seen.add("suggestion withheld")
            if verdict.suggestion is not None and verdict.suggestion.stands:
                seen.add("suggestion stands")
            if any(not c.held and c.kind == "effective date" for c in verdict.decision.checks):
                seen.add("before the effective date")
    assert seen == {"finding", "removed by precedence", "suggestion withheld", "suggestion stands",
                    "before the effective date"}


CIRCLE = """\
pack circle
  title "t"
  version "1"
  effective 2024-01-01
  source "t.txt"

map primary_of "The primary each add-on follows" = 96366 -> 96367, 96367 -> 96366

rule R1-unpaid-primary "An add-on follows a paid primary"
  target 96366, 96367
  when no other line x where same date and x.code = primary_of[line.code]
    and not (x flagged by R1-unpaid-primary)
  deny "x"
"""


def test_a_rule_that_reads_its_own_findings_is_explained_in_the_order_it_decides(tmp_path: Path) -> None:
    """Lines that wait for each other: the walk decides them in the interpreter's order, and the part
    that reads the rule's own finding on a line still being decided reads as not flagged."""
    (tmp_path / "circle.rules").write_text(CIRCLE, encoding="utf-8")
    for lines in (["96366", "96367"], ["96366"], ["96367", "96366", "96366"]):
        claim = {"id": "C", "type": "professional", "pos": "11",
                 "lines": [{"code": code, "date": "2024-09-12"} for code in lines]}
        agree(tmp_path / "circle.rules", claim)


# ---------------------------------------------------------------- the command


def _schema_validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (the dev extra) validates the JSON form")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _problems(validator: Any, data: object) -> list[str]:
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}" for e in validator.iter_errors(data)]


E02 = {"id": "E02", "type": "professional", "pos": "11", "lines": [
    {"code": "99213", "date": "2024-09-12", "provider": "1972641059", "modifiers": ["25"]},
    {"code": "96372", "date": "2024-09-12", "provider": "1234567890"}]}
E03 = {"id": "E03", "type": "professional", "pos": "11", "lines": [
    {"code": "99213", "date": "2024-09-12", "provider": "1972641059", "modifiers": ["25"]},
    {"code": "96372", "date": "2024-09-12", "provider": "1972641059"}]}


def test_why_p23_did_not_fire_names_the_provider_of_the_em_line(tmp_path: Path) -> None:
    claims = tmp_path / "claims.jsonl"
    claims.write_text(json.dumps(E02) + "\n" + json.dumps(E03) + "\n", encoding="utf-8")
    code, out, err = run_cli("explain", str(PACK), "--input", str(claims), "--line", "2", "--rule",
                             "P23-injection-with-em")
    assert code == 0, err
    first, second = out.split("\n\nclaim ")
    assert first.startswith("claim E02 (professional, place of service 11), record 1 (line 1, column 1)")
    assert "P23-injection-with-em does not apply to line 2: its condition does not hold" in first
    assert "✗ when there is another line x such that all of these hold: no line is" in first
    assert "line 1 (99213, 2024-09-12): it does not hold" in first
    assert ("✗ line x has the same rendering provider as this line (a line without one matches any) "
            "(line 1's rendering provider is 1972641059, line 2's 1234567890)") in first
    assert second.startswith("E03")
    assert "P23-injection-with-em denies line 2 (96372): “96372 is not separately reimbursed" in second
    assert "because of line 1" in second
    assert "line 1 (99213)" not in first.split("line 2: 96372")[0]  # --line 2: only line 2 is explained


@pytest.mark.slow
def test_the_json_form_follows_its_schema(tmp_path: Path) -> None:
    validator = _schema_validator()
    rng = random.Random(5)
    claims = [random_claim(rng) for _ in range(40)] + [E02, E03]
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in claims) + "{not json\n", encoding="utf-8")
    code, out, _ = run_cli("explain", str(PACK), "--input", str(path), "--format", "json")
    assert code == 1  # the record that is not JSON, and claims the pack rejects
    objects = [json.loads(line) for line in out.splitlines()]
    assert len(objects) == len(claims) + 1
    assert [o["record"] for o in objects] == list(range(1, len(claims) + 2))
    for data in objects:
        assert _problems(validator, data) == [], data.get("id")
    assert objects[-1]["error"].startswith("line ")
    interpreter = engines(PACK)[1]
    for claim, data in zip(claims, objects, strict=False):
        try:
            expected = [f.to_dict() for f in interpreter.evaluate(claim)]
        except ClaimError as error:
            assert data["error"] == str(error)
            continue
        assert data["findings"] == expected
        shown = {(r["rule"], r["line"]) for line in data["lines"] for r in line["rules"] if r["verdict"] == "finding"}
        assert shown == {(f["rule"], f["line"]) for f in expected}


def test_a_lookup_names_its_file_and_row_and_a_sum_its_threshold(tmp_path: Path) -> None:
    validator = _schema_validator()
    claim = {"id": "N", "type": "professional", "pos": "11", "lines": [
        {"code": "99213", "date": "2025-03-10"}, {"code": "96372", "date": "2025-03-10"}]}
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(claim), encoding="utf-8")
    code, out, err = run_cli("explain", str(NCCI), "--input", str(path), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert _problems(validator, data) == []
    lookups = []

    def collect(step: dict[str, Any] | None) -> None:
        if step is None:
            return
        if "lookup" in step:
            lookups.append(step["lookup"])
        for part in step["parts"]:
            collect(part)
        for candidate in step.get("candidates", []):
            collect(candidate["condition"])
            collect(candidate["then"])
            collect(candidate["value"])

    for line in data["lines"]:
        for verdict in line["rules"]:
            collect(verdict["condition"])
    files = {lookup["file"] for lookup in lookups}
    assert any(f is not None and f.startswith("policies/ncci/") for f in files), files
    found = [lookup for lookup in lookups if lookup["found"]]
    assert found, "some lookup finds its row"
    for lookup in found:
        text = (ROOT / lookup["file"]).read_text(encoding="utf-8").splitlines()
        for row in lookup["rows"]:
            written = text[row["line"] - 1]
            assert all(str(v) in written or v is None or "-" in str(v) for v in row["cells"].values()), written


def test_a_sum_is_shown_against_its_threshold(tmp_path: Path) -> None:
    interpreter, explainer, _ = _explainer(NCCI)
    words = Explanation(interpreter.pack, _sources(NCCI))
    rng = random.Random(8)
    for _ in range(2000):
        claim = random_ncci_claim(rng)
        try:
            trace = explainer.explain(claim)
        except ClaimError:
            continue
        fired = [v for v in trace.verdicts if v.finding is not None and v.rule.id == "N07-mue-per-date-policy"]
        if fired:
            text = words.text(trace, Selection(fired[0].line, "N07-mue-per-date-policy"), "record 1")
            assert "the sum of line x's unit count over the lines x of the claim (this line included) such that all " \
                   "of these hold is more than" in text
            assert "adds " in text
            return
    pytest.fail("no random claim met N07")


def _sources(path: Path) -> Sources:
    from compiler.pipeline import compile_pack

    sources = Sources()
    compile_pack(path, sources)
    return sources


def test_an_unknown_rule_is_a_usage_error_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(E02), encoding="utf-8")
    code, _, err = run_cli("explain", str(PACK), "--input", str(path), "--rule", "P23-injection-with-en")
    assert code == 2
    assert err == ("rulesc explain: cpcp026 has no rule P23-injection-with-en; did you mean "
                   "`P23-injection-with-em`?\n")
    code, _, err = run_cli("explain", str(PACK), "--input", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err


def test_a_line_before_the_effective_date_is_never_edited(tmp_path: Path) -> None:
    claim = {"id": "D", "type": "professional", "pos": "11", "lines": [{"code": "96372", "date": "2024-07-01"}]}
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(claim), encoding="utf-8")
    code, out, _ = run_cli("explain", str(PACK), "--input", str(path), "--rule", "P21-injection-without-supervision")
    assert code == 0
    assert ("✗ effective date: line 1 is dated 2024-07-01, before the pack's effective date 2024-07-30: no rule "
            "edits it") in out
