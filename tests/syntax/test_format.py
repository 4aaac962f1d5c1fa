"""The formatter (`rulesc fmt`, compiler/syntax/format.py): a pure function with two properties,
checked on every pack of the repository, on mutants of CPCP026 and on generated packs:

- formatting twice changes nothing;
- the formatted pack means the same: it compiles to the same IR (spans and the digest of its text
  aside) and gives the same findings on random claims; a pack that does not compile keeps its
  errors (the formatter only puts clauses into the order the language requires).

Golden files under format/ show the layout itself (RULESC_REGEN=1 rewrites the .expected files).
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import os
import random
import shutil
import typing
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from compiler.diagnostics import Collector, Sources, Span
from compiler.interpreter.evaluate import Interpreter
from compiler.pipeline import Compiled, compile_pack
from compiler.runtime.claims import ClaimError
from compiler.semantics import ir
from compiler.syntax import ast
from compiler.syntax import format as fmt
from compiler.syntax.format import LEVELS, NOT_PRINTED, FormatError, Unformattable, format_source
from compiler.syntax.parser import parse_module
from compiler.syntax.vocabulary import CLAUSE_ORDER, CellKind, ClauseKind, ExpectKind
from tests.claimgen import random_claim
from tests.conftest import PACK, ROOT
from tests.helpers import run_cli
from tests.test_language_doc import blocks
from tests.test_mutations import mutate, mutation

GOLDEN = Path(__file__).parent / "format"
# Every pack of the repository: the policy, the test packs, the analyzer's and the change report's
# packs, the diagnostics fixtures (those that parse), this folder's golden inputs.
ALL_PACKS = sorted(p for p in ROOT.glob("**/*.rules") if ".git" not in p.parts and "generated" not in p.parts)
# The policies and the packs that use every construct (with the files they import and extend).
NCCI = ROOT / "policies" / "ncci.rules"
FAST_PACKS = [PACK, NCCI, *sorted((ROOT / "tests" / "packs").glob("*.rules"))]
FAST_FILES = [PACK, NCCI, *sorted((ROOT / "tests" / "packs").glob("**/*.rules"))]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ---------------------------------------------------------------- the printer covers the syntax tree


def node_classes() -> set[type]:
    """Every node class of the syntax tree."""
    return {value for _, value in inspect.getmembers(ast, inspect.isclass)
            if issubclass(value, ast.Node) and value is not ast.Node}


def unprinted() -> set[type]:
    printer = fmt._Printer("")
    printed = {*printer.decls, *printer.exprs, *printer.set_items, *printer.parts, *NOT_PRINTED}
    return node_classes() - printed


def test_every_node_of_the_syntax_tree_has_a_printer() -> None:
    printer = fmt._Printer("")
    assert unprinted() == set()
    assert set(typing.get_args(ast.Decl)) == set(printer.decls)
    assert set(typing.get_args(ast.Expr)) == set(printer.exprs) == set(LEVELS)
    assert set(typing.get_args(ast.SetItem)) == set(printer.set_items)
    assert set(typing.get_args(ClauseKind)) == set(printer.clauses) == set(CLAUSE_ORDER)
    assert set(typing.get_args(CellKind)) == set(printer.cells)
    assert set(typing.get_args(ExpectKind)) == set(printer.expectations)
    for name in printer.parts.values():
        assert callable(getattr(printer, name))


def test_a_node_class_without_a_printer_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    added = type("Total", (ast.Node,), {})
    monkeypatch.setattr(ast, "Total", added, raising=False)
    assert unprinted() == {added}


# ---------------------------------------------------------------- golden layouts


@pytest.mark.parametrize("name", ["layout", "comments"])
def test_the_layout_is_the_golden_one(name: str) -> None:
    source = (GOLDEN / f"{name}.rules").read_text(encoding="utf-8")
    formatted = format_source(source)
    expected_path = GOLDEN / f"{name}.expected"
    if os.environ.get("RULESC_REGEN"):
        expected_path.write_text(formatted, encoding="utf-8")
    assert formatted == expected_path.read_text(encoding="utf-8")
    assert format_source(formatted) == formatted


def test_the_golden_layout_fixes_the_clause_order_and_compiles(tmp_path: Path) -> None:
    trees = Trees(tmp_path, [GOLDEN / "layout.rules", GOLDEN / "lib" / "common.rules", GOLDEN / "lib" / "base.rules"])
    before = trees.compile("a", GOLDEN / "layout.rules")
    after = trees.compile("b", GOLDEN / "layout.rules")
    assert Counter(d.code for d in before.diagnostics if d.severity.value == "error") == {"clause-order": 2}
    assert after.plan is not None, [d.message for d in after.diagnostics]


def test_the_reference_shows_the_layout_formatted_and_its_blocks_format_stably() -> None:
    doc = (ROOT / "docs" / "LANGUAGE.md").read_text(encoding="utf-8")
    lines = doc.splitlines()
    layout = lines.index("## Layout") + 1
    end = lines.index("## Diagnostics") + 1
    shown = [b for b in blocks(doc) if b.language == "rules" and layout < b.line < end]
    assert shown and all(format_source(b.text) == b.text for b in shown)
    for block in (b for b in blocks(doc) if b.language == "rules"):
        try:
            formatted = format_source(block.text)
        except Unformattable:  # a block that shows a syntax error
            continue
        assert format_source(formatted) == formatted, block.line


# ---------------------------------------------------------------- small cases


def fmt_text(text: str) -> str:
    formatted = format_source(text)
    assert format_source(formatted) == formatted
    return formatted


RULE = 'rule R1 "t"\n  target 96372\n  when {}\n  deny "x"\n'


@pytest.mark.parametrize(("written", "printed"), [
    ("(a.b and c.d) or e.f", "(a.b and c.d) or e.f"),
    ("a.b and c.d or e.f", "(a.b and c.d) or e.f"),
    ("a.b or (c.d or e.f)", "a.b or (c.d or e.f)"),
    ("((a.b or c.d)) or e.f", "a.b or c.d or e.f"),
    ("not (line.units > 1)", "not (line.units > 1)"),
    ("not line.member_supplied", "not line.member_supplied"),
    ("not (same date)", "not same date"),
    ("(1 + 2) * 3 > 4 - (5 - 6)", "(1 + 2) * 3 > 4 - (5 - 6)"),
    ("1 + (2 * 3) > (4 - 5) - 6", "1 + 2 * 3 > 4 - 5 - 6"),
    ("-(line.units) < - (1 + 2)", "-line.units < -(1 + 2)"),
    ("(any line x where true) and (no line y where false)", "(any line x where true) and (no line y where false)"),
    ("any line x where (no line y where (x.units > y.units))", "any line x where no line y where x.units > y.units"),
    ("first line p where (any line q where true) satisfies p.units > 1",
     "first line p where (any line q where true) satisfies p.units > 1"),
    ("count( other  earlier lines x where x.code in {96360,96361 except 96361}) >= 2",
     "count(other earlier lines x where x.code in {96360, 96361 except 96361}) >= 2"),
    ('line.description = "a \\"b\\"" and m[ line.code ] = 96360 and f(1, 2.50, 3.0)',
     'line.description = "a \\"b\\"" and m[line.code] = 96360 and f(1, 2.5, 3.0)'),
    ("(same date) = true", "(same date) = true"),
    ("(x flagged by R1) = (line.units in {})", "(x flagged by R1) = (line.units in {})"),
])
def test_conditions_get_the_parentheses_they_need(written: str, printed: str) -> None:
    assert fmt_text(RULE.format(written)) == RULE.format(printed)


def test_long_conditions_fill_lines_and_break_before_and_or() -> None:
    condition = " and ".join(f"line.units != {n}" for n in range(12))
    formatted = fmt_text(RULE.format(condition))
    lines = formatted.splitlines()
    assert all(len(line) <= fmt.WIDTH for line in lines)
    assert lines[2].startswith("  when line.units != 0 and") and lines[3].startswith("    and line.units !=")


def test_a_parenthesized_chain_continues_under_its_first_operand() -> None:
    inner = " or ".join(f"x.units = {n}" for n in range(20))
    formatted = fmt_text(RULE.format(f"any other line x where same date and ({inner})"))
    lines = formatted.splitlines()
    opening = next(line for line in lines if "and (x.units" in line)
    column = opening.index("(x.units") + 1
    continued = lines[lines.index(opening) + 1]
    assert continued[:column].strip() == "" and continued[column:].startswith("or x.units")


def test_strings_are_requoted_and_texts_of_several_lines_are_blocks() -> None:
    source = ('section s """Heading"""\n  text "one\\ntwo"\n  text """\n      only one\n  """\n'
              '  text "tab\\tand\\nnewline"\n')
    assert fmt_text(source) == ('section s "Heading"\n  text """\n    one\n    two\n  """\n'
                                '  text "only one"\n  text "tab\\tand\\nnewline"\n')


def test_a_file_that_does_not_parse_is_not_formatted() -> None:
    source = 'rule R1 "t"\n  when line.units == 1\n  deny "x"\n'
    with pytest.raises(Unformattable) as raised:
        format_source(source, "bad.rules")
    assert [d.code for d in raised.value.diagnostics] == ["equals-equals"]
    second = source.index("==") + 1
    assert raised.value.diagnostics[0].span == Span("bad.rules", second, second + 1)


def test_too_deep_a_file_is_reported_not_raised() -> None:
    source = RULE.format("not (" * 3000 + "true" + ")" * 3000)
    with pytest.raises(Unformattable) as raised:
        format_source(source)
    assert [d.code for d in raised.value.diagnostics] == ["too-deep"]


def test_empty_and_comment_only_files() -> None:
    assert fmt_text("") == ""
    assert fmt_text("\n\n") == ""
    assert fmt_text("  # one\n\n\n# two  \n") == "# one\n\n# two\n"


def test_a_run_of_one_line_declarations_stays_together() -> None:
    source = 'codes a = 96360\ncodes b = 96361\n\n\n\ncodes c = 96365\nset d = "11"\nmap m = 96360 -> 96361\n'
    assert fmt_text(source) == ('codes a = 96360\ncodes b = 96361\n\ncodes c = 96365\nset d = "11"\n\n'
                                'map m = 96360 -> 96361\n')


def test_the_check_on_meaning_catches_a_wrong_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    """`format_source` re-reads what it wrote: a printer bug that changes a pack raises."""
    printer = fmt._Printer
    original = printer._compare

    def wrong(self: fmt._Printer, expr: ast.Compare) -> str:
        return original(self, dataclasses.replace(expr, op="<" if expr.op != "<" else ">"))

    monkeypatch.setattr(printer, "_compare", wrong)
    with pytest.raises(FormatError, match="changes the RuleDecl"):
        format_source(RULE.format("line.units = 1"))


def test_the_check_on_comments_catches_a_lost_comment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fmt, "_assemble", lambda text, printed, tail: "\n".join(
        line.render() for _, lines in printed for line in lines) + "\n")
    with pytest.raises(FormatError, match="comment"):
        format_source("# a comment\n" + RULE.format("true"))


# ---------------------------------------------------------------- both properties on every pack


class Trees:
    """Two copies of the repository's packs (and their table files) under one folder: `a` as they
    are, `b` formatted. Both compile under the same relative paths, so their IR can be compared."""

    def __init__(self, root: Path, files: list[Path]) -> None:
        self.root = root
        for path in files:
            text = path.read_text(encoding="utf-8")
            for tree, content in (("a", text), ("b", formatted_or_same(text, rel(path)))):
                target = root / tree / rel(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content, encoding="utf-8")
        for table in ROOT.glob("**/*.csv"):
            if ".git" not in table.parts:
                for tree in ("a", "b"):
                    (root / tree / rel(table)).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(table, root / tree / rel(table))

    def compile(self, tree: str, path: Path) -> Compiled:
        with contextlib.chdir(self.root / tree):
            return compile_pack(rel(path), Sources())


def formatted_or_same(text: str, name: str) -> str:
    try:
        return format_source(text, name)
    except Unformattable:
        return text


def readable(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None


def span_free(value: Any) -> Any:
    """An IR value as nested tuples, without spans, fields that take no part in equality, or the
    digest of the pack's text."""
    if isinstance(value, Span):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, *(
            (f.name, span_free(getattr(value, f.name))) for f in dataclasses.fields(value)
            if f.compare and f.name != "digest"))
    if isinstance(value, (tuple, list)):
        return tuple(span_free(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(span_free(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((repr(k), span_free(v)) for k, v in value.items()))
    return value


def findings(plan: ir.Plan, claims: list[dict[str, Any]]) -> list[object]:
    interpreter = Interpreter(plan)
    results: list[object] = []
    for claim in claims:
        try:
            results.append([f.to_dict() for f in interpreter.evaluate(claim)])
        except ClaimError as error:
            results.append(("error", str(error)))
    return results


def same_meaning(before: Compiled, after: Compiled, claims: int = 40, seed: int = 0) -> None:
    """Both compiled to the same IR and give the same findings; or neither compiled, with the same
    errors (but for clause order, which the formatter puts right)."""
    if before.plan is None:
        wanted = Counter(d.code for d in before.diagnostics if d.severity.value == "error" and d.code != "clause-order")
        got = Counter(d.code for d in after.diagnostics if d.severity.value == "error")
        assert got == wanted
        return
    assert after.plan is not None, [d.message for d in after.diagnostics]
    assert span_free(after.plan) == span_free(before.plan)
    rng = random.Random(seed)
    sample = [random_claim(rng) for _ in range(claims)]
    assert findings(after.plan, sample) == findings(before.plan, sample)


@pytest.fixture(scope="module")
def main_packs(tmp_path_factory: pytest.TempPathFactory) -> Trees:
    return Trees(tmp_path_factory.mktemp("main"), FAST_FILES)


@pytest.fixture(scope="module")
def every_pack(tmp_path_factory: pytest.TempPathFactory) -> Trees:
    files = [p for p in ALL_PACKS if readable(p) is not None]
    return Trees(tmp_path_factory.mktemp("packs"), files)


def check_pack(trees: Trees, path: Path) -> None:
    text = readable(path)
    if text is None:
        pytest.skip("not UTF-8 (a fixture of unreadable-file)")
    try:
        formatted = format_source(text, rel(path))
    except Unformattable:
        pytest.skip("does not parse (a fixture of a syntax error)")
    assert format_source(formatted, rel(path)) == formatted
    same_meaning(trees.compile("a", path), trees.compile("b", path))


@pytest.mark.parametrize("path", FAST_PACKS, ids=rel)
def test_formatting_keeps_the_meaning_of_the_main_packs(main_packs: Trees, path: Path) -> None:
    check_pack(main_packs, path)


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in ALL_PACKS if p not in FAST_PACKS], ids=rel)
def test_formatting_keeps_the_meaning_of_every_pack(every_pack: Trees, path: Path) -> None:
    check_pack(every_pack, path)


def test_the_comparison_sees_a_change_of_meaning(main_packs: Trees, tmp_path: Path) -> None:
    """The IR comparison is not blind: a pack whose formatted copy decides otherwise fails it."""
    before = main_packs.compile("a", PACK)
    changed = (main_packs.root / "b" / rel(PACK)).read_text(encoding="utf-8").replace(
        "line.minutes < 31", "line.minutes < 30")
    target = tmp_path / rel(PACK)
    target.parent.mkdir(parents=True)
    target.write_text(changed, encoding="utf-8")
    with contextlib.chdir(tmp_path):
        after = compile_pack(rel(PACK), Sources())
    with pytest.raises(AssertionError):
        same_meaning(before, after)


# ---------------------------------------------------------------- mutants of CPCP026


def _mutant(mutations: list[tuple[str, int, str]]) -> str:
    text = PACK.read_text(encoding="utf-8")
    for kind, position, insert in mutations:
        text = mutate(kind, min(position, len(text)), insert) if kind != "swap" else mutate(kind, position, insert)
    return text


def check_mutant(text: str, folder: Path) -> None:
    try:
        formatted = format_source(text, "mutant.rules")
    except Unformattable:
        return
    assert format_source(formatted, "mutant.rules") == formatted
    for tree, content in (("a", text), ("b", formatted)):
        (folder / tree).mkdir(parents=True, exist_ok=True)
        (folder / tree / "mutant.rules").write_text(content, encoding="utf-8")
    compiled = []
    for tree in ("a", "b"):
        with contextlib.chdir(folder / tree):
            compiled.append(compile_pack("mutant.rules", Sources()))
    same_meaning(*compiled, claims=10)


@pytest.mark.parametrize("mutations", [
    [("swap", 230, "")], [("insert", 9000, "\n")], [("insert", 20000, "#")], [("delete", 15000, "")],
    [("insert", 31000, " ")], [("truncate", 24000, "")],
], ids=str)
def test_mutants_keep_both_properties(tmp_path: Path, mutations: list[tuple[str, int, str]]) -> None:
    check_mutant(_mutant(mutations), tmp_path)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(mutation, min_size=1, max_size=3))
