"""Text to AST: Lark (LALR, contextual lexer) plus an explicit transformer.

A file is split into top-level declarations (each starts with a keyword at the start of a line)
and every declaration is parsed on its own, so one run reports the syntax errors of all of them.
A declaration that does not parse is remembered by its id, so that later stages say nothing
more about references to it: one mistake, one error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import tempfile
import textwrap
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path as FilePath
from typing import Any, NamedTuple

import lark
from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from compiler.cachedir import cache_dir
from compiler.diagnostics import Collector, Span
from compiler.syntax import ast
from compiler.syntax.vocabulary import (
    ARITH_OPS,
    CLAIM_TYPES,
    COMPARE_OPS,
    DISPOSITIONS,
    LINE_SCOPES,
    QUANT_KINDS,
    RELATION_KINDS,
    SET_KINDS,
    ClauseKind,
    RuleKind,
    TableClauseKind,
    word,
)

GRAMMAR_PATH = FilePath(__file__).resolve().parents[2] / "grammar" / "rules.lark"

TOP_KEYWORDS = ("pack", "import", "remove", "section", "codes", "set", "table", "map", "ranking",
                "rule", "exception", "precedence", "documentation", "example")
_TOP_LINE = re.compile(r"({})(?![A-Za-z0-9_-])".format("|".join(TOP_KEYWORDS)))
# An indented line that starts like a declaration: its keyword, then a name, an id or a string.
_INDENTED_TOP_LINE = re.compile(r"([ \t]+)(?:{})[ \t]+[\"A-Za-z_]".format("|".join(TOP_KEYWORDS)))
# The id a declaration's first line gives, for declarations that can be referred to.
_DECL_ID = re.compile(r"[ \t]*(?:(?:rule|exception|documentation)[ \t]+([A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)"
                      r"|(?:codes|set|table|map|ranking|section)[ \t]+([A-Za-z_][A-Za-z0-9_]*))(?![A-Za-z0-9_-])")
# A word the lexer split in two (`9047x` reads as the number 9047, then the name x) that looks
# like a code someone meant to write.
_CODE_LIKE = re.compile(r"[A-Za-z]?[0-9]{2,6}[A-Za-z]{0,2}")


_OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True,
                            "maybe_placeholders": True, "start": "item"}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    """The LALR parser of the grammar. Building its tables takes about half a second, most of a
    short command's time, so they are kept between runs (Lark's own cache, a pickle) in the cache
    folder, under a name that is the digest of the grammar, the options, Lark's version and
    Python's: a file there is only ever the one its name says. It is written under a temporary
    name and renamed, so concurrent runs never read half of one; any failure builds the tables."""
    grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
    folder = _cache_folder()
    if folder is None:
        return Lark(grammar, **_OPTIONS)
    identity = "\0".join((grammar, repr(sorted(_OPTIONS.items())), lark.__version__, sys.version))
    final = folder / f"rules-{hashlib.sha256(identity.encode('utf-8')).hexdigest()[:24]}.lark"
    if final.is_file():
        return Lark(grammar, cache=str(final), **_OPTIONS)  # a damaged file: Lark builds the tables
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(prefix=".rules-", suffix=".partial", dir=folder)
        os.close(handle)
        os.unlink(partial)  # Lark writes it (only when it is absent does Lark build and save)
    except OSError:
        return Lark(grammar, **_OPTIONS)
    parser = Lark(grammar, cache=partial, **_OPTIONS)
    try:
        os.replace(partial, final)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(partial)
    return parser


def _cache_folder() -> FilePath | None:
    """`parser/` in the cache folder, or None when no home folder is known."""
    try:
        return cache_dir() / "parser"
    except RuntimeError:
        return None


class _SyntaxProblem(Exception):
    def __init__(self, code: str, message: str, start: int, end: int, hint: str) -> None:
        super().__init__(message)
        self.code, self.message, self.start, self.end, self.hint = code, message, start, end, hint


class Block(NamedTuple):
    """The text of one top-level declaration, at `offset` in its file. `indent` is the width of
    the blanks before its keyword (0 when the keyword starts in column 1, as it should)."""

    offset: int
    text: str
    indent: int = 0


def split_blocks(text: str) -> list[Block]:
    """Cut a file into blocks, one per top-level declaration.

    A line whose first word is a declaration keyword starts a block even when it is indented
    (no clause or expression line starts with one), so that an indented declaration costs one
    error rather than hiding itself and the declaration before it."""
    blocks: list[Block] = []
    start: int | None = None
    indent = 0
    offset = 0
    in_triple = False
    for line in text.splitlines(keepends=True):
        indented = None if in_triple else _INDENTED_TOP_LINE.match(line)
        if not in_triple and (indented or _TOP_LINE.match(line)):
            if start is not None:
                blocks.append(Block(start, text[start:offset], indent))
            start, indent = offset, len(indented.group(1)) if indented else 0
        elif start is None and line.strip() and not line.lstrip().startswith("#"):
            start, indent = offset, 0
        if line.count('"""') % 2 == 1:
            in_triple = not in_triple
        offset += len(line)
    if start is not None:
        blocks.append(Block(start, text[start:], indent))
    return blocks


