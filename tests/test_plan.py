"""Only an analyzed pack runs: analysis returns a plan, and the engines take nothing else."""

from __future__ import annotations

import dataclasses

import pytest

from compiler.backends.python import generate_python
from compiler.diagnostics import Collector, Sources
from compiler.interpreter.evaluate import Interpreter
from compiler.pipeline import compile_pack
from compiler.semantics import ir
from compiler.semantics.resolver import resolve_pack
from tests.conftest import PACK, ROOT

INJECTION_WITH_EM = {"id": "A", "type": "professional", "pos": "11", "lines": [
    {"code": "99213", "date": "2024-09-12"}, {"code": "96372", "date": "2024-09-12"}]}


def unanalyzed() -> ir.Pack:
    pack = resolve_pack(PACK, Collector(), Sources())
    assert pack is not None
    return pack


def test_compile_pack_gives_the_plan_and_its_pack() -> None:
    result = compile_pack(PACK, Sources())
    assert isinstance(result.plan, ir.Plan) and result.pack is result.plan.pack
    assert set(result.plan.order) == {r.id for r in result.plan.pack.rules if r.edits}
    assert not result.diagnostics
    assert not hasattr(result.pack, "order")


def test_a_pack_with_errors_has_no_plan() -> None:
    result = compile_pack(ROOT / "tests" / "diagnostics" / "bad" / "dependency-cycle.rules", Sources())
    assert result.plan is None and result.pack is None and result.diagnostics


def test_engines_refuse_a_pack_that_skipped_analysis() -> None:
    pack = unanalyzed()
    with pytest.raises(TypeError, match=r"^Interpreter runs an analyzed plan .*, not Pack$"):
        Interpreter(pack)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^generate_python needs an analyzed plan .*, not Pack$"):
        generate_python(pack, "")  # type: ignore[arg-type]


def test_a_plan_must_order_every_edit_rule() -> None:
    pack = unanalyzed()
    with pytest.raises(ValueError, match=r"must name each edit rule once: it names none$"):
        ir.Plan(pack, ())
    order = compile_pack(PACK, Sources()).plan.order  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="must name each edit rule once"):
        ir.Plan(pack, (*order, order[0]))
    with pytest.raises(TypeError):
        ir.Plan(object(), ())  # type: ignore[arg-type]


def test_a_plan_reads_findings_only_after_they_are_made() -> None:
    pack = unanalyzed()
    order = list(compile_pack(PACK, Sources()).plan.order)  # type: ignore[union-attr]
    reader, read = "P26-em-needs-modifier-25", "P23-injection-with-em"
    order.remove(reader)
    order.insert(order.index(read), reader)
    with pytest.raises(ValueError, match=f"^{reader} reads the findings of {read}, so {read} must be evaluated"):
        ir.Plan(pack, tuple(order))


def test_a_hand_made_plan_in_a_valid_order_runs() -> None:
    plan = compile_pack(PACK, Sources()).plan
    assert plan is not None
    again = dataclasses.replace(plan, pack=unanalyzed())
    findings = Interpreter(again).evaluate(INJECTION_WITH_EM)
    assert "P23-injection-with-em" in [f.rule for f in findings]
    assert findings == Interpreter(plan).evaluate(INJECTION_WITH_EM)
