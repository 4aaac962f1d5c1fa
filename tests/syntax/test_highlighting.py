"""The TextMate grammar for `.rules` files (editors/rules.tmLanguage.json) against the language.

- Every keyword of the language (the quoted words of grammar/rules.lark, and the words of
  compiler/syntax/vocabulary.py that a pack can write) is coloured as a keyword by some rule of
  the TextMate grammar: a keyword added to the language and not to the highlighting fails here.
- Run through a small tokenizer that follows TextMate's rules (the earliest match wins, then the
  first rule; begin/end rules nest and run over lines), the grammar colours the packs of the
  repository as the compiler's own lexer reads them: every keyword token as a keyword, every
  string as a string, every comment as a comment, no name as a keyword.
"""

from __future__ import annotations

import json
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from lark import Lark, Token, Tree

from compiler.syntax import format as fmt
from compiler.syntax import vocabulary
from compiler.syntax.parser import GRAMMAR_PATH, split_blocks
from tests.conftest import PACK, ROOT
from tests.test_language_doc import grammar_keywords

EDITORS = ROOT / "editors"
TEXTMATE = json.loads((EDITORS / "rules.tmLanguage.json").read_text(encoding="utf-8"))
KEYWORD_SCOPES = ("keyword.", "storage.", "constant.language.", "variable.language.", "support.type.")
# Names coloured as these are right: `claim` and `line` before a field, a column's type, a flag's value.
NAME_SCOPES = ("variable.language.", "support.type.", "constant.language.flag.")
# Words of the vocabulary that name things inside the compiler and are never written in a pack.
INTERNAL_WORDS = frozenset({"acyclic", "allow", "finding", "nosuggest", "verdict", "word"})
WORD = re.compile(r"[a-z_]+")


def vocabulary_words() -> frozenset[str]:
    words: set[str] = set()
    for value in vars(vocabulary).values():
        if typing.get_origin(value) is typing.Literal:
            words.update(typing.get_args(value))
    return frozenset(words)


def language_keywords() -> frozenset[str]:
    """What a pack can write as a keyword: the grammar's words and symbols, and the vocabulary's."""
    return (grammar_keywords(GRAMMAR_PATH.read_text(encoding="utf-8")) | vocabulary_words()) - INTERNAL_WORDS


# ---------------------------------------------------------------- the rules of the TextMate grammar


@dataclass
class Rule:
    name: str | None
    match: re.Pattern[str] | None = None
    begin: re.Pattern[str] | None = None
    end: re.Pattern[str] | None = None
    captures: dict[str, str] = field(default_factory=dict)
    begin_captures: dict[str, str] = field(default_factory=dict)
    end_captures: dict[str, str] = field(default_factory=dict)
    patterns: list[Rule] = field(default_factory=list)


def _captures(raw: dict[str, Any]) -> dict[str, str]:
    return {group: value["name"] for group, value in raw.items() if "name" in value}


def rules(raw: list[dict[str, Any]], grammar: dict[str, Any]) -> list[Rule]:
    """The rules of a pattern list, includes resolved and groups flattened, in order."""
    found: list[Rule] = []
    for item in raw:
        if "include" in item:
            found.extend(rules([grammar["repository"][item["include"].removeprefix("#")]], grammar))
        elif "match" in item:
            found.append(Rule(item.get("name"), re.compile(item["match"]),
                              captures=_captures(item.get("captures", {}))))
        elif "begin" in item:
            found.append(Rule(item.get("name"), begin=re.compile(item["begin"]), end=re.compile(item["end"]),
                              begin_captures=_captures(item.get("beginCaptures", {})),
                              end_captures=_captures(item.get("endCaptures", {})),
                              patterns=rules(item.get("patterns", []), grammar)))
        else:
            found.extend(rules(item.get("patterns", []), grammar))
    return found


TOP = rules(TEXTMATE["patterns"], TEXTMATE)


def every_rule(found: list[Rule]) -> list[Rule]:
    out: list[Rule] = []
    for rule in found:
        out.append(rule)
        out.extend(every_rule(rule.patterns))
    return out


def keyword_matches(word: str) -> list[str]:
    """The scopes under which some rule colours `word` as a keyword: written alone, or as the type
    of a table's column (`name: word`)."""
    scopes = []
    for probe in (word, f"x: {word}"):
        where = (len(probe) - len(word), len(probe))
        for rule in every_rule(TOP):
            for pattern, captures in ((rule.match, rule.captures), (rule.begin, rule.begin_captures)):
                found = pattern.search(probe) if pattern is not None else None
                if found is None:
                    continue
                for group, scope in {"0": rule.name, **captures}.items():
                    if scope and scope.startswith(KEYWORD_SCOPES) and found.span(int(group)) == where:
                        scopes.append(scope)
    return scopes


# ---------------------------------------------------------------- every keyword is coloured


def test_every_keyword_of_the_language_is_highlighted() -> None:
    missing = sorted(word for word in language_keywords() if not keyword_matches(word))
    assert missing == []


def test_a_keyword_the_highlighting_does_not_know_is_caught() -> None:
    assert keyword_matches("average") == []
    assert keyword_matches("pairs") == []
    assert keyword_matches("when") != []


def test_the_keywords_include_the_grammar_and_the_vocabulary() -> None:
    keywords = language_keywords()
    assert {"satisfies", "flagged", "overlapping", "rows", "->"} - keywords == {"->"}  # `->` is punctuation
    assert {"symbol", "flag", "number", ">=", "*"} <= keywords
    assert not INTERNAL_WORDS & grammar_keywords(GRAMMAR_PATH.read_text(encoding="utf-8"))


