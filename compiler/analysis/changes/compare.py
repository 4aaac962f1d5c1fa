"""Two versions of a pack compared rule by rule, over one symbolic claim (contract/DIFF.md).

Both packs are encoded by the analyzer's encoder over the same claim variables and one universe of
codes built from both, so a code set renamed, split or re-joined is the same set of atoms to both.
For a rule R and a line slot, `O` is "R's finding is on the line under the old pack" (its effective
decision: raw, less the rules that take precedence over it) and `N` the same under the new pack;
the questions are `N and not O` (broader), `O and not N` (narrower) and, when neither has an answer,
`O and N` with a different disposition or suggested code (outcome), the suggested code being the one
that stands (absent where the line, billed with it, is denied: the semantics both engines share). A
rule whose decisions are the same value in both packs (compiler.analysis.changes.canon) is
equivalent without a question.

Every witness is a solver model made into a claim, replayed through the interpreters of both packs,
shrunk while they still show the change, and reported with the rule's findings under each.

Packs whose rules read tables loaded from files are also compared row by row (`rows`): the rows
added, removed and changed in each file, each with a witness claim built from the row and replayed
(`rowwitness`). A table whose rows the rules see the same way in both versions (only a rationale
changed, say) leaves the rules reading it as they are; one that changed for them keeps them from
being `equivalent` on the strength of their text. The solver cannot yet reason about lookups, so
for such a rule the claims built from the changed rows decide where they can: a witness of each
direction makes it `incomparable`; one direction is enough where the rule's decisions can only
move that way (`monotone`: rows only added to a table read under no negation can only add lines);
otherwise the rule is `unknown`, with the witnesses found.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import z3

from compiler.analysis.changes.canon import Canonical
from compiler.analysis.changes.model import ChangeReport, Direction, PackId, RowChange, RuleChange, TableChange, Witness
from compiler.analysis.changes.monotone import Unanalyzable, movement
from compiler.analysis.changes.rows import Direction as TableDirection
from compiler.analysis.changes.rows import FileDiff, file_diffs, row_effect, table_reads
from compiler.analysis.changes.rowwitness import RowWitnesses
from compiler.analysis.conflicts.encode import Encoder, Variant
from compiler.analysis.conflicts.model import Z3, SymbolicClaim, conj, disj, in_ranges, neg
from compiler.analysis.conflicts.questions import DEFAULT_BOUND, DEFAULT_RLIMIT, LARGEST, claim_size, pleasant_model
from compiler.analysis.conflicts.shape import NONE, Shape, Shapes
from compiler.analysis.conflicts.universe import Universe, Unsupported, build_universe
from compiler.analysis.conflicts.witness import Claim, Replay, claim_from_model, minutes, shrink, stamp
from compiler.analysis.suggestions import deniers_of
from compiler.runtime.claims import Finding
from compiler.semantics import ir

__all__ = ["MAX_WITNESSES", "compare_packs"]

MAX_WITNESSES = 3

Formula = Callable[[Encoder, Encoder, int], Z3]


@dataclass
class _Answer:
    status: str  # sat | unsat | unknown
    witnesses: list[Witness]
    reason: str = ""


class _Side:
    """One version of the pack: its rules, shapes, canonical values and interpreter."""

    def __init__(self, pack: ir.Pack) -> None:
        self.pack = pack
        self.rules = {r.id: r for r in pack.rules}
        self.deciding = {r.id: r for r in pack.rules if r.edits}
        overriders = {rid: tuple(w for w in pack.overriders(rid) if w in self.deciding) for rid in self.deciding}
        self.shapes = Shapes(self.deciding, overriders)
        self.canon = Canonical(pack)
        self.exceptions = frozenset(r.id for r in pack.rules if r.kind == "exception")
        self.replay = Replay(_reporting(pack))
        # a pack with tables read from files runs whole, once per claim: a slice of it per rule would
        # index the tables' rows again for every rule
        self.whole = bool(pack.data_tables)
        self._runs: dict[str, list[Finding] | None] = {}

    def shape(self, rule_id: str, positive: bool) -> Shape:
        return self.shapes.effective(rule_id, positive) if rule_id in self.deciding else NONE

    def suggestion_shape(self, rule_id: str) -> Shape:
        """The shape of the rule's suggestion that stands: its code and guard, and every rule that can
        deny the line billed with it (in the re-billed claim, either way)."""
        rule = self.deciding.get(rule_id)
        if rule is None:
            return NONE
        shape = NONE
        for expr in (rule.suggest, rule.suggest_if):
            shape = shape + self.shapes.expr(expr, True, frozenset()) + self.shapes.expr(expr, False, frozenset())
        if rule.suggest is not None:
            for denier in deniers_of(self.pack, rule, tuple(self.deciding)):
                shape = shape + self.shapes.effective(denier, True) + self.shapes.effective(denier, False)
        return shape

    def run(self, claim: Claim) -> list[Finding] | None:
        """The findings of every rule on the claim, exceptions' as `info` findings (None: the claim
        is not valid); remembered."""
        key = json.dumps(claim, sort_keys=True)
        if key not in self._runs:
            if len(self._runs) >= _REMEMBERED:
                self._runs.clear()
            self._runs[key] = self.replay.findings(Variant(), claim)
        return self._runs[key]

    def findings(self, rule_id: str, claim: Claim) -> dict[int, Finding] | None:
        """The rule's findings on the claim, by line (None: the claim is not valid)."""
        found = self.run(claim) if self.whole else self.replay.findings(Variant(), claim, frozenset({rule_id}))
        if found is None:
            return None
        out = {}
        for finding in found:
            if finding.rule == rule_id:
                out[finding.line] = finding
        return out


