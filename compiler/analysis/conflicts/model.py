"""A symbolic claim of K line slots: every field a rule can read, as solver variables.

Slots are lines 1..K in order; slot 1 is always present and a slot is present only when the one
before it is, so a model is a claim of 1 to K lines. Fields follow the contract: codes, drugs,
providers and other text values are atoms (see `universe`), dates are day numbers, start and stop
are minute stamps, units and charges are real numbers, modifiers are one flag per modifier the
pack tests (at most four set).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from compiler.analysis.conflicts.universe import Universe, is_drug_code

Z3 = Any


def _connective(make: Any, args: tuple[Z3, ...]) -> Z3:
    first = args[0]
    if len(args) == 1:
        return first
    array = (z3.Ast * len(args))()
    for index, arg in enumerate(args):
        array[index] = arg.as_ast()
    return z3.BoolRef(make(first.ctx_ref(), len(args), array), first.ctx)


def conj(*args: Z3) -> Z3:
    """`z3.And` of formulas already built: the library's own call coerces every argument again, which
    made most of the analyzer's time; this one goes to the C API directly."""
    return _connective(z3.z3core.Z3_mk_and, args)


def disj(*args: Z3) -> Z3:
    """`z3.Or` of formulas already built (see `conj`)."""
    return _connective(z3.z3core.Z3_mk_or, args)


def neg(arg: Z3) -> Z3:
    """`z3.Not` of a formula already built (see `conj`)."""
    return z3.BoolRef(z3.z3core.Z3_mk_not(arg.ctx_ref(), arg.as_ast()), arg.ctx)


def in_ranges(value: Z3, ranges: list[tuple[int, int]]) -> Z3:
    parts = [value == lo if lo == hi else conj(value >= lo, value <= hi) for lo, hi in ranges]
    if not parts:
        return z3.BoolVal(False, value.ctx)
    return disj(*parts)


@dataclass(frozen=True)
class Slot:
    index: int
    active: Z3
    code: Z3
    date: Z3
    modifiers: dict[str, Z3]
    units: Z3
    provider: Z3
    provider_absent: Z3
    pos: Z3
    pos_absent: Z3
    charge: Z3
    charge_absent: Z3
    timed: Z3
    start: Z3
    stop: Z3
    drug_given: Z3
    drug: Z3
    unsupervised: Z3
    member_supplied: Z3
    description: Z3
    description_absent: Z3


@dataclass(frozen=True)
class ClaimHeader:
    id: Z3
    type: Z3
    pos: Z3
    pos_absent: Z3
    bill_type: Z3
    bill_class: Z3
    bill_absent: Z3
    member: Z3
    member_absent: Z3
    provider: Z3
    provider_absent: Z3


class SymbolicClaim:
    """K slots and the claim header, with the constraints every valid claim satisfies."""

    def __init__(self, universe: Universe, size: int, ctx: Any) -> None:
        self.ctx = ctx
        self.universe = universe
        self.size = size
        self.header = self._header()
        self.slots = [self._slot(i) for i in range(size)]
        self.constraints = self._constraints()

    def _header(self) -> ClaimHeader:
        def atom(name: str) -> Z3:
            return z3.Int(f"claim.{name}", self.ctx)

        def flag(name: str) -> Z3:
            return z3.Bool(f"claim.{name}", self.ctx)

        return ClaimHeader(atom("id"), atom("type"), atom("pos"), flag("pos_absent"), atom("bill_type"),
                           atom("bill_class"), flag("bill_absent"), atom("member"), flag("member_absent"),
                           atom("provider"), flag("provider_absent"))

    def _slot(self, i: int) -> Slot:
        def name(field: str) -> str:
            return f"l{i + 1}.{field}"

        ctx = self.ctx

        def atom(field: str) -> Z3:
            return z3.Int(name(field), ctx)

        def flag(field: str) -> Z3:
            return z3.Bool(name(field), ctx)

        def real(field: str) -> Z3:
            return z3.Real(name(field), ctx)

        modifiers = {m: flag(f"mod_{m}") for m in self.universe.modifiers}
        return Slot(
            i, z3.BoolVal(True, ctx) if i == 0 else flag("active"), atom("code"), atom("date"), modifiers,
            real("units"), atom("provider"), flag("provider_absent"), atom("pos"), flag("pos_absent"),
            real("charge"), flag("charge_absent"), flag("timed"), atom("start"), atom("stop"), flag("drug_given"),
            atom("drug"), flag("unsupervised"), flag("member_supplied"), atom("description"),
            flag("description_absent"))

    # ------------------------------------------------------------ validity
    def _constraints(self) -> list[Z3]:
        u = self.universe
        h = self.header
        codes = [u.code_span]
        anything = [(u.code_span[0], max(hi for _, hi in u.families.values()))]
        two_digits = u.two_digit_ids
        types = [(u.literals["professional"],) * 2, (u.literals["institutional"],) * 2]
        out = [in_ranges(h.type, types), in_ranges(h.id, anything), in_ranges(h.member, anything),
               in_ranges(h.provider, anything), in_ranges(h.pos, two_digits), in_ranges(h.bill_type, anything),
               in_ranges(h.bill_class, two_digits)]
        for text, klass in sorted(u.bill_classes.items()):
            class_id = u.literals.get(klass)
            implied = h.bill_class == class_id if class_id is not None else in_ranges(
                h.bill_class, [u.families["place"]])
            out.append(z3.Implies(h.bill_type == u.literals[text], implied))
        # a generic bill type renders as 0 + class + 1, so it is never a literal of the pack
        bill_literals = [(u.literals[t], u.literals[t]) for t in sorted(u.bill_classes)]
        out.append(z3.Or(in_ranges(h.bill_type, bill_literals), in_ranges(h.bill_type, [u.families["text"]])))
        lo_minute, hi_minute = u.day_lo * 1440, (u.day_hi + 1) * 1440
        professional = h.type == u.literals["professional"]
        for slot in self.slots:
            if slot.index > 0:
                out.append(z3.Implies(slot.active, self.slots[slot.index - 1].active))
            out += [in_ranges(slot.code, codes), slot.date >= u.day_lo, slot.date <= u.day_hi, slot.units > 0,
                    in_ranges(slot.provider, anything), in_ranges(slot.pos, two_digits), slot.charge >= 0,
                    z3.Implies(slot.timed, z3.And(slot.start >= lo_minute, slot.stop <= hi_minute,
                                                  slot.stop > slot.start)),
                    in_ranges(slot.drug, anything), in_ranges(slot.description, anything),
                    z3.Implies(slot.provider_absent, h.provider_absent),
                    z3.Implies(slot.pos_absent, h.pos_absent),
                    z3.Implies(professional, z3.Not(slot.pos_absent))]
            if slot.modifiers:
                out.append(z3.Sum([z3.If(f, 1, 0) for f in slot.modifiers.values()]) <= 4)
        return out

    # ------------------------------------------------------------ derived values
    def is_drug_code(self, code: Z3) -> Z3:
        return in_ranges(code, self.universe.code_ranges(is_drug_code))