# Hand-written messages for common mistakes, keyed by small inputs that make them.
SYNTAX_EXAMPLES: dict[tuple[str, str], list[str]] = {
    ("missing-message", 'a disposition needs its message, e.g. deny "96372 is bundled into the E/M"'): [
        'rule R1 "t"\n  deny\n',
        'rule R1 "t"\n  review\n  target 96372\n',
        'rule R1 "t"\n  info when true\n',
    ],
    ("missing-title", 'a rule needs an id and a quoted title: rule P23-injection-with-em "96372 with an E/M"'): [
        "rule R1\n  target 96372\n",
        "rule R1\n  deny \"x\"\n",
        "exception R1\n  target 96372\n",
        "rule R1\n",
        "rule R1\n  cite s\n",
        "rule R1\n  covers P01\n",
    ],
    ("missing-rule-id", 'write the rule id before its title: rule P23-injection-with-em "96372 with an E/M"'): [
        'rule "title"\n',
        'exception "title"\n',
    ],
    ("unclosed-set", "close the set with `}`"): [
        "rule R \"t\"\n  when line.code in {96360, 96361\n",
        "rule R \"t\"\n  when line.code in {96360\n  deny \"x\"\n",
    ],
    ("unclosed-paren", "close the parenthesis with `)`"): [
        'rule R "t"\n  when (line.units > 1\n  deny "x"\n',
        'rule R "t"\n  when (line.units > 1\n',
        'rule R "t"\n  when ceil(line.units\n',
    ],
    ("missing-where", "a quantifier reads `any other line x where <condition>`"): [
        'rule R "t"\n  when any other line x x.code = 96372\n',
        'rule R "t"\n  when no line x x.code = 96372\n',
    ],
    ("missing-line-variable", "name the line you quantify over: `any other line x where x.code = 96372`"): [
        'rule R "t"\n  when any other line where x.code = 96372\n',
        'rule R "t"\n  when any line where true\n',
        'rule R "t"\n  when any line where not (true)\n',
        'rule R "t"\n  when any line where (true)\n',
    ],
    ("parenthesize-quantifier", "a quantifier after `and`, `or` or `not` goes in parentheses: "
                                "`line.units > 1 and (any other line x where ...)`"): [
        'rule R "t"\n  when true and any line x where true\n',
        'rule R "t"\n  when true or no other line x where true\n',
        'rule R "t"\n  when not any line x where true\n',
    ],
    ("equals-equals", "compare with a single `=`, as in `line.units = 1`"): [
        'rule R "t"\n  when line.units == 1\n',
    ],
    ("missing-equals", "a code set reads `codes NAME = 96360, 96361`"): [
        "codes hydration 96360\n",
        "set places \"11\"\n",
        'codes hydration "Hydration" 96360\n',
    ],
    ("bad-aggregate", "say what `sum` adds up, then which lines: `sum(x.units for lines x where ...)`"): [
        'rule R "t"\n  when sum(lines x where true) > 1\n',
        'rule R "t"\n  when sum(other lines x where true) > 1\n',
        'rule R "t"\n  when sum(x.units of lines x where true) > 1\n',
        'rule R "t"\n  when sum(x.units, lines x where true) > 1\n',
        'rule R "t"\n  when sum(x.units) > 1\n',
    ],
    ("bad-aggregate", "`count(...)` and `sum(...)` range over `lines` (plural): `count(other lines x where ...)`"): [
        'rule R "t"\n  when count(line x where true) > 1\n',
        'rule R "t"\n  when count(other line x where true) > 1\n',
        'rule R "t"\n  when sum(x.units for line x where true) > 1\n',
        'rule R "t"\n  when sum(x.units for other line x where true) > 1\n',
    ],
    ("missing-operand", "an operator needs a value on both sides"): [
        'rule R "t"\n  when line.units >\n',
        'rule R "t"\n  when line.units > 1 and\n',
        'rule R "t"\n  when line.units > 1 or\n  deny "x"\n',
    ],
}


def _decode_string(token: Token) -> str:
    raw = str(token)
    if raw.startswith('"""'):
        body = raw[3:-3]
        if body.startswith("\n"):
            body = body[1:]
        return textwrap.dedent(body).strip()
    try:
        value = json.loads(raw, strict=False)
    except json.JSONDecodeError as exc:
        start = (token.start_pos or 0) + exc.pos
        raise _SyntaxProblem("bad-escape", f"invalid escape in string: {raw[exc.pos:exc.pos + 6]!r}",
                             start, start + 2,
                             'use \\" \\\\ \\n \\t or \\uXXXX, or a """triple-quoted""" string') from exc
    if not isinstance(value, str):  # pragma: no cover - the token pattern admits strings only
        raise _SyntaxProblem("bad-escape", "not a string", token.start_pos or 0, token.end_pos or 0, "")
    return value


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