#: the most claims a side remembers its findings on
_REMEMBERED = 50_000

#: the most claims built from changed rows that are run for one rule and direction, looking for a witness
_SEEK = 2_000


def _reporting(pack: ir.Pack) -> ir.Pack:
    """The pack with each exception reporting where it applies (an `info` finding), so that the
    interpreter shows an exception's decisions like any rule's; no other rule decides differently."""
    rules = tuple(dataclasses.replace(r, disposition="info") if r.kind == "exception" else r for r in pack.rules)
    return dataclasses.replace(pack, rules=rules)


class Comparison:
    """Two versions over one symbolic claim: a solver per claim size (the claim's validity asserted
    once, each question pushed and popped), both packs' encoders per size, and what the answers
    found about the bound. `disagreements` records witnesses the interpreters did not confirm
    (each makes its rule `unknown`: a bug in the encoding, never a reported change)."""

    def __init__(self, old: ir.Pack, new: ir.Pack, max_lines: int | None, rlimit: int) -> None:
        self.old, self.new = _Side(old), _Side(new)
        self.max_lines = max_lines
        self.rlimit = rlimit
        self.limit = max_lines if max_lines is not None else LARGEST
        self.universe: Universe = build_universe((old, new), 3 * max(self.limit, DEFAULT_BOUND) + 2)
        self.ctx = z3.Context()
        self.lines_used = 1
        self.complete = True
        self.disagreements: list[str] = []
        self._claims: dict[int, SymbolicClaim] = {}
        self._solvers: dict[int, Any] = {}
        self._encoders: dict[int, tuple[Encoder, Encoder]] = {}
        self._group_of_code = {code: g for g in self.universe.groups for code in g.codes[:g.size]}
        # tables read from files, compared row by row
        self.files = file_diffs(old, new)
        self.reads = table_reads((old, new))
        self.effective = max(old.effective, new.effective)
        self._canons: dict[tuple[bool, frozenset[str] | None, bool], Canonical] = {}
        self._rows: RowWitnesses | None = None
        self._seen: list[tuple[FileDiff, int | None, int | None]] = []  # the changed rows listed that rules see

    # ------------------------------------------------------------ solving
    def claim(self, size: int) -> SymbolicClaim:
        if size not in self._claims:
            symbolic = SymbolicClaim(self.universe, size, self.ctx)
            solver = z3.Solver(ctx=self.ctx)
            solver.set("rlimit", self.rlimit)
            solver.add(*symbolic.constraints)
            self._claims[size], self._solvers[size] = symbolic, solver
        return self._claims[size]

    def encoders(self, size: int) -> tuple[Encoder, Encoder]:
        if size not in self._encoders:
            symbolic = self.claim(size)
            self._encoders[size] = (Encoder(self.old.pack, self.universe, symbolic, Variant()),
                                    Encoder(self.new.pack, self.universe, symbolic, Variant()))
        return self._encoders[size]

    def size(self, shape: Shape) -> tuple[int, bool]:
        return claim_size(shape, 1, self.limit, self.max_lines)

    def ask(self, rule_id: str, direction: Direction, formula: Formula, shape: Shape, wanted: int) -> _Answer:
        """Up to `wanted` witnesses of the change in `direction`, each on a line of another code group."""
        size, complete = self.size(shape)
        symbolic = self.claim(size)
        old, new = self.encoders(size)
        anchors = range(size) if shape.ordered else range(1)
        solver = self._solvers[size]
        blocked: list[tuple[int, int]] = []
        witnesses: list[Witness] = []
        try:
            parts = [(a, formula(old, new, a)) for a in anchors]
        except (z3.Z3Exception, RecursionError) as problem:
            raise Unsupported(f"the formula could not be built ({type(problem).__name__})") from None
        while len(witnesses) < wanted:
            query = disj(*[conj(f, neg(in_ranges(symbolic.slots[a].code, blocked))) if blocked else f
                            for a, f in parts])
            solver.push()
            try:
                solver.add(query)
                status = solver.check()
                if status == z3.unknown:
                    if witnesses:
                        break
                    return _Answer("unknown", [], solver.reason_unknown())
                self.lines_used = max(self.lines_used, size)
                if status == z3.unsat:
                    if not witnesses:
                        self.complete = self.complete and complete
                        return _Answer("unsat", [])
                    break
                model = pleasant_model(solver, symbolic)
            finally:
                solver.pop()
            claim = claim_from_model(model, symbolic)
            witness = self.confirm(rule_id, direction, claim)
            if witness is None:
                if witnesses:
                    break
                return _Answer("unknown", [], "internal error: the interpreters do not confirm the solver's witness")
            witnesses.append(witness)
            group = self._group_of_code.get(witness.claim["lines"][witness.line - 1]["code"])
            if group is None:
                break
            blocked.append((group.lo, group.hi))
        return _Answer("sat", witnesses)

    # ------------------------------------------------------------ replay
    def shown(self, rule_id: str, direction: Direction, claim: Claim) -> int | None:
        """The first line on which the interpreters show the change, or None."""
        old, new = self.old.findings(rule_id, claim), self.new.findings(rule_id, claim)
        if old is None or new is None:
            return None
        for line in sorted(set(old) | set(new)):
            o, n = old.get(line), new.get(line)
            if direction == "broader" and n is not None and o is None:
                return line
            if direction == "narrower" and o is not None and n is None:
                return line
            if (direction == "outcome" and o is not None and n is not None
                    and (o.disposition != n.disposition or o.suggest != n.suggest)):
                return line
        return None

    def confirm(self, rule_id: str, direction: Direction, claim: Claim) -> Witness | None:
        if self.shown(rule_id, direction, claim) is None:
            self.disagreements.append(f"{rule_id} {direction}: the interpreters do not confirm the solver's claim "
                                      f"{claim}")
            return None
        claim = shrink(claim, lambda c: self.shown(rule_id, direction, c) is not None, self.new.pack.effective)
        line = self.shown(rule_id, direction, claim)
        assert line is not None
        old, new = self.old.findings(rule_id, claim) or {}, self.new.findings(rule_id, claim) or {}
        ranges = tuple(r for r in (self._range(rule_id, direction, claim, line, f) for f in _RANGED) if r is not None)
        if rule_id in self.old.exceptions or rule_id in self.new.exceptions:
            # an exception gives no finding (it allows a line): the witness shows where it applies
            allowed = (line in old, line in new)
            return Witness(claim, line, direction, [], [], allowed=allowed, ranges=ranges)
        return Witness(claim, line, direction, [f.to_dict() for f in (old.get(line),) if f is not None],
                       [f.to_dict() for f in (new.get(line),) if f is not None], ranges=ranges)

    def _range(self, rule_id: str, direction: Direction, claim: Claim, line: int,
               field: str) -> tuple[str, int, int | None] | None:
        """The whole values of the witness line's minutes or units, around its own, for which the
        same claim still shows the change on that line (replayed): `(field, low, high)`, high None
        when it holds up to the search's end. None when the line does not set the field, or when the
        change does not depend on it."""
        value = _field_value(claim["lines"][line - 1], field)
        if value is None:
            return None

        def holds(number: int) -> bool:
            return self.shown(rule_id, direction, _with_field(claim, line, field, number)) == line

        low, high, most = value, value, value + _REACH[field]
        while low > 1 and value - low < _REACH[field] and holds(low - 1):
            low -= 1
        while high < most and holds(high + 1):
            high += 1
        if low == 1 and high == most:
            return None  # any value shows it: the change is not about this field
        return field, low, None if high == most else high

    # ------------------------------------------------------------ formulas
    def decides(self, side: _Side, encoder: Encoder, rule_id: str, slot: int) -> Z3:
        if rule_id not in side.deciding:
            return encoder.false
        return encoder.effective(rule_id, slot)

    def broader(self, rule_id: str) -> tuple[Formula, Shape]:
        def formula(old: Encoder, new: Encoder, a: int) -> Z3:
            return conj(self.decides(self.new, new, rule_id, a), neg(self.decides(self.old, old, rule_id, a)))

        return formula, self.new.shape(rule_id, True) + self.old.shape(rule_id, False)

    def narrower(self, rule_id: str) -> tuple[Formula, Shape]:
        def formula(old: Encoder, new: Encoder, a: int) -> Z3:
            return conj(self.decides(self.old, old, rule_id, a), neg(self.decides(self.new, new, rule_id, a)))

        return formula, self.old.shape(rule_id, True) + self.new.shape(rule_id, False)

    def outcome(self, rule_id: str) -> tuple[Formula, Shape]:
        same_disposition = self.old.deciding[rule_id].disposition == self.new.deciding[rule_id].disposition

        def formula(old: Encoder, new: Encoder, a: int) -> Z3:
            both = conj(old.effective(rule_id, a), new.effective(rule_id, a))
            if not same_disposition:
                return both
            so, sn = old.standing(rule_id, a), new.standing(rule_id, a)  # the suggestions that stand
            differ = disj(so.absent != sn.absent, conj(neg(so.absent), so.id != sn.id))
            return conj(both, differ)

        shape = (self.old.shape(rule_id, True) + self.new.shape(rule_id, True)
                 + self.old.suggestion_shape(rule_id) + self.new.suggestion_shape(rule_id))
        return formula, shape

    # ------------------------------------------------------------ one rule
    def rule(self, rule_id: str) -> RuleChange:
        old, new = self.old.rules.get(rule_id), self.new.rules.get(rule_id)
        if old is None or new is None:
            return self._added_or_removed(rule_id, old is None)
        texts = _texts(old, new)
        if rule_id not in self.old.deciding and rule_id not in self.new.deciding:
            return RuleChange(rule_id, "equivalent", _equivalent_message(rule_id, texts), texts=texts)
        types = self._types(rule_id)
        if (rule_id in self.old.deciding and rule_id in self.new.deciding
                and self.canonical(self.old, types).decisions(rule_id)
                == self.canonical(self.new, types).decisions(rule_id)):
            return RuleChange(rule_id, "equivalent", _equivalent_message(rule_id, texts), texts=texts)
        try:
            solved = self._solved(rule_id, texts)
        except Unsupported as problem:
            solved = RuleChange(rule_id, "unknown", "", reason=_cannot_encode(problem))
        return self._from_tables(rule_id, texts, solved)

    def _added_or_removed(self, rule_id: str, added: bool) -> RuleChange:
        side = self.new if added else self.old
        direction: Direction = "broader" if added else "narrower"
        witnesses: list[Witness] = []
        if rule_id in side.deciding:
            try:
                formula, shape = self.broader(rule_id) if added else self.narrower(rule_id)
                witnesses = self.ask(rule_id, direction, formula, shape, MAX_WITNESSES).witnesses
            except Unsupported:  # a rule the solver cannot encode is still added: the rows' claims may show it
                witnesses = self._replayed(rule_id, direction)
        return RuleChange(rule_id, "added" if added else "removed", "", tuple(witnesses))

    # ------------------------------------------------------------ tables read from files
    def tables(self) -> list[TableChange]:
        """Every file of every table read from files of either pack: its rows counted, and its first
        changed rows, each with a witness claim replayed through both packs where one shows it."""
        witnesses = self.row_witnesses()
        out = []
        for diff in self.files:
            changes: list[RowChange] = []
            for change, old_row, new_row in diff.row_changes():
                effect = row_effect(diff, self.reads.get(diff.table), self.effective, old_row, new_row)
                witness = None
                if effect != "none":
                    witness = witnesses.witness(diff, old_row, new_row)
                    self._seen.append((diff, old_row, new_row))
                changes.append(dataclasses.replace(change, witness=witness))
            out.append(diff.report(changes))
        return out

    def row_witnesses(self) -> RowWitnesses:
        if self._rows is None:
            self._rows = RowWitnesses(self.old.pack, self.new.pack, self.old.run, self.new.run,
                                      self.old.exceptions | self.new.exceptions)
        return self._rows

    def _types(self, rule_id: str) -> frozenset[str] | None:
        """The claim types the rule decides under either version (None: every type)."""
        rules = [r for r in (self.old.rules.get(rule_id), self.new.rules.get(rule_id)) if r is not None]
        if any(r.claim_types is None for r in rules):
            return None
        return frozenset(t for r in rules for t in r.claim_types or ())

    def _relevant(self, diff: FileDiff, types: frozenset[str] | None) -> bool:
        return types is None or bool(diff.claim_types & types)

    def canonical(self, side: _Side, types: frozenset[str] | None, blind: bool = False) -> Canonical:
        """The side's canonical values, with the same content in both versions for each table file
        whose changes no lookup sees on claims of `types` (its rows the same to the rules, or serving
        other claim types), or for every table file (`blind`: the rules' structure alone)."""
        if not self.files:
            return side.canon
        key = (side is self.new, types, blind)
        if key not in self._canons:
            tokens: dict[tuple[str, str], str] = {}
            for number, diff in enumerate(self.files):
                mine = diff.new if side is self.new else diff.old
                if mine is not None and (blind or diff.direction == "same" or not self._relevant(diff, types)):
                    tokens[(diff.table, mine.file.path)] = f"as in both versions: file {number}"
            tables = tuple(dataclasses.replace(t, files=tuple(dataclasses.replace(f, digest=tokens.get((t.name, f.path),
                                                                                                         f.digest))
                                                              for f in t.files))
                           for t in side.pack.data_tables)
            self._canons[key] = Canonical(dataclasses.replace(side.pack, data_tables=tables))
        return self._canons[key]

    def directions(self, types: frozenset[str] | None) -> dict[str, TableDirection]:
        """How what the lookups of each table find changed, on claims of `types` (None: any)."""
        out: dict[str, TableDirection] = {}
        for diff in self.files:
            if self._relevant(diff, types):
                out[diff.table] = _combined(out.get(diff.table, "same"), diff.direction)
        return out

    def _read_tables(self, rule_id: str) -> set[str]:
        """The tables whose lookups the rule's decisions depend on, in either version."""
        rows = self.row_witnesses()
        return {table for readers in rows.readers for table, rules in readers.items() if rule_id in rules}

    def _replayed(self, rule_id: str, direction: Direction) -> list[Witness]:
        """Witnesses of the rule deciding differently in `direction`, from the claims built from the
        changed rows of tables (each shrunk again for the rule)."""
        if self._rows is None:
            return []
        out: list[Witness] = []
        for claim in self._rows.evidence.get((rule_id, direction), ()):
            witness = self.confirm(rule_id, direction, claim)
            if witness is not None and _key(witness) not in {_key(w) for w in out}:
                out.append(witness)
        return out[:MAX_WITNESSES]

    def _from_tables(self, rule_id: str, texts: tuple[str, ...], solved: RuleChange) -> RuleChange:
        """The rule's change where the tables it reads changed and the solver did not decide it: from
        the claims built from the changed rows (see the module's notes). Never `equivalent`."""
        types = self._types(rule_id)
        read = self._read_tables(rule_id)
        affected = {t: d for t, d in self.directions(types).items() if d != "same" and t in read}
        if not affected or solved.change not in ("equivalent", "unknown"):
            return solved
        names = _words(tuple(sorted(affected)))
        moves, why = self._movement(rule_id, affected)
        wanted: tuple[Direction, ...] = ("broader", "narrower")
        if moves in ("gains", "loses"):  # a witness of the one way it can move decides it
            wanted = ("broader",) if moves == "gains" else ("narrower",)
        rows = [seen for seen in self._seen if seen[0].table in affected and self._relevant(seen[0], types)]
        for direction in wanted:
            self.row_witnesses().seek((rule_id, direction), rows, _SEEK)
        found = {d: w for d in ("broader", "narrower", "outcome") if (w := self._replayed(rule_id, d))}
        shown = f"claims built from the changed rows of {names}, replayed through both versions"
        if "broader" in found and "narrower" in found:
            witnesses = [found["broader"][0], found["narrower"][0], *found.get("outcome", [])[:1]]
            return RuleChange(rule_id, "incomparable", "", tuple(witnesses), texts, basis=f"Shown by {shown}.")
        for direction, way in (("broader", "gains"), ("narrower", "loses")):
            if direction in found and moves == way:
                witnesses = [*found[direction][:MAX_WITNESSES - 1], *found.get("outcome", [])[:1]]
                if len(witnesses) < MAX_WITNESSES:
                    witnesses += found[direction][MAX_WITNESSES - 1:MAX_WITNESSES]
                moved = _words(tuple(f"{t} only {'gained' if d == 'grow' else 'lost'} rows in force"
                                     for t, d in sorted(affected.items())))
                basis = (f"Decided from {shown}: {moved}, and it reads them so that it can only "
                         f"{'gain' if way == 'gains' else 'lose'} lines.")
                return RuleChange(rule_id, direction, "", tuple(witnesses), texts, basis=basis)
        witnesses = [w for d in ("broader", "narrower", "outcome") for w in found.get(d, [])[:1]]
        reason = solved.reason or "the solver did not decide it"
        unsettled = why or {"gains": "it can only gain lines, and no claim built from the rows showed one",
                            "loses": "it can only lose lines, and no claim built from the rows showed one",
                            "both": "its lookups can make it gain lines and lose others",
                            "none": "its lookups of them do not move its decisions either way"}.get(moves or "", "")
        basis = f"The rows of {names}, which it reads, changed; {unsettled}."
        return RuleChange(rule_id, "unknown", "", tuple(witnesses), texts, reason=reason, basis=basis)

    def _movement(self, rule_id: str, affected: Mapping[str, TableDirection]) -> tuple[str | None, str]:
        """Which way the rule's decisions can move with the tables' changes (monotone.movement), when
        its conditions are the same in both versions; else None and why not."""
        if rule_id not in self.old.deciding or rule_id not in self.new.deciding:
            return None, ""
        blind = (self.canonical(self.old, None, True), self.canonical(self.new, None, True))
        if blind[0].decisions(rule_id) != blind[1].decisions(rule_id):
            return None, "its conditions changed too"
        try:
            return movement(self.new.pack, rule_id, affected), ""
        except Unanalyzable as problem:
            return None, f"whether its decisions only gain or only lose lines is not analyzed ({problem})"

    def _solved(self, rule_id: str, texts: tuple[str, ...]) -> RuleChange:
        found: dict[Direction, list[Witness]] = {}
        for direction in ("broader", "narrower"):
            formula, shape = self.broader(rule_id) if direction == "broader" else self.narrower(rule_id)
            answer = self.ask(rule_id, direction, formula, shape, 1)
            if answer.status == "unknown":
                return _unknown(rule_id, answer.reason)
            if answer.witnesses:
                found[direction] = answer.witnesses
        if not found:
            if rule_id not in self.old.deciding or rule_id not in self.new.deciding:
                return RuleChange(rule_id, "equivalent", _equivalent_message(rule_id, texts), texts=texts)
            formula, shape = self.outcome(rule_id)
            answer = self.ask(rule_id, "outcome", formula, shape, MAX_WITNESSES)
            if answer.status == "unknown":
                return _unknown(rule_id, answer.reason)
            if not answer.witnesses:
                return RuleChange(rule_id, "equivalent", _equivalent_message(rule_id, texts), texts=texts)
            return RuleChange(rule_id, "outcome", "", tuple(answer.witnesses), texts)
        outcome = self._outcome_too(rule_id)
        if len(found) == 2:
            extra = outcome or self._more(rule_id, "broader", found["broader"], 1)
            witnesses = [found["broader"][0], found["narrower"][0], *extra]
            return RuleChange(rule_id, "incomparable", "", tuple(witnesses), texts)
        direction, first = next(iter(found.items()))
        witnesses = [*first, *self._more(rule_id, direction, first, MAX_WITNESSES - 1 - len(outcome)), *outcome]
        return RuleChange(rule_id, direction, "", tuple(witnesses), texts)

    def _outcome_too(self, rule_id: str) -> list[Witness]:
        """A witness of another disposition or suggestion on a line both versions decide, for a rule
        that also gained or lost lines: a direction of its change that the report must show too. An
        unanswered question gives none (the rule's change is already known)."""
        if rule_id not in self.old.deciding or rule_id not in self.new.deciding:
            return []
        formula, shape = self.outcome(rule_id)
        return self.ask(rule_id, "outcome", formula, shape, 1).witnesses

    def _more(self, rule_id: str, direction: Direction, have: list[Witness], count: int) -> list[Witness]:
        """Further witnesses in `direction`, on lines of other code groups than those found."""
        formula, shape = self.broader(rule_id) if direction == "broader" else self.narrower(rule_id)
        answer = self.ask(rule_id, direction, formula, shape, len(have) + count)
        seen = [_key(w) for w in have]
        extra = [w for w in answer.witnesses if _key(w) not in seen]
        return extra[:count]

    def described(self, change: RuleChange) -> RuleChange:
        """The change with its message, naming its (numbered) witnesses."""
        if change.message:
            return change
        rule_id, witnesses = change.rule, list(change.witnesses)
        if change.change == "unknown":
            message = f"{rule_id}: no answer ({change.reason})."
            if witnesses:
                message += (" Claims built from the changed rows of tables show it deciding lines differently (e.g. "
                            f"{'; '.join(f'{_example(w)}, {_DIRECTION_WORDS[w.direction]}' for w in witnesses)}).")
            if change.basis:
                message += f" {change.basis}"
            return dataclasses.replace(change, message=message)
        if change.change in ("added", "removed"):
            added = change.change == "added"
            rule = (self.new if added else self.old).rules[rule_id]
            return dataclasses.replace(change, message=_added_message(rule_id, rule, witnesses, added))
        message = self._message(rule_id, change.change, witnesses)
        if change.change != "outcome" and any(w.direction == "outcome" for w in witnesses):
            shown = [w for w in witnesses if w.direction == "outcome"]
            message += (" Where both versions decide a line, it also decides some of them differently (e.g. "
                        f"{'; '.join(_example(w) for w in shown)}).")
        if change.texts:
            message += f" Its {_words(change.texts)} also changed."
        if change.basis:
            message += f" {change.basis}"
        return dataclasses.replace(change, message=message)

    def _message(self, rule_id: str, change: str, witnesses: list[Witness]) -> str:
        old, new = self.old.rules[rule_id], self.new.rules[rule_id]
        examples = "; ".join(_example(w) for w in witnesses if w.direction != "outcome" or change == "outcome")
        if change == "broader":
            return f"{rule_id} now {_verb(new.disposition)} lines it did not decide before (e.g. {examples})."
        if change == "narrower":
            return f"{rule_id} no longer {_verb(old.disposition)} lines it used to decide (e.g. {examples})."
        if change == "incomparable":
            return (f"{rule_id} now decides some lines it did not before and no longer decides others "
                    f"(e.g. {examples}).")
        if old.disposition != new.disposition:
            return (f"{rule_id} decides the same lines, but {_verb(new.disposition)} them where it "
                    f"{_past(old.disposition)} them (e.g. {examples}).")
        return f"{rule_id} decides the same lines with another suggested code (e.g. {examples})."


