"""Editing a pack's source text for the change-report suites: exact, asserted replacements.

Every edit states the text it expects to find, and how many times; when the pack changes so that
the text is no longer there, the edit raises `EditError` instead of silently leaving the pack as
it was (a variant that became a no-op would make a refactor test pass for nothing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

Step = Callable[[str], str]

#: the words that start a declaration in column 1 (docs/LANGUAGE.md, "Files and tokens")
KEYWORDS = ("pack", "import", "remove", "section", "codes", "set", "table", "map", "ranking", "rule", "exception",
            "precedence", "documentation", "example")
_STARTS = re.compile(rf"(?:{'|'.join(KEYWORDS)})\b")


class EditError(AssertionError):
    """An edit did not find the text it was written against."""


def replace(text: str, old: str, new: str, count: int = 1) -> str:
    """`text` with `old` replaced by `new`, which must occur exactly `count` times."""
    found = text.count(old)
    if found != count:
        raise EditError(f"expected {count} occurrence(s) of {old!r}, found {found}")
    if old == new:
        raise EditError(f"replacing {old!r} by itself changes nothing")
    return text.replace(old, new)


# ------------------------------------------------------------------ declarations


@dataclass(frozen=True)
class Chunk:
    """One declaration's text: the comment lines before it, the declaration, the blank lines after."""

    text: str

    @property
    def head(self) -> str:
        """The declaration's first line (after its leading comments)."""
        for line in self.text.splitlines():
            if _STARTS.match(line):
                return line
        return ""

    @property
    def keyword(self) -> str:
        return self.head.split(" ", 1)[0]

    @property
    def name(self) -> str:
        """Its id or name: a rule's id, a set's name, a precedence's winner, an example's name."""
        parts = self.head.split()
        if self.keyword == "example":
            return self.head.split('"')[1]
        return parts[1] if len(parts) > 1 else ""


def split(text: str) -> list[Chunk]:
    """The text as declarations, in order; joining them gives the text back exactly."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _STARTS.match(line)]
    # a declaration owns the comment lines just above it
    owned = []
    for start in starts:
        first = start
        while first > 0 and lines[first - 1].startswith("#"):
            first -= 1
        owned.append(first)
    bounds = [0, *owned[1:], len(lines)]
    chunks = [Chunk("".join(lines[bounds[i]:bounds[i + 1]])) for i in range(len(bounds) - 1)]
    if "".join(c.text for c in chunks) != text:
        raise EditError("the declarations do not join back into the pack's text")
    return chunks


def join(chunks: Iterable[Chunk]) -> str:
    return "".join(c.text for c in chunks)


def _only(chunks: list[Chunk], keyword: str, name: str) -> int:
    found = [i for i, c in enumerate(chunks) if c.keyword == keyword and c.name == name]
    if len(found) != 1:
        raise EditError(f"expected one `{keyword} {name}` declaration, found {len(found)}")
    return found[0]


def in_decl(keyword: str, name: str, old: str, new: str, count: int = 1) -> Step:
    """Replace `old` by `new` inside one declaration only (`rule P05-...`, `codes hydration`,
    `precedence WINNER`, `example NAME`)."""

    def step(text: str) -> str:
        chunks = split(text)
        i = _only(chunks, keyword, name)
        chunks[i] = Chunk(replace(chunks[i].text, old, new, count))
        return join(chunks)

    return step


def sub(old: str, new: str, count: int = 1) -> Step:
    """Replace `old` by `new` anywhere in the pack (it must occur exactly `count` times)."""
    return lambda text: replace(text, old, new, count)


def drop_decl(keyword: str, name: str) -> Step:
    """Remove one declaration (with its leading comments and trailing blank lines)."""

    def step(text: str) -> str:
        chunks = split(text)
        del chunks[_only(chunks, keyword, name)]
        return join(chunks)

    return step


def add_after(keyword: str, name: str, declaration: str) -> Step:
    """Insert a declaration (its text, ending with a blank line) after an existing one."""

    def step(text: str) -> str:
        chunks = split(text)
        i = _only(chunks, keyword, name)
        if not chunks[i].text.endswith("\n\n"):
            raise EditError(f"`{keyword} {name}` does not end with a blank line")
        chunks.insert(i + 1, Chunk(declaration if declaration.endswith("\n\n") else declaration + "\n\n"))
        return join(chunks)

    return step


def drop_expectations(rule: str) -> Step:
    """Remove every example expectation naming `rule` (`expect ... by RULE`), and the examples left
    with no expectation: what a rule's removal or retargeting does to the pack's own tests."""
    pattern = re.compile(rf"^  expect [^\n]* by {re.escape(rule)}(?: [^\n]*)?\n", re.M)

    def step(text: str) -> str:
        chunks, kept, removed = split(text), [], 0
        for chunk in chunks:
            if chunk.keyword != "example":
                kept.append(chunk)
                continue
            body, n = pattern.subn("", chunk.text)
            removed += n
            if n and not re.search(r"^  expect ", body, re.M):
                continue
            kept.append(Chunk(body))
        if not removed:
            raise EditError(f"no example expects a finding of {rule}")
        return join(kept)

    return step


def chain(*steps: Step) -> Step:
    def step(text: str) -> str:
        for s in steps:
            text = s(text)
        return text

    return step


# ------------------------------------------------------------------ renaming

_TOKENS = re.compile(r'"""(?:.|\n)*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*')


def rename_in(text: str, names: Mapping[str, str], counts: dict[str, int] | None = None) -> str:
    """Rename identifiers in the text's code only: strings, comments and the keyword that starts a
    declaration in column 1 (a section may be called `documentation`) are kept as they are.
    `counts` adds up how many times each name was renamed."""
    pattern = re.compile(r"(?<![\w.\-])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                         + r")(?![\w\-])")
    kept = [(m.start(), m.end()) for m in _TOKENS.finditer(text)]
    out, last = [], 0
    for m in pattern.finditer(text):
        inside = any(a <= m.start() < b for a, b in kept)
        keyword = m.start() == 0 or text[m.start() - 1] == "\n"
        if inside or keyword:
            continue
        out += [text[last:m.start()], names[m.group(1)]]
        last = m.end()
        if counts is not None:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    out.append(text[last:])
    return "".join(out)


def rename(names: Mapping[str, str]) -> Step:
    """Rename declarations and every reference to them. Table rows, a table's columns and a
    ranking's levels hold column names and symbol values (`hydration` the category is not
    `hydration` the code set), so of those declarations only the first line is renamed."""

    def step(text: str) -> str:
        chunks = []
        counts: dict[str, int] = {}
        for chunk in split(text):
            if chunk.keyword in ("table", "ranking"):
                head = chunk.head
                renamed = rename_in(head, names, counts)
                chunks.append(Chunk(replace(chunk.text, head, renamed) if renamed != head else chunk.text))
            else:
                chunks.append(Chunk(rename_in(chunk.text, names, counts)))
        missing = sorted(set(names) - set(counts))
        if missing:
            raise EditError(f"renamed names that the pack does not have: {missing}")
        return join(chunks)

    return step