@v_args(meta=True)
class _ToAst(Transformer[Token, Any]):
    """Builds AST nodes; a rule of the grammar without a method here is a bug and fails loudly."""

    def __init__(self, path: str, offset: int) -> None:
        super().__init__(visit_tokens=False)
        self._file = path
        self.offset = offset

    def __default__(self, data: Any, children: Any, meta: Any) -> Any:
        raise NotImplementedError(f"no AST builder for grammar rule {data!r}")

    # -- helpers
    def _span(self, meta: Any) -> Span:
        if getattr(meta, "empty", True):
            return Span(self._file, self.offset, self.offset)
        return Span(self._file, self.offset + meta.start_pos, self.offset + meta.end_pos)

    def _tok(self, token: Token) -> Span:
        return Span(self._file, self.offset + (token.start_pos or 0), self.offset + (token.end_pos or 0))

    def _str(self, token: Token | None) -> str | None:
        if token is None:
            return None
        try:
            return _decode_string(token)
        except _SyntaxProblem as problem:
            problem.start += self.offset
            problem.end += self.offset
            raise

    def _text(self, token: Token) -> str:
        value = self._str(token)
        assert value is not None
        return value

    # -- header and plain declarations
    def pack(self, meta: Any, ch: list[Any]) -> ast.PackDecl:
        name, *fields = ch
        rows = tuple(f for f in fields if isinstance(f, ast.RowsClause))
        return ast.PackDecl(str(name), tuple(f for f in fields if isinstance(f, ast.PackField)),
                            self._span(meta), self._tok(name), rows)

    def pack_rows(self, meta: Any, ch: list[Any]) -> ast.RowsClause:
        return ast.RowsClause(tuple(ch), self._span(meta))

    def row_range(self, meta: Any, ch: list[Any]) -> ast.RowRange:
        low, high = ch
        return ast.RowRange(str(low), None if high is None else str(high), self._span(meta))

    def _pack_field(self, name: str, meta: Any, ch: list[Any]) -> ast.PackField:
        token = ch[0]
        value = str(token) if token.type == "DATE" else self._text(token)
        return ast.PackField(name, value, self._span(meta))

    def pack_title(self, meta: Any, ch: list[Any]) -> ast.PackField:
        return self._pack_field("title", meta, ch)

    def pack_version(self, meta: Any, ch: list[Any]) -> ast.PackField:
        return self._pack_field("version", meta, ch)

    def pack_effective(self, meta: Any, ch: list[Any]) -> ast.PackField:
        return self._pack_field("effective", meta, ch)

    def pack_source(self, meta: Any, ch: list[Any]) -> ast.PackField:
        return self._pack_field("source", meta, ch)

    def pack_extends(self, meta: Any, ch: list[Any]) -> ast.PackField:
        return self._pack_field("extends", meta, ch)

    def pack_policy(self, meta: Any, ch: list[Any]) -> ast.PackField:
        return self._pack_field("policy", meta, ch)

    def pack_previous(self, meta: Any, ch: list[Any]) -> ast.PackField:
        return self._pack_field("previous", meta, ch)

    def import_decl(self, meta: Any, ch: list[Any]) -> ast.ImportDecl:
        path, only = ch
        return ast.ImportDecl(self._text(path), only, self._span(meta))

    def import_only(self, meta: Any, ch: list[Any]) -> tuple[str, ...]:
        return tuple(str(t) for t in ch)

    def remove(self, meta: Any, ch: list[Any]) -> ast.RemoveDecl:
        rule, reason = ch
        return ast.RemoveDecl(str(rule), self._str(reason), self._span(meta))

    def section(self, meta: Any, ch: list[Any]) -> ast.SectionDecl:
        name, heading, *texts = ch
        return ast.SectionDecl(str(name), self._text(heading), tuple(texts), self._span(meta))

    def section_text(self, meta: Any, ch: list[Any]) -> str:
        return self._text(ch[0])

    def decl_source(self, meta: Any, ch: list[Any]) -> str:
        return self._text(ch[0])

    def set_kind(self, meta: Any, ch: list[Any]) -> str:
        return word(str(ch[0]), SET_KINDS)

    def codes_decl(self, meta: Any, ch: list[Any]) -> ast.CodesDecl:
        kind, name, title, items, source = ch
        return ast.CodesDecl(kind, str(name), self._str(title), items, source, self._span(meta),
                             self._tok(name))

    # -- set expressions
    def set_expr(self, meta: Any, ch: list[Any]) -> ast.SetExpr:
        base, *removed = ch
        if not removed:
            return base  # type: ignore[no-any-return]
        return ast.SetExcept(base, tuple(removed), self._span(meta))

    def set_union(self, meta: Any, ch: list[Any]) -> ast.SetUnion:
        return ast.SetUnion(tuple(ch), self._span(meta))

    def set_code(self, meta: Any, ch: list[Any]) -> ast.SetCode:
        return ast.SetCode(str(ch[0]), self._span(meta))

    def set_range(self, meta: Any, ch: list[Any]) -> ast.SetRange:
        return ast.SetRange(str(ch[0]), str(ch[1]), self._span(meta))

    def set_number(self, meta: Any, ch: list[Any]) -> ast.SetRef:
        return ast.SetRef(str(ch[0]), self._span(meta))

    def set_text(self, meta: Any, ch: list[Any]) -> ast.SetText:
        return ast.SetText(self._text(ch[0]), self._span(meta))

    def set_ref(self, meta: Any, ch: list[Any]) -> ast.SetRef:
        return ast.SetRef(str(ch[0]), self._span(meta))

    # -- tables, maps, rankings
    def table(self, meta: Any, ch: list[Any]) -> ast.TableDecl:
        name, title, source, *rest = ch
        columns = tuple(c for c in rest if isinstance(c, ast.Column))
        rows = tuple(r for r in rest if isinstance(r, ast.Row))
        files = tuple(f for f in rest if isinstance(f, ast.TableFile))
        clauses = tuple(c for c in rest if isinstance(c, ast.TableClause))
        return ast.TableDecl(str(name), self._str(title), source, columns, rows, self._span(meta),
                             self._tok(name), files, clauses)

    def table_file(self, meta: Any, ch: list[Any]) -> ast.TableFile:
        path, *types = ch
        claim_types = None if types == [None] else tuple(types)
        return ast.TableFile(self._text(path), claim_types, self._span(meta))

    def column(self, meta: Any, ch: list[Any]) -> ast.Column:
        name, (kind, values, placeholder) = ch
        return ast.Column(str(name), kind, self._span(meta), values, placeholder)

    def type_name(self, meta: Any, ch: list[Any]) -> tuple[str, tuple[str, ...], str | None]:
        return str(ch[0]), (), None

    def type_values(self, meta: Any, ch: list[Any]) -> tuple[str, tuple[str, ...], str | None]:
        return str(ch[0]), tuple(str(t) for t in ch[1:]), None

    def type_placeholder(self, meta: Any, ch: list[Any]) -> tuple[str, tuple[str, ...], str | None]:
        return str(ch[0]), (), self._text(ch[1])

    def _table_clause(self, kind: TableClauseKind, meta: Any, names: list[Any], **parts: Any) -> ast.TableClause:
        return ast.TableClause(kind, tuple(str(n) for n in names if n is not None), span=self._span(meta), **parts)

    def table_key(self, meta: Any, ch: list[Any]) -> ast.TableClause:
        return self._table_clause("key", meta, ch)

    def table_applies(self, meta: Any, ch: list[Any]) -> ast.TableClause:
        return self._table_clause("applies", meta, ch)

    def table_one(self, meta: Any, ch: list[Any]) -> ast.TableClause:
        return self._table_clause("one", meta, ch)

    def table_acyclic(self, meta: Any, ch: list[Any]) -> ast.TableClause:
        source, target, where = ch
        return self._table_clause("acyclic", meta, [source, target], where=where)

    def table_require(self, meta: Any, ch: list[Any]) -> ast.TableClause:
        condition, message = ch
        return self._table_clause("require", meta, [], condition=condition, message=self._text(message))

    def table_warn(self, meta: Any, ch: list[Any]) -> ast.TableClause:
        message, per, where, condition = ch
        return self._table_clause("warn", meta, [per], condition=condition, where=where,
                                  message=self._text(message))

    def table_row(self, meta: Any, ch: list[Any]) -> ast.Row:
        code, *cells = ch
        return ast.Row(str(code), tuple(cells), self._span(meta))

    def cell_text(self, meta: Any, ch: list[Any]) -> ast.Cell:
        return ast.Cell("text", self._text(ch[0]), self._span(meta))

    def cell_word(self, meta: Any, ch: list[Any]) -> ast.Cell:
        return ast.Cell("word", str(ch[0]), self._span(meta))

    def cell_number(self, meta: Any, ch: list[Any]) -> ast.Cell:
        return ast.Cell("number", _number(str(ch[0])), self._span(meta))

    def cell_codes(self, meta: Any, ch: list[Any]) -> ast.Cell:
        items = ch[0] if ch[0] is not None else ast.SetUnion((), self._span(meta))
        return ast.Cell("codes", items, self._span(meta))

    def cell_absent(self, meta: Any, ch: list[Any]) -> ast.Cell:
        return ast.Cell("absent", None, self._span(meta))

    def map_decl(self, meta: Any, ch: list[Any]) -> ast.MapDecl:
        name, title, source, *entries = ch
        return ast.MapDecl(str(name), self._str(title), source, tuple(entries), self._span(meta),
                           self._tok(name))

    def map_entry(self, meta: Any, ch: list[Any]) -> ast.MapEntry:
        return ast.MapEntry(str(ch[0]), str(ch[1]), self._span(meta))

    def ranking(self, meta: Any, ch: list[Any]) -> ast.RankingDecl:
        name, title, *levels = ch
        return ast.RankingDecl(str(name), self._str(title), tuple(levels), self._span(meta), self._tok(name))

    def rank_level(self, meta: Any, ch: list[Any]) -> ast.RankLevel:
        attribute, *order = ch
        return ast.RankLevel(str(attribute), tuple(str(t) for t in order), self._span(meta))

    # -- rules
    def _rule(self, kind: RuleKind, meta: Any, ch: list[Any]) -> ast.RuleDecl:
        rule_id, title, *clauses = ch
        return ast.RuleDecl(kind, str(rule_id), self._text(title), tuple(clauses), self._span(meta),
                            self._tok(rule_id))

    def rule(self, meta: Any, ch: list[Any]) -> ast.RuleDecl:
        return self._rule("rule", meta, ch)

    def exception(self, meta: Any, ch: list[Any]) -> ast.RuleDecl:
        return self._rule("exception", meta, ch)

    def documentation(self, meta: Any, ch: list[Any]) -> ast.RuleDecl:
        return self._rule("documentation", meta, ch)

    def _ids(self, kind: ClauseKind, meta: Any, tokens: list[Token]) -> ast.Clause:
        return ast.Clause(kind, tuple(str(t) for t in tokens), span=self._span(meta),
                          value_spans=tuple(self._tok(t) for t in tokens))

    def covers(self, meta: Any, ch: list[Any]) -> ast.Clause:
        return self._ids("covers", meta, ch)

    def overrides(self, meta: Any, ch: list[Any]) -> ast.Clause:
        return self._ids("overrides", meta, ch)

    def cite(self, meta: Any, ch: list[Any]) -> ast.Clause:
        section, detail = ch
        values = (str(section),) if detail is None else (str(section), self._text(detail))
        return ast.Clause("cite", values, span=self._span(meta), value_spans=(self._tok(section),))

    def quote(self, meta: Any, ch: list[Any]) -> ast.Clause:
        return ast.Clause("quote", (self._text(ch[0]),), span=self._span(meta))

    def text(self, meta: Any, ch: list[Any]) -> ast.Clause:
        return ast.Clause("text", (self._text(ch[0]),), span=self._span(meta))

    def claim_type(self, meta: Any, ch: list[Any]) -> str:
        return word(str(ch[0]), CLAIM_TYPES)

    def on_claims(self, meta: Any, ch: list[Any]) -> ast.Clause:
        return ast.Clause("on", tuple(ch), span=self._span(meta))

    def at_places(self, meta: Any, ch: list[Any]) -> ast.Clause:
        return ast.Clause("at", expr=ch[0], span=self._span(meta))

    def outside_places(self, meta: Any, ch: list[Any]) -> ast.Clause:
        return ast.Clause("outside", expr=ch[0], span=self._span(meta))

    def target(self, meta: Any, ch: list[Any]) -> ast.Clause:
        return ast.Clause("target", expr=ch[0], span=self._span(meta))

    def when(self, meta: Any, ch: list[Any]) -> ast.Clause:
        return ast.Clause("when", expr=ch[0], span=self._span(meta))

    def disposition(self, meta: Any, ch: list[Any]) -> str:
        return word(str(ch[0]), DISPOSITIONS)

    def verdict(self, meta: Any, ch: list[Any]) -> ast.Clause:
        return ast.Clause("verdict", (ch[0], self._text(ch[1])), span=self._span(meta),
                          value_spans=(self._span(meta), self._tok(ch[1])))

    def suggest(self, meta: Any, ch: list[Any]) -> ast.Clause:
        return ast.Clause("suggest", expr=ch[0], condition=ch[1], span=self._span(meta))

    def resolves(self, meta: Any, ch: list[Any]) -> ast.Clause:
        return ast.Clause("resolves", (str(ch[0]), self._text(ch[1])), span=self._span(meta),
                          value_spans=(self._tok(ch[0]),))

    def precedence(self, meta: Any, ch: list[Any]) -> ast.PrecedenceDecl:
        ids = [t for t in ch if isinstance(t, Token)]
        clauses = tuple(c for c in ch if isinstance(c, ast.Clause))
        return ast.PrecedenceDecl(str(ids[0]), tuple(str(t) for t in ids[1:]), clauses, self._span(meta),
                                  tuple(self._tok(t) for t in ids))

    # -- expressions
    def quantifier(self, meta: Any, ch: list[Any]) -> str:
        return word(str(ch[0]), QUANT_KINDS)

    def line_scope(self, meta: Any, ch: list[Any]) -> str:
        return word(str(ch[0]), LINE_SCOPES)

    def quantified(self, meta: Any, ch: list[Any]) -> ast.Quantified:
        kind, *scopes, var, cond = ch
        return ast.Quantified(kind, tuple(scopes), str(var), cond, None, self._span(meta), self._tok(var))

    def first_line(self, meta: Any, ch: list[Any]) -> ast.Quantified:
        *scopes, var, cond, then = ch
        return ast.Quantified("first", tuple(scopes), str(var), cond, then, self._span(meta), self._tok(var))

    def count(self, meta: Any, ch: list[Any]) -> ast.Quantified:
        *scopes, var, cond = ch
        return ast.Quantified("count", tuple(scopes), str(var), cond, None, self._span(meta), self._tok(var))

    def total(self, meta: Any, ch: list[Any]) -> ast.Quantified:
        value, *scopes, var, cond = ch
        return ast.Quantified("sum", tuple(scopes), str(var), cond, None, self._span(meta), self._tok(var), value)

    def or_op(self, meta: Any, ch: list[Any]) -> ast.BoolOp:
        return ast.BoolOp("or", ch[0], ch[1], self._span(meta))

    def and_op(self, meta: Any, ch: list[Any]) -> ast.BoolOp:
        return ast.BoolOp("and", ch[0], ch[1], self._span(meta))

    def not_op(self, meta: Any, ch: list[Any]) -> ast.Not:
        return ast.Not(ch[0], self._span(meta))

    def compare(self, meta: Any, ch: list[Any]) -> ast.Compare:
        return ast.Compare(word(str(ch[1]), COMPARE_OPS), ch[0], ch[2], self._span(meta))

    def member(self, meta: Any, ch: list[Any]) -> ast.Member:
        return ast.Member(ch[0], ch[1], False, self._span(meta))

    def not_member(self, meta: Any, ch: list[Any]) -> ast.Member:
        return ast.Member(ch[0], ch[1], True, self._span(meta))

    def given(self, meta: Any, ch: list[Any]) -> ast.Given:
        return ast.Given(ch[0], False, self._span(meta))

    def absent(self, meta: Any, ch: list[Any]) -> ast.Given:
        return ast.Given(ch[0], True, self._span(meta))

    def has_any(self, meta: Any, ch: list[Any]) -> ast.Has:
        return ast.Has(ch[0], ch[1], True, False, self._span(meta))

    def has(self, meta: Any, ch: list[Any]) -> ast.Has:
        return ast.Has(ch[0], ch[1], False, False, self._span(meta))

    def lacks(self, meta: Any, ch: list[Any]) -> ast.Has:
        return ast.Has(ch[0], ch[1], False, True, self._span(meta))

    def flagged(self, meta: Any, ch: list[Any]) -> ast.Flagged:
        return ast.Flagged(ch[0], str(ch[1]), self._span(meta), self._tok(ch[1]))

    def relation_kind(self, meta: Any, ch: list[Any]) -> str:
        return word(str(ch[0]), RELATION_KINDS)

    def relation(self, meta: Any, ch: list[Any]) -> ast.Relation:
        return ast.Relation(ch[0], self._span(meta))

    def overlapping(self, meta: Any, ch: list[Any]) -> ast.Relation:
        return ast.Relation("overlapping", self._span(meta))

    def arith(self, meta: Any, ch: list[Any]) -> ast.Arith:
        return ast.Arith(word(str(ch[1]), ARITH_OPS), ch[0], ch[2], self._span(meta))

    def negate(self, meta: Any, ch: list[Any]) -> ast.Negate:
        return ast.Negate(ch[0], self._span(meta))

    def number(self, meta: Any, ch: list[Any]) -> ast.Number:
        return ast.Number(_number(str(ch[0])), self._span(meta))

    def code(self, meta: Any, ch: list[Any]) -> ast.CodeLit:
        return ast.CodeLit(str(ch[0]), self._span(meta))

    def string(self, meta: Any, ch: list[Any]) -> ast.Text:
        return ast.Text(self._text(ch[0]), self._span(meta))

    def date(self, meta: Any, ch: list[Any]) -> ast.DateLit:
        return ast.DateLit(str(ch[0]), self._span(meta))

    def true(self, meta: Any, ch: list[Any]) -> ast.Boolean:
        return ast.Boolean(True, self._span(meta))

    def false(self, meta: Any, ch: list[Any]) -> ast.Boolean:
        return ast.Boolean(False, self._span(meta))

    def line_root(self, meta: Any, ch: list[Any]) -> str:
        return "line"

    def path(self, meta: Any, ch: list[Any]) -> ast.Path:
        root, *fields = ch
        return ast.Path(str(root), tuple(str(f) for f in fields), self._span(meta))

    def lookup(self, meta: Any, ch: list[Any]) -> ast.Lookup:
        name, *rest = ch
        parts = [c for c in rest if not isinstance(c, Token)]  # the keys, then `on` (None without it)
        fields = tuple(str(c) for c in rest if isinstance(c, Token))
        keys, on = parts[:-1], parts[-1]
        return ast.Lookup(str(name), keys[0], self._span(meta), tuple(keys[1:]), on, fields)

    def call(self, meta: Any, ch: list[Any]) -> ast.Call:
        name, *args = ch
        return ast.Call(str(name), tuple(a for a in args if a is not None), self._span(meta))

    def set_literal(self, meta: Any, ch: list[Any]) -> ast.SetLiteral:
        return ast.SetLiteral(ch[0], self._span(meta))

    # -- examples
    def example(self, meta: Any, ch: list[Any]) -> ast.ExampleDecl:
        name, *clauses = ch
        note = None
        claim: object = None
        has_claim = ignore_info = False
        expectations: list[ast.Expectation] = []
        furthest = 0
        for kind, value, span in clauses:
            rank = {"note": 1, "claim": 2, "ignore info": 3, "expect": 4}[kind]
            if rank < furthest or (rank == furthest and kind != "expect"):
                raise _SyntaxProblem("example-order", f"`{kind}` is out of place in this example", span.start,
                                     span.end, "an example reads: note (once), claim (once), ignore info (once, "
                                     "if at all), then its expectations")
            furthest = rank
            if kind == "note":
                note = value
            elif kind == "claim":
                claim, has_claim = value, True
            elif kind == "ignore info":
                ignore_info = True
            else:
                expectations.append(value)
        return ast.ExampleDecl(self._text(name), note, claim, tuple(expectations), self._span(meta), has_claim,
                               ignore_info)

    def ex_note(self, meta: Any, ch: list[Any]) -> tuple[str, object, Span]:
        return "note", self._text(ch[0]), self._span(meta)

    def ex_claim(self, meta: Any, ch: list[Any]) -> tuple[str, object, Span]:
        return "claim", ch[0], self._span(meta)

    def ex_nothing(self, meta: Any, ch: list[Any]) -> tuple[str, object, Span]:
        return "expect", ast.Expectation("nothing", span=self._span(meta)), self._span(meta)

    def ex_ignore_info(self, meta: Any, ch: list[Any]) -> tuple[str, object, Span]:
        return "ignore info", True, self._span(meta)

    def ex_finding(self, meta: Any, ch: list[Any]) -> tuple[str, object, Span]:
        line, disposition, rule, suggest, because = ch
        evidence, evidence_spans = because if because is not None else (None, ())
        expectation = ast.Expectation(
            "finding", self._line(line), disposition, None if rule is None else str(rule),
            None if suggest is None else str(suggest), evidence=evidence, span=self._span(meta),
            rule_span=self._span(meta) if rule is None else self._tok(rule), evidence_spans=evidence_spans)
        return "expect", expectation, self._span(meta)

    def because_lines(self, meta: Any, ch: list[Any]) -> tuple[tuple[int, ...], tuple[Span, ...]]:
        return tuple(self._line(t) for t in ch), tuple(self._tok(t) for t in ch)

    def because_no_line(self, meta: Any, ch: list[Any]) -> tuple[tuple[int, ...], tuple[Span, ...]]:
        return (), ()

    def ex_nosuggest(self, meta: Any, ch: list[Any]) -> tuple[str, object, Span]:
        return "expect", ast.Expectation("nosuggest", self._line(ch[0]), span=self._span(meta)), self._span(meta)

    def _line(self, token: Token) -> int:
        text = str(token)
        if not text.isdigit():
            span = self._tok(token)
            raise _SyntaxProblem("bad-example", f"`{text}` is not a line number", span.start, span.end,
                                 "lines are numbered 1, 2, 3, ... in the order the claim lists them")
        return int(text)

    def ex_error(self, meta: Any, ch: list[Any]) -> tuple[str, object, Span]:
        return "expect", ast.Expectation("error", text=self._text(ch[0]), span=self._span(meta)), self._span(meta)

    def json_object(self, meta: Any, ch: list[Any]) -> dict[str, object]:
        return dict(pair for pair in ch if pair is not None)

    def json_pair(self, meta: Any, ch: list[Any]) -> tuple[str, object]:
        return self._text(ch[0]), ch[1]

    def json_array(self, meta: Any, ch: list[Any]) -> list[object]:
        return [] if ch == [None] else list(ch)

    def json_string(self, meta: Any, ch: list[Any]) -> str:
        return self._text(ch[0])

    def json_number(self, meta: Any, ch: list[Any]) -> object:
        return json.loads(str(ch[0]))

    def json_true(self, meta: Any, ch: list[Any]) -> bool:
        return True

    def json_false(self, meta: Any, ch: list[Any]) -> bool:
        return False

    def json_null(self, meta: Any, ch: list[Any]) -> None:
        return None


