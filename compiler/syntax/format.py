"""The canonical layout of a rules file: `format_source(text) -> text`, a pure function.

The layout (docs/LANGUAGE.md, "Layout"): declarations start in column 1 and are separated by
one blank line, except that a run of code sets, maps, imports or removals written without blank
lines stays together; clauses are indented by two spaces, one clause per line, in the order the
language requires; a line that would run past `WIDTH` characters is wrapped, a list after a comma
and a condition before `and` or `or`, its continuation lines indented two spaces more than the
clause (or aligned after the parenthesis they are in); strings are written in double quotes with
JSON's escapes, except a text of several lines, which is written as an indented triple-quoted
block; parentheses are the ones the grammar needs, plus those around an `and` inside an `or` and
around a `not` of anything but a name, a call or a `same ...`; an example's claim is one line,
or its lines one per line.

Comments are not in the syntax tree (the grammar ignores them), so they are found in the text
and put back by position: a comment on a line of its own goes before the printed line that
holds the first token after it, indented as that line; a comment after code goes at the end of
the printed line that holds the last token before it. Every printed line records the source
offsets of what it shows for this.

Two properties hold for every text that parses, and the test suite checks them on every pack of
the repository and on mutants of CPCP026: formatting twice changes nothing, and the formatted
text means the same (it parses to the same syntax tree, spans aside, so it compiles to the same
IR). The second is also checked here on every call, as Black does: a formatted text that would
parse to anything else raises `FormatError` instead of being returned.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from lark import Token

from compiler.diagnostics import Collector, Diagnostic, Span
from compiler.syntax import ast
from compiler.syntax.parser import _decode_string, parse_module
from compiler.syntax.vocabulary import CLAUSE_ORDER, CellKind, ClauseKind, ExpectKind, TableClauseKind

WIDTH = 120
"""The width lines are wrapped at: the project's line length (pyproject.toml, ruff)."""
INDENT = 2
"""The indentation of a clause under its declaration, and of a continuation line under its clause."""


class Unformattable(Exception):
    """The text does not parse; a text that does not parse is never formatted."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} syntax error(s)")
        self.diagnostics = tuple(diagnostics)


class FormatError(Exception):
    """The formatted text would not mean what the source means: a bug of the formatter."""


def format_source(text: str, path: str = "<text>") -> str:
    """`text` in the canonical layout. Raises `Unformattable` (with the syntax diagnostics,
    spans naming `path`) when it does not parse."""
    out = Collector()
    try:
        module = parse_module(path, text, out)
        if out.has_errors:
            raise Unformattable(out.items)
        formatted = format_module(module, text)
        _verify(module, text, formatted, path)
    except RecursionError:
        out.error("too-deep", f"{path} nests expressions too deeply to format", Span(path, 0, 0),
                  "split a very long condition into named code sets or several rules")
        raise Unformattable(out.items) from None
    return formatted


def format_module(module: ast.Module, text: str) -> str:
    """The canonical layout of `module`, parsed from `text` (which gives its comments)."""
    return _Printer(text).module(module)


# ---------------------------------------------------------------- comments and positions in the source

_STRING = re.compile(r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"')
# Strings, comments and words, as the grammar's lexer cuts them; anything else is one character.
_TOKEN = re.compile(r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*|[A-Za-z_][A-Za-z0-9_]*|\S')


@dataclass(frozen=True)
class _Comment:
    """A `#` comment: its text (trailing blanks removed) and where it goes.

    `own_line`: nothing but blanks before it on its line; `anchor` is then the offset of the first
    token after it (None at the end of the file), else the end of the last token before it.
    `blank_before`: the line above it is blank."""

    text: str
    start: int
    own_line: bool
    anchor: int | None
    blank_before: bool


def _blank_before(text: str, offset: int) -> bool:
    """Whether the line above the one holding `offset` is blank."""
    line_start = text.rfind("\n", 0, offset) + 1
    if line_start == 0:
        return False
    above = text.rfind("\n", 0, line_start - 1) + 1
    return text[above:line_start - 1].strip() == ""


def _comments(text: str) -> list[_Comment]:
    """Every comment of `text`, in order."""
    found: list[tuple[int, int]] = []
    for match in _TOKEN.finditer(text):
        if match.group().startswith("#"):
            found.append((match.start(), match.end()))
    comments = []
    for index, (start, end) in enumerate(found):
        line_start = text.rfind("\n", 0, start) + 1
        own_line = text[line_start:start].strip() == ""
        anchor = _next_token(text, end, found[index + 1:]) if own_line else len(text[:start].rstrip())
        comments.append(_Comment(text[start:end].rstrip(), start, own_line, anchor, _blank_before(text, start)))
    return comments


def _next_token(text: str, offset: int, later_comments: list[tuple[int, int]]) -> int | None:
    """The offset of the first token at or after `offset`, skipping blanks and comments."""
    position = offset
    for start, end in later_comments:
        if text[position:start].strip():
            break
        position = end
    rest = text[position:]
    stripped = len(rest) - len(rest.lstrip())
    return position + stripped if rest.strip() else None


@dataclass(frozen=True)
class _Tok:
    text: str
    start: int
    end: int


def _tokens(text: str, span: Span) -> list[_Tok]:
    """The tokens of a declaration (strings and words whole, other characters one by one),
    comments left out."""
    return [_Tok(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text, span.start, span.end)
            if not m.group().startswith("#")]


def _known(span: Span) -> bool:
    return span.end > span.start


# ---------------------------------------------------------------- the printed lines


@dataclass
class _Line:
    """One printed line. `lo` and `hi` are the smallest and largest source offsets of what it
    shows; `tail` is where its last token ends in the source (None for a line that ends inside a
    triple-quoted string, after which no comment may be written). `body` marks a line of a
    triple-quoted string's text."""

    indent: int
    parts: list[str] = field(default_factory=list)
    lo: int | None = None
    hi: int | None = None
    tail: int | None = None
    open_string: bool = False
    body: bool = False
    before: list[_Comment] = field(default_factory=list)
    after: list[_Comment] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.indent + sum(len(part) for part in self.parts)

    def render(self) -> str:
        if not self.parts:
            return ""
        return " " * self.indent + "".join(self.parts)