def test_random_mutants_keep_both_properties(tmp_path_factory: pytest.TempPathFactory,
                                            mutations: list[tuple[str, int, str]]) -> None:
    check_mutant(_mutant(mutations), tmp_path_factory.mktemp("mutant"))


# ---------------------------------------------------------------- generated packs


HEADER = 'pack gen\n  title "Generated"\n  version "1"\n  effective 2024-01-01\n  source "none.txt"\n\n'
CODES = ["96360", "96361", "96365", "96372", "96374", "99213", "J1745"]
SET_CODES = [*CODES, *(f"9640{n}" for n in range(10)), *(f"J{n:04d}" for n in range(1000, 1040))]


@st.composite
def layout(draw: st.DrawFn, words: list[str]) -> str:
    """Words separated by blanks, line breaks (indented) and comments, as an author might."""
    out = [words[0]]
    for word in words[1:]:
        gap = draw(st.sampled_from([" ", " ", " ", "  ", "\n    ", "\n      ", "  # note\n    ", "\n  # own\n   "]))
        out.append(gap + word)
    return "".join(out)


def _atoms(var: str | None) -> st.SearchStrategy[list[str]]:
    line = ["line"] + ([var] if var else [])
    return st.one_of(
        st.tuples(st.sampled_from(line), st.sampled_from([">", "<=", "!=", "="]), st.integers(0, 40)).map(
            lambda t: [f"{t[0]}.units", t[1], str(t[2])]),
        st.tuples(st.sampled_from(line), st.lists(st.sampled_from(CODES), min_size=1, max_size=12)).map(
            lambda t: [f"{t[0]}.code", "in", "{" + ", ".join(dict.fromkeys(t[1])) + "}"]),
        st.sampled_from(line).map(lambda v: [f"{v}.modifiers", "has", '"25"']),
        st.sampled_from(line).map(lambda v: [f"{v}.drug", "is", "given"]),
        st.sampled_from(line).map(lambda v: [f"{v}.units", "+", "2", "*", "3", ">", "7"]),
        *([st.sampled_from([["same", "date"], ["same", "provider"], ["overlapping"]])] if var else []),
    )


