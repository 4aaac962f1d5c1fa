"""Witness claims: a solver model made into a readable contract claim, replayed through the
interpreter, and shrunk while the interpreter still shows what the entry states."""

from __future__ import annotations

import bisect
import copy
import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import z3

from compiler.analysis import order
from compiler.analysis.conflicts.encode import Variant
from compiler.analysis.conflicts.model import SymbolicClaim
from compiler.analysis.conflicts.reads import Reads
from compiler.analysis.conflicts.report import WitnessFinding
from compiler.analysis.conflicts.universe import TWO_DIGITS, Group, Universe, kind_at
from compiler.analysis.suggestions import deniers_of
from compiler.diagnostics import Collector
from compiler.interpreter.evaluate import Interpreter
from compiler.runtime.claims import ClaimError, Finding
from compiler.semantics import ir

Claim = dict[str, Any]


# ---------------------------------------------------------------- the interpreter, in one place


def engine_for(pack: ir.Pack, focus: frozenset[str] | None = None,
               evaluation: tuple[str, ...] | None = None) -> Interpreter:
    """The reference interpreter for a pack or a variant of it (declarations taken away), reduced to
    the rules `focus` names and the rules their decisions depend on (`flagged by` references and the
    rules that take precedence), which decide exactly as they do in the whole pack.

    The one place the analyzer builds an interpreter. A variant or a slice only removes rules,
    precedences and `flagged by` references, so the pack's evaluation order, filtered, stays valid:
    given the whole pack's (`evaluation`), it is used as it is, without planning again."""
    if focus is not None:
        pack = sliced(pack, dependencies(pack, focus))
    if evaluation is not None:
        kept = {r.id for r in pack.rules if r.edits}
        return Interpreter(ir.Plan(pack, tuple(r for r in evaluation if r in kept)))
    plan = order.plan(pack, Collector())
    if plan is None:  # a variant only removes rules and references, so it cannot gain a cycle
        raise ValueError(f"{pack.name}: its rules read each other's findings in a cycle")
    return Interpreter(plan)


def sliced(pack: ir.Pack, keep: set[str]) -> ir.Pack:
    return dataclasses.replace(
        pack, rules=tuple(r for r in pack.rules if r.id in keep),
        precedences=tuple(p for p in pack.precedences if p.winner in keep and p.loser in keep))


def dependencies(pack: ir.Pack, focus: frozenset[str], rules: dict[str, ir.Rule] | None = None,
                 overriders: dict[str, list[str]] | None = None) -> set[str]:
    """The rules whose decisions the rules in `focus` read, directly or not, and the rules themselves."""
    rules = rules if rules is not None else {r.id: r for r in pack.rules}
    if overriders is None:
        overriders = {}
        for p in pack.precedences:
            overriders.setdefault(p.loser, []).append(p.winner)
    keep: set[str] = set()
    todo = [r for r in sorted(focus) if r in rules]
    while todo:
        rule_id = todo.pop()
        if rule_id in keep:
            continue
        keep.add(rule_id)
        rule = rules[rule_id]
        todo.extend(r for r in (*rule.references, *overriders.get(rule_id, ())) if r in rules)
        if rule.suggest is not None and rule.reports:
            # whether a suggestion stands depends on the rules that can deny the line billed with it
            todo.extend(deniers_of(pack, rule))
    return keep


class Replay:
    """Runs claims through the interpreter of the pack and of its variants."""

    def __init__(self, pack: ir.Pack) -> None:
        self.pack = pack
        self._engines: dict[tuple[Variant, frozenset[str] | None], Interpreter] = {}
        self._rules = {r.id: r for r in pack.rules}
        self._overriders: dict[str, list[str]] = {}
        for p in pack.precedences:
            self._overriders.setdefault(p.loser, []).append(p.winner)
        plan = order.plan(pack, Collector())
        self._order = plan.order if plan is not None else None

    def findings(self, variant: Variant, claim: Claim, focus: frozenset[str] | None = None,
                 raw_suggestions: bool = False) -> list[Finding] | None:
        """The findings of the rules in `focus` (all rules: None) and of those they depend on; with
        `raw_suggestions`, each with the code its rule would suggest, whether or not it stands."""
        key = (variant, focus)
        if key not in self._engines:
            pack = self.pack
            if focus is not None:  # slice first (cheap for large packs); a variant only removes edges
                pack = sliced(pack, dependencies(pack, focus, self._rules, self._overriders))
            self._engines[key] = engine_for(variant.apply(pack), evaluation=self._order)
        try:
            return self._engines[key].evaluate(claim, raw_suggestions=raw_suggestions)
        except ClaimError:
            return None


# ---------------------------------------------------------------- what an entry states


