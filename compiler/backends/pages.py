"""A Markdown document as a folder of pages that code hosts render.

Code hosts show a Markdown file rendered only up to a size (a few hundred kilobytes; past it, raw
text). So a long document is laid out as parts (`Part`: a policy section's rule cards, the
analyzer's report...) that each go on pages of their own, `NAME.md`, beside an entry page,
`README.md`, which a host shows when the folder is opened; `document.py` says which parts a policy
document has. A part longer than `PAGE_BUDGET` continues on numbered pages (`NAME-2.md`), cut
between blocks: a card, an entry, an example, a table row (a table's header rows are repeated on
each page it continues on, and a heading stays with what follows it). So a document that grows gets
more pages, never longer ones; only a single block larger than the budget (a card for a rule
thousands of lines long) can make a page pass it.

Blocks are rendered once, with every link and every anchor written as a marker (NUL, `#` or `@`,
the anchor, NUL) that no other text of the document can hold (the escaping filters turn a NUL of the
rules file into a space or U+FFFD), so markers are found exactly. Once every block is on its page, a
link marker becomes `#anchor` when the anchor is on the same page and `page.md#anchor` when it is
not, and an anchor marker the anchor itself: links resolve wherever a part is cut.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import jinja2

from compiler.backends.markup import ANCHOR, md_phrase

PAGE_LIMIT = 200_000
"""Bytes: no page of a committed pack is larger (a test checks it), well inside what code hosts render."""
PAGE_BUDGET = 150_000
"""Bytes: where a part is cut into pages; the margin up to `PAGE_LIMIT` is room for growth."""
ENTRY_PAGE = "README.md"
FOLDER_SUFFIX = "-policy"

_MARK = re.compile("\x00([#@])([a-z][a-z0-9-]*)\x00")


def folder_of(pack_name: str) -> str:
    """The folder of a pack's Markdown pages, beside its module. A pack name is a Python identifier
    and the folder's name is not one, so the folder can never be taken for a package of the module."""
    return pack_name + FOLDER_SUFFIX


def _checked(anchor: str) -> str:
    if not ANCHOR.fullmatch(anchor):
        raise ValueError(f"not an anchor: {anchor!r}")
    return anchor


def link_mark(anchor: str) -> str:
    """A link to `anchor`, wherever its page turns out to be."""
    return f"\x00#{_checked(anchor)}\x00"


def anchor_mark(anchor: str) -> str:
    """The definition of `anchor` (inside `<a id="...">`), found when pages are linked."""
    return f"\x00@{_checked(anchor)}\x00"


@dataclass(frozen=True)
class Block:
    """A piece of a page that is never cut: `table` holds the header rows of the table the block is a
    row of; `key` what a reader looks the page up by (a code index row's codes); `keep` keeps the
    block on the page of the next one (a heading and its first row)."""

    text: str
    table: str = ""
    key: str = ""
    keep: bool = False


@dataclass(frozen=True)
class Part:
    """Blocks that go on pages of their own: `NAME.md`, then `NAME-2.md`... when they do not fit one;
    `anchor` is where the contents link to, and its pages are listed beside it."""

    name: str
    title: str
    anchor: str | None
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Page:
    name: str
    part: Part
    number: int
    count: int
    blocks: tuple[Block, ...]

    @property
    def short(self) -> str:
        """How the contents list the page: the codes it covers, else its number."""
        keys = [b.key for b in self.blocks if b.key]
        if not keys:
            return f"page {self.number}"
        first, last = keys[0].split("–")[0], keys[-1].split("–")[-1]
        return first if first == last else f"{first}–{last}"

    @property
    def heading(self) -> str:
        if self.count == 1:
            return self.part.title
        codes = f", codes {self.short}" if any(b.key for b in self.blocks) else ""
        return f"{self.part.title} (page {self.number} of {self.count}{codes})"


@dataclass(frozen=True)
class Neighbour:
    label: str
    name: str


@dataclass(frozen=True)
class Item:
    """A line of the contents: a link to an anchor (or a plain label) and the pages of its part."""

    depth: int
    label: str
    anchor: str | None
    pages: tuple[tuple[str, str], ...]


def block_of(text: str, table: str = "", key: str = "", keep: bool = False) -> Block:
    """A block with its spacing made regular: a table row ends its line, anything else a paragraph."""
    if table:
        return Block(text.strip("\n") + "\n", table.strip("\n") + "\n", key, keep)
    return Block(text.strip("\n") + "\n\n", "", key, keep)


def _units(blocks: Iterable[Block]) -> list[list[Block]]:
    """Blocks that stay together: each block marked `keep` with the one after it."""
    units: list[list[Block]] = []
    current: list[Block] = []
    for block in blocks:
        current.append(block)
        if not block.keep:
            units.append(current)
            current = []
    if current:
        units.append(current)
    return units