_TOKEN_WORDS = {
    "STRING": "a quoted string", "NAME": "a name", "RULEID": "a rule id", "CODE": "a CPT or HCPCS code",
    "NUMBER": "a number", "DATE": "a date (YYYY-MM-DD)", "ROWID": "a row id such as P01",
    "JSON_NUMBER": "a number", "$END": "the end of the declaration",
    "ADD_OP": "`+` or `-`", "MUL_OP": "`*` or `/`", "COMPARE": "a comparison (`=`, `<`, `>`, ...)",
}


@lru_cache(maxsize=1)
def _literal_terminals() -> dict[str, str]:
    """Terminals that stand for one fixed text (keywords, punctuation), by name."""
    return {t.name: t.pattern.value for t in _parser().terminals if t.pattern.type == "str"}


def _describe_expected(expected: set[str]) -> str:
    literals = _literal_terminals()
    words = sorted({_TOKEN_WORDS.get(name) or (f"`{literals[name]}`" if name in literals else name)
                    for name in expected})
    if len(words) > 8:
        words = [*words[:8], "..."]
    return ", ".join(words)


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of the declaration"
    return repr(str(token))


def _error_key(error: UnexpectedInput) -> tuple[frozenset[str], str] | None:
    if isinstance(error, UnexpectedToken):
        return frozenset(error.expected), error.token.type
    return None