class _Lines:
    """The lines of one declaration as they are printed."""

    def __init__(self, indent: int = 0) -> None:
        self.lines = [_Line(indent)]

    @property
    def col(self) -> int:
        return self.lines[-1].width

    def newline(self, indent: int) -> None:
        self.lines.append(_Line(indent))

    def put(self, text: str, start: int | None = None, end: int | None = None) -> None:
        line = self.lines[-1]
        line.parts.append(text)
        if start is not None:
            line.lo = start if line.lo is None else min(line.lo, start)
        if end is not None:
            line.hi = end if line.hi is None else max(line.hi, end)
            line.tail = line.hi

    def put_span(self, text: str, span: Span | None) -> None:
        if span is not None and _known(span):
            self.put(text, span.start, span.end)
        else:
            self.put(text)

    def put_block(self, value_lines: list[str], indent: int, end: int | None) -> None:
        """A triple-quoted string opened on the current line: its lines (indented already), then
        the closing quotes on a line of their own at `indent`."""
        opening = self.lines[-1]
        opening.parts.append('"""')
        opening.open_string = True
        opening.tail = None
        if end is not None:
            opening.hi = end if opening.hi is None else max(opening.hi, end)
        for text in value_lines:
            self.lines.append(_Line(0, [text] if text else [], body=True))
        self.lines.append(_Line(indent, ['"""'], hi=end, tail=end))


# ---------------------------------------------------------------- strings, numbers, JSON


_UNSAFE = re.compile("[\u0085\u2028\u2029\ud800-\udfff]")
# Characters a triple-quoted block would hold raw: control characters, line and paragraph
# separators, lone surrogates.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def quote(value: str) -> str:
    """`value` as a double-quoted string: JSON's escapes, and no character a reader of lines
    would take for a line break."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def _block_lines(value: str, indent: int) -> list[str] | None:
    """The lines of `value` as the text of a triple-quoted block at `indent`, when it has several
    lines, no other control character (those keep their escapes) and the block reads back as
    exactly `value`; else None."""
    if "\n" not in value or '"""' in value or _CONTROL.search(value.replace("\n", "")):
        return None
    lines = value.split("\n")
    margin = " " * (indent + INDENT)
    body = "\n" + "\n".join(margin + line if line else "" for line in lines) + "\n" + " " * indent
    if _decode_string(Token("STRING", f'"""{body}"""')) != value:
        return None
    return [margin + line if line else "" for line in lines]


def number(value: int | float) -> str:
    """A number as the grammar writes it: digits, and a decimal part for a fractional value."""
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text if "." in text else text + ".0"


_JSON_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null")


@dataclass(frozen=True)
class _Json:
    """A JSON value of an example's claim with where it is in the source. Scalars keep their
    text (strings re-quoted); objects hold (key, value) pairs, arrays their items."""

    kind: str  # "object", "array" or "scalar"
    start: int
    end: int
    text: str = ""
    pairs: tuple[tuple[str, _Json], ...] = ()
    items: tuple[_Json, ...] = ()

    def flat(self) -> str:
        if self.kind == "object":
            return "{" + ", ".join(f"{key}: {value.flat()}" for key, value in self.pairs) + "}"
        if self.kind == "array":
            return "[" + ", ".join(item.flat() for item in self.items) + "]"
        return self.text


class _JsonReader:
    """Reads the JSON of a claim from the source, skipping comments as the grammar does."""

    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, position: int) -> int:
        while position < len(self.text):
            char = self.text[position]
            if char.isspace():
                position += 1
            elif char == "#":
                end = self.text.find("\n", position)
                position = len(self.text) if end < 0 else end
            else:
                break
        return position

    def string(self, position: int) -> tuple[str, int]:
        match = _STRING.match(self.text, position)
        if match is None:
            raise FormatError(f"expected a string at offset {position}")
        return quote(_decode_string(Token("STRING", match.group()))), match.end()

    def value(self, position: int) -> _Json:
        position = self.skip(position)
        char = self.text[position:position + 1]
        if char in "{[":
            return self.container(position)
        if char == '"':
            text, end = self.string(position)
            return _Json("scalar", position, end, text)
        match = _JSON_SCALAR.match(self.text, position)
        if match is None:
            raise FormatError(f"expected a JSON value at offset {position}")
        return _Json("scalar", position, match.end(), match.group())

    def container(self, start: int) -> _Json:
        closing = "}" if self.text[start] == "{" else "]"
        position = self.skip(start + 1)
        pairs: list[tuple[str, _Json]] = []
        items: list[_Json] = []
        while self.text[position:position + 1] != closing:
            if closing == "}":
                key, position = self.string(position)
                position = self.skip(position)
                if self.text[position:position + 1] != ":":
                    raise FormatError(f"expected ':' at offset {position}")
                value = self.value(position + 1)
                pairs.append((key, value))
            else:
                value = self.value(position)
                items.append(value)
            position = self.skip(value.end)
            if self.text[position:position + 1] == ",":
                position = self.skip(position + 1)
        kind = "object" if closing == "}" else "array"
        return _Json(kind, start, position + 1, pairs=tuple(pairs), items=tuple(items))


# ---------------------------------------------------------------- expressions: precedence and parentheses


def _quantifier(expr: ast.Quantified) -> int:
    return 8 if expr.kind in ("count", "sum") else 0


def _bool_op(expr: ast.BoolOp) -> int:
    return 1 if expr.op == "or" else 2


def _arith(expr: ast.Arith) -> int:
    return 5 if expr.op in ("+", "-") else 6


def _fixed(level: int) -> Callable[[Any], int]:
    return lambda expr: level


# How tightly each expression binds, from a quantifier (0: parenthesized wherever it is not a
# whole condition) to an atom (8: never parenthesized). One entry per expression node.
LEVELS: dict[type, Callable[[Any], int]] = {
    ast.Quantified: _quantifier, ast.BoolOp: _bool_op, ast.Not: _fixed(3),
    ast.Compare: _fixed(4), ast.Member: _fixed(4), ast.Given: _fixed(4), ast.Has: _fixed(4),
    ast.Flagged: _fixed(4), ast.Relation: _fixed(4), ast.Arith: _arith, ast.Negate: _fixed(7),
    ast.Number: _fixed(8), ast.CodeLit: _fixed(8), ast.Text: _fixed(8), ast.DateLit: _fixed(8),
    ast.Boolean: _fixed(8), ast.Path: _fixed(8), ast.Lookup: _fixed(8), ast.Call: _fixed(8),
    ast.SetLiteral: _fixed(8),
}


def level(expr: ast.Expr) -> int:
    found = LEVELS.get(type(expr))
    if found is None:
        raise FormatError(f"no precedence for {type(expr).__name__}")
    return found(expr)


def _left_bare(child: ast.Expr, parent: ast.BoolOp) -> bool:
    """A chain continues to the left without parentheses; an `and` inside an `or` gets them."""
    return (isinstance(child, ast.BoolOp) and child.op == parent.op) or level(child) >= 3


def _not_bare(child: ast.Expr) -> bool:
    return isinstance(child, (ast.Not, ast.Relation)) or level(child) == 8