@dataclass(frozen=True)
class Conflict:
    """A pairwise statement the interpreter can check on a claim: the lines where it holds."""

    kind: str  # overlap | redundant | suggestion-withheld | mutual-denial | exception
    a: str
    b: str

    @property
    def focus(self) -> frozenset[str]:
        return frozenset({self.a, self.b})

    def lines(self, replay: Replay, variant: Variant, claim: Claim) -> set[int]:
        findings = replay.findings(variant, claim, self.focus)
        if findings is None:
            return set()
        by_rule: dict[tuple[str, int], Finding] = {(f.rule, f.line): f for f in findings}
        lines = {f.line for f in findings}
        if self.kind == "exception":
            return {line for line in lines if (self.b, line) in by_rule}
        if self.kind in ("overlap", "redundant"):
            found = set()
            for line in lines:
                fa, fb = by_rule.get((self.a, line)), by_rule.get((self.b, line))
                if fa is None or fb is None:
                    continue
                clash = fa.suggest is not None and fb.suggest is not None and fa.suggest != fb.suggest
                if self.kind == "overlap" and (fa.disposition != fb.disposition or clash):
                    found.add(line)
                if self.kind == "redundant" and fa.disposition == fb.disposition and not clash:
                    found.add(line)
            return found
        if self.kind == "suggestion-withheld":
            raw = replay.findings(variant, claim, self.focus, raw_suggestions=True) or []
            found = set()
            for fa in raw:
                if fa.rule != self.a or fa.suggest is None or fa.disposition not in ("deny", "review"):
                    continue
                again = replay.findings(variant, rebill(claim, fa.line, fa.suggest), self.focus)
                if not again or not any(f.rule == self.b and f.line == fa.line and f.disposition == "deny"
                                        for f in again):
                    continue
                final = by_rule.get((self.a, fa.line))
                if final is not None and final.suggest is None:  # the engines withhold it, as they must
                    found.add(fa.line)
            return found
        if self.kind == "mutual-denial":
            found = set()
            for fa in findings:
                if fa.rule != self.a or fa.disposition != "deny":
                    continue
                for fb in findings:
                    if fb.rule != self.b or fb.disposition != "deny" or fb.line == fa.line:
                        continue
                    if fb.line in fa.evidence and fa.line in fb.evidence:
                        found.add(fa.line)
            return found
        raise AssertionError(self.kind)

    def shown(self, replay: Replay, naive: Variant | None, claim: Claim) -> int | None:
        """The first line where the claim shows the conflict: under the pack as declared, or (for a
        resolved conflict) under the naive variant but not as declared."""
        declared = self.lines(replay, Variant(), claim)
        if naive is None:
            return min(declared) if declared else None
        decided = self.lines(replay, naive, claim) - declared
        return min(decided) if decided else None


def rebill(claim: Claim, line: int, code: str) -> Claim:
    """The same claim with line `line` billed as `code` (derived fields follow from the code)."""
    changed = copy.deepcopy(claim)
    changed["lines"][line - 1]["code"] = code
    return changed


# ---------------------------------------------------------------- model -> claim


#: places of service a reader recognises, the office first (CMS's codes: office, outpatient hospital
#: on campus, inpatient hospital, outpatient hospital off campus, home, emergency room, independent
#: clinic, nursing facilities): witnesses prefer them, and a place the pack never names is one of them
FAMILIAR_PLACES = ("11", "22", "21", "19", "12", "23", "49", "31", "32")


class Renderer:
    """Readable strings for the atoms of one model, consistent across the claim.

    With `groups` (a question's: the groups of the codes its rules mention) and `texts` (the text
    literals they mention), only those are named as themselves: any other code id is a code of its
    kind that the rules never mention, named from `generic_codes` of that kind, and any other text
    id a generic text. The claim then depends on the question alone, not on the rest of the pack.
    `names` gives the code of some ids (codes of real rows, chosen for a model that looks tables up)."""

    BUILTIN = frozenset({"professional", "institutional", "direct", "none"})

    def __init__(self, universe: Universe, groups: list[Group] | None = None,
                 names: dict[int, str] | None = None) -> None:
        self.u = universe
        self.groups = groups
        self._starts = [g.lo for g in groups] if groups is not None else []
        self._names: dict[int, str] = dict(names or {})
        self._taken = set(self._names.values())
        self._used: dict[object, int] = {}  # group, kind or family -> how many names given out

    def _group_at(self, atom: int) -> Group | None:
        if self.groups is None:
            return self.u.group_at(atom)
        index = bisect.bisect_right(self._starts, atom) - 1
        if index >= 0 and self.groups[index].lo <= atom <= self.groups[index].hi:
            return self.groups[index]
        return None

    def _next(self, key: object) -> int:
        count = self._used.get(key, 0)
        self._used[key] = count + 1
        return count

    def atom(self, value: int) -> str:
        if value in self._names:
            return self._names[value]
        u = self.u
        group = self._group_at(value)
        kind = kind_at(value)
        if group is not None:
            count = self._next(group.index)
            while group.codes[count] in self._taken:  # a code chosen for another id of the group
                count = self._next(group.index)
            name = group.codes[count]
        elif kind is not None:  # a code no rule of the question names: a generic one of its kind
            generic = u.generic(kind, self.groups or [])
            name = generic[self._next(kind) % len(generic)]
        else:
            literal = u.literal_at(value)
            if literal is not None and (self.groups is None or literal in self.BUILTIN
                                        or TWO_DIGITS.match(literal) or literal in self.texts):
                name = literal
            else:
                family = u.family_at(value) or "text"
                count = self._next(family)
                name = {"provider": f"P{count + 1}", "drug": f"NDC-{count + 1}", "text": f"T{count + 1}"}[family]
        self._names[value] = name
        return name

    texts: frozenset[str] = frozenset()