_DIRECTION_WORDS = {"broader": "decided only by the new version", "narrower": "decided only by the old version",
                    "outcome": "decided otherwise"}

#: line fields whose range a witness reports, and how far from the witness's value to look
_RANGED = ("minutes", "units")
_REACH = {"minutes": 180, "units": 30}


def _combined(a: TableDirection, b: TableDirection) -> TableDirection:
    if a == "same" or a == b:
        return b
    if b == "same":
        return a
    return "mixed"


def _field_value(line: dict[str, Any], field: str) -> int | None:
    if field == "minutes":
        if "start" not in line or "stop" not in line:
            return None
        return minutes(line["stop"]) - minutes(line["start"])
    units = line.get("units", 1)
    return int(units) if isinstance(units, (int, float)) and float(units).is_integer() and units >= 1 else None


def _with_field(claim: Claim, line: int, field: str, number: int) -> Claim:
    """The claim with one line's minutes (its stop moved) or units set to `number`."""
    lines = list(claim["lines"])
    changed = dict(lines[line - 1])
    if field == "minutes":
        changed["stop"] = stamp(minutes(changed["start"]) + number)
    else:
        changed["units"] = number
    lines[line - 1] = changed
    return {**claim, "lines": lines}


def _key(witness: Witness) -> str:
    return str(witness.claim["lines"][witness.line - 1]["code"])