def _breakable(expr: ast.Expr) -> bool:
    """Whether the expression has places to break a long line: and/or chains, quantifiers (a
    `count(...)` or `sum(...)` inside its parentheses, where its condition has them), `not` of a
    parenthesized one, and a comparison of a `count(...)` or `sum(...)` that has them."""
    if isinstance(expr, ast.BoolOp):
        return True
    if isinstance(expr, ast.Quantified):
        return expr.kind not in ("count", "sum") or _breakable(expr.condition)
    if isinstance(expr, ast.Not):
        return _breakable(expr.operand)
    if isinstance(expr, (ast.Compare, ast.Arith)):
        return _counted(expr)
    return False


def _counted(expr: ast.Expr) -> bool:
    """Whether the expression is a `count(...)` or `sum(...)` whose condition has places to break,
    or arithmetic or a comparison that holds one."""
    if isinstance(expr, ast.Quantified):
        return expr.kind in ("count", "sum") and _breakable(expr.condition)
    if isinstance(expr, (ast.Compare, ast.Arith)):
        return _counted(expr.left) or _counted(expr.right)
    return False


# ---------------------------------------------------------------- the printer

_GROUPS: dict[type, str] = {ast.CodesDecl: "codes", ast.MapDecl: "map", ast.ImportDecl: "import",
                            ast.RemoveDecl: "remove"}
"""Declarations of one kind written on consecutive lines stay together, without blank lines."""

NOT_PRINTED: frozenset[type] = frozenset({ast.Module, ast.Unparsed})
"""Node classes no table prints: the module (`_Printer.module`) and a declaration that did not
parse (never formatted)."""


