"""The parser on every construct of the language: text in, AST out."""

from __future__ import annotations

import pytest

from compiler.diagnostics import Collector, Span
from compiler.syntax import ast
from compiler.syntax.parser import parse_module, split_blocks
from compiler.syntax.vocabulary import DISPOSITIONS, word


def parse(text: str) -> tuple[ast.Decl, ...]:
    out = Collector()
    module = parse_module("t.rules", text, out)
    assert not out.items, [d.message for d in out.items]
    return module.decls


def one(text: str) -> ast.Decl:
    (decl,) = parse(text)
    return decl


def condition(expr_text: str) -> ast.Expr:
    rule = one(f'rule R "t"\n  when {expr_text}\n  deny "x"\n')
    assert isinstance(rule, ast.RuleDecl)
    (when,) = [c for c in rule.clauses if c.kind == "when"]
    assert when.expr is not None and not isinstance(when.expr, (ast.SetUnion, ast.SetExcept))
    return when.expr


def test_pack_header() -> None:
    decl = one('pack p\n  title "T"\n  policy "P-1"\n  version "2"\n  effective 2024-07-30\n'
               '  source "s.txt"\n  extends "base.rules"\n')
    assert decl == ast.PackDecl("p", (ast.PackField("title", "T"), ast.PackField("policy", "P-1"),
                                      ast.PackField("version", "2"), ast.PackField("effective", "2024-07-30"),
                                      ast.PackField("source", "s.txt"), ast.PackField("extends", "base.rules")))


def test_pack_header_names_its_previous_version() -> None:
    decl = one('pack p\n  title "T"\n  version "2"\n  previous "p-1.rules"\n')
    assert isinstance(decl, ast.PackDecl)
    assert decl.fields[-1] == ast.PackField("previous", "p-1.rules")
    assert decl.fields[-1].span == Span("t.rules", 35, 55)


def test_imports_and_remove() -> None:
    assert parse('import "a.rules"\nimport "b.rules" only x, y\nremove rule R-1 because "why"\n') == (
        ast.ImportDecl("a.rules", None), ast.ImportDecl("b.rules", ("x", "y")), ast.RemoveDecl("R-1", "why"))


def test_section_with_triple_quoted_text_is_dedented() -> None:
    decl = one('section s "Heading"\n  text """\n    one\n      two\n  """\n  text "three"\n')
    assert decl == ast.SectionDecl("s", "Heading", ("one\n  two", "three"))


def test_code_sets_ranges_references_and_except() -> None:
    decl = one('codes c "Title" = 96360, 96401..96549, J2357, other except 96523, (a, b)\n  source "CMS"\n')
    assert decl == ast.CodesDecl("codes", "c", "Title", ast.SetExcept(
        ast.SetUnion((ast.SetCode("96360"), ast.SetRange("96401", "96549"), ast.SetCode("J2357"),
                      ast.SetRef("other"))),
        (ast.SetUnion((ast.SetCode("96523"), ast.SetUnion((ast.SetRef("a"), ast.SetRef("b"))))),)), "CMS")


def test_text_sets() -> None:
    decl = one('set places = "19", "21"\n')
    assert decl == ast.CodesDecl("set", "places", None, ast.SetUnion((ast.SetText("19"), ast.SetText("21"))), None)


def test_table() -> None:
    decl = one('table t "T" source "S"\n  columns a: text, b: flag, c: codes, d: number, e: symbol\n'
               '  96360: "x", yes, {96361}, 1.5, word\n  96361: -, no, {}, 2, -\n')
    assert isinstance(decl, ast.TableDecl)
    assert [c.name for c in decl.columns] == ["a", "b", "c", "d", "e"]
    assert decl.rows[0].cells == (ast.Cell("text", "x"), ast.Cell("word", "yes"),
                                  ast.Cell("codes", ast.SetUnion((ast.SetCode("96361"),))),
                                  ast.Cell("number", 1.5), ast.Cell("word", "word"))
    assert decl.rows[1].cells[0] == ast.Cell("absent", None)
    assert decl.rows[1].cells[2] == ast.Cell("codes", ast.SetUnion(()))


def test_map_and_ranking() -> None:
    assert parse('map m "M" = 96360 -> 96361, 96365 -> 96367\n'
                 'ranking r "R" by category: a > b > c then method: x > y\n') == (
        ast.MapDecl("m", "M", None, (ast.MapEntry("96360", "96361"), ast.MapEntry("96365", "96367"))),
        ast.RankingDecl("r", "R", (ast.RankLevel("category", ("a", "b", "c")), ast.RankLevel("method", ("x", "y")))))


def test_rule_clauses() -> None:
    rule = one('rule P23-x "Title"\n  covers P23, P26\n  cite coding "Examples"\n  quote "q"\n  text "t"\n'
               '  on professional, institutional claims\n  at places\n  target 96372\n  when true\n'
               '  deny "m {code}"\n  suggest map1[line.code] if claim.type = "professional"\n'
               '  overrides A, B-2\n  resolves K3 "why"\n')
    assert isinstance(rule, ast.RuleDecl)
    assert [c.kind for c in rule.clauses] == ["covers", "cite", "quote", "text", "on", "at", "target", "when",
                                              "verdict", "suggest", "overrides", "resolves"]
    assert rule.clauses[0].values == ("P23", "P26")
    assert rule.clauses[4].values == ("professional", "institutional")
    assert rule.clauses[8].values == ("deny", "m {code}")
    assert rule.clauses[10].values == ("A", "B-2")


