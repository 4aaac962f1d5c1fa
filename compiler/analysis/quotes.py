"""Quotes are checked against the published policy text: each must occur in it, whitespace and
line breaks aside."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path

from compiler.diagnostics import Collector, Diagnostic, Sources, Span
from compiler.semantics import ir

_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _divergence(quote: str, text: str) -> str:
    """The longest opening of `quote` that the text does contain, for the hint."""
    low, high = 0, len(quote)
    while low < high:
        mid = (low + high + 1) // 2
        if quote[:mid] in text:
            low = mid
        else:
            high = mid - 1
    if low >= 12:
        shown = quote[max(0, low - 40):low]
        return f"the text matches up to «…{shown}» and differs after it"
    matcher = difflib.SequenceMatcher(None, quote, text, autojunk=False)
    match = matcher.find_longest_match(0, len(quote), 0, len(text))
    if match.size >= 12:
        return f"the closest passage in the text is «{text[match.b:match.b + min(80, match.size)]}»"
    return "copy the sentence from the published text"


def check_quotes(packs: Sequence[ir.Pack], source_text: str, sources: Sources) -> list[Diagnostic]:
    """One error for each quote of `packs` that the published text does not contain."""
    out = Collector()
    path = Path(source_text)
    try:
        published = normalize(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        out.error("unreadable-file", f"cannot read the policy text {source_text}: {error}", None,
                  "pass the published policy as UTF-8 text")
        return out.items
    for pack in packs:
        for rule in pack.rules:
            for quote in rule.quotes:
                wanted = normalize(quote.text)
                if wanted and wanted in published:
                    continue
                span = quote.span if quote.span.path else Span(pack.path, 0, 0)
                out.error("quote-not-found", f"{rule.id} quotes a passage that {path.name} does not contain", span,
                          _divergence(wanted, published))
    return out.items