class _Printer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.out = _Lines()
        # One printer per kind of node; tests/syntax/test_format.py checks that every node class
        # of the syntax tree has one (or is printed by its parent's printer, in `parts`).
        self.decls: dict[type, Callable[[Any], None]] = {
            ast.PackDecl: self._pack, ast.ImportDecl: self._import, ast.RemoveDecl: self._remove,
            ast.SectionDecl: self._section, ast.CodesDecl: self._codes, ast.TableDecl: self._table,
            ast.MapDecl: self._map, ast.RankingDecl: self._ranking, ast.RuleDecl: self._rule,
            ast.PrecedenceDecl: self._precedence, ast.ExampleDecl: self._example,
        }
        self.exprs: dict[type, Callable[[Any], str]] = {
            ast.Number: lambda e: number(e.value), ast.CodeLit: lambda e: e.code, ast.Text: lambda e: quote(e.value),
            ast.DateLit: lambda e: e.value, ast.Boolean: lambda e: "true" if e.value else "false",
            ast.Path: self._path, ast.Lookup: self._lookup, ast.Call: self._call, ast.SetLiteral: self._set_literal,
            ast.Arith: self._arith, ast.Negate: self._negate, ast.Compare: self._compare, ast.Member: self._member,
            ast.Given: self._given, ast.Has: self._has, ast.Flagged: self._flagged, ast.Relation: self._relation,
            ast.BoolOp: self._bool, ast.Not: self._not, ast.Quantified: self._quantified,
        }
        self.set_items: dict[type, Callable[[Any], str]] = {
            ast.SetCode: lambda s: s.code, ast.SetRange: lambda s: f"{s.low}..{s.high}",
            ast.SetText: lambda s: quote(s.text), ast.SetRef: lambda s: s.name,
            ast.SetUnion: lambda s: f"({self.set_flat(s)})", ast.SetExcept: lambda s: f"({self.set_flat(s)})",
        }
        self.clauses: dict[ClauseKind, Callable[[ast.Clause, int | None], None]] = {
            "covers": self._listed, "cite": self._cite, "quote": self._said, "text": self._said,
            "on": self._on, "at": self._places, "outside": self._places, "target": self._places,
            "when": self._when, "verdict": self._verdict, "suggest": self._suggest, "overrides": self._listed,
            "resolves": self._resolves,
        }
        self.cells: dict[CellKind, Callable[[ast.Cell], str]] = {
            "text": lambda c: quote(str(c.value)), "word": lambda c: str(c.value),
            "number": lambda c: number(c.value) if isinstance(c.value, (int, float)) else str(c.value),
            "codes": self._cell_codes, "absent": lambda c: "-",
        }
        self.expectations: dict[ExpectKind, Callable[[ast.Expectation], str]] = {
            "nothing": lambda x: "expect nothing", "finding": self._finding,
            "nosuggest": lambda x: f"expect no suggestion on line {x.line}",
            "error": lambda x: "expect error " + quote(x.text or ""),
        }
        # Nodes printed by the printer of the node that holds them.
        self.parts: dict[type, str] = {
            ast.PackField: "_pack", ast.RowRange: "_pack", ast.RowsClause: "_pack", ast.Column: "_table",
            ast.Row: "_table", ast.Cell: "_table", ast.TableFile: "_table", ast.TableClause: "_table",
            ast.MapEntry: "_map", ast.RankLevel: "_ranking", ast.Clause: "_rule", ast.Expectation: "_example",
        }
        # The clauses of a table read from files, by kind.
        self.table_clauses: dict[TableClauseKind, Callable[[ast.TableClause], None]] = {
            "key": self._table_key, "applies": self._table_applies, "one": self._table_one,
            "acyclic": self._table_acyclic, "require": self._table_require, "warn": self._table_warn,
        }

    # ------------------------------------------------------------ the module

    def module(self, module: ast.Module) -> str:
        printed: list[tuple[ast.Decl, list[_Line]]] = []
        for decl in module.decls:
            self.out = _Lines()
            printer = self.decls.get(type(decl))
            if printer is None:
                raise FormatError(f"no printer for {type(decl).__name__}")
            printer(decl)
            printed.append((decl, self.out.lines))
        tail = self._place_comments([line for _, lines in printed for line in lines])
        return _assemble(self.text, printed, tail)

    def _place_comments(self, lines: list[_Line]) -> list[_Comment]:
        """Attach every comment to the printed line it belongs with; return those after the last token."""
        tail = []
        for comment in _comments(self.text):
            if comment.anchor is None:
                tail.append(comment)
            elif comment.own_line:
                self._before(lines, comment.anchor).before.append(comment)
            else:
                line = self._after(lines, comment.anchor)
                if line.tail is None:  # it would fall inside a triple-quoted string
                    line.before.append(replace(comment, own_line=True))
                else:
                    line.after.append(comment)
        return tail

    @staticmethod
    def _before(lines: list[_Line], start: int) -> _Line:
        """The line that shows the token at `start` or, failing that, the first one after it."""
        best: _Line | None = None
        for line in lines:
            if line.hi is not None and line.hi > start and (best is None or best.hi is None or line.hi < best.hi):
                best = line
        if best is None:
            best = lines[-1]
        return best

    @staticmethod
    def _after(lines: list[_Line], end: int) -> _Line:
        """The line that shows the token that ends at `end`: the last line ending with it, else
        the last one showing it, else the last line before it."""
        ending = [line for line in lines if line.tail == end]
        if ending:
            return ending[-1]
        holding = [line for line in lines if line.lo is not None and line.hi is not None and line.lo < end <= line.hi]
        if holding:
            return holding[-1]
        best = lines[0]
        for line in lines:
            if line.tail is not None and line.tail < end and (best.tail is None or line.tail >= best.tail):
                best = line
        return best

    # ------------------------------------------------------------ helpers for lines

    def keyword(self, word: str, start: int | None) -> None:
        if start is None:
            self.out.put(word)
        else:
            self.out.put(word, start, start + len(word))

    def string(self, value: str, indent: int, token: _Tok | None = None, end: int | None = None,
               block: bool = True) -> None:
        """A string at the end of a line: a triple-quoted block at `indent` when the value has
        several lines (and `block`), else quoted on the line."""
        if token is not None:
            end = token.end
        lines = _block_lines(value, indent) if block else None
        if lines is None:
            start = token.start if token is not None else None
            self.out.put(quote(value), start, end)
        else:
            if token is not None:
                self.out.put("", token.start, None)
            self.out.put_block(lines, indent, end)

    def fill(self, chunks: Sequence[tuple[str, Span | None]], cont: int, trail: int = 0) -> None:
        """Words on the current line while they fit, then on lines at `cont`."""
        for index, (text, span) in enumerate(chunks):
            extra = trail if index == len(chunks) - 1 else 0
            if index == 0:
                self.out.put_span(text, span)
            elif self.out.col + 1 + len(text) + extra <= WIDTH:
                self.out.put(" ")
                self.out.put_span(text, span)
            else:
                self.out.newline(cont)
                self.out.put_span(text, span)

    @staticmethod
    def listed(values: Sequence[str], spans: Sequence[Span] = ()) -> list[tuple[str, Span | None]]:
        """Words separated by commas, as chunks for `fill`."""
        return [(value + ("," if index < len(values) - 1 else ""), spans[index] if index < len(spans) else None)
                for index, value in enumerate(values)]

    def strings_of(self, span: Span) -> list[_Tok]:
        """The strings written in `span`, in order."""
        return [t for t in _tokens(self.text, span) if t.text.startswith('"')] if _known(span) else []

    def words_of(self, span: Span, word: str) -> list[_Tok]:
        """Where `word` is written in `span` (outside strings and comments)."""
        return [t for t in _tokens(self.text, span) if t.text == word] if _known(span) else []

    @staticmethod
    def first_after(tokens: list[_Tok], offset: int) -> _Tok | None:
        return next((t for t in tokens if t.start >= offset), None)

    @staticmethod
    def head_start(span: Span) -> int | None:
        return span.start if _known(span) else None

    # ------------------------------------------------------------ declarations

    def _pack(self, decl: ast.PackDecl) -> None:
        self.keyword("pack", self.head_start(decl.span))
        self.out.put(" ")
        self.out.put_span(decl.name, decl.name_span)
        parts: list[ast.PackField | ast.RowsClause] = [*decl.fields, *decl.rows]
        parts.sort(key=lambda part: part.span.start)
        for part in parts:
            self.out.newline(INDENT)
            start = part.span.start if _known(part.span) else None
            if isinstance(part, ast.RowsClause):
                self.keyword("rows ", start)
                ranges = [r.low if r.high is None else f"{r.low}..{r.high}" for r in part.items]
                self.fill(self.listed(ranges, [r.span for r in part.items]), 2 * INDENT)
                continue
            self.keyword(f"{part.name} ", start)
            end = part.span.end if _known(part.span) else None
            if part.name == "effective":
                self.out.put(part.value, None, end)
            else:
                self.string(part.value, INDENT, end=end)

    def _import(self, decl: ast.ImportDecl) -> None:
        strings = self.strings_of(decl.span)
        self.keyword("import ", self.head_start(decl.span))
        self.string(decl.path, 0, strings[0] if strings else None, block=False)
        if decl.names is not None:
            only = self.words_of(decl.span, "only")
            self.out.put(" ")
            self.keyword("only ", only[0].start if only else None)
            self.fill(self.listed(decl.names), INDENT)

    def _remove(self, decl: ast.RemoveDecl) -> None:
        self.keyword("remove rule ", self.head_start(decl.span))
        self.out.put(decl.rule)
        if decl.reason is not None:
            strings = self.strings_of(decl.span)
            self.out.put(" because ")
            self.string(decl.reason, 0, strings[-1] if strings else None)

    def _section(self, decl: ast.SectionDecl) -> None:
        strings = self.strings_of(decl.span)
        texts = self.words_of(decl.span, "text")
        self.keyword("section ", self.head_start(decl.span))
        self.out.put(decl.name + " ")
        self.string(decl.heading, 0, strings[0] if strings else None)
        for index, paragraph in enumerate(decl.paragraphs):
            self.out.newline(INDENT)
            self.keyword("text ", texts[index].start if index < len(texts) else None)
            self.string(paragraph, INDENT, strings[index + 1] if index + 1 < len(strings) else None)

    def _title(self, span: Span, title: str | None, before: int | None) -> list[_Tok]:
        """The title after a declaration's name, if it has one; the strings of the declaration."""
        strings = self.strings_of(span)
        if title is not None:
            token = next((t for t in strings if before is None or t.start < before), None)
            self.out.put(" ")
            self.string(title, 0, token, block=False)
        return strings

    def _source(self, span: Span, source: str | None, strings: list[_Tok], indent: int) -> None:
        if source is None:
            return
        keyword = self.words_of(span, "source")
        start = keyword[0].start if keyword else None
        self.keyword("source ", start)
        self.string(source, indent, self.first_after(strings, start) if start is not None else None)

    def _codes(self, decl: ast.CodesDecl) -> None:
        self.keyword(decl.kind + " ", self.head_start(decl.span))
        self.out.put_span(decl.name, decl.name_span)
        items = decl.items.span.start if _known(decl.items.span) else None
        strings = self._title(decl.span, decl.title, items)
        self.out.put(" =")
        chunks = self.set_chunks(decl.items)
        flat = " ".join(text for text, _ in chunks)
        if self.out.col + 1 + len(flat) <= WIDTH:
            self.out.put(" ")
            self.fill(chunks, INDENT)
        else:
            self.out.newline(INDENT)
            self.fill(chunks, INDENT)
        if decl.source is not None:
            self.out.newline(INDENT)
            self._source(decl.span, decl.source, strings, INDENT)

    def _table(self, decl: ast.TableDecl) -> None:
        self.keyword("table ", self.head_start(decl.span))
        self.out.put_span(decl.name, decl.name_span)
        columns = decl.columns[0].span.start if decl.columns and _known(decl.columns[0].span) else None
        strings = self._title(decl.span, decl.title, columns)
        if decl.source is not None:
            self.out.newline(INDENT)
            self._source(decl.span, decl.source, strings, INDENT)
        for table_file in decl.files:
            self.out.newline(INDENT)
            self._table_file(table_file)
        self.out.newline(INDENT)
        keyword = self.words_of(decl.span, "columns")
        self.keyword("columns ", keyword[0].start if keyword else None)
        self.fill(self.listed([_column(c) for c in decl.columns], [c.span for c in decl.columns]), 2 * INDENT)
        for table_clause in decl.clauses:
            printer = self.table_clauses.get(table_clause.kind)
            if printer is None:
                raise FormatError(f"no printer for a table's {table_clause.kind} clause")
            self.out.newline(INDENT)
            printer(table_clause)
            end = table_clause.span.end if _known(table_clause.span) else None
            if end is not None and self.out.lines[-1].tail is None:
                self.out.lines[-1].tail = end
        for row in decl.rows:
            self.out.newline(INDENT)
            code = Span(row.span.path, row.span.start, row.span.start + len(row.code)) if _known(row.span) else None
            cells = self.listed([self._cell(cell) for cell in row.cells], [cell.span for cell in row.cells])
            self.fill([(f"{row.code}:", code), *cells], 2 * INDENT)

    def _table_file(self, table_file: ast.TableFile) -> None:
        strings = self.strings_of(table_file.span)
        self.keyword("file ", self.head_start(table_file.span))
        self.string(table_file.path, 0, strings[0] if strings else None, block=False)
        if table_file.claim_types is not None:
            end = table_file.span.end if _known(table_file.span) else None
            self.out.put(" for " + ", ".join(table_file.claim_types) + " claims", None, end)

    def _table_key(self, clause: ast.TableClause) -> None:
        self.keyword("key ", self.head_start(clause.span))
        self.out.put(", ".join(clause.names), None, self._clause_end(clause))

    def _table_applies(self, clause: ast.TableClause) -> None:
        self.keyword("applies from ", self.head_start(clause.span))
        until = f" until {clause.names[1]}" if len(clause.names) > 1 else ""
        self.out.put(clause.names[0] + until, None, self._clause_end(clause))

    def _table_one(self, clause: ast.TableClause) -> None:
        column, per = clause.names
        self.keyword("one ", self.head_start(clause.span))
        self.out.put(f"{column} per {per}", None, self._clause_end(clause))

    def _table_acyclic(self, clause: ast.TableClause) -> None:
        source, target = clause.names
        self.keyword("no cycles ", self.head_start(clause.span))
        self.out.put(f"{source} -> {target}")
        if clause.where is not None:
            self.out.put(" where ")
            self.emit(clause.where, 2 * INDENT, 0, False)

    def _table_require(self, clause: ast.TableClause) -> None:
        """`require CONDITION "message"`: the message after the condition where it fits, else on a
        line of its own."""
        if clause.condition is None or clause.message is None:
            raise FormatError("a require clause without its condition and message")
        strings = self.strings_of(clause.span)
        message = quote(clause.message)
        self.keyword("require ", self.head_start(clause.span))
        self.emit(clause.condition, 2 * INDENT, 1 + len(message), False)
        if self.out.col + 1 + len(message) <= WIDTH:
            self.out.put(" ")
        else:
            self.out.newline(2 * INDENT)
        self.string(clause.message, 0, strings[-1] if strings else None, block=False)

    def _table_warn(self, clause: ast.TableClause) -> None:
        """`warn "message" when every row per COLUMN [where CONDITION] satisfies CONDITION`: `when`
        and then `satisfies` start lines of their own, each two spaces further in than the line
        before, when they do not fit."""
        if clause.condition is None or clause.message is None:
            raise FormatError("a warn clause without its message and condition")
        strings = self.strings_of(clause.span)
        self.keyword("warn ", self.head_start(clause.span))
        self.string(clause.message, 0, strings[0] if strings else None, block=False)
        head = f"when every row per {clause.names[0]}"
        where = "" if clause.where is None else " where " + self.operand(clause.where, level(clause.where) >= 1)
        indent = INDENT  # of the line `when` is on
        if self.out.col + 1 + len(head + where) <= WIDTH:
            self.out.put(" ")
        else:
            indent = 2 * INDENT
            self.out.newline(indent)
        self.out.put(head)
        if clause.where is not None:
            self.out.put(" where ")
            self._emit_operand(clause.where, level(clause.where) >= 1, indent + INDENT, 0)
        then = self.flat(clause.condition)
        if self.out.col + len(" satisfies ") + len(then) <= WIDTH:
            self.out.put(" satisfies ")
            self.out.put_span(then, clause.condition.span)
        else:
            self.out.newline(indent + INDENT)
            self.out.put("satisfies ")
            self.emit(clause.condition, indent + 2 * INDENT, 0, False)

    @staticmethod
    def _clause_end(clause: ast.TableClause) -> int | None:
        return clause.span.end if _known(clause.span) else None

    def _cell(self, cell: ast.Cell) -> str:
        printer = self.cells.get(cell.kind)
        if printer is None:
            raise FormatError(f"no printer for a {cell.kind} cell")
        return printer(cell)

    def _cell_codes(self, cell: ast.Cell) -> str:
        items = cell.value
        if isinstance(items, (ast.SetUnion, ast.SetExcept)):
            return "{" + self.set_flat(items) + "}"
        raise FormatError("a codes cell without a set")

    def _map(self, decl: ast.MapDecl) -> None:
        self.keyword("map ", self.head_start(decl.span))
        self.out.put_span(decl.name, decl.name_span)
        entries = decl.entries[0].span.start if decl.entries and _known(decl.entries[0].span) else None
        strings = self._title(decl.span, decl.title, entries)
        if decl.source is not None:
            self.out.put(" ")
            self._source(decl.span, decl.source, strings, 0)
        self.out.put(" =")
        chunks = self.listed([f"{e.key} -> {e.value}" for e in decl.entries], [e.span for e in decl.entries])
        flat = " ".join(text for text, _ in chunks)
        if self.out.col + 1 + len(flat) > WIDTH:
            self.out.newline(INDENT)
        else:
            self.out.put(" ")
        self.fill(chunks, INDENT)

    def _ranking(self, decl: ast.RankingDecl) -> None:
        self.keyword("ranking ", self.head_start(decl.span))
        self.out.put_span(decl.name, decl.name_span)
        levels = decl.levels[0].span.start if decl.levels and _known(decl.levels[0].span) else None
        self._title(decl.span, decl.title, levels)
        for index, rank in enumerate(decl.levels):
            self.out.newline(INDENT)
            self.out.put("by " if index == 0 else "then ")
            self.out.put_span(f"{rank.attribute}: " + " > ".join(rank.order), rank.span)

    def _rule(self, decl: ast.RuleDecl) -> None:
        self.keyword(decl.kind + " ", self.head_start(decl.span))
        self.out.put_span(decl.id, decl.id_span)
        self.out.put(" ")
        after = decl.id_span.end if _known(decl.id_span) else None
        strings = self.strings_of(decl.span)
        self.string(decl.title, 0, self.first_after(strings, after) if after is not None else None)
        for clause in ordered(decl.clauses):
            self.clause(clause)

    def clause(self, clause: ast.Clause) -> None:
        printer = self.clauses.get(clause.kind)
        if printer is None:
            raise FormatError(f"no printer for a {clause.kind} clause")
        self.out.newline(INDENT)
        start = clause.span.start if _known(clause.span) else None
        end = clause.span.end if _known(clause.span) else None
        printer(clause, start)
        if end is not None and self.out.lines[-1].tail is None and not self.out.lines[-1].open_string:
            self.out.lines[-1].tail = end

    def _precedence(self, decl: ast.PrecedenceDecl) -> None:
        self.keyword("precedence ", self.head_start(decl.span))
        spans = list(decl.rule_spans)
        self.out.put_span(decl.winner, spans[0] if spans else None)
        self.out.put(" over ")
        self.fill(self.listed(decl.losers, spans[1:]), 2 * INDENT)
        for clause in decl.resolves:
            self.clause(clause)

    def _example(self, decl: ast.ExampleDecl) -> None:
        tokens = _tokens(self.text, decl.span) if _known(decl.span) else []
        strings = [t for t in tokens if t.text.startswith('"')]
        self.keyword("example ", self.head_start(decl.span))
        self.string(decl.name, 0, strings[0] if strings else None)
        words = {t.text: t for t in reversed(tokens) if not t.text.startswith('"')}
        if decl.note is not None:
            self.out.newline(INDENT)
            keyword = words.get("note")
            self.keyword("note ", keyword.start if keyword else None)
            self.string(decl.note, INDENT, self.first_after(strings, keyword.end) if keyword else None)
        if decl.has_claim:
            self.out.newline(INDENT)
            keyword = words.get("claim")
            self.keyword("claim ", keyword.start if keyword else None)
            self._claim(decl, keyword)
        if decl.ignore_info:
            self.out.newline(INDENT)
            keyword = words.get("ignore")
            self.keyword("ignore info", keyword.start if keyword else None)
        for expectation in decl.expectations:
            self.out.newline(INDENT)
            printer = self.expectations.get(expectation.kind)
            if printer is None:
                raise FormatError(f"no printer for an expectation of kind {expectation.kind}")
            self.out.put_span(printer(expectation), expectation.span)

    def _finding(self, expectation: ast.Expectation) -> str:
        text = f"expect line {expectation.line} {expectation.disposition}"
        if expectation.rule is not None:
            text += f" by {expectation.rule}"
        if expectation.suggest is not None:
            text += f" suggest {expectation.suggest}"
        if expectation.evidence == ():
            text += " because no other line"
        elif expectation.evidence is not None:
            text += " because line " + ", ".join(str(n) for n in expectation.evidence)
        return text

    def _claim(self, decl: ast.ExampleDecl, keyword: _Tok | None) -> None:
        """The claim on one line if it fits; else its pairs on the first line and the items of its
        last array one per line; else one pair per line."""
        if keyword is None:  # no source to read the claim from: it is written as the syntax tree holds it
            self.out.put(json.dumps(decl.claim, ensure_ascii=False))
            return
        claim = _JsonReader(self.text).value(keyword.end)
        flat = claim.flat()
        if self.out.col + len(flat) <= WIDTH or not claim.pairs:
            self.out.put(flat, claim.start, claim.end)
            return
        *first, (key, last) = claim.pairs
        self.out.put("{", claim.start, claim.start + 1)
        if last.kind == "array" and last.items:
            for name, value in first:
                self.out.put(f"{name}: {value.flat()}, ", value.start, value.end)
            self.out.put(f"{key}: [", last.start, last.start + 1)
            rows: Sequence[tuple[str, _Json]] = [("", item) for item in last.items]
            closing = "]}"
            close_start = last.end - 1
        else:
            rows = claim.pairs
            closing = "}"
            close_start = claim.end - 1
        for index, (name, value) in enumerate(rows):
            self.out.newline(INDENT + 2 * INDENT)
            prefix = f"{name}: " if name else ""
            comma = "," if index < len(rows) - 1 else ""
            self.out.put(prefix + value.flat() + comma, value.start, value.end)
        self.out.newline(INDENT)
        self.out.put(closing, close_start, claim.end)

    # ------------------------------------------------------------ clauses

    def _listed(self, clause: ast.Clause, start: int | None) -> None:
        self.keyword(f"{clause.kind} ", start)
        self.fill(self.listed(clause.values, clause.value_spans), 2 * INDENT)

    def _cite(self, clause: ast.Clause, start: int | None) -> None:
        self.keyword("cite ", start)
        self.out.put(clause.values[0])
        if len(clause.values) > 1:
            self.out.put(" ")
            self.string(clause.values[1], INDENT, end=self._end(clause))
        else:
            self.out.put("", None, self._end(clause))

    def _said(self, clause: ast.Clause, start: int | None) -> None:
        self.keyword(f"{clause.kind} ", start)
        self.string(clause.values[0], INDENT, end=self._end(clause))

    def _on(self, clause: ast.Clause, start: int | None) -> None:
        self.keyword("on ", start)
        self.out.put(", ".join(clause.values) + " claims", None, self._end(clause))

    def _places(self, clause: ast.Clause, start: int | None) -> None:
        self.keyword(f"{clause.kind} ", start)
        items = clause.expr
        if not isinstance(items, (ast.SetUnion, ast.SetExcept)):
            raise FormatError(f"a {clause.kind} clause without a set")
        self.fill(self.set_chunks(items), 2 * INDENT)

    def _when(self, clause: ast.Clause, start: int | None) -> None:
        self.keyword("when ", start)
        expr = clause.expr
        if isinstance(expr, (ast.SetUnion, ast.SetExcept)) or expr is None:
            raise FormatError("a when clause without a condition")
        self.emit(expr, 2 * INDENT, 0, False)

    def _verdict(self, clause: ast.Clause, start: int | None) -> None:
        disposition, message = clause.values
        self.keyword(f"{disposition} ", start)
        self.string(message, INDENT, end=self._end(clause))

    def _suggest(self, clause: ast.Clause, start: int | None) -> None:
        self.keyword("suggest ", start)
        expr = clause.expr
        if isinstance(expr, (ast.SetUnion, ast.SetExcept)) or expr is None:
            raise FormatError("a suggest clause without a code")
        self.out.put_span(self.flat(expr), expr.span)
        condition = clause.condition
        if condition is None:
            return
        text = self.flat(condition)
        if self.out.col + 4 + len(text) <= WIDTH:
            self.out.put(" if ")
            self.out.put_span(text, condition.span)
        else:
            self.out.newline(2 * INDENT)
            self.out.put("if ")
            self.emit(condition, 3 * INDENT, 0, False)

    def _resolves(self, clause: ast.Clause, start: int | None) -> None:
        row, rationale = clause.values
        self.keyword("resolves ", start)
        self.out.put(row + " ")
        self.string(rationale, INDENT, end=self._end(clause))

    @staticmethod
    def _end(clause: ast.Clause) -> int | None:
        return clause.span.end if _known(clause.span) else None

    # ------------------------------------------------------------ set expressions

    def set_item(self, item: ast.SetItem) -> str:
        printer = self.set_items.get(type(item))
        if printer is None:
            raise FormatError(f"no printer for {type(item).__name__}")
        return printer(item)

    def set_chunks(self, expr: ast.SetExpr) -> list[tuple[str, Span | None]]:
        if isinstance(expr, ast.SetExcept):
            chunks = self.set_chunks(expr.base)
            for removed in expr.removed:
                chunks.append(("except", None))
                chunks.extend(self.set_chunks(removed))
            return chunks
        items = expr.items
        return [(self.set_item(item) + ("," if index < len(items) - 1 else ""), item.span)
                for index, item in enumerate(items)]

    def set_flat(self, expr: ast.SetExpr) -> str:
        return " ".join(text for text, _ in self.set_chunks(expr))

    # ------------------------------------------------------------ expressions on one line

    def flat(self, expr: ast.Expr) -> str:
        printer = self.exprs.get(type(expr))
        if printer is None:
            raise FormatError(f"no printer for {type(expr).__name__}")
        return printer(expr)

    def operand(self, expr: ast.Expr, bare: bool) -> str:
        return self.flat(expr) if bare else f"({self.flat(expr)})"

    def _path(self, expr: ast.Path) -> str:
        return ".".join((expr.root, *expr.fields))

    def _lookup(self, expr: ast.Lookup) -> str:
        keys = ", ".join(self.flat(key) for key in (expr.key, *expr.more_keys))
        on = "" if expr.on is None else f" on {self.flat(expr.on)}"
        return f"{expr.name}[{keys}{on}]" + "".join(f".{name}" for name in expr.fields)

    def _call(self, expr: ast.Call) -> str:
        return f"{expr.name}({', '.join(self.flat(arg) for arg in expr.args)})"

    def _set_literal(self, expr: ast.SetLiteral) -> str:
        return "{}" if expr.items is None else "{" + self.set_flat(expr.items) + "}"

    def _arith(self, expr: ast.Arith) -> str:
        low = 5 if expr.op in ("+", "-") else 6
        return (f"{self.operand(expr.left, level(expr.left) >= low)} {expr.op} "
                f"{self.operand(expr.right, level(expr.right) >= low + 1)}")

    def _negate(self, expr: ast.Negate) -> str:
        return "-" + self.operand(expr.operand, level(expr.operand) >= 7)

    def _sum(self, expr: ast.Expr) -> str:
        """An operand of a comparison, `in`, `has`, `is` or `flagged by`."""
        return self.operand(expr, level(expr) >= 5)

    def _compare(self, expr: ast.Compare) -> str:
        return f"{self._sum(expr.left)} {expr.op} {self._sum(expr.right)}"

    def _member(self, expr: ast.Member) -> str:
        return f"{self._sum(expr.item)} {'not in' if expr.negated else 'in'} {self._sum(expr.collection)}"

    def _given(self, expr: ast.Given) -> str:
        return f"{self._sum(expr.value)} is {'absent' if expr.negated else 'given'}"

    def _has(self, expr: ast.Has) -> str:
        verb = "lacks" if expr.negated else "has any" if expr.any_of else "has"
        return f"{self._sum(expr.modifiers)} {verb} {self._sum(expr.wanted)}"

    def _flagged(self, expr: ast.Flagged) -> str:
        return f"{self._sum(expr.line)} flagged by {expr.rule}"

    def _relation(self, expr: ast.Relation) -> str:
        return "overlapping" if expr.kind == "overlapping" else f"same {expr.kind}"

    def _bool(self, expr: ast.BoolOp) -> str:
        return (f"{self.operand(expr.left, _left_bare(expr.left, expr))} {expr.op} "
                f"{self.operand(expr.right, level(expr.right) >= 3)}")

    def _not(self, expr: ast.Not) -> str:
        return "not " + self.operand(expr.operand, _not_bare(expr.operand))

    @staticmethod
    def _quantifier_head(expr: ast.Quantified) -> str:
        scopes = "".join(f"{scope} " for scope in expr.scopes)
        if expr.kind == "count":
            return f"count({scopes}lines {expr.var} where "
        return f"{expr.kind} {scopes}line {expr.var} where "

    def _head(self, expr: ast.Quantified) -> str:
        """The words of a quantifier before its condition."""
        if expr.kind == "sum":
            if expr.value is None:
                raise FormatError("a sum without the value it adds up")
            scopes = "".join(f"{scope} " for scope in expr.scopes)
            return f"sum({self.flat(expr.value)} for {scopes}lines {expr.var} where "
        return self._quantifier_head(expr)

    def _quantified(self, expr: ast.Quantified) -> str:
        head = self._head(expr)
        if expr.kind in ("count", "sum"):
            return head + self.flat(expr.condition) + ")"
        if expr.kind == "first":
            then = expr.then if expr.then is not None else ast.Boolean(True)
            return head + self.operand(expr.condition, level(expr.condition) >= 1) + " satisfies " + self.flat(then)
        return head + self.flat(expr.condition)

    # ------------------------------------------------------------ expressions over several lines

    def emit(self, expr: ast.Expr, cont: int, trail: int, nested: bool) -> None:
        """Write `expr` from the current column: on this line if it fits (with `trail` characters
        after it), else broken before `and` and `or`, continuation lines at `cont` (or aligned
        after the parenthesis they are in). `nested`: `expr` is just inside a parenthesis."""
        text = self.flat(expr)
        if self.out.col + len(text) + trail <= WIDTH or not _breakable(expr):
            self.out.put_span(text, expr.span)
        elif isinstance(expr, ast.BoolOp):
            self._emit_chain(expr, cont, trail)
        elif isinstance(expr, ast.Not):
            self.out.put("not ")
            self._emit_operand(expr.operand, _not_bare(expr.operand), cont, trail)
        elif isinstance(expr, ast.Quantified):
            self._emit_quantifier(expr, cont, trail, nested)
        elif isinstance(expr, ast.Compare):
            self._emit_binary(expr.left, expr.op, expr.right, level(expr.left) >= 5, level(expr.right) >= 5, cont,
                              trail)
        elif isinstance(expr, ast.Arith):
            low = 5 if expr.op in ("+", "-") else 6
            self._emit_binary(expr.left, expr.op, expr.right, level(expr.left) >= low, level(expr.right) >= low + 1,
                              cont, trail)

    def _emit_binary(self, left: ast.Expr, op: str, right: ast.Expr, left_bare: bool, right_bare: bool, cont: int,
                     trail: int) -> None:
        """Arithmetic or a comparison too long for its line that holds a `count(...)` or `sum(...)`:
        broken only inside the parentheses of the quantifier."""
        text = self.operand(right, right_bare)
        after = 0 if _counted(right) else len(op) + 2 + len(text) + trail
        self._emit_operand(left, left_bare, cont, after)
        self.out.put(f" {op} ")
        if self.out.col + len(text) + trail <= WIDTH or not _counted(right):
            self.out.put_span(text, right.span)
        else:
            self._emit_operand(right, right_bare, cont, trail)

    def _emit_operand(self, expr: ast.Expr, bare: bool, cont: int, trail: int) -> None:
        if bare:
            self.emit(expr, cont, trail, False)
            return
        self.out.put("(")
        self.emit(expr, self.out.col, trail + 1, True)
        self.out.put(")")

    def _emit_chain(self, expr: ast.BoolOp, cont: int, trail: int) -> None:
        rights: list[ast.Expr] = []
        node: ast.Expr = expr
        while isinstance(node, ast.BoolOp) and node.op == expr.op:
            rights.append(node.right)
            node = node.left
        operands = [(node, level(node) >= 3), *((right, level(right) >= 3) for right in reversed(rights))]
        last = len(operands) - 1
        first, bare = operands[0]
        self._emit_operand(first, bare, cont, trail if last == 0 else 0)
        for index, (operand, bare) in enumerate(operands[1:], start=1):
            extra = trail if index == last else 0
            text = self.operand(operand, bare)
            if self.out.col + len(expr.op) + 2 + len(text) + extra <= WIDTH:
                self.out.put(f" {expr.op} ")
                self.out.put_span(text, operand.span)
            else:
                self.out.newline(cont)
                self.out.put(f"{expr.op} ")
                self._emit_operand(operand, bare, cont, extra)

    def _emit_quantifier(self, expr: ast.Quantified, cont: int, trail: int, nested: bool) -> None:
        enclosed = expr.kind in ("count", "sum")  # its condition is inside its own parentheses
        body = self.out.col + INDENT if nested or enclosed else cont
        start = expr.span.start if _known(expr.span) else None
        self.keyword(self._head(expr), start)
        if enclosed:
            self.emit(expr.condition, body, trail + 1, True)
            self.out.put(")")
            return
        if expr.kind != "first" or expr.then is None:
            self.emit(expr.condition, body, trail, False)
            return
        self._emit_operand(expr.condition, level(expr.condition) >= 1, body, 0)
        then = self.flat(expr.then)
        if self.out.col + len(" satisfies ") + len(then) + trail <= WIDTH:
            self.out.put(" satisfies ")
            self.out.put_span(then, expr.then.span)
        else:
            self.out.newline(body)
            self.out.put("satisfies ")
            self.emit(expr.then, body, trail, False)


