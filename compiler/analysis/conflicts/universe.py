"""The finite universe the analyzer reasons over: codes in groups, text literals, generic values.

Every code-like or text-like value of a claim (a line's code, drug, provider, place of service, the
claim's type or bill class...) is an *atom*: an integer id. Codes that no rule can tell apart share
a group; a group owns a run of consecutive ids, one per code a claim may use at once, so that two
lines billed with the same code have the same id and equality is exact. Text literals of the pack
have one id each; values the pack never names (providers, drugs given as NDCs, free texts...) come
from generic families of ids that render as readable, distinct strings.

Ids are stable: a group's run depends on the group alone (its codes), not on the other groups of
the pack, so an edit elsewhere in the pack leaves the formulas of the questions that do not read
it the same, and their cached answers stand (`questions`). The id space is cut into blocks of 2**40:
one per kind of code (CPT category I, CPT category II and III, other HCPCS, HCPCS drug codes: the
runtime's own predicates are constant on each, so `is_cpt` is a fixed set of blocks), one for text
literals, one for the two-digit values (places of service and bill classes, `00` to `99`, each its
own id) and one per generic family. Inside its block a group's run starts at a slot computed from
a digest of its codes; the generic codes of a kind take slot 0.
"""

from __future__ import annotations

import bisect
import datetime
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from compiler.runtime.claims import _is_drug_code as is_drug_code
from compiler.runtime.claims import is_cpt, is_cpt_category_1, is_hcpcs
from compiler.semantics import ir
from compiler.semantics.ir import walk

__all__ = ["CODE_SHAPE", "Group", "Universe", "Unsupported", "build_universe", "is_cpt", "is_cpt_category_1",
           "is_drug_code", "is_hcpcs", "merge_ranges"]

CODE_SHAPE = re.compile(r"(?:[0-9]{4}[0-9A-Z]|[A-V][0-9]{4})\Z")
TWO_DIGITS = re.compile(r"[0-9]{2}\Z")
BILL_TYPE = re.compile(r"[0-9]{3,4}\Z")

BLOCK = 1 << 40
#: the kinds of code, each a block of ids (1 to 4), with a code of the kind that samples it
KINDS = ("cpt", "cpt-lettered", "other", "drug")
KIND_SAMPLES = {"cpt": "10000", "cpt-lettered": "0001F", "other": "A0000", "drug": "J0120"}
TEXT_BASE = 5 * BLOCK
PLACE_BASE = 6 * BLOCK  # "00" .. "99"
#: generic families: values the pack never names, rendered by these prefixes
FAMILIES = ("provider", "drug", "text")
FAMILY_BASE = {name: (7 + n) * BLOCK for n, name in enumerate(FAMILIES)}
CODE_SPAN = (BLOCK, TEXT_BASE - 1)  # every code id lies here
FIRST_DAY = datetime.date(1900, 1, 1).toordinal()
LAST_DAY = datetime.date(2199, 12, 31).toordinal()
_SLOTS = 1 << 30


def kind_of(code: str) -> str:
    """The kind of a code-shaped code (its block)."""
    if is_cpt(code):
        return "cpt" if is_cpt_category_1(code) else "cpt-lettered"
    return "drug" if is_drug_code(code) else "other"


def kind_at(atom: int) -> str | None:
    """The kind of code whose block holds the id, or None for an id of no code."""
    block = atom // BLOCK
    return KINDS[block - 1] if 1 <= block <= len(KINDS) else None