@lru_cache(maxsize=1)
def _example_keys() -> dict[tuple[frozenset[str], str], tuple[str, str]]:
    """What each hand-written example's syntax error looks like: the tokens the parser expected
    there and the token it found."""
    keys: dict[tuple[frozenset[str], str], tuple[str, str]] = {}
    for label, inputs in SYNTAX_EXAMPLES.items():
        for text in inputs:
            try:
                _parser().parse(text)
            except UnexpectedInput as error:
                key = _error_key(error)
                if key is not None:
                    keys.setdefault(key, label)
    return keys


def _match_example(error: UnexpectedInput) -> tuple[str, str] | None:
    key = _error_key(error)
    return None if key is None else _example_keys().get(key)


def _split_code(error: UnexpectedInput, block: str) -> tuple[int, int] | None:
    """Where the error falls inside a word the lexer split in two and that looks like a code
    (`9047x`): the word's start and end in the block."""
    pos = error.token.start_pos if isinstance(error, UnexpectedToken) else error.pos_in_stream
    if pos is None or pos <= 0 or pos >= len(block) or not block[pos - 1].isalnum():
        return None
    start, end = pos, pos
    while start > 0 and block[start - 1].isalnum():
        start -= 1
    while end < len(block) and block[end].isalnum():
        end += 1
    return (start, end) if _CODE_LIKE.fullmatch(block[start:end]) else None