def _column(column: ast.Column) -> str:
    """`name: type`, with the digits of an indicator or the word of `code or "WORD"`."""
    values = f"({', '.join(column.values)})" if column.values else ""
    placeholder = "" if column.placeholder is None else f" or {quote(column.placeholder)}"
    return f"{column.name}: {column.type}{values}{placeholder}"


def ordered(clauses: Sequence[ast.Clause]) -> tuple[ast.Clause, ...]:
    """A rule's clauses in the order the language requires (clauses of one kind keep theirs)."""
    return tuple(sorted(clauses, key=lambda clause: CLAUSE_ORDER[clause.kind]))


# ---------------------------------------------------------------- putting the declarations together


def _assemble(text: str, printed: list[tuple[ast.Decl, list[_Line]]], tail: list[_Comment]) -> str:
    out: list[str] = []
    previous: ast.Decl | None = None
    for decl, lines in printed:
        head = lines[0]
        blank = _blank_before(text, decl.span.start) if _known(decl.span) else True
        _gap(out, previous, decl, head.before, blank)
        for index, line in enumerate(lines):
            if index:
                out.extend(" " * line.indent + comment.text for comment in line.before)
            rendered = line.render()
            if line.after:
                rendered += "".join("  " + comment.text for comment in line.after)
            out.append(rendered)
        previous = decl
    for index, comment in enumerate(tail):
        if comment.blank_before and (out or index):
            out.append("")
        out.append(comment.text)
    return "\n".join(out) + "\n" if out else ""