def test_outside_exception_documentation_precedence() -> None:
    decls = parse('exception E "t"\n  outside places\n  overrides R\n'
                  'documentation D "t"\n  covers P09\n'
                  'precedence A over B, C\n  resolves K1 "why"\n')
    assert [type(d) for d in decls] == [ast.RuleDecl, ast.RuleDecl, ast.PrecedenceDecl]
    assert decls[0].kind == "exception" and decls[1].kind == "documentation"  # type: ignore[union-attr]
    assert decls[2] == ast.PrecedenceDecl("A", ("B", "C"), (ast.Clause("resolves", ("K1", "why")),))


@pytest.mark.parametrize(("text", "expected"), [
    ("line.units > 1", ast.Compare(">", ast.Path("line", ("units",)), ast.Number(1))),
    ("line.code = 96372", ast.Compare("=", ast.Path("line", ("code",)), ast.CodeLit("96372"))),
    ('claim.type != "x"', ast.Compare("!=", ast.Path("claim", ("type",)), ast.Text("x"))),
    ("line.date >= 2024-07-30", ast.Compare(">=", ast.Path("line", ("date",)), ast.DateLit("2024-07-30"))),
    ("line.code in s", ast.Member(ast.Path("line", ("code",)), ast.Path("s", ()), False)),
    ("line.code not in {96360}", ast.Member(ast.Path("line", ("code",)),
                                             ast.SetLiteral(ast.SetUnion((ast.SetCode("96360"),))), True)),
    ("line.drug is given", ast.Given(ast.Path("line", ("drug",)), False)),
    ("line.drug is absent", ast.Given(ast.Path("line", ("drug",)), True)),
    ('line.modifiers has "25"', ast.Has(ast.Path("line", ("modifiers",)), ast.Text("25"), False, False)),
    ("line.modifiers has any d", ast.Has(ast.Path("line", ("modifiers",)), ast.Path("d", ()), True, False)),
    ('line.modifiers lacks "25"', ast.Has(ast.Path("line", ("modifiers",)), ast.Text("25"), False, True)),
    ("true and not false or true", ast.BoolOp("or", ast.BoolOp("and", ast.Boolean(True),
                                                                 ast.Not(ast.Boolean(False))), ast.Boolean(True))),
    ("-line.units + 2 * 3 - 4 / 5 > 0", ast.Compare(">", ast.Arith("-", ast.Arith(
        "+", ast.Negate(ast.Path("line", ("units",))), ast.Arith("*", ast.Number(2), ast.Number(3))),
        ast.Arith("/", ast.Number(4), ast.Number(5))), ast.Number(0))),
    ("max(0, ceil(line.units)) = 1", ast.Compare("=", ast.Call("max", (
        ast.Number(0), ast.Call("ceil", (ast.Path("line", ("units",)),)))), ast.Number(1))),
    ("m[line.code] = 96361", ast.Compare("=", ast.Lookup("m", ast.Path("line", ("code",))), ast.CodeLit("96361"))),
    ("line.code.primaries = 1", ast.Compare("=", ast.Path("line", ("code", "primaries")), ast.Number(1))),
])
def test_expressions(text: str, expected: ast.Expr) -> None:
    assert condition(text) == expected


def test_quantifiers_relations_and_flagged() -> None:
    assert condition("any other earlier line x where same date and same provider") == ast.Quantified(
        "any", ("other", "earlier"), "x", ast.BoolOp("and", ast.Relation("date"), ast.Relation("provider")), None)
    assert condition("no later line y where overlapping or same drug") == ast.Quantified(
        "no", ("later",), "y", ast.BoolOp("or", ast.Relation("overlapping"), ast.Relation("drug")), None)
    assert condition("count(other lines x where true) >= 2") == ast.Compare(">=", ast.Quantified(
        "count", ("other",), "x", ast.Boolean(True), None), ast.Number(2))
    assert condition("first line p where true satisfies p flagged by R-1") == ast.Quantified(
        "first", (), "p", ast.Boolean(True), ast.Flagged(ast.Path("p", ()), "R-1"))


def test_examples_with_json_claims_and_expectations() -> None:
    decl = one('example "e"\n  note "n"\n  claim {"id": "A", "n": -1.5e2, "t": true, "f": false, "z": null,'
               ' "l": [], "s": "a\\"b"}\n  expect line 2 deny by R-1 suggest 96361\n  expect nothing\n'
               '  expect no suggestion on line 3\n  expect error "bad"\n')
    assert decl == ast.ExampleDecl("e", "n", {"id": "A", "n": -150.0, "t": True, "f": False, "z": None, "l": [],
                                              "s": 'a"b'}, (
        ast.Expectation("finding", 2, "deny", "R-1", "96361"), ast.Expectation("nothing"),
        ast.Expectation("nosuggest", 3), ast.Expectation("error", text="bad")))