def _number(value: Any) -> int | float:
    if z3.is_int_value(value):
        return int(value.as_long())
    fraction = value.as_fraction()
    return int(fraction) if fraction.denominator == 1 else float(fraction)


def stamp(minute: int) -> str:
    """A minute number (days since year 1 times 1440, plus minutes) as a claim time stamp."""
    day, rest = divmod(minute, 1440)
    return f"{datetime.date.fromordinal(day).isoformat()}T{rest // 60:02d}:{rest % 60:02d}"


def claim_from_model(model: Any, symbolic: SymbolicClaim, reads: Reads | None = None,
                     groups: list[Group] | None = None, codes: dict[int, str] | None = None) -> Claim:
    """The model as a contract claim in readable values: every field the model sets, or with
    `reads` the fields it names (a professional claim that reads no place of service is in the
    office, 11, since a valid one names a place), its codes and texts named as `Renderer` says;
    `codes` names the code of some ids (codes of real rows, chosen for a model that looks tables up)."""
    u = symbolic.universe
    names = Renderer(u, groups, codes)
    if reads is not None:
        names.texts = reads.texts

    def read(part: str) -> bool:
        return reads is None or reads.reads(part)

    def get(expr: Any) -> Any:
        return model.eval(expr, model_completion=True)

    def true(expr: Any) -> bool:
        return bool(z3.is_true(get(expr)))

    def atom(expr: Any) -> str:
        return names.atom(int(get(expr).as_long()))

    h = symbolic.header
    claim: Claim = {"id": "W", "type": atom(h.type)}
    lines: list[dict[str, Any]] = []
    for slot in symbolic.slots:
        if not true(slot.active):
            break
        line: dict[str, Any] = {"code": atom(slot.code), "date": u.day(get(slot.date).as_long())}
        modifiers = [m for m, flag in sorted(slot.modifiers.items())
                     if (reads is None or m in reads.modifiers) and true(flag)]
        if modifiers and read("modifiers"):
            line["modifiers"] = modifiers
        units = _number(get(slot.units)) if read("units") else 1
        if units != 1:
            line["units"] = units
        if read("drug") and true(slot.drug_given):
            line["drug"] = atom(slot.drug)
        if (reads is None or "provider" in reads.line) and not true(slot.provider_absent):
            line["provider"] = atom(slot.provider)
        if read("pos") and not true(slot.pos_absent):
            line["pos"] = atom(slot.pos)
        if read("charge") and not true(slot.charge_absent):
            line["charge"] = _number(get(slot.charge))
        if read("timed") and true(slot.timed):
            line["start"], line["stop"] = stamp(get(slot.start).as_long()), stamp(get(slot.stop).as_long())
        if read("supervision") and true(slot.unsupervised):
            line["supervision"] = "none"
        if read("member_supplied") and true(slot.member_supplied):
            line["member_supplied"] = True
        if read("description") and not true(slot.description_absent):
            line["description"] = atom(slot.description)
        lines.append(line)
    if read("pos") and not true(h.pos_absent):
        claim["pos"] = atom(h.pos)
    elif not read("pos") and claim["type"] == "professional":
        claim["pos"] = FAMILIAR_PLACES[0]
    if (reads is None or "provider" in reads.claim) and not true(h.provider_absent):
        claim["provider"] = atom(h.provider)
    if (reads is None or "member" in reads.claim) and not true(h.member_absent):
        claim["member"] = atom(h.member)
    if (reads is None or "bill" in reads.claim) and not true(h.bill_absent):
        bill_type = atom(h.bill_type)
        claim["bill_type"] = bill_type if bill_type in u.bill_classes else f"0{atom(h.bill_class)}1"
    for line in lines:  # a line that repeats the claim's value says nothing of its own
        for key in ("pos", "provider"):
            if key in claim and line.get(key) == claim[key]:
                del line[key]
    claim["lines"] = lines
    return claim


