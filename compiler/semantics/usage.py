"""Warnings about code sets that nothing uses.

A set is used when any declaration in force names it: a rule's condition, target or places, a
table cell, another set. Only the pack's own sets, and the sets its imports name in `only`, are
its business: a whole imported file and a base pack are shared with other packs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from compiler.diagnostics import Collector
from compiler.syntax import ast
from compiler.syntax.loader import Origin


def warn_unused_sets(origins: Sequence[Origin], out: Collector) -> None:
    used = {name for origin in origins for name in _names(origin.decl)}
    seen: set[tuple[str, int]] = set()
    for origin in origins:
        decl = origin.decl
        if not isinstance(decl, ast.CodesDecl):
            continue
        place = (decl.span.path, decl.span.start)
        if place in seen:  # imported twice, by two routes
            continue
        seen.add(place)
        if decl.name in used:
            continue
        what = "set" if decl.kind == "set" else "code set"
        if origin.reach == "own":
            out.warning("unused-set", f"the {what} `{decl.name}` is not used", decl.name_span,
                        "use it in a rule, a table or another set, or remove it")
        elif origin.reach == "named":
            out.warning("unused-set", f"the {what} `{decl.name}` is imported by name but not used", origin.via,
                        f"use it, or remove `{decl.name}` from the import's `only`")


def _names(node: object) -> Iterator[str]:
    """Every set name a piece of syntax refers to: set references, and bare names in expressions."""
    if isinstance(node, ast.SetRef):
        yield node.name
    elif isinstance(node, ast.Path) and not node.fields:
        yield node.root
    if isinstance(node, ast.Node):
        for field in dataclasses.fields(node):
            yield from _names(getattr(node, field.name))
    elif isinstance(node, tuple):
        for item in node:
            yield from _names(item)
