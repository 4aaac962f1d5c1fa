"""The front end's contracts: registered diagnostic codes, closed vocabularies, one resolver per
expression type, loading apart from resolving, and the IR of rows and examples."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from compiler.analysis import coverage
from compiler.diagnostics import CODES, Collector, Severity, Sources, Span, UnregisteredCode
from compiler.pipeline import compile_pack
from compiler.semantics import ir
from compiler.semantics.exprs import RESOLVERS
from compiler.semantics.resolver import resolve, resolve_pack
from compiler.syntax import ast, vocabulary
from compiler.syntax.loader import display_path, load_pack
from compiler.syntax.parser import GRAMMAR_PATH, SYNTAX_EXAMPLES
from tests.conftest import PACK, ROOT
from tests.helpers import compile_ok

HEADER = 'pack t\n  title "T"\n  version "1"\n  effective 2024-01-01\n  source "t.txt"\n'


def write(tmp_path: Path, text: str, name: str = "t.rules") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the registry of codes


def test_the_collector_refuses_unregistered_codes_and_wrong_severities() -> None:
    out = Collector()
    with pytest.raises(UnregisteredCode, match="'no-such-code' is not registered"):
        out.error("no-such-code", "m", None)
    with pytest.raises(UnregisteredCode, match="registered as error, reported as warning"):
        out.warning("syntax", "m", None)
    with pytest.raises(UnregisteredCode, match="registered as warning, reported as error"):
        out.error("unused-set", "m", None)
    out.warning("unused-set", "m", None)
    assert [d.severity for d in out.items] == [Severity.WARNING] and not out.has_errors


_REPORTS = re.compile(r'\.(error|warning|report)\(\s*"([a-z-]+)"|_SyntaxProblem\(\s*"([a-z-]+)"')


def test_every_code_the_compiler_reports_is_registered_with_its_severity() -> None:
    """Read from the source, so a code on a path no test takes is checked too."""
    seen = set()
    for path in sorted((ROOT / "compiler").rglob("*.py")):
        for method, code, problem in _REPORTS.findall(path.read_text(encoding="utf-8")):
            name = code or problem
            assert name in CODES, f"{path.name}: {name}"
            assert CODES[name].severity.value == ("warning" if method == "warning" else "error"), name
            seen.add(name)
    for name, _ in SYNTAX_EXAMPLES:
        assert CODES[name].severity is Severity.ERROR
        seen.add(name)
    assert len(seen) >= 50
    assert seen >= {"clause-order", "example-order", "unused-set", "untested-rule"}


# ---------------------------------------------------------------- vocabularies and dispatch


def test_every_ast_expression_type_has_a_resolver() -> None:
    assert set(RESOLVERS) == set(get_args(ast.Expr))


@pytest.mark.parametrize(("rule", "words"), [
    ("disposition", vocabulary.DISPOSITIONS), ("quantifier", ("any", "no")),
    ("line_scope", vocabulary.LINE_SCOPES), ("relation_kind", ("date", "provider", "drug")),
    ("claim_type", vocabulary.CLAIM_TYPES), ("set_kind", vocabulary.SET_KINDS),
])
def test_each_vocabulary_is_the_grammars(rule: str, words: tuple[str, ...]) -> None:
    grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
    found = re.search(rf"^!{rule}: (.*)$", grammar, re.MULTILINE)
    assert found is not None
    assert tuple(re.findall(r'"([^"]+)"', found.group(1))) == words


def test_comparison_and_arithmetic_operators_are_the_grammars() -> None:
    grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
    terminals = dict(re.findall(r"^(COMPARE|ADD_OP|MUL_OP): (.*)$", grammar, re.MULTILINE))
    assert set(re.findall(r'"([^"]+)"', terminals["COMPARE"])) == set(vocabulary.COMPARE_OPS)
    operators = re.findall(r'"([^"]+)"', terminals["ADD_OP"] + terminals["MUL_OP"])
    assert set(operators) == set(vocabulary.ARITH_OPS)


# ---------------------------------------------------------------- loading, then resolving


def test_loading_records_how_each_declaration_reached_the_pack() -> None:
    out = Collector()
    loaded = load_pack(ROOT / "tests/diagnostics/bad/unused-set.rules", out, Sources())
    reach = {o.decl.name: o.reach for o in loaded.origins if isinstance(o.decl, ast.CodesDecl)}
    assert reach == {"shared_a": "named", "shared_b": "named", "whole_a": "imported", "used": "own",
                     "via_other": "own", "other": "own", "unused": "own", "places": "own", "unused_places": "own"}
    contract = load_pack(ROOT / "tests/packs/contract.rules", out, Sources())
    rules = {o.decl.id: o.reach for o in contract.origins if isinstance(o.decl, ast.RuleDecl)}
    assert rules["P23-injection-with-em"] == "inherited"
    assert not out.items


def test_resolve_pack_is_loading_then_resolving() -> None:
    out, sources = Collector(), Sources()
    pack = resolve_pack(PACK, out, sources)
    again = resolve(load_pack(PACK, Collector(), Sources()), Collector())
    assert pack is not None and pack == again
    assert not [d for d in out.items if d.severity is Severity.ERROR]


def test_walk_visits_every_node_parents_first() -> None:
    result = compile_pack(ROOT / "tests/diagnostics/good/small.rules", Sources())
    assert result.pack is not None
    nodes = list(ir.walk(result.pack.rules[0].condition))
    assert [type(n).__name__ for n in nodes] == [
        "Quant", "BoolOp", "BoolOp", "Member", "LineField", "SetValue", "Relation", "Relation"]
    assert list(ir.walk(None)) == []


# ---------------------------------------------------------------- the previous version


def test_the_previous_version_is_named_not_loaded(tmp_path: Path) -> None:
    """`previous` resolves against the pack's file; the file is only checked, never read into
    the pack: its declarations, its syntax errors and its text stay out of the pack and its digest."""
    old = write(tmp_path, HEADER + 'rule OLD-1 "t"\n  target 96372\n  deny "x"\nrule broken\n', "t-1.0.rules")
    (tmp_path / "new").mkdir()
    text = HEADER.replace('"1"', '"1.1"') + '  previous "../t-1.0.rules"\n'
    path = write(tmp_path / "new", text)
    out, sources = Collector(), Sources()
    loaded = load_pack(path, out, sources)
    pack = resolve(loaded, out)
    assert pack is not None and not out.items
    assert pack.previous == display_path(old) == loaded.previous
    assert text[pack.previous_span.start:pack.previous_span.end] == 'previous "../t-1.0.rules"'
    assert pack.rules == () and sources.text(display_path(old)) is None
    assert list(loaded.texts) == [display_path(path)]
    old.write_text(HEADER, encoding="utf-8")
    again = compile_pack(path, Sources()).pack
    assert again is not None and again.digest == pack.digest


def test_a_pack_without_previous_has_none() -> None:
    pack = compile_pack(PACK, Sources()).pack
    assert pack is not None and pack.previous is None and pack.previous_span == pack.span


@pytest.mark.parametrize(("previous", "code"), [("t-0.9.rules", "missing-previous"), (".", "missing-previous"),
                                                 ("t.rules", "bad-previous"), ("./t.rules", "bad-previous")])
def test_a_previous_version_that_cannot_be_compared_is_an_error(tmp_path: Path, previous: str, code: str) -> None:
    path = write(tmp_path, HEADER + f'  previous "{previous}"\n')
    result = compile_pack(path, Sources())
    assert result.pack is None
    field = Span(display_path(path), len(HEADER) + 2, len(HEADER) + 13 + len(previous))
    assert [(d.code, d.span) for d in result.diagnostics] == [(code, field)]


def test_only_the_packs_own_header_names_a_previous_version(tmp_path: Path) -> None:
    """A base pack's header is not inherited: its `previous` is neither checked nor taken over."""
    write(tmp_path, HEADER + '  previous "gone.rules"\n', "base.rules")
    path = write(tmp_path, HEADER.replace("pack t", "pack c") + '  extends "base.rules"\n')
    result = compile_pack(path, Sources())
    assert result.pack is not None, result.diagnostics
    assert result.pack.previous is None


