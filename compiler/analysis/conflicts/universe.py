"""The finite universe the analyzer reasons over: codes in groups, text literals, generic values.

Every code-like or text-like value of a claim (a line's code, drug, provider, place of service, the
claim's type or bill class...) is an *atom*: an integer id. Codes that no rule can tell apart share
a group; a group owns a run of consecutive ids, one per code a claim may use at once, so that two
lines billed with the same code have the same id and equality is exact. Text literals of the pack
have one id each; values the pack never names (providers, drugs given as NDCs, places of service...)
come from generic families of ids that render as readable, distinct strings.
"""

from __future__ import annotations

import bisect
import datetime
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

#: generic families: values the pack never names, rendered by these prefixes
FAMILIES = ("provider", "drug", "text", "place")


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


@dataclass
class Universe:
    groups: list[Group]
    group_of: dict[str, int]  # every mentioned code -> its group
    literals: dict[str, int]  # text literals (not code-shaped) -> id
    families: dict[str, tuple[int, int]]  # family -> (lo, hi)
    modifiers: tuple[str, ...]
    effective: int  # the (first) pack's effective date, as a day ordinal
    day_lo: int
    day_hi: int
    capacity: int
    bill_classes: dict[str, str] = field(default_factory=dict)  # bill-type literal -> its class
    category_1: bool = False  # whether the packs tell CPT category I codes from the others
    _predicates: dict[Any, list[tuple[int, int]]] = field(default_factory=dict)
    _starts: list[int] = field(default_factory=list)
    _sets: dict[tuple[frozenset[str], bool], list[tuple[int, int]]] = field(default_factory=dict)
    _generic: dict[tuple[bool, ...], Group] = field(default_factory=dict)

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

    def group_for(self, code: str) -> Group | None:
        """The group of any code a claim may carry: its own group when the pack names it, else the
        group of the codes the pack never names that answer the runtime's predicates alike (a code
        of a table read from files, say); None for a text that is not code-shaped."""
        index = self.group_of.get(code)
        if index is not None:
            return self.groups[index]
        if not CODE_SHAPE.match(code):
            return None
        if not self._generic:
            for group in self.groups:
                if group.generic:
                    self._generic.setdefault(self._kind(group.sample), group)
        return self._generic.get(self._kind(code))

    def _kind(self, code: str) -> tuple[bool, ...]:
        return is_cpt(code), self.category_1 and is_cpt_category_1(code), is_hcpcs(code), is_drug_code(code)

    def text_id(self, text: str) -> int:
        """The id of a text value the pack names (code-shaped texts are codes)."""
        if CODE_SHAPE.match(text) and text in self.group_of:
            return self.code_id(text)
        if text in self.literals:
            return self.literals[text]
        raise Unsupported(f"text {text!r} is not among the pack's literals")

    def code_ranges(self, predicate: Any) -> list[tuple[int, int]]:
        """Id ranges of the groups whose codes satisfy `predicate` (a function of a code)."""
        if predicate not in self._predicates:
            self._predicates[predicate] = merge_ranges((g.lo, g.hi) for g in self.groups if predicate(g.sample))
        return self._predicates[predicate]

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
            elif member in self.literals:
                ranges.append((self.literals[member], self.literals[member]))
        return merge_ranges(ranges)

    @property
    def code_span(self) -> tuple[int, int]:
        return self.groups[0].lo, self.groups[-1].hi

    @property
    def two_digit_ids(self) -> list[tuple[int, int]]:
        ids = [(v, v) for k, v in self.literals.items() if TWO_DIGITS.match(k)]
        return merge_ranges([*ids, self.families["place"]])

    # ------------------------------------------------------------ rendering
    def group_at(self, atom: int) -> Group | None:
        if not self._starts:
            self._starts = [g.lo for g in self.groups]
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
        for text, value in self.literals.items():
            if value == atom:
                return text
        return None

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


def _generic_codes(kind: str, taken: set[str], count: int) -> list[str]:
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


def _table_days(packs: Sequence[ir.Pack]) -> list[int]:
    """The first and last dates the tables read from files give (rows start and end applying
    there): claims are dated around them too, so that every row can meet a claim."""
    found: list[str] = []
    for pack in packs:
        for table in pack.data_tables:
            dates = [c.name for c in table.columns if c.type == "date"]
            for table_file in table.files:
                for column in dates:
                    found += [v for v in table_file.data.values[column] if isinstance(v, str)]
    return [datetime.date.fromisoformat(d).toordinal() for d in (min(found), max(found))] if found else []


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
    # told apart from CPT category II and III codes by this function alone
    category_1 = any(isinstance(e, ir.Func) and e.name == "is_cpt_category_1"
                     for pack in packs for e in pack_expressions(pack))

    def signature(code: str) -> tuple[Any, ...]:
        attribute_values = []
        for lookup in lookups:
            value = lookup.get(code)
            attribute_values.append(tuple(sorted(value)) if isinstance(value, frozenset) else value)
        return (code if code in found.singles else None, is_cpt(code), category_1 and is_cpt_category_1(code),
                is_hcpcs(code), is_drug_code(code),
                tuple(code in s for s in distinct_sets), tuple(attribute_values),
                tuple(m.get(code) for m in map_lookups))

    by_signature: dict[tuple[Any, ...], list[str]] = {}
    for code in sorted(codes):
        by_signature.setdefault(signature(code), []).append(code)
    groups: list[Group] = []
    for members in by_signature.values():
        members.sort(key=lambda c: (-found.prominent.get(c, 0), c))
        groups.append(Group(0, members, False))
    for kind in ("cpt", "cpt-lettered", "other", "drug") if category_1 else ("cpt", "other", "drug"):
        generic = _generic_codes(kind, codes, capacity)
        if generic:
            groups.append(Group(0, generic, True))
    groups.sort(key=lambda g: (g.generic, min(g.codes)))
    next_id = 0
    group_of: dict[str, int] = {}
    for index, group in enumerate(groups):
        group.index, group.lo = index, next_id
        group.size = min(len(group.codes), capacity)
        next_id += group.size
        if not group.generic:
            for code in group.codes:
                group_of[code] = index
    texts = set(found.texts) | {"professional", "institutional", "direct", "none"}
    for values in ir.FIELD_VALUES.values():
        texts.update(values)
    literals: dict[str, int] = {}
    for text in sorted(texts):
        if CODE_SHAPE.match(text):
            continue
        literals[text] = next_id
        next_id += 1
    families: dict[str, tuple[int, int]] = {}
    for family in FAMILIES:
        families[family] = (next_id, next_id + capacity - 1)
        next_id += capacity
    effectives = [datetime.date.fromisoformat(pack.effective).toordinal() for pack in packs]
    effective = effectives[0]
    days = [*effectives, *(datetime.date.fromisoformat(d).toordinal() for d in found.dates),
            *_table_days(packs)]
    margin = 2 * capacity + 10
    classes = {text: (text[1:3] if len(text) == 4 else text[0:2]) for text in literals if BILL_TYPE.match(text)}
    return Universe(groups, group_of, literals, families, tuple(sorted(found.modifiers)), effective,
                    min(days) - margin, max(days) + margin, capacity, classes, category_1)
