"""Evidence: the other lines each finding rests on, the same on both engines (README, "Evidence")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PACK, ROOT
from tests.helpers import engines, run_cli

EVIDENCE = ROOT / "tests" / "packs" / "evidence.rules"


def claim(*lines: tuple[str, str] | tuple[str, str, int]) -> dict[str, Any]:
    listed = [{"code": code, "date": date, **({"units": rest[0]} if rest else {})} for code, date, *rest in lines]
    return {"id": "E", "type": "professional", "pos": "11", "lines": listed}


def evidence(interpreter: Any, module: Any, raw: dict[str, Any]) -> dict[tuple[int, str], tuple[int, ...]]:
    """Each finding's evidence by (line, rule), after checking that both engines give the same."""
    interpreted = {(f.line, f.rule): f.evidence for f in interpreter.evaluate(raw)}
    compiled = {(f.line, f.rule): f.evidence for f in module.evaluate(raw)}
    assert compiled == interpreted
    return compiled


DAY = "2024-05-01"
EVERYTHING = claim(("99213", DAY), ("96374", DAY, 2), ("96372", DAY), ("96365", DAY), ("96366", DAY),
                   ("96360", DAY))


def test_p23_rests_on_the_em_line() -> None:
    found = evidence(engines(PACK)[1], engines(PACK)[2], claim(("99213", "2024-09-12"), ("96372", "2024-09-12")))
    assert found[(2, "P23-injection-with-em")] == (1,)
    finding = next(f for f in engines(PACK)[2].evaluate(claim(("99213", "2024-09-12"), ("96372", "2024-09-12")))
                   if f.rule == "P23-injection-with-em")
    assert finding.to_dict()["evidence"] == [1]


def test_a_decision_on_an_absence_has_no_evidence() -> None:
    found = evidence(engines(EVIDENCE)[1], engines(EVIDENCE)[2], claim(("96372", DAY), ("99213", "2024-05-02")))
    assert found == {(1, "E02-no"): ()}


@pytest.mark.parametrize(("key", "lines"), [
    ((2, "E01-any"), (1,)),
    ((4, "E04-nested"), (1, 3)),  # the E/M of the outer quantifier and the injection of the inner one
    ((2, "E05-count"), (3, 4, 5, 6)),  # every counted line
    ((3, "E06-first"), (2,)),  # the first other administration, whose units decide
    ((5, "E07-not-no"), (1,)),  # `not (no ...)` means `any ...`, and rests on what it finds
    ((1, "E08-flagged"), (2, 3, 4, 5, 6)),  # the lines flagged by E01, not the E/M behind E01's findings
])
def test_each_construct(key: tuple[int, str], lines: tuple[int, ...]) -> None:
    assert evidence(engines(EVIDENCE)[1], engines(EVIDENCE)[2], EVERYTHING)[key] == lines


def test_an_or_whose_sides_both_hold_rests_on_both() -> None:
    _, interpreter, module = engines(EVIDENCE)
    found = evidence(interpreter, module, claim(("99213", DAY), ("96374", DAY), ("96372", DAY, 3)))
    assert found[(2, "E03-or")] == (1, 3)
    only_one = evidence(interpreter, module, claim(("99213", DAY), ("96374", DAY), ("96372", DAY)))
    assert only_one[(2, "E03-or")] == (1,)


def test_evidence_never_holds_the_line_itself() -> None:
    """E09's `any line x` (not `other`) is satisfied by its own line too; the negated `any` adds nothing."""
    found = evidence(engines(EVIDENCE)[1], engines(EVIDENCE)[2], claim(("96360", DAY), ("96372", DAY), ("J1745", DAY)))
    assert found[(1, "E09-self")] == (2,)


def test_evidence_is_ascending_and_a_tuple() -> None:
    for finding in engines(EVIDENCE)[2].evaluate(EVERYTHING) + engines(EVIDENCE)[1].evaluate(EVERYTHING):
        assert isinstance(finding.evidence, tuple)
        assert list(finding.evidence) == sorted(set(finding.evidence))
        assert finding.line not in finding.evidence


def test_eval_writes_the_evidence(tmp_path: Path) -> None:
    source = tmp_path / "claim.json"
    source.write_text(json.dumps(claim(("99213", "2024-09-12"), ("96372", "2024-09-12"))), encoding="utf-8")
    for engine in ("compiled", "interpreter"):
        code, out, _ = run_cli("eval", str(PACK), "--input", str(source), "--engine", engine)
        findings = json.loads(out)["findings"]
        assert code == 0
        assert {"rule": "P23-injection-with-em", "line": 2, "evidence": [1]}.items() <= next(
            f for f in findings if f["rule"] == "P23-injection-with-em").items()