# ---------------------------------------------------------------- rows and examples in the IR


def test_the_pack_declares_its_rows_expanded_and_in_order(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + '  rows P10, P02..P03, K1, P2a\nsection s "S"\n'
                 'documentation D "d"\n  covers P10, P02, P03, K1, P2a\n')
    result = compile_pack(path, Sources())
    assert result.pack is not None, result.diagnostics
    assert result.pack.rows == ("K1", "P02", "P2a", "P03", "P10")
    cpcp026 = compile_pack(PACK, Sources()).pack
    assert cpcp026 is not None and cpcp026.rows == tuple(f"P{n:02d}" for n in range(1, 37))


def test_a_row_no_declaration_covers_is_an_error(tmp_path: Path) -> None:
    """The conflict analyzer reports it (`rulesc check` runs the analyzer), without the solver too."""
    text = PACK.read_text(encoding="utf-8")
    assert "  covers P26, P27\n" in text
    path = write(tmp_path, text.replace("  covers P26, P27\n", "  covers P26\n"), "cpcp026.rules")
    assert coverage.uncovered_rows(compile_ok(path)[0]) == ["P27"]


def test_examples_carry_evidence_and_ignored_info(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + 'section s "S"\nrule R "t"\n  cite s\n  target 96372\n'
                 '  when any other line x where same date\n  deny "x"\n'
                 'example "e"\n  claim {"id": "A", "type": "professional", "lines": [{}, {}, {}]}\n  ignore info\n'
                 '  expect line 2 deny by R because line 1, 3\n  expect line 3 deny because no other line\n'
                 '  expect line 1 deny\n')
    result = compile_pack(path, Sources())
    assert result.pack is not None, result.diagnostics
    (example,) = result.pack.examples
    assert example.ignore_info
    assert [(e.line, e.rule, e.evidence) for e in example.expected] == [(2, "R", (1, 3)), (3, None, ()),
                                                                       (1, None, None)]
