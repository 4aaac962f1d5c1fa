"""An X12 837 file cut into its transaction sets, so that worker processes can parse them apart.

`transaction_sets(path)` reads the file twice, a segment at a time (memory does not grow with the
file). The first pass checks that the envelope around the transaction sets is regular: every
interchange `ISA (GS (ST ... SE)+ GE)+ IEA` with nothing else around, counts and control numbers
that match (SE02, GE01 and GE02, IEA01 and IEA02; a wrong SE01 is a fault of the set's own),
control numbers unique, functional groups of health care claims (GS01 `HC`) of the guides the
reader maps, nothing after the last IEA. Only then does the second pass give each transaction
set, or several consecutive sets of one functional group (`PART_CLAIMS`), as a small interchange
of its own (its ISA and GS, its segments, and a GE and an IEA that close it), with the number its
first ST has in the file. Otherwise it gives None and the file is read
as a whole, in one place: an irregular envelope has faults that only a reader of the whole file
sees where they are.

Faults in an ISA or GS (an element that is not valid) are seen by the reader of each part; the
parts' reader says so (`compiler.inputs.x12.read_part`), and the file is then read as a whole.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

GUIDES = frozenset({"005010X222A1", "005010X223A2"})
PART_CLAIMS = 256
"""Transaction sets of a functional group are gathered into a part until it holds this many claims."""
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Part:
    """Transaction sets as an interchange of their own; `first` is the first ST's number in the
    file (ISA is segment 1), `segments` how many segments the sets have, first ST to last SE."""

    text: str
    first: int
    segments: int


def _segments(path: str | os.PathLike[str]) -> Iterator[str] | None:
    """The file's segments (without their terminator and the line break after it); None when
    it does not start with a 106-character ISA."""
    with open(path, encoding="utf-8", errors="surrogateescape") as source:
        head = source.read(4096).lstrip("\ufeff \t\r\n")
        if not head.startswith("ISA") or len(head) < 106:
            return None
        terminator = head[105]
        if terminator.isalnum() or terminator == head[3]:
            return None

    def read() -> Iterator[str]:
        with open(path, encoding="utf-8", errors="surrogateescape") as source:
            rest = ""
            started = False
            while piece := source.read(_CHUNK):
                if not started:
                    piece, started = piece.lstrip("\ufeff \t\r\n"), True
                pieces = (rest + piece).split(terminator)
                rest = pieces.pop()
                for segment in pieces:
                    yield segment.lstrip("\r\n")  # the line break after a terminator, not one before it
            yield rest.strip(" \t\r\n")  # what follows the last terminator: nothing, in a regular file

    return read()


def _check(segments: Iterator[str], separator: str) -> int | None:
    """The number of transaction sets when the envelope is regular (see the module doc), else None."""
    state = "end"  # what was read last: end (of an interchange), isa, gs, st (inside a set), ge
    interchanges: set[str] = set()
    groups: set[str] = set()
    total = 0
    control = group_control = set_control = ""
    in_interchange = in_group = 0
    sets_in_group: set[str] = set()
    for segment in segments:
        if segment == "":  # the end; an empty segment before it stops the reader of the whole file
            if next(segments, None) is not None:
                return None
            return total if state == "end" and total > 0 else None
        elements = segment.split(separator)
        seg_id = elements[0]
        if state == "st":
            if seg_id == "SE":
                if len(elements) != 3 or elements[2] != set_control:  # a wrong count is the set's own fault
                    return None
                state = "gs"
            elif seg_id in ("ISA", "IEA", "GS", "GE", "ST"):
                return None
            continue
        if seg_id == "ISA" and state == "end":
            if len(elements) != 17 or elements[12] != "00501" or elements[13] in interchanges:
                return None
            control = elements[13]
            interchanges.add(control)
            state, in_interchange = "isa", 0
        elif seg_id == "GS" and state in ("isa", "ge"):
            if len(elements) != 9 or elements[1] != "HC" or elements[8] not in GUIDES or elements[6] in groups:
                return None
            group_control = elements[6]
            groups.add(group_control)
            state, in_group, sets_in_group = "gs", 0, set()
            in_interchange += 1
        elif seg_id == "ST" and state == "gs":
            if len(elements) not in (3, 4) or elements[2] in sets_in_group:
                return None
            set_control = elements[2]
            sets_in_group.add(set_control)
            state = "st"
            in_group += 1
            total += 1
        elif seg_id == "GE" and state == "gs" and in_group:
            if len(elements) != 3 or elements[1] != str(in_group) or elements[2] != group_control:
                return None
            state = "ge"
        elif seg_id == "IEA" and state == "ge":
            if len(elements) != 3 or elements[1] != str(in_interchange) or elements[2] != control:
                return None
            state = "end"
        else:
            return None
    return None


def transaction_sets(path: str | os.PathLike[str]) -> Iterator[Part] | None:
    """The file's transaction sets, each as an interchange of its own, in file order; None when
    the file is not cut (an irregular envelope, fewer than two transaction sets)."""
    segments = _segments(path)
    if segments is None:
        return None
    first = next(segments)
    separator = first[3]
    count = _check(_prefixed(first, segments), separator)
    if count is None or count < 2:
        return None
    return _parts(path, separator)


def _prefixed(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _parts(path: str | os.PathLike[str], separator: str) -> Iterator[Part]:
    """Transaction sets of one functional group go together into one part until it holds
    `PART_CLAIMS` claims, so that a file of many small sets does not pay a reader for each."""
    segments = _segments(path)
    assert segments is not None
    with open(path, encoding="utf-8", errors="surrogateescape") as source:
        terminator = source.read(4096).lstrip("\ufeff \t\r\n")[105]
    isa = gs = ""
    body: list[str] = []  # the sets of the part being gathered, one after another
    sets = claims = first = 0
    inside = False

    def part() -> Part:
        group, control = gs.split(separator)[6], isa.split(separator)[13]
        closing = [f"GE{separator}{sets}{separator}{group}", f"IEA{separator}1{separator}{control}"]
        return Part("".join(s + terminator + "\n" for s in [isa, gs, *body, *closing]), first, len(body))

    for number, segment in enumerate(segments, 1):
        seg_id = segment.split(separator, 1)[0]
        if seg_id == "ISA":
            isa = segment
        elif seg_id == "GS":
            gs = segment
        elif seg_id == "GE" and body:
            yield part()
            body, sets, claims = [], 0, 0
        elif seg_id == "ST":
            if not body:
                first = number
            body.append(segment)
            inside = True
        elif seg_id == "SE":
            body.append(segment)
            sets += 1
            inside = False
            if claims >= PART_CLAIMS:
                yield part()
                body, sets, claims = [], 0, 0
        elif inside:
            body.append(segment)
            claims += seg_id == "CLM"