def _syntax_diagnostic(error: UnexpectedInput, path: str, offset: int, block: str, out: Collector) -> None:
    matched = _match_example(error)
    split = _split_code(error, block)
    if split is not None:
        start, end = split
        out.error("bad-code", f"`{block[start:end]}` is not a CPT or HCPCS code", Span(path, offset + start,
                  offset + end), "CPT codes have five characters (96372, 0075T); HCPCS codes are an upper-case "
                  "letter A-V and four digits (J2357)")
        return
    if isinstance(error, UnexpectedCharacters):
        pos = error.pos_in_stream or 0
        char = block[pos] if pos < len(block) else ""
        span = Span(path, offset + pos, offset + pos + 1)
        if char == '"':
            out.error("unterminated-string", "this string is not closed", span,
                      'close it with " on the same line, or use """triple quotes""" for several lines')
            return
        expected = _describe_expected(set(error.allowed or ()))
        out.error("unexpected-character", f"unexpected character {char!r}", span,
                  f"expected {expected}" if expected else "remove it")
        return
    if isinstance(error, UnexpectedEOF):
        end = offset + len(block.rstrip())
        out.error("unexpected-end", "the declaration ends too early", Span(path, end, end),
                  f"expected {_describe_expected(set(error.expected))}")
        return
    assert isinstance(error, UnexpectedToken)
    token = error.token
    if token.type == "$END":
        end = offset + len(block.rstrip())
        span = Span(path, max(offset, end - 1), end)
    else:
        span = Span(path, offset + (token.start_pos or 0), offset + (token.end_pos or 0))
    if matched is not None:
        code, hint = matched
        out.error(code, f"unexpected {_describe_token(token)}", span, hint)
        return
    code = "unexpected-end" if token.type == "$END" else "syntax"
    out.error(code, f"unexpected {_describe_token(token)}", span,
              f"expected {_describe_expected(set(error.expected))}")