@st.composite
def condition(draw: st.DrawFn, depth: int = 0, var: str | None = None) -> list[str]:
    """The words of a condition: atoms joined by and/or, negated, parenthesized, quantified."""
    if depth >= 3 or draw(st.integers(0, 3)) == 0:
        words = draw(_atoms(var))
    else:
        choice = draw(st.integers(0, 3))
        if choice == 0:
            parts = draw(st.lists(condition(depth + 1, var), min_size=2, max_size=6))
            op = draw(st.sampled_from(["and", "or"]))
            bare = draw(st.booleans())  # comparisons written without parentheses
            words = []
            for index, part in enumerate(parts):
                wrapped = part if bare and part[0] not in ("(", "not") else ["(", *part, ")"]
                words += [*([op] if index else []), *wrapped]
        elif choice == 1:
            words = ["not", "(", *draw(condition(depth + 1, var)), ")"]
        else:
            name = f"v{depth}"
            kind = draw(st.sampled_from(["any", "no"]))
            scopes = draw(st.sampled_from([[], ["other"], ["other", "earlier"]]))
            words = ["(", kind, *scopes, "line", name, "where", *draw(condition(depth + 1, name)), ")"]
    if draw(st.integers(0, 4)) == 0:
        words = ["(", *words, ")"]
    return words


