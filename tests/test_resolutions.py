"""Every precedence and exception of the CPCP026 pack is needed by one of its examples.

Each declaration is cut out of the pack's text in turn; the pack is then planned without the
conflict analyzer (which would refuse it) and its examples are run directly through the
interpreter: at least one example must fail, so no resolution is left untested.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.analysis.checks import analyze
from compiler.diagnostics import Collector, Sources
from compiler.examples.expectations import compare
from compiler.examples.runner import expectation, outcome
from compiler.interpreter.evaluate import Interpreter
from compiler.runtime.claims import ClaimError
from compiler.semantics.resolver import resolve_pack
from tests.conftest import PACK
from tests.helpers import compile_ok

PACK_IR, SOURCES = compile_ok(PACK)
TEXT = PACK.read_text(encoding="utf-8")


def _declarations() -> list[tuple[str, int]]:
    """(label, offset where the declaration starts) for each precedence and exception."""
    found = [(f"precedence {p.winner} over {p.loser}", p.span.start) for p in PACK_IR.precedences
             if p.declared_by == "precedence"]
    found += [(f"exception {r.id}", r.span.start) for r in PACK_IR.rules if r.kind == "exception"]
    return sorted(found, key=lambda item: item[1])


def _without(start: int) -> str:
    """The pack's text with the declaration at `start` cut out, up to the blank line after it."""
    end = TEXT.find("\n\n", start)
    return TEXT[:start] + TEXT[end + 2:]


def failing_examples(path: Path) -> list[str]:
    out = Collector()
    pack = resolve_pack(path, out, Sources())
    assert pack is not None and not out.has_errors, [d.message for d in out.items]
    plan = analyze(pack, out)
    assert plan is not None
    interpreter = Interpreter(plan)
    return [example.name for example in plan.pack.examples
            if not compare(expectation(example), outcome(interpreter.evaluate, example.claim, (ClaimError,))).passed]


def test_the_pack_has_declarations_to_remove() -> None:
    labels = [label for label, _ in _declarations()]
    assert len(labels) >= 3 and any(label.startswith("precedence") for label in labels)


def test_the_unchanged_pack_passes_its_examples(tmp_path: Path) -> None:
    path = tmp_path / "cpcp026.rules"
    path.write_text(TEXT, encoding="utf-8")
    assert failing_examples(path) == []


@pytest.mark.parametrize(("label", "start"), _declarations(), ids=[label for label, _ in _declarations()])
def test_removing_a_declaration_fails_an_example(tmp_path: Path, label: str, start: int) -> None:
    path = tmp_path / "cpcp026.rules"
    edited = _without(start)
    path.write_text(edited, encoding="utf-8")
    assert failing_examples(path), f"no example depends on {label}"


def test_declarations_are_cut_whole() -> None:
    """What is cut is exactly one declaration: it starts with its keyword, and the rest of the
    pack still compiles with one declaration fewer."""
    for label, start in _declarations():
        cut = TEXT[start:TEXT.find("\n\n", start)]
        assert cut.startswith(label.split()[0] + " "), cut
        assert not any(line and not line.startswith(("  ", "#")) for line in cut.split("\n")[1:]), cut