def _slot(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") % (_SLOTS - 1) + 1


class Unsupported(Exception):
    """A construct the analyzer cannot encode; the question becomes an `unknown` entry."""


@dataclass
class Group:
    """Codes that every rule of the pack treats alike."""

    index: int
    codes: list[str]  # preferred first: codes the pack or its examples name
    generic: bool  # codes the pack never mentions (unbounded in principle)
    lo: int = 0
    size: int = 0  # ids owned: min(len(codes), capacity)

    @property
    def hi(self) -> int:
        return self.lo + self.size - 1

    @property
    def sample(self) -> str:
        return self.codes[0]

    def describe(self) -> tuple[Any, ...]:
        """What a question's answer depends on: its ids and the codes they render as."""
        return self.lo, self.size, tuple(self.codes[:self.size])


@dataclass
class Universe:
    groups: list[Group]
    group_of: dict[str, int]  # every mentioned code -> its group
    literals: dict[str, int]  # text literals the pack names (not code-shaped) -> id
    families: dict[str, tuple[int, int]]  # family -> (lo, hi)
    modifiers: tuple[str, ...]
    effective: int  # the (first) pack's effective date, as a day ordinal
    day_lo: int
    day_hi: int
    capacity: int
    bill_classes: dict[str, str] = field(default_factory=dict)  # bill-type literal -> its class
    _predicates: dict[Any, list[tuple[int, int]]] = field(default_factory=dict)
    _starts: list[int] = field(default_factory=list)
    _sets: dict[tuple[frozenset[str], bool], list[tuple[int, int]]] = field(default_factory=dict)
    _names: dict[int, str] = field(default_factory=dict)
    _generics: dict[tuple[str, frozenset[str]], list[str]] = field(default_factory=dict)
    _generic_groups: dict[str, Group] = field(default_factory=dict)

    # ------------------------------------------------------------ lookups
    def code_id(self, code: str) -> int:
        """The id of a code the pack names literally (its own group, so its first id)."""
        group = self.groups[self.group_of[code]]
        if len(group.codes) != 1 and not group.generic:
            position = group.codes.index(code)
            if position >= group.size:
                raise Unsupported(f"code {code} cannot be represented")
            return group.lo + position
        return group.lo

    def text_id(self, text: str) -> int:
        """The id of a text value the pack names (code-shaped texts are codes)."""
        if CODE_SHAPE.match(text) and text in self.group_of:
            return self.code_id(text)
        if TWO_DIGITS.match(text):
            return PLACE_BASE + int(text)
        if text in self.literals:
            return self.literals[text]
        raise Unsupported(f"text {text!r} is not among the pack's literals")

    def code_ranges(self, predicate: Any) -> list[tuple[int, int]]:
        """Id ranges of the codes that satisfy `predicate` (a function of a code that the runtime's
        kinds of code decide, such as `is_cpt`): whole blocks, the same whatever the pack."""
        if predicate not in self._predicates:
            blocks = [n for n, kind in enumerate(KINDS, 1) if predicate(KIND_SAMPLES[kind])]
            for group in self.groups:  # the predicate must be constant on each block
                if bool(predicate(group.sample)) != (self._block(group) in blocks):
                    raise Unsupported("a test of codes that their kind does not decide")
            self._predicates[predicate] = merge_ranges((n * BLOCK, (n + 1) * BLOCK - 1) for n in blocks)
        return self._predicates[predicate]

    @staticmethod
    def _block(group: Group) -> int:
        return group.lo // BLOCK

    def set_ranges(self, members: frozenset[str], texts: bool) -> list[tuple[int, int]]:
        """Id ranges of the atoms in a set of codes or text values (memoized: rules ask for the same
        sets again and again)."""
        key = (members, texts)
        known = self._sets.get(key)
        if known is None:
            known = self._sets[key] = self._set_ranges(members, texts)
        return known

    def _set_ranges(self, members: frozenset[str], texts: bool) -> list[tuple[int, int]]:
        ranges: list[tuple[int, int]] = []
        seen_groups: set[int] = set()
        for member in sorted(members):
            if member in self.group_of:
                index = self.group_of[member]
                if index in seen_groups:
                    continue
                seen_groups.add(index)
                group = self.groups[index]
                whole = all(code in members for code in group.codes) and not group.generic
                if not whole:
                    if texts or len(group.codes) == 1:
                        ranges.append((self.code_id(member), self.code_id(member)))
                        continue
                    raise Unsupported(f"the code set splits the group of {member}")
                ranges.append((group.lo, group.hi))
            elif TWO_DIGITS.match(member):
                ranges.append((PLACE_BASE + int(member),) * 2)
            elif member in self.literals:
                ranges.append((self.literals[member], self.literals[member]))
        return merge_ranges(ranges)

    @property
    def code_span(self) -> tuple[int, int]:
        """Every code id lies in this range (it holds ids of no group too: see `code_domain`)."""
        return CODE_SPAN

    def code_domain(self, groups: Iterable[Group] | None = None) -> list[tuple[int, int]]:
        """The ids a line's code may take: the runs of `groups` (default: every group)."""
        return merge_ranges((g.lo, g.hi) for g in (self.groups if groups is None else groups))

    def group_for(self, code: str) -> Group | None:
        """The group of any code a claim may carry: its own group when the pack names it, else the
        generic group of its kind (the codes the pack never names: a code of a table read from
        files, say); None for a text that is not code-shaped."""
        index = self.group_of.get(code)
        if index is not None:
            return self.groups[index]
        if not CODE_SHAPE.match(code):
            return None
        if not self._generic_groups:
            for group in self.groups:
                kind = kind_at(group.lo)
                if group.generic and kind is not None:
                    self._generic_groups.setdefault(kind, group)
        return self._generic_groups.get(kind_of(code))

    def groups_of(self, codes: Iterable[str]) -> list[Group]:
        """The groups of the given codes, in id order: the codes a question that mentions only
        `codes` tells apart (any other code behaves, for it, as a code of its kind it never names)."""
        found = {self.group_of[c] for c in codes if c in self.group_of}
        return sorted((self.groups[i] for i in found), key=lambda g: g.lo)

    def question_domain(self, groups: list[Group]) -> list[tuple[int, int]]:
        """The ids a line's code may take in a question whose codes are those of `groups`: every id
        of a kind's block (an id no group of the question holds is a code of that kind the question
        never mentions), except for a kind whose codes the question mentions nearly all of: there
        only its groups' ids."""
        out = []
        for number, kind in enumerate(KINDS, 1):
            if len(self.generic(kind, groups)) >= self.capacity:
                out.append((number * BLOCK, (number + 1) * BLOCK - 1))
            else:
                out += [(g.lo, g.hi) for g in groups if g.lo // BLOCK == number]
        return merge_ranges(out)

    def generic(self, kind: str, groups: list[Group]) -> list[str]:
        """Codes of a kind that no group of `groups` holds, in a readable order (`generic_codes`),
        memoized by the groups' codes of that kind."""
        taken = frozenset(c for g in groups if kind_at(g.lo) == kind for c in g.codes)
        key = (kind, taken)
        if key not in self._generics:
            self._generics[key] = generic_codes(kind, set(taken), self.capacity)
        return self._generics[key]

    @property
    def two_digit_ids(self) -> list[tuple[int, int]]:
        return [(PLACE_BASE, PLACE_BASE + 99)]

    # ------------------------------------------------------------ rendering
    def group_at(self, atom: int) -> Group | None:
        if not self._starts:
            self._starts = [g.lo for g in self.groups]  # the groups are in id order
        index = bisect.bisect_right(self._starts, atom) - 1
        if index >= 0 and self.groups[index].lo <= atom <= self.groups[index].hi:
            return self.groups[index]
        return None

    def family_at(self, atom: int) -> str | None:
        for name, (lo, hi) in self.families.items():
            if lo <= atom <= hi:
                return name
        return None

    def literal_at(self, atom: int) -> str | None:
        if PLACE_BASE <= atom <= PLACE_BASE + 99:
            return f"{atom - PLACE_BASE:02d}"
        if not self._names:
            self._names = {value: text for text, value in self.literals.items()}
        return self._names.get(atom)

    def day(self, ordinal: int) -> str:
        return datetime.date.fromordinal(ordinal).isoformat()


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


# ---------------------------------------------------------------- what the pack mentions


def pack_expressions(pack: ir.Pack) -> Iterator[ir.Expr]:
    for rule in pack.rules:
        if not rule.edits:
            continue
        for expr in (rule.condition, rule.suggest, rule.suggest_if):
            yield from walk(expr)


@dataclass
class _Mentions:
    code_sets: list[frozenset[str]] = field(default_factory=list)
    singles: set[str] = field(default_factory=set)
    texts: set[str] = field(default_factory=set)
    modifiers: set[str] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)
    prominent: dict[str, int] = field(default_factory=dict)

    def note(self, code: str, weight: int) -> None:
        self.prominent[code] = self.prominent.get(code, 0) + weight


def _mentions(pack: ir.Pack) -> _Mentions:
    found = _Mentions()
    for code_set in pack.sets:
        if code_set.texts:
            found.texts.update(code_set.members)
        else:
            found.code_sets.append(code_set.members)
            if len(code_set.members) <= 30:
                for code in code_set.members:
                    found.note(code, 1)
    for rule in pack.rules:
        if rule.target is not None:
            found.code_sets.append(rule.target.members)
        if rule.places is not None:
            found.texts.update(rule.places.members)
    for attribute in pack.attributes:
        for code, value in attribute.values:
            found.note(code, 2)
            if isinstance(value, frozenset):
                found.code_sets.append(value)
            elif isinstance(value, str):
                found.texts.add(value)
    for code_map in pack.maps:
        for key, value in code_map.pairs:
            found.singles.add(value)
            found.note(key, 3)
            found.note(value, 3)
    for expr in pack_expressions(pack):
        _note_expression(expr, found)
    for example in pack.examples:
        claim = example.claim
        if isinstance(claim, dict):
            for line in claim.get("lines", []) if isinstance(claim.get("lines"), list) else []:
                if isinstance(line, dict):
                    for key in ("code", "drug"):
                        named = line.get(key)
                        if isinstance(named, str):
                            found.note(named, 1)
    for text in [t for t in found.texts if CODE_SHAPE.match(t)]:
        found.singles.add(text)
    return found


def _note_expression(expr: ir.Expr, found: _Mentions) -> None:
    if isinstance(expr, ir.Const):
        if expr.type.kind is ir.Kind.CODE or (isinstance(expr.value, str) and expr.type.kind is ir.Kind.TEXT
                                             and CODE_SHAPE.match(expr.value)):
            assert isinstance(expr.value, str)
            found.singles.add(expr.value)
            found.note(expr.value, 5)
        elif expr.type.kind is ir.Kind.TEXT:
            found.texts.add(str(expr.value))
        elif expr.type.kind is ir.Kind.DATE:
            found.dates.add(str(expr.value))
    elif isinstance(expr, ir.SetValue):
        if expr.codes.texts:
            found.texts.update(expr.codes.members)
        else:
            found.code_sets.append(expr.codes.members)
            if len(expr.codes.members) <= 30:
                for code in expr.codes.members:
                    found.note(code, 2)
    elif isinstance(expr, ir.Has):
        wanted = expr.wanted
        if isinstance(wanted, ir.Const):
            found.modifiers.add(str(wanted.value))
        elif isinstance(wanted, ir.SetValue):
            found.modifiers.update(wanted.codes.members)


def generic_codes(kind: str, taken: set[str], count: int) -> list[str]:
    """Codes the pack never mentions, of one kind, in a readable order."""
    if kind == "cpt":
        candidates: Iterable[str] = (f"{n:05d}" for n in range(10004, 100000))
    elif kind == "cpt-lettered":  # CPT category II and III codes
        candidates = (f"{n:04d}{letter}" for letter in "FT" for n in range(1, 10000))
    elif kind == "drug":
        candidates = (*(f"J{n:04d}" for n in range(120, 10000)), *(f"Q{n:04d}" for n in range(5101, 5200)))
    else:
        candidates = (f"{letter}{n:04d}" for letter in "AEGKLV" for n in range(1, 10000))
    found = []
    for code in candidates:
        if code not in taken:
            found.append(code)
            if len(found) == count:
                break
    return found


def _merged_mentions(packs: Sequence[ir.Pack]) -> _Mentions:
    found = _Mentions()
    for pack in packs:
        one = _mentions(pack)
        found.code_sets += one.code_sets
        found.singles |= one.singles
        found.texts |= one.texts
        found.modifiers |= one.modifiers
        found.dates |= one.dates
        for code, weight in one.prominent.items():
            found.note(code, weight)
    return found


def build_universe(packs: ir.Pack | Sequence[ir.Pack], capacity: int) -> Universe:
    """Partition the codes the packs mention into groups that every construct of every pack treats
    alike (several packs: the versions a change report compares, over one symbolic claim)."""
    packs = (packs,) if isinstance(packs, ir.Pack) else tuple(packs)
    found = _merged_mentions(packs)
    codes: set[str] = set(found.singles)
    for code_set in found.code_sets:
        codes.update(code_set)
    for pack in packs:
        for attribute in pack.attributes:
            codes.update(code for code, _ in attribute.values)
        for code_map in pack.maps:
            for key, value in code_map.pairs:
                codes.update((key, value))
    codes = {c for c in codes if CODE_SHAPE.match(c)}
    distinct_sets = sorted({s for s in found.code_sets}, key=lambda s: (len(s), sorted(s)[:3]))
    # attributes and maps of every pack, in a fixed order (two packs may name them alike)
    attributes = [a for pack in packs for a in sorted(pack.attributes, key=lambda a: a.name)]
    maps = [m for pack in packs for m in sorted(pack.maps, key=lambda m: m.name)]
    lookups = [a.lookup() for a in attributes]
    map_lookups = [dict(m.pairs) for m in maps]

    # the sets and table entries each code is in, gathered set by set (packs name thousands of codes)
    memberships: dict[str, list[Any]] = {code: [] for code in codes}
    for index, code_set in enumerate(distinct_sets):
        for code in code_set:
            if code in memberships:
                memberships[code].append(index)
    for index, lookup in enumerate(lookups):
        for code, cell in lookup.items():
            if code in memberships:
                memberships[code].append(("attribute", index, tuple(sorted(cell)) if isinstance(cell, frozenset)
                                          else cell))
    for index, pairs in enumerate(map_lookups):
        for code, mapped in pairs.items():
            if code in memberships:
                memberships[code].append(("map", index, mapped))

    def signature(code: str) -> tuple[Any, ...]:
        return (code if code in found.singles else None, kind_of(code), tuple(memberships[code]))

    by_signature: dict[tuple[Any, ...], list[str]] = {}
    for code in sorted(codes):
        by_signature.setdefault(signature(code), []).append(code)
    groups: list[Group] = []
    for members in by_signature.values():
        members.sort(key=lambda c: (-found.prominent.get(c, 0), c))
        groups.append(Group(0, members, False))
    for kind in KINDS:
        generic = generic_codes(kind, codes, capacity)
        if generic:  # a pack may name every code of a kind (a range of every drug code)
            groups.append(Group(0, generic, True))
    _place_groups(groups, capacity)
    group_of: dict[str, int] = {}
    for index, group in enumerate(groups):
        group.index = index
        if not group.generic:
            for code in group.codes:
                group_of[code] = index
    texts = set(found.texts) | {"professional", "institutional", "direct", "none"}
    for values in ir.FIELD_VALUES.values():
        texts.update(values)
    literals = _literal_ids(t for t in texts if not CODE_SHAPE.match(t))
    families = {family: (FAMILY_BASE[family], FAMILY_BASE[family] + capacity - 1) for family in FAMILIES}
    effective = datetime.date.fromisoformat(packs[0].effective).toordinal()
    classes = {text: (text[1:3] if len(text) == 4 else text[0:2]) for text in literals if BILL_TYPE.match(text)}
    return Universe(groups, group_of, literals, families, tuple(sorted(found.modifiers)), effective,
                    FIRST_DAY, LAST_DAY, capacity, classes)


def _place_groups(groups: list[Group], capacity: int) -> None:
    """Give each group its run of ids (see the module's note) and sort the groups by id."""
    stride = 1 << max(6, capacity.bit_length())
    taken: set[tuple[int, int]] = set()
    for group in sorted(groups, key=lambda g: (g.generic, min(g.codes))):
        block = KINDS.index(kind_of(group.sample)) + 1
        slot = 0 if group.generic else _slot(",".join(sorted(group.codes)))
        while (block, slot) in taken:  # two digests alike: the next free slot, in a fixed order
            slot = slot % (_SLOTS - 1) + 1
        taken.add((block, slot))
        group.lo = block * BLOCK + slot * stride
        group.size = min(len(group.codes), capacity)
    groups.sort(key=lambda g: g.lo)


def _literal_ids(texts: Iterable[str]) -> dict[str, int]:
    """An id for each text literal: two digits are their own (a place of service, a bill class);
    any other text takes a slot of the literals' block computed from its digest."""
    out: dict[str, int] = {}
    used: set[int] = set()
    for text in sorted(texts):
        if TWO_DIGITS.match(text):
            out[text] = PLACE_BASE + int(text)
            continue
        slot = _slot(text)
        while slot in used:
            slot = slot % (_SLOTS - 1) + 1
        used.add(slot)
        out[text] = TEXT_BASE + slot
    return out