class Slack:
    """How many bytes a link marker may gain once resolved: the name of the page its anchor ends up
    on (the part's name, a page number and `.md`), less the marker's three bytes."""

    def __init__(self, parts: Iterable[Part]) -> None:
        self.part_of: dict[str, str] = {}
        for part in parts:
            for block in part.blocks:
                for kind, anchor in _MARK.findall(block.text):
                    if kind == "@":
                        self.part_of[anchor] = part.name
        self.longest = max((len(name) for name in self.part_of.values()), default=0)
        self.longest = max(self.longest, len(ENTRY_PAGE))

    def __call__(self, anchor: str) -> int:
        return len(self.part_of.get(anchor, "x" * self.longest)) + len("-999-9.md") - 2


def _cost(block: Block, slack: Slack) -> int:
    """An upper bound of the block's bytes on any page."""
    gained = sum(slack(anchor) for kind, anchor in _MARK.findall(block.text) if kind == "#")
    return len(block.text.encode("utf-8")) + len(block.table.encode("utf-8")) + gained


def paginate(part: Part, budget: int, slack: Slack) -> list[list[Block]]:
    """The part's blocks cut into pages of at most `budget` bytes (a page holds one unit at least)."""
    pages: list[list[Block]] = [[]]
    size = 0
    for unit in _units(part.blocks):
        cost = sum(_cost(block, slack) for block in unit)
        if pages[-1] and size + cost > budget:
            pages.append([])
            size = 0
        pages[-1].extend(unit)
        size += cost
    return pages


def _named(part: Part, groups: list[list[Block]], taken: set[str]) -> list[Page]:
    pages = []
    for number, blocks in enumerate(groups, 1):
        base = part.name if number == 1 else f"{part.name}-{number}"
        name, extra = f"{base}.md", 2
        while name in taken:  # a section whose name ends like a continued page's: never two pages one name
            name, extra = f"{base}-{extra}.md", extra + 1
        taken.add(name)
        pages.append(Page(name, part, number, len(groups), tuple(blocks)))
    return pages


def body(blocks: Sequence[Block]) -> str:
    """The blocks of a page as Markdown: a table's header rows before its first row on the page."""
    out: list[str] = []
    table = ""
    for block in blocks:
        if block.table != table:
            if table:
                out.append("\n")
            if block.table:
                out.append(block.table)
            table = block.table
        out.append(block.text)
    return "".join(out).strip("\n")


def link(text: str, here: str, where: dict[str, str]) -> str:
    """The page's markers replaced: links by `#anchor` on the page or `page.md#anchor` across pages
    (an anchor no page defines stays a link on the page, which the document tests report)."""
    def replace(match: re.Match[str]) -> str:
        kind, anchor = match.groups()
        if kind == "@":
            return anchor
        page = where.get(anchor, here)
        return f"#{anchor}" if page == here else f"{page}#{anchor}"

    return _MARK.sub(replace, text)


def lay_out(parts: Sequence[Part], entry: Callable[[Sequence[Page]], Part], frame: jinja2.Template, title: str,
            budget: int = PAGE_BUDGET) -> dict[str, str]:
    """The pages of the document, by file name in its folder, the entry page first: `parts` cut into
    pages of at most `budget` bytes, then the entry page's part, made by `entry` from those pages
    (its contents list them). `frame` lays out each page around its blocks; `title` is the
    document's, on every page's first line."""
    slack = Slack(parts)
    taken = {ENTRY_PAGE}
    pages = [page for part in parts for page in _named(part, paginate(part, budget, slack), taken)]
    first = entry(pages)
    pages = _named(first, paginate(first, budget, slack), taken - {ENTRY_PAGE}) + pages
    where = {"top": ENTRY_PAGE}
    for page in pages:
        for piece in page.blocks:
            for kind, anchor in _MARK.findall(piece.text):
                if kind == "@":
                    where[anchor] = page.name
    out = {}
    for index, page in enumerate(pages):
        before = pages[index - 1] if page.number > 1 else None
        after = pages[index + 1] if page.number < page.count else None
        text = frame.render(readme=page.name == ENTRY_PAGE, title=title, heading=page.heading,
                            body=body(page.blocks),
                            previous=None if before is None else Neighbour(before.heading, before.name),
                            next=None if after is None else Neighbour(after.heading, after.name))
        out[page.name] = link(text, page.name, where)
    return out


def page_filters(env: jinja2.Environment) -> jinja2.Environment:
    """The filters that write links and anchors as markers, for the pages' environment."""
    env.filters["mdp"] = lambda value: md_phrase(value, link_mark)
    env.filters["href"] = link_mark
    env.filters["target"] = anchor_mark
    return env