def _gap(out: list[str], previous: ast.Decl | None, decl: ast.Decl, comments: list[_Comment],
         blank_before_decl: bool) -> None:
    """Blank lines and comments between two declarations: one blank line after a declaration (none
    in a run of declarations of one group written without one); between the comments and before
    the declaration, one blank line where the source has one."""
    group = _GROUPS.get(type(decl))
    tight = (previous is not None and group is not None and _GROUPS.get(type(previous)) == group
             and not blank_before_decl and not any(comment.blank_before for comment in comments))
    if previous is not None and not tight:
        out.append("")
    for index, comment in enumerate(comments):
        if index and comment.blank_before:
            out.append("")
        out.append(comment.text)
    if comments and blank_before_decl:
        out.append("")


# ---------------------------------------------------------------- the check that the layout kept the meaning


def _normal(module: ast.Module) -> tuple[ast.Decl, ...]:
    """The declarations of a module with each rule's clauses in the language's order."""
    return tuple(replace(decl, clauses=ordered(decl.clauses)) if isinstance(decl, ast.RuleDecl) else decl
                 for decl in module.decls)


def _comment_words(text: str) -> list[str]:
    return sorted(word for comment in _comments(text) for word in comment.text.split())


def _verify(module: ast.Module, text: str, formatted: str, path: str) -> None:
    out = Collector()
    again = parse_module(path, formatted, out)
    if out.has_errors:
        first = out.items[0]
        raise FormatError(f"the formatted text does not parse ({first.code}: {first.message})")
    if _normal(again) != _normal(module):
        for before, after in zip(_normal(module), _normal(again), strict=False):
            if before != after:
                raise FormatError(f"the formatted text changes the {type(before).__name__} at offset "
                                  f"{before.span.start}")
        raise FormatError("the formatted text has other declarations")
    if _comment_words(formatted) != _comment_words(text):
        raise FormatError("the formatted text lost or changed a comment")