def test_every_regular_expression_compiles_and_the_manifest_names_the_grammar() -> None:
    assert every_rule(TOP)
    manifest = json.loads((EDITORS / "package.json").read_text(encoding="utf-8"))
    grammar = manifest["contributes"]["grammars"][0]
    language = manifest["contributes"]["languages"][0]
    assert grammar["scopeName"] == TEXTMATE["scopeName"] == "source.rules"
    assert (EDITORS / grammar["path"]).resolve() == EDITORS / "rules.tmLanguage.json"
    assert language["extensions"] == [".rules"] and grammar["language"] == language["id"]
    configuration = json.loads((EDITORS / language["configuration"]).read_text(encoding="utf-8"))
    assert configuration["comments"]["lineComment"] == "#"


# ---------------------------------------------------------------- the packs, coloured


def tokenize(text: str) -> list[list[tuple[str, ...]]]:
    """The scopes of every character, line by line, as a TextMate editor finds them."""
    stack: list[tuple[Rule | None, tuple[str, ...]]] = [(None, ("source.rules",))]
    result = []
    for line in text.split("\n"):
        scopes: list[tuple[str, ...]] = [()] * len(line)
        position = 0
        while position <= len(line):
            rule, context = stack[-1]
            patterns = TOP if rule is None else rule.patterns
            best: tuple[int, int, Rule | None, re.Match[str]] | None = None
            if rule is not None and rule.end is not None:
                found = rule.end.search(line, position)
                if found:
                    best = (found.start(), -1, None, found)
            for index, candidate in enumerate(patterns):
                pattern = candidate.match or candidate.begin
                found = pattern.search(line, position) if pattern else None
                if found and (best is None or (found.start(), index) < best[:2]):
                    best = (found.start(), index, candidate, found)
            if best is None:
                for column in range(position, len(line)):
                    scopes[column] = context
                break
            start, _, chosen, found = best
            for column in range(position, start):
                scopes[column] = context
            if chosen is None:  # the end of the enclosing rule
                assert rule is not None
                _paint(scopes, found, context, rule.end_captures)
                stack.pop()
            elif chosen.match is not None:
                inner = (*context, chosen.name) if chosen.name else context
                _paint(scopes, found, inner, chosen.captures)
            else:
                inner = (*context, chosen.name) if chosen.name else context
                _paint(scopes, found, inner, chosen.begin_captures)
                stack.append((chosen, inner))
            # An empty match moves on by one character, except an end, which leaves its rule.
            position = found.end() + (1 if found.end() == found.start() and chosen is not None else 0)
        result.append(scopes)
    return result


def _paint(scopes: list[tuple[str, ...]], found: re.Match[str], context: tuple[str, ...],
           captures: dict[str, str]) -> None:
    for column in range(found.start(), found.end()):
        scopes[column] = context
    for group, name in captures.items():
        if found.group(int(group)) is not None:
            for column in range(found.start(int(group)), found.end(int(group))):
                scopes[column] = (*context, name)


def tokens(text: str) -> list[Token]:
    """The tokens the compiler's lexer reads, keywords included, with offsets in the file."""
    parser = _token_parser()
    found = []
    for block in split_blocks(text):
        tree = parser.parse(block.text)
        for token in tree.scan_values(lambda value: isinstance(value, Token)) if isinstance(tree, Tree) else []:
            found.append(Token(token.type, str(token), start_pos=block.offset + (token.start_pos or 0)))
    return found


_PARSER: list[Lark] = []


def _token_parser() -> Lark:
    if not _PARSER:
        _PARSER.append(Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                            start="item", keep_all_tokens=True))
    return _PARSER[0]


def scope_at(lines: list[list[tuple[str, ...]]], text: str, offset: int) -> tuple[str, ...]:
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return lines[line][column]


KEYWORD_TYPES = {t.name for t in _token_parser().terminals
                 if t.pattern.type == "str" and WORD.fullmatch(t.pattern.value)}
HIGHLIGHTED = [PACK, ROOT / "policies" / "ncci.rules", ROOT / "tests" / "syntax" / "format" / "layout.expected",
               *sorted((ROOT / "tests" / "packs").glob("*.rules"))]


@pytest.mark.parametrize("path", HIGHLIGHTED, ids=lambda p: p.name)
def test_the_packs_are_coloured_as_the_compiler_reads_them(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = tokenize(text)
    wrong = []
    for token in tokens(text):
        start = token.start_pos or 0
        everywhere = [scope_at(lines, text, offset) for offset in range(start, start + len(token))
                      if text[offset] != "\n"]
        first = everywhere[0]
        if token.type in KEYWORD_TYPES and not any(s.startswith(KEYWORD_SCOPES) for s in first):
            wrong.append(f"keyword {token} at {start}: {first}")
        if token.type == "STRING" and not all(any(s.startswith("string.") for s in c) for c in everywhere):
            wrong.append(f"string {token} at {start}")
        if token.type == "NAME" and any(s.startswith(KEYWORD_SCOPES) and not s.startswith(NAME_SCOPES) for s in first):
            wrong.append(f"name {token} at {start}: {first}")
        if token.type in ("CODE", "DATE") and not any(s.startswith("constant.") for s in first):
            wrong.append(f"{token.type} {token} at {start}: {first}")
    for comment in fmt._comments(text):
        if not all(any(s.startswith("comment.") for s in scope_at(lines, text, offset))
                   for offset in range(comment.start, comment.start + len(comment.text))):
            wrong.append(f"comment at {comment.start}")
    assert wrong == []