def _cannot_encode(problem: Unsupported) -> str:
    """Why the solver has no answer for a rule it cannot encode, in words a reader of the report
    knows (not the name of an IR node)."""
    text = str(problem)
    if text == f"cannot encode {ir.TableLookup.__name__}":
        return "the solver does not encode lookups in tables read from files yet"
    return text if text.startswith("cannot encode") else f"cannot encode: {text}"


def _unknown(rule_id: str, reason: str) -> RuleChange:
    return RuleChange(rule_id, "unknown", f"{rule_id}: no answer within the solver's resource limit ({reason}).",
                      reason=reason)


def _texts(old: ir.Rule, new: ir.Rule) -> tuple[str, ...]:
    changed = []
    if old.title != new.title:
        changed.append("title")
    if old.message != new.message:
        changed.append("message")
    if old.citation != new.citation:
        changed.append("citation")
    return tuple(changed)


def _equivalent_message(rule_id: str, texts: tuple[str, ...]) -> str:
    if not texts:
        return f"{rule_id} decides as before."
    return f"{rule_id} decides as before; its {_words(texts)} changed."


def _words(texts: tuple[str, ...]) -> str:
    return " and ".join(", ".join(texts).rsplit(", ", 1))


def _added_message(rule_id: str, rule: ir.Rule, witnesses: list[Witness], added: bool) -> str:
    if not rule.edits:
        return f"{rule_id} is {'new' if added else 'removed'} (documentation only)."
    examples = "; ".join(_example(w) for w in witnesses)
    if added:
        if not witnesses:
            return f"{rule_id} is new; it decides no claim within the bound."
        return f"{rule_id} is new: it {_verb(rule.disposition)} lines no rule of that id decided (e.g. {examples})."
    if not witnesses:
        return f"{rule_id} is removed; it decided no claim within the bound."
    return (f"{rule_id} is removed: the lines it {_past(rule.disposition)} are no longer decided by it "
            f"(e.g. {examples}).")