# ---------------------------------------------------------------- readable and minimal


Holds = Callable[[Claim], bool]


def _valid(claim: Claim) -> bool:
    lines = claim.get("lines", [])
    if not lines:
        return False
    if claim.get("type") == "professional" and "pos" not in claim:
        return all("pos" in line for line in lines)
    return True


def _tidy_dates(claim: Claim, effective: str) -> Claim | None:
    """Dates a few days into the effective period (order and sameness kept), times from 09:00."""
    days = sorted({line["date"] for line in claim["lines"]})
    start = datetime.date.fromisoformat(effective)
    before = [d for d in days if d < effective]
    mapping = {d: (start - datetime.timedelta(days=len(before) - i + 30)).isoformat() for i, d in enumerate(before)}
    after = [d for d in days if d >= effective]
    mapping.update({d: (start + datetime.timedelta(days=13 + i)).isoformat() for i, d in enumerate(after)})
    changed = copy.deepcopy(claim)
    stamps = []
    for line in changed["lines"]:
        line["date"] = mapping[line["date"]]
        if "start" in line:
            stamps.append((line["start"], line["date"]))
    if stamps:
        first, day = min(stamps)
        shift = minutes(f"{day}T09:00") - minutes(first)
        for line in changed["lines"]:
            if "start" in line:
                line["start"] = stamp(minutes(line["start"]) + shift)
                line["stop"] = stamp(minutes(line["stop"]) + shift)
    return None if changed == claim else changed


def minutes(text: str) -> int:
    """A claim time stamp (`2024-09-12T09:00`) as a minute number; `stamp` turns it back."""
    day = datetime.date.fromisoformat(text[:10]).toordinal()
    return day * 1440 + int(text[11:13]) * 60 + int(text[14:16])


def _hoist(claim: Claim, key: str) -> Claim | None:
    """Move a value every line repeats onto the claim."""
    values = {line.get(key) for line in claim["lines"]}
    if len(values) != 1 or None in values or key in claim:
        return None
    changed = copy.deepcopy(claim)
    changed[key] = values.pop()
    for line in changed["lines"]:
        del line[key]
    return changed


def _smaller(claim: Claim) -> list[Claim]:
    """Every claim one step smaller: a line fewer, or one optional field fewer."""
    out: list[Claim] = []
    lines = claim["lines"]
    for index in range(len(lines) - 1, -1, -1):
        if len(lines) > 1:
            out.append({**claim, "lines": [line for i, line in enumerate(lines) if i != index]})
    for index, line in enumerate(lines):
        for key in ("start", "modifiers", "units", "charge", "drug", "provider", "pos", "supervision",
                    "member_supplied", "description"):
            if key not in line:
                continue
            variants: list[dict[str, Any]] = []
            if key == "modifiers" and len(line[key]) > 1:
                variants += [{**line, key: [m for m in line[key] if m != gone]} for gone in line[key]]
            variants.append({k: v for k, v in line.items() if k != key and not (key == "start" and k == "stop")})
            for variant in variants:
                out.append({**claim, "lines": [variant if i == index else other for i, other in enumerate(lines)]})
    for key in ("member", "provider", "bill_type", "pos"):
        if key in claim:
            out.append({k: v for k, v in claim.items() if k != key})
    return out


def shrink(claim: Claim, holds: Holds, effective: str) -> Claim:
    """Readable values and the fewest lines and fields on which `holds` is still true."""
    tidying: list[Callable[[Claim], Claim | None]] = [lambda c: _tidy_dates(c, effective), lambda c: _hoist(c, "pos"),
                                                    lambda c: _hoist(c, "provider")]
    for tidy in tidying:
        candidate = tidy(claim)
        if candidate is not None and _valid(candidate) and holds(candidate):
            claim = candidate
    changed = True
    while changed:
        changed = False
        for candidate in _smaller(claim):
            if _valid(candidate) and holds(candidate):
                claim = candidate
                changed = True
                break
    return claim


def witness_findings(findings: list[Finding] | None) -> tuple[WitnessFinding, ...]:
    """The interpreter's findings as the report keeps them."""
    return tuple(WitnessFinding(f.line, f.rule, f.disposition, f.suggest, tuple(f.evidence)) for f in findings or ())


def describe(findings: list[Finding] | None) -> list[str]:
    if findings is None:
        return ["(the claim is not valid)"]
    out = []
    for f in findings:
        suggest = f" suggest {f.suggest}" if f.suggest else ""
        because = f" (evidence: lines {', '.join(map(str, f.evidence))})" if f.evidence else ""
        out.append(f"line {f.line}: {f.rule} {f.disposition}{suggest}{because}")
    return out


def is_two_digits(text: str) -> bool:
    return bool(TWO_DIGITS.match(text))