def _unparsed(path: str, offset: int, block: str) -> ast.Unparsed:
    """What a declaration that failed to parse was: its keyword, and its id when the first line
    gives one (`rule P23-x ...`, `codes hydration = ...`)."""
    first = block.lstrip().split(None, 1)
    keyword = first[0] if first else ""
    found = _DECL_ID.match(block)
    name = (found.group(1) or found.group(2)) if found else None
    end = block.find("\n")
    return ast.Unparsed(keyword, name, Span(path, offset, offset + (len(block) if end < 0 else end)))


def _parse_block(path: str, block: Block, out: Collector) -> ast.Decl | None:
    """The declaration in one block, or None after reporting why it does not parse."""
    try:
        tree = _parser().parse(block.text)
    except UnexpectedInput as error:
        _syntax_diagnostic(error, path, block.offset, block.text, out)
        return None
    try:
        decl = _ToAst(path, block.offset).transform(tree)
    except VisitError as wrapped:
        problem = wrapped.orig_exc
        if isinstance(problem, _SyntaxProblem):
            out.error(problem.code, problem.message, Span(path, problem.start, problem.end), problem.hint)
            return None
        raise problem from None
    if isinstance(decl, Tree):  # pragma: no cover - every rule has a builder
        raise TypeError(f"parse tree leaked into the AST: {decl.data}")
    return decl  # type: ignore[no-any-return]