def _example(witness: Witness) -> str:
    """`line 1 (96360, 31 minutes) of D1`: the line's code and what else it sets that a rule reads."""
    line = witness.claim["lines"][witness.line - 1]
    said = [str(line["code"])]
    ranged = {field: (low, high) for field, low, high in witness.ranges}
    for field in _RANGED:
        if field in ranged:
            low, high = ranged[field]
            said.append(_span_text(field, low, high))
        elif field == "minutes" and "start" in line and "stop" in line:
            length = minutes(line["stop"]) - minutes(line["start"])
            said.append(f"{length} minute{'s' if length != 1 else ''}")
        elif field == "units" and line.get("units", 1) != 1:
            said.append(f"{line['units']} units")
    if line.get("modifiers"):
        said.append("modifiers " + ", ".join(line["modifiers"]))
    if "drug" in line:
        said.append(f"drug {line['drug']}")
    others = len(witness.claim["lines"]) - 1
    beside = f" beside {others} other line{'s' if others != 1 else ''}" if others else ""
    return f"line {witness.line} ({', '.join(said)}){beside} of {witness.claim['id']}"


def _span_text(field: str, low: int, high: int | None) -> str:
    noun = "minutes" if field == "minutes" else "units"
    if high is None:
        return f"{low} {noun} or more"
    if low == high:
        return f"{low} {noun if low != 1 else noun[:-1]}"
    return f"{low} to {high} {noun}"


