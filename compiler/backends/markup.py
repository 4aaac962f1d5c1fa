"""Text for the policy documents: linked phrases, anchors, and escaping for Markdown and HTML.

Every string a rules file supplies reaches a document through one of the functions here: `md_text`
for Markdown (backslash escapes, so that `|`, `*`, `<` or a newline can neither break a table nor
become markup) and `html_phrase` / jinja's autoescaping for HTML. Anchors are made from ids, never
copied: `Anchors` lowercases, keeps `[a-z0-9-]` and makes every anchor unique.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Ref:
    """A link inside generated prose: `text` shown, pointing at the document anchor `anchor`."""

    text: str
    anchor: str


Piece = str | Ref
Phrase = tuple[Piece, ...]


def phrase(*pieces: Piece | Phrase) -> Phrase:
    """Flatten pieces and phrases into one phrase, joining neighbouring strings."""
    out: list[Piece] = []
    for piece in pieces:
        for item in (piece,) if isinstance(piece, (str, Ref)) else piece:
            if isinstance(item, str) and out and isinstance(out[-1], str):
                out[-1] += item
            elif item != "":
                out.append(item)
    return tuple(out)


def join(phrases: Iterable[Phrase], separator: str = ", ", last: str | None = None) -> Phrase:
    """Phrases separated by `separator`, the last two by `last` when it is given."""
    items = list(phrases)
    out: list[Piece | Phrase] = []
    for index, item in enumerate(items):
        if index:
            out.append(last if last is not None and index == len(items) - 1 else separator)
        out.append(item)
    return phrase(*out)


def plain(value: Phrase) -> str:
    """The text of a phrase without its links (for titles and tests)."""
    return "".join(p if isinstance(p, str) else p.text for p in value)


# ---------------------------------------------------------------- anchors

_SLUG_DROP = re.compile(r"[^a-z0-9]+")
ANCHOR = re.compile(r"[a-z][a-z0-9-]*")


class Anchors:
    """One registry of the document's anchors, so that two names never share one."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.assigned: dict[tuple[str, str], str] = {}

    def reserve(self, *names: str) -> None:
        for name in names:
            if not ANCHOR.fullmatch(name) or name in self.taken:
                raise ValueError(f"cannot reserve anchor {name!r}")
            self.taken.add(name)

    def get(self, kind: str, key: str) -> str:
        """The anchor of `key` (a rule id, a set name, ...), assigned on first request."""
        found = self.assigned.get((kind, key))
        if found is not None:
            return found
        slug = _SLUG_DROP.sub("-", key.lower()).strip("-") or "x"
        base = f"{kind}-{slug}"
        candidate, number = base, 2
        while candidate in self.taken:
            candidate, number = f"{base}-{number}", number + 1
        assert ANCHOR.fullmatch(candidate), candidate
        self.taken.add(candidate)
        self.assigned[(kind, key)] = candidate
        return candidate


# ---------------------------------------------------------------- Markdown

# Backslash-escaped wherever they appear: every character that can open inline markup, raw HTML,
# an entity, a table cell boundary, a strikethrough or a math span.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|&~$])")
# Escaped at the start of the text, where the template may put it at the start of a line or right
# after a list or quote marker: an ATX heading, a list item, a thematic break, a setext underline.
_MD_LEADING = re.compile(r"^(?:(#)(?=#{0,5}(?:[ \t]|$))|([-+])(?=[ \t]|$)|(-)(?=[- \t]*$)|(=)(?=[= \t]*$)"
                         r"|([0-9]{1,9})(?=[.)](?:[ \t]|$)))")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_NEWLINES = re.compile(r"\r\n|\r|\n")


def _md_inline(text: str) -> str:
    """Escape inline markup; newlines become `<br>`, tabs and other control characters a space."""
    return "<br>".join(_MD_INLINE.sub(r"\\\1", _CONTROL.sub(" ", part)) for part in _NEWLINES.split(text))


def _md_start(text: str) -> str:
    """Drop outer white space and line breaks (four spaces would start code, a `<br>` at the start
    of a line raw HTML) and escape a block marker at the start. Every `<br>` here is one that
    `_md_inline` wrote: a `<` of the text itself is escaped."""
    while True:
        trimmed = text.strip()
        trimmed = trimmed[4:] if trimmed.startswith("<br>") else trimmed
        trimmed = trimmed[:-4] if trimmed.endswith("<br>") else trimmed
        if trimmed == text:
            return _MD_LEADING.sub(_escape_leading, text)
        text = trimmed


def _escape_leading(match: re.Match[str]) -> str:
    digits = match.group(5)
    if digits is not None:
        return digits + "\\"
    return "\\" + match.group(0)


def md_text(value: object) -> str:
    """Any text as Markdown that renders as exactly that text, on one line."""
    return _md_start(_md_inline(str(value)))


def md_href(anchor: str) -> str:
    """The link to an anchor of the same page."""
    return "#" + _checked(anchor)


def md_phrase(value: Phrase, href: Callable[[str], str] = md_href) -> str:
    """A phrase in Markdown: escaped text, links made by `href` from the anchors (by default to
    anchors of the same page)."""
    out = []
    for piece in value:
        if isinstance(piece, Ref):
            out.append(f"[{md_text(piece.text)}]({href(_checked(piece.anchor))})")
        else:
            out.append(_md_inline(piece))
    return _md_start("".join(out))


def md_fence(text: str, info: str = "") -> str:
    """A fenced code block that `text` cannot close, whatever backticks it holds. A NUL becomes
    U+FFFD, as every CommonMark renderer shows it, so that no output of this module holds a NUL
    (the document's pages mark their links with it)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = _NEWLINES.sub("\n", text).rstrip("\n").replace("\x00", "\ufffd")
    return f"{fence}{info}\n{body}\n{fence}"


# ---------------------------------------------------------------- HTML


def html_phrase(value: Phrase) -> Markup:
    """A phrase in HTML: escaped text, links to anchors of this document."""
    out = Markup("")
    for piece in value:
        if isinstance(piece, Ref):
            out += Markup('<a href="#{}">{}</a>').format(_checked(piece.anchor), piece.text)
        else:
            out += escape(piece)
    return out


def html_text(value: object) -> Markup:
    """Escaped text whose newlines show as line breaks."""
    return Markup("<br/>").join(escape(line) for line in _NEWLINES.split(str(value)))


def _checked(anchor: str) -> str:
    if not ANCHOR.fullmatch(anchor):
        raise ValueError(f"not an anchor: {anchor!r}")
    return anchor