def test_string_escapes_are_decoded() -> None:
    rule = one('rule R "a\\"b\\\\c\\nd\\u00e9"\n  deny "x"\n')
    assert isinstance(rule, ast.RuleDecl) and rule.title == 'a"b\\c\nd\u00e9'


def test_spans_point_into_the_file() -> None:
    text = 'codes a = 96360\n\nrule R "t"\n  when line.units > 1\n  deny "x"\n'
    rule = parse(text)[1]
    assert isinstance(rule, ast.RuleDecl)
    assert text[rule.id_span.start:rule.id_span.end] == "R"
    when = rule.clauses[0].expr
    assert when is not None and text[when.span.start:when.span.end] == "line.units > 1"


def test_blocks_split_at_top_level_keywords_only() -> None:
    text = 'rule A "t"\n  text """\nrule B is inside a string\n"""\n  deny "x"\nrule C "t"\n  deny "y"\n'
    assert [b.text for b in split_blocks(text)][1].startswith("rule C")
    assert len(split_blocks(text)) == 2


def test_an_indented_declaration_is_one_error_and_still_parses() -> None:
    text = 'rule A "t"\n  deny "x"\n\n  rule B "u"\n  when line.units > 1 and true\n  deny "y"\n'
    assert [(b.text.split()[1], b.indent) for b in split_blocks(text)] == [("A", 0), ("B", 2)]
    out = Collector()
    module = parse_module("t.rules", text, out)
    start = text.index("rule B")
    assert [(d.code, d.span) for d in out.items] == [("indented-declaration", Span("t.rules", start, start + 4))]
    assert [d.id for d in module.decls if isinstance(d, ast.RuleDecl)] == ["A", "B"]


def test_a_code_split_by_the_lexer_is_one_bad_code_error() -> None:
    out = Collector()
    parse_module("t.rules", "codes drugs = J0120, 9047x, J9999\n", out)
    assert [(d.code, d.message) for d in out.items] == [("bad-code", "`9047x` is not a CPT or HCPCS code")]


def test_declarations_that_do_not_parse_are_remembered_by_id() -> None:
    out = Collector()
    text = ('rule R1\n  cite s\n  rule R2 "t" @\ncodes c = 9047x\nexception E-1 "t" when\n'
            'table t "T" columns a text\nsection s\nprecedence A over\nrule "no id"\n')
    module = parse_module("t.rules", text, out)
    assert module.decls == ()
    assert [(u.keyword, u.name) for u in module.unparsed] == [
        ("rule", "R1"), ("rule", "R2"), ("codes", "c"), ("exception", "E-1"), ("table", "t"), ("section", "s"),
        ("precedence", None), ("rule", None)]
    assert text[module.unparsed[2].span.start:module.unparsed[2].span.end] == "codes c = 9047x"


def test_pack_rows() -> None:
    decl = one('pack p\n  title "T"\n  rows P01..P36, K1, P16a\n')
    assert isinstance(decl, ast.PackDecl)
    assert decl.fields == (ast.PackField("title", "T"),)
    assert decl.rows == (ast.RowsClause((ast.RowRange("P01", "P36"), ast.RowRange("K1"), ast.RowRange("P16a"))),)


def test_expectations_with_evidence_and_ignored_info() -> None:
    decl = one('example "e"\n  claim {}\n  ignore info\n  expect line 2 deny by R-1 suggest 96361 because line 1, 3\n'
               '  expect line 3 review because no other line\n  expect line 4 info\n')
    assert isinstance(decl, ast.ExampleDecl) and decl.ignore_info
    assert decl.expectations == (
        ast.Expectation("finding", 2, "deny", "R-1", "96361", evidence=(1, 3)),
        ast.Expectation("finding", 3, "review", evidence=()),
        ast.Expectation("finding", 4, "info"))


@pytest.mark.parametrize(("text", "message"), [
    ('example "e"\n  claim {}\n  expect nothing\n  ignore info\n', "`ignore info` is out of place in this example"),
    ('example "e"\n  claim {}\n  ignore info\n  ignore info\n', "`ignore info` is out of place in this example"),
    ('example "e"\n  claim {}\n  claim {}\n', "`claim` is out of place in this example"),
])
def test_example_clauses_out_of_order(text: str, message: str) -> None:
    out = Collector()
    parse_module("t.rules", text, out)
    assert [(d.code, d.message) for d in out.items] == [("example-order", message)]


def test_words_outside_a_vocabulary_are_refused() -> None:
    assert word("deny", DISPOSITIONS) == "deny"
    with pytest.raises(ValueError, match="'allow' is not one of deny, review, info"):
        word("allow", DISPOSITIONS)


def test_errors_in_several_declarations_are_all_reported() -> None:
    out = Collector()
    parse_module("t.rules", 'rule A\ncodes x = \nrule B "ok"\n  deny "x"\nrule C "t" @\n', out)
    assert len(out.items) == 3
    assert all(d.span is not None for d in out.items)