def _verb(disposition: str | None) -> str:
    return {"deny": "denies", "review": "reviews", "info": "reports on", "allow": "allows"}.get(disposition or "",
                                                                                             "decides")


def _past(disposition: str | None) -> str:
    return {"deny": "denied", "review": "reviewed", "info": "reported on", "allow": "allowed"}.get(disposition or "",
                                                                                                 "decided")


def compare_packs(old: ir.Pack, new: ir.Pack, *, max_lines: int | None = None,
                  rlimit: int = DEFAULT_RLIMIT) -> ChangeReport:
    """The change report of `new` against `old`: every rule id of either pack, sorted, with its change
    and up to three replayed witnesses, and, when either pack reads tables from files, every file of
    those tables with its changed rows. `max_lines` and `rlimit` bound the questions as they bound
    the conflict analyzer's."""
    started = time.perf_counter()
    comparison = Comparison(old, new, max_lines, rlimit)
    tables = comparison.tables() if old.data_tables or new.data_tables else None  # first: its claims are evidence
    ids = sorted(set(comparison.old.rules) | set(comparison.new.rules))
    changes = [comparison.described(c) for c in _numbered([comparison.rule(rule_id) for rule_id in ids])]
    complete = comparison.complete and not any(c.change == "unknown" for c in changes)
    report = ChangeReport(PackId(old.name, old.version), PackId(new.name, new.version), comparison.lines_used,
                          complete, changes, tables=_numbered_rows(tables) if tables is not None else None)
    report.seconds = time.perf_counter() - started
    return report


def _numbered(changes: list[RuleChange]) -> list[RuleChange]:
    """Witness claims named D1, D2, ... in report order."""
    out = []
    number = 0
    for change in changes:
        witnesses = []
        for witness in change.witnesses:
            number += 1
            witnesses.append(dataclasses.replace(witness, claim=_named(witness.claim, f"D{number}")))
        out.append(dataclasses.replace(change, witnesses=tuple(witnesses)))
    return out


def _numbered_rows(tables: list[TableChange]) -> list[TableChange]:
    """The rows' witness claims named T1, T2, ... in report order."""
    out = []
    number = 0
    for table in tables:
        rows = []
        for row in table.changes:
            if row.witness is not None:
                number += 1
                row = dataclasses.replace(row, witness=dataclasses.replace(row.witness,
                                                                         claim=_named(row.witness.claim, f"T{number}")))
            rows.append(row)
        out.append(dataclasses.replace(table, changes=tuple(rows)))
    return out


def _named(claim: Claim, name: str) -> Claim:
    return {"id": name, **{k: v for k, v in claim.items() if k != "id"}}
