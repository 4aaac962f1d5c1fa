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

from compiler.analysis.conflicts.reads import Reads
from compiler.analysis.conflicts.universe import TEXT_BASE, Universe, is_drug_code, merge_ranges

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


# Integer terms through the C API, like `conj`: ids are compared with constants thousands of times.

_INT_SORTS: dict[int, Any] = {}


def whole(ctx: Any, number: int) -> Z3:
    """The integer constant `number` in `ctx`."""
    ref = ctx.ref()
    sort = _INT_SORTS.get(id(ctx))
    if sort is None or sort[0] is not ctx:
        sort = _INT_SORTS[id(ctx)] = (ctx, z3.IntSort(ctx).ast)
    return z3.IntNumRef(z3.z3core.Z3_mk_int64(ref, number, sort[1]), ctx)


def _compare(make: Any, left: Z3, right: Z3 | int) -> Z3:
    if isinstance(right, int):
        right = whole(left.ctx, right)
    return z3.BoolRef(make(left.ctx_ref(), left.as_ast(), right.as_ast()), left.ctx)


def equal(left: Z3, right: Z3 | int) -> Z3:
    """`left == right` for two integer terms (or a term and a constant)."""
    return _compare(z3.z3core.Z3_mk_eq, left, right)


def at_least(left: Z3, right: Z3 | int) -> Z3:
    return _compare(z3.z3core.Z3_mk_ge, left, right)


def at_most(left: Z3, right: Z3 | int) -> Z3:
    return _compare(z3.z3core.Z3_mk_le, left, right)


def ite(condition: Z3, then: Z3 | int, otherwise: Z3 | int) -> Z3:
    """`z3.If` over integer terms or constants (or two conditions), through the C API."""
    ctx = condition.ctx
    if isinstance(then, int) and not isinstance(then, bool):
        then = whole(ctx, then)
    if isinstance(otherwise, int) and not isinstance(otherwise, bool):
        otherwise = whole(ctx, otherwise)
    made = z3.z3core.Z3_mk_ite(condition.ctx_ref(), condition.as_ast(), then.as_ast(), otherwise.as_ast())
    return z3.BoolRef(made, ctx) if z3.is_bool(then) else z3.ArithRef(made, ctx)


def in_ranges(value: Z3, ranges: list[tuple[int, int]]) -> Z3:
    """Whether an integer term lies in one of the ranges (lo, hi), bounds included."""
    parts = [equal(value, lo) if lo == hi else conj(at_least(value, lo), at_most(value, hi)) for lo, hi in ranges]
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
        self._all: list[Z3] | None = None
        self._constraints: dict[tuple[object, ...], list[Z3]] = {}

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
    @property
    def constraints(self) -> list[Z3]:
        """What every valid claim satisfies, every field of it (a change report's questions)."""
        if self._all is None:
            u = self.universe
            every = Reads(frozenset({"units", "provider", "pos", "charge", "timed", "drug", "supervision",
                                     "member_supplied", "description", "modifiers"}),
                          frozenset({"id", "pos", "bill", "member", "provider", "type"}), u.modifiers,
                          frozenset(u.group_of), frozenset(u.literals))
            self._all = self._constraints_for(every, u.code_domain(), True)
        return self._all

    def constraints_for(self, reads: Reads, domain: list[tuple[int, int]]) -> list[Z3]:
        """What a valid claim satisfies in the fields `reads` names, every line's code in `domain`
        (`Universe.question_domain`: an id that no group of the question's codes holds is a code of
        its kind that the question's rules never mention, shown as such by `witness.Renderer`);
        memoized, as many questions read alike."""
        key = (reads.key(), tuple(domain))
        known = self._constraints.get(key)
        if known is None:
            known = self._constraints[key] = self._constraints_for(reads, domain, False)
        return known

    def _constraints_for(self, reads: Reads, domain: list[tuple[int, int]], exact: bool) -> list[Z3]:
        """The constraints, every line's code among `domain`; text values among the ids of `domain`,
        the literals, the two-digit values and the families (`exact`), or anywhere from the first
        code block to the last family (each rendered by what the question names)."""
        u = self.universe
        h = self.header
        if exact:
            literals = [(value,) * 2 for value in u.literals.values()]
            anything = merge_ranges([*domain, *literals, *u.two_digit_ids, *u.families.values()])
        else:
            anything = merge_ranges([*domain, (TEXT_BASE, max(hi for _, hi in u.families.values()))])
        two_digits = u.two_digit_ids
        types = [(u.literals["professional"],) * 2, (u.literals["institutional"],) * 2]
        professional = h.type == u.literals["professional"]
        out = [in_ranges(h.type, types)]
        if "id" in reads.claim:
            out.append(in_ranges(h.id, anything))
        if "member" in reads.claim:
            out.append(in_ranges(h.member, anything))
        if "provider" in reads.claim:
            out.append(in_ranges(h.provider, anything))
        if reads.reads("pos"):
            out.append(in_ranges(h.pos, two_digits))
        if "bill" in reads.claim:
            out += [in_ranges(h.bill_type, anything), in_ranges(h.bill_class, two_digits)]
            bills = sorted(t for t in u.bill_classes if t in reads.texts)
            for text in bills:
                class_id = u.text_id(u.bill_classes[text])
                out.append(z3.Implies(h.bill_type == u.literals[text], h.bill_class == class_id))
            # a generic bill type renders as 0 + class + 1, so it is never a literal of the pack
            bill_literals = [(u.literals[t], u.literals[t]) for t in bills]
            out.append(z3.Or(in_ranges(h.bill_type, bill_literals), in_ranges(h.bill_type, [u.families["text"]])))
        lo_minute, hi_minute = u.day_lo * 1440, (u.day_hi + 1) * 1440
        flags = [m for m in reads.modifiers if m in u.modifiers]
        for slot in self.slots:
            if slot.index > 0:
                out.append(z3.Implies(slot.active, self.slots[slot.index - 1].active))
            out += [in_ranges(slot.code, domain), slot.date >= u.day_lo, slot.date <= u.day_hi]
            if "units" in reads.line:
                out.append(slot.units > 0)
            if "provider" in reads.line:
                out.append(in_ranges(slot.provider, anything))
                if "provider" in reads.claim:
                    out.append(z3.Implies(slot.provider_absent, h.provider_absent))
            if reads.reads("pos"):
                out += [in_ranges(slot.pos, two_digits), z3.Implies(slot.pos_absent, h.pos_absent),
                        z3.Implies(professional, z3.Not(slot.pos_absent))]
            if "charge" in reads.line:
                out.append(slot.charge >= 0)
            if "timed" in reads.line:
                out.append(z3.Implies(slot.timed, z3.And(slot.start >= lo_minute, slot.stop <= hi_minute,
                                                         slot.stop > slot.start)))
            if "drug" in reads.line:
                out.append(in_ranges(slot.drug, anything))
            if "description" in reads.line:
                out.append(in_ranges(slot.description, anything))
            if "modifiers" in reads.line and flags:
                out.append(z3.Sum([z3.If(slot.modifiers[f], 1, 0) for f in flags]) <= 4)
        return out

    # ------------------------------------------------------------ derived values
    def is_drug_code(self, code: Z3) -> Z3:
        return in_ranges(code, self.universe.code_ranges(is_drug_code))