@st.composite
def generated_pack(draw: st.DrawFn) -> str:
    text = HEADER
    if draw(st.booleans()):
        codes = draw(st.lists(st.sampled_from(SET_CODES), min_size=1, max_size=40, unique=True))
        text += "codes admin =" + draw(layout([" " + ", ".join(codes)])) + "\n"
    for index in range(draw(st.integers(1, 3))):
        words = ["rule", f"R{index}", '"A rule"', "target", "96360,", "96361", "when", *draw(condition()),
                 "deny", '"denied"']
        if draw(st.booleans()):
            words += ["suggest", "96365", "if", *draw(condition())]
        text += "\n" + draw(layout(words)) + "\n"
    if draw(st.booleans()):
        text += '\n# an example\nexample "e"\n  claim {"id": "A", "type": "professional", "pos": "11", "lines": [\n'
        text += "      " + draw(layout(['{"code": "96360",', '"date": "2024-05-01"},', '{"code": "96361",',
                                        '"date": "2024-05-01", "units": 2}'])) + "]}\n  expect nothing\n"
    return text


def check_generated(text: str, folder: Path) -> None:
    out = Collector()
    parse_module("gen.rules", text, out)
    assume(not out.has_errors)
    formatted = format_source(text, "gen.rules")
    assert format_source(formatted, "gen.rules") == formatted
    assert sorted(w for c in fmt._comments(formatted) for w in c.text.split()) == \
        sorted(w for c in fmt._comments(text) for w in c.text.split())
    check_mutant(text, folder)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_pack())
