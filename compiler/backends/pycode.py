"""Python source for values and names: the only ways data enters generated code.

`pyrepr` writes a literal for an allowed value (never quoting by hand); `Namer` turns any name
from a rules file into a valid, unused Python identifier.
"""

from __future__ import annotations

import builtins
import keyword
import re


class UnsafeValue(TypeError):
    pass


def pyrepr(value: object) -> str:
    """A Python literal for `value`; sets are sorted so the output is deterministic."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, str)):
        return repr(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise UnsafeValue(f"no literal for {value!r}")
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(pyrepr(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(pyrepr(v) for v in value) + "]"
    if isinstance(value, (set, frozenset)):
        if not value:
            return "frozenset()"
        return "frozenset({" + ", ".join(pyrepr(v) for v in sorted(value)) + "})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{pyrepr(k)}: {pyrepr(v)}" for k, v in value.items()) + "}"
    raise UnsafeValue(f"no literal for a {type(value).__name__}")


def pystr_wrapped(text: str, indent: int, width: int = 72) -> str:
    """A string literal, split into implicitly joined pieces of at most `width` characters so
    that no generated line is too long. Each piece is a `repr`, so any text is safe."""
    if len(text) <= width:
        return repr(text)
    pieces: list[str] = []
    current = ""
    for word in re.split(r"(?<= )", text):
        if current and len(current) + len(word) > width:
            pieces.append(current)
            current = ""
        while len(word) > width:
            pieces.append(word[:width])
            word = word[width:]
        current += word
    if current:
        pieces.append(current)
    pad = " " * indent
    return "(\n" + "\n".join(f"{pad}    {p!r}" for p in pieces) + f"\n{pad})"


def pydoc(text: str, indent: int = 0) -> str:
    """A docstring literal for `text`: triple-quoted when that is safe, else joined `repr` pieces."""
    if '"""' in text or "\\" in text or text.endswith('"') or any(
            ord(c) < 32 and c != "\n" for c in text):
        return pystr_wrapped(text, indent)
    return '"""' + text + '"""'


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Namer:
    """One renamer for every identifier a generated module defines."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken) | set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins))
        self.names: dict[tuple[str, str], str] = {}

    def name(self, kind: str, source: str, prefix: str = "", upper: bool = False) -> str:
        key = (kind, source)
        if key in self.names:
            return self.names[key]
        base = re.sub(r"[^A-Za-z0-9_]", "_", source).strip("_") or "x"
        base = prefix + (base.upper() if upper else base.lower())
        if not _IDENTIFIER.fullmatch(base):
            base = "_" + base
        candidate, n = base, 2
        while candidate in self.taken or keyword.iskeyword(candidate):
            candidate, n = f"{base}_{n}", n + 1
        self.taken.add(candidate)
        self.names[key] = candidate
        return candidate


_OPEN, _CLOSE = "([{", ")]}"
_SEPARATORS = (", ", " and ", " or ", " for ", " if ")


def _string_end(code: str, index: int) -> int:
    """The index of the quote that closes the string literal opening at `index`."""
    quote = code[index]
    index += 1
    while index < len(code) and code[index] != quote:
        index += 2 if code[index] == "\\" else 1
    return index


def _scan(code: str) -> list[tuple[int, int]]:
    """(depth, index) of every bracket character of `code` outside string literals."""
    marks: list[tuple[int, int]] = []
    depth = 0
    index = 0
    while index < len(code):
        char = code[index]
        if char in "'\"":
            index = _string_end(code, index)
        elif char in _OPEN:
            marks.append((depth, index))
            depth += 1
        elif char in _CLOSE:
            depth -= 1
            marks.append((depth, index))
        index += 1
    return marks


def _split_top(inner: str) -> list[str]:
    """Split at separators that stand outside every bracket and string of `inner`."""
    pieces: list[str] = []
    depth = 0
    start = index = 0
    while index < len(inner):
        char = inner[index]
        if char in "'\"":
            index = _string_end(inner, index) + 1
            continue
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif depth == 0:
            for separator in _SEPARATORS:
                if inner.startswith(separator, index):
                    cut = index + 1 if separator == ", " else index
                    pieces.append(inner[start:cut].strip())
                    start = index + (2 if separator == ", " else 1)
                    index = start
                    break
            else:
                index += 1
                continue
            continue
        index += 1
    pieces.append(inner[start:].strip())
    return [p for p in pieces if p]


def one_group(code: str) -> bool:
    """Whether `code` is one bracketed group, or a name called on one: `(a and b)`, `any(...)`."""
    top = [index for depth, index in _scan(code) if depth == 0]
    return len(top) == 2 and top[1] == len(code) - 1 and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*|",
                                                                      code[:top[0]]) is not None


def wrap_code(code: str, indent: int, width: int = 100) -> str:
    """Break a generated expression over lines inside its outermost brackets so that no line is
    longer than `width`. Strings are never touched; an expression without brackets stays as it is."""
    if indent + len(code) <= width:
        return code
    marks = _scan(code)
    top = [index for depth, index in marks if depth == 0]
    if len(top) < 2:
        return code
    # the last top-level bracket pair: head(inner)tail
    close = top[-1]
    open_ = top[-2]
    head, inner, tail = code[:open_ + 1], code[open_ + 1:close], code[close:]
    if len(tail) > 20:
        return code
    pieces = _split_top(inner)
    pad = " " * (indent + 4)
    body = "\n".join(pad + wrap_code(piece, indent + 4, width) for piece in pieces)
    return f"{head}\n{body}\n{' ' * indent}{tail}"