BlockParser = Callable[[str, Block, Collector], "ast.Decl | None"]
"""Parses one block of a file: `parse_block` itself, or a cache in front of it (an editor's)."""


def parse_block(path: str, block: Block, out: Collector) -> ast.Decl | None:
    """The declaration in one block of the file at `path`, or None after reporting why it does not
    parse (its diagnostics go to `out`)."""
    return _parse_block(path, block, out)


def parse_module(path: str, text: str, out: Collector, blocks: BlockParser = parse_block) -> ast.Module:
    """Parse one file; syntax errors go to `out` and the declarations that parsed are kept. Each
    block is parsed by `blocks` (the language server keeps the blocks it parsed before)."""
    decls: list[ast.Decl] = []
    unparsed: list[ast.Unparsed] = []
    for block in split_blocks(text):
        if block.indent:
            keyword = block.text.split(None, 1)[0]
            start = block.offset + block.indent
            out.error("indented-declaration", f"`{keyword}` is indented, but a declaration starts in column 1",
                      Span(path, start, start + len(keyword)),
                      f"remove the blanks before `{keyword}`; only the clauses of a declaration are indented")
        decl = blocks(path, block, out)
        if decl is None:
            unparsed.append(_unparsed(path, block.offset, block.text))
        else:
            decls.append(decl)
    return ast.Module(path, tuple(decls), Span(path, 0, len(text)), tuple(unparsed))