def test_generated_packs_keep_both_properties(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    check_generated(text, tmp_path_factory.mktemp("gen"))


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_pack())
def test_many_generated_packs_keep_both_properties(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    check_generated(text, tmp_path_factory.mktemp("gen"))


# ---------------------------------------------------------------- the command


@contextlib.contextmanager
def files(tmp_path: Path, **contents: str) -> Iterator[dict[str, Path]]:
    paths = {}
    for name, text in contents.items():
        path = tmp_path / f"{name}.rules"
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    yield paths


MESSY = 'codes   a =96360\nrule R1 "t"\n    target a\n    deny "x"\n'
TIDY = 'codes a = 96360\n\nrule R1 "t"\n  target a\n  deny "x"\n'


def test_fmt_rewrites_files_and_check_reports_them(tmp_path: Path) -> None:
    with files(tmp_path, messy=MESSY, tidy=TIDY) as paths:
        code, out, err = run_cli("fmt", "--check", str(paths["messy"]), str(paths["tidy"]))
        assert (code, out) == (1, "")
        assert "would reformat " in err and "messy.rules\n" in err and "tidy.rules" not in err
        assert err.endswith("1 file would be reformatted, 1 already formatted\n")
        assert paths["messy"].read_text(encoding="utf-8") == MESSY
        code, out, err = run_cli("fmt", "--diff", str(paths["messy"]))
        assert code == 0 and out.startswith("--- ") and "messy.rules (formatted)\n" in out
        assert "-codes   a =96360\n+codes a = 96360\n" in out
        assert run_cli("fmt", "--check", "--diff", str(paths["messy"]))[0] == 1
        code, _, err = run_cli("fmt", str(paths["messy"]), str(paths["tidy"]))
        assert code == 0 and paths["messy"].read_text(encoding="utf-8") == TIDY
        code, out, err = run_cli("fmt", "--check", str(paths["messy"]), str(paths["tidy"]))
        assert (code, out, err) == (0, "", "2 files already formatted\n")


def test_fmt_leaves_a_file_that_does_not_parse_and_table_files(tmp_path: Path) -> None:
    broken = MESSY.replace('deny "x"', "deny")
    table = tmp_path / "table.csv"
    table.write_text("code,value\n96360,1\n", encoding="utf-8")
    with files(tmp_path, broken=broken, messy=MESSY) as paths:
        code, _, err = run_cli("fmt", "--color", "never", str(paths["broken"]), str(paths["messy"]), str(table))
        assert code == 1 and "error[missing-message]" in err
        assert paths["broken"].read_text(encoding="utf-8") == broken
        assert paths["messy"].read_text(encoding="utf-8") == TIDY
        assert table.read_text(encoding="utf-8") == "code,value\n96360,1\n"
        code, _, err = run_cli("fmt", "--format", "json", str(paths["broken"]))
        assert code == 1 and '"code": "missing-message"' in err


def test_fmt_exit_codes_for_usage_and_unreadable_files(tmp_path: Path) -> None:
    assert run_cli("fmt")[0] == 2
    assert run_cli("fmt", "--check")[0] == 2
    code, _, err = run_cli("fmt", str(tmp_path / "missing.rules"))
    assert code == 2 and "error[unreadable-file]" in err


def test_fmt_reads_standard_input() -> None:
    code, out, _ = run_cli("fmt", "-", stdin=MESSY)
    assert (code, out) == (0, TIDY)
    code, out, _ = run_cli("fmt", "--check", "-", stdin=MESSY)
    assert (code, out) == (1, "")


def test_the_policies_are_formatted() -> None:
    """What CI and the stop-time hook run: `rulesc fmt --check policies/*.rules`."""
    packs = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "policies").glob("*.rules"))
    code, _, err = run_cli("fmt", "--check", *packs)
    assert code == 0, err
