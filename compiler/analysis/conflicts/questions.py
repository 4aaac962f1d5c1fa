"""The questions of contract/ANALYSIS.md, asked of the solver and answered with replayed witnesses.

Each pairwise question is first asked of the naive rules: the pack without the declarations that
stand directly between the two rules (a precedence, an exception's override, a resolving
`not (x flagged by ...)` condition, a resolving suggestion guard). Unsatisfiable there: no entry.
Satisfiable there and once the declarations are applied: an unresolved entry with that witness.
Satisfiable there only: a resolved entry naming the declaration that decides, with the naive
witness, the claim on which it decides.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import z3

from compiler.analysis.conflicts.encode import Encoder, Variant, exclusions
from compiler.analysis.conflicts.model import Z3, SymbolicClaim, disj, in_ranges, neg
from compiler.analysis.conflicts.relations import Application, Lemma, Realizer, Relations
from compiler.analysis.conflicts.report import Entry, Location
from compiler.analysis.conflicts.shape import Shape, Shapes
from compiler.analysis.conflicts.universe import Universe, Unsupported, build_universe, is_drug_code
from compiler.analysis.conflicts.witness import (
    FAMILIAR_PLACES,
    Claim,
    Conflict,
    Replay,
    claim_from_model,
    describe,
    rebill,
    shrink,
)
from compiler.analysis.suggestions import deniers_of
from compiler.diagnostics import Sources, Span
from compiler.semantics import ir
from compiler.semantics.ir import walk

DEFAULT_BOUND = 4  # lines, for questions that are bounded only
LARGEST = 6  # the most lines any question uses unless --max-lines says otherwise
DEFAULT_RLIMIT = 20_000_000
DECIDING = ("deny", "review")
#: how many times a question is asked again with facts learned from the tables' rows
REFINEMENTS = 40


class ReplayMismatch(AssertionError):
    """The interpreter does not confirm what the solver found: a bug in the analyzer."""


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Declaration:
    """Something the pack declares to decide a conflict between rules."""

    kind: str  # precedence | exception | condition | suggestion
    id: str
    rules: tuple[str, ...]  # the rules it stands between ((rule,) for a suggestion guard)
    variant: Variant  # the pack without it
    resolves: str | None
    rationale: str | None
    span: Span


def declarations(pack: ir.Pack, rules: dict[str, ir.Rule]) -> list[Declaration]:
    found: list[Declaration] = []
    for p in pack.precedences:
        if p.winner not in rules or p.loser not in rules:
            continue
        label = p.resolves[0] if p.resolves else None
        winner = rules[p.winner]
        variant = Variant(dropped=frozenset({(p.winner, p.loser)}))
        if winner.kind == "exception":
            found.append(Declaration("exception", p.winner, (p.winner, p.loser), variant,
                                     label.conflict if label else None, label.rationale if label else None,
                                     winner.span))
        else:
            found.append(Declaration("precedence", f"{p.winner} over {p.loser}", (p.winner, p.loser), variant,
                                     label.conflict if label else None, label.rationale if label else None,
                                     p.span))
    for rule in rules.values():
        if not rule.resolves or rule.kind != "rule":
            continue
        labels = rule.resolves
        for number, (kind, between, variant, span) in enumerate(_explicit(rule, rules)):
            label = labels[min(number, len(labels) - 1)]
            found.append(Declaration(kind, rule.id, between, variant, label.conflict, label.rationale, span))
    unique: dict[tuple[str, str, tuple[str, ...]], Declaration] = {}
    for declaration in found:
        unique.setdefault((declaration.kind, declaration.id, declaration.rules), declaration)
    return list(unique.values())


def _explicit(rule: ir.Rule, rules: dict[str, ir.Rule]) -> list[tuple[str, tuple[str, ...], Variant, Span]]:
    """The rule's own declarations in source order: each `not (x flagged by OTHER)` of its condition
    (one per other rule) and its suggestion guard. Its `resolves` labels go to them in that order,
    the last label to any further ones."""
    found: dict[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...], Variant, Span]] = {}
    for node in walk(rule.condition):
        if isinstance(node, ir.Not) and isinstance(node.operand, ir.Flagged) and node.operand.rule in rules:
            other = node.operand.rule
            found.setdefault(("condition", (rule.id, other)), (
                "condition", (rule.id, other), Variant(stripped=frozenset({(rule.id, other)})), node.operand.span))
    if rule.suggest_if is not None:
        found[("suggestion", (rule.id,))] = ("suggestion", (rule.id,), Variant(unguarded=frozenset({rule.id})),
                                             rule.suggest_if.span)
    return sorted(found.values(), key=lambda d: d[3].start)


def narrowing_labels(rules: dict[str, ir.Rule]) -> dict[str, tuple[ir.Resolution, ...]]:
    """The `resolves` labels of each rule that none of its own declarations takes: they are shown
    through the exclusions of its condition (`encode.exclusions`)."""
    out = {}
    for rule in rules.values():
        if rule.kind == "rule" and rule.resolves:
            taken = len(_explicit(rule, rules))
            if len(rule.resolves) > taken:
                out[rule.id] = rule.resolves[taken:]
    return out


def exclusion_declarations(rule: ir.Rule, label: ir.Resolution) -> list[Declaration]:
    """One `condition` declaration per exclusion of the rule's condition, carrying `label`."""
    return [Declaration("condition", rule.id, (rule.id,), Variant(relaxed=frozenset({(rule.id, number)})),
                        label.conflict, label.rationale, part.span)
            for number, part in enumerate(exclusions(rule.condition))]


def merged(variants: Iterable[Variant]) -> Variant:
    dropped: set[tuple[str, str]] = set()
    stripped: set[tuple[str, str]] = set()
    unguarded: set[str] = set()
    relaxed: set[tuple[str, int]] = set()
    unchecked: set[str] = set()
    for v in variants:
        dropped |= v.dropped
        stripped |= v.stripped
        unguarded |= v.unguarded
        relaxed |= v.relaxed
        unchecked |= v.unchecked
    return Variant(frozenset(dropped), frozenset(stripped), frozenset(unguarded), frozenset(relaxed),
                   frozenset(unchecked))


# ---------------------------------------------------------------- locations


class Locator:
    """Line and column of spans, from the sources of the run or from the files themselves."""

    def __init__(self, sources: Sources | None) -> None:
        self.sources = sources or Sources()

    def __call__(self, span: Span | None) -> Location | None:
        if span is None or not span.path:
            return None
        if self.sources.text(span.path) is None:
            try:
                self.sources.add(span.path, Path(span.path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                return Location(span.path, 1, 1)
        line, column = self.sources.line_col(span.path, span.start)
        end_line, end_column = self.sources.line_col(span.path, max(span.start, span.end))
        return Location(span.path, line, column, end_column if end_line == line else None)


# ---------------------------------------------------------------- answers


@dataclass
class Answer:
    status: str  # sat | unsat | unknown
    lines: int
    complete: bool
    claim: Claim | None = None
    reason: str = ""


Build = Callable[[Encoder, tuple[int, ...]], Z3]


@dataclass
class Analysis:
    pack: ir.Pack
    max_lines: int | None
    rlimit: int
    sources: Sources | None = None
    entries: list[Entry] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    lines_used: int = 1
    complete: bool = True

    def __post_init__(self) -> None:
        pack = self.pack
        self.rules = {r.id: r for r in pack.rules if r.edits}
        self.deciding = [r for r in pack.rules if r.edits and r.disposition in DECIDING]
        self.overriders = {rid: tuple(w for w in pack.overriders(rid) if w in self.rules) for rid in self.rules}
        self.shapes = Shapes(self.rules, self.overriders)
        self.limit = self.max_lines if self.max_lines is not None else LARGEST
        self.universe: Universe = build_universe(pack, 3 * max(self.limit, DEFAULT_BOUND) + 2)
        self.declarations = declarations(pack, self.rules)
        self.narrowing = narrowing_labels(self.rules)
        self.used: set[Declaration] = set()
        self.replay = Replay(pack)
        self.locate = Locator(self.sources)
        self.ctx = z3.Context()  # each analysis its own solver state: the same pack, the same answers
        self._claims: dict[int, SymbolicClaim] = {}
        self._solvers: dict[int, Any] = {}
        self._encoders: dict[tuple[int, Variant], Encoder] = {}
        self._groups = {rid: self._target_groups(r) for rid, r in self.rules.items()}
        self._deniers: dict[str, tuple[str, ...]] = {}
        self.standing_in_examples: set[str] | None = None  # rules whose suggestion stands in an example
        # tables read from files, as relations (or why they cannot be: every lookup is then unknown)
        self.relations: Relations | str | None = None
        if any(isinstance(e, ir.TableLookup) for r in self.rules.values()
               for x in (r.condition, r.suggest, r.suggest_if) for e in walk(x)):
            try:
                self.relations = Relations(pack, self.universe, self.ctx)
            except Unsupported as problem:
                self.relations = str(problem)
        self.realizer = Realizer(self.relations) if isinstance(self.relations, Relations) else None
        self.refinements = 0  # questions asked again with facts learned from the rows
        self._settled: dict[int, dict[str, int]] = {}  # per solver: how many axioms and definitions it has

    def deniers(self, rule_id: str) -> tuple[str, ...]:
        """The deny rules that can decide a line billed with a code the rule suggests."""
        if rule_id not in self._deniers:
            self._deniers[rule_id] = deniers_of(self.pack, self.rules[rule_id], tuple(self.rules))
        return self._deniers[rule_id]

    # ------------------------------------------------------------ solving
    def claim(self, size: int) -> SymbolicClaim:
        if size not in self._claims:
            self._claims[size] = SymbolicClaim(self.universe, size, self.ctx)
            solver = z3.Solver(ctx=self.ctx)
            solver.set("rlimit", self.rlimit)
            solver.add(*self._claims[size].constraints)
            self._solvers[size] = solver
        return self._claims[size]

    def encoder(self, size: int, variant: Variant) -> Encoder:
        key = (size, variant)
        if key not in self._encoders:
            self._encoders[key] = Encoder(self.pack, self.universe, self.claim(size), variant, self.relations,
                                          own_findings=True, name=f"e{len(self._encoders)}")
        return self._encoders[key]

    def _settle(self, size: int) -> None:
        """Assert, in the solver of claims of `size`, the facts of the tables' lookups and the
        definitions of own-finding decisions made since it last asked (all of them hold whatever
        the question: facts of the rows, and definitions of fresh variables)."""
        solver = self._solvers[size]
        done = self._settled.setdefault(size, {})
        if isinstance(self.relations, Relations):
            axioms = self.relations.axioms
            solver.add(*axioms[done.get("axioms", 0):])
            done["axioms"] = len(axioms)
        for (at, _), encoder in self._encoders.items():
            if at == size and encoder.definitions:
                name = f"definitions {encoder.name}"
                solver.add(*encoder.definitions[done.get(name, 0):])
                done[name] = len(encoder.definitions)

    def _switches(self, variant: Variant) -> list[Z3]:
        """The table checks the question assumes (all but those the variant takes away)."""
        if not isinstance(self.relations, Relations):
            return []
        return [switch for name, switch in self.relations.switches.items() if name not in variant.unchecked]

    def size(self, shape: Shape, anchors: int) -> tuple[int, bool]:
        return claim_size(shape, anchors, self.limit, self.max_lines)

    def solve(self, build: Build, shape: Shape, variant: Variant, anchors: int = 1) -> Answer:
        size, complete = self.size(shape, anchors)
        size = max(size, anchors)
        symbolic = self.claim(size)
        encoder = self.encoder(size, variant)
        # the rules' answer depends on where the decided lines stand only when the formula is ordered
        choices = list(itertools.permutations(range(size), anchors)) if shape.ordered else [tuple(range(anchors))]
        try:
            formula = disj(*[build(encoder, choice) for choice in choices])
        except (z3.Z3Exception, RecursionError) as problem:  # never a traceback: the question is unanswered
            raise Unsupported(f"the formula could not be built ({type(problem).__name__})") from None
        solver = self._solvers[size]
        assumed = [formula, *self._switches(variant)]
        for _ in range(REFINEMENTS):
            self._settle(size)
            solver.push()
            try:
                solver.add(*assumed)
                status = solver.check()
                if status == z3.unknown:
                    return Answer("unknown", size, complete, reason=solver.reason_unknown())
                self.lines_used = max(self.lines_used, size)
                if status == z3.unsat:
                    self.complete = self.complete and complete
                    return Answer("unsat", size, complete)
                model = pleasant_model(solver, symbolic)
                if self.realizer is None:
                    return Answer("sat", size, complete, claim_from_model(model, symbolic))
                realized = self._realize(model, formula, encoder, symbolic)
            finally:
                solver.pop()
            if isinstance(realized, dict):
                return Answer("sat", size, complete, realized)
            assert isinstance(self.relations, Relations)
            if not realized or not any([self.relations.learn(lemma) for lemma in realized]):
                return Answer("unknown", size, complete, reason="the solver's claim could not be built from the "
                              "tables' rows, and no fact of the rows rules it out")
            self.refinements += 1
        return Answer("unknown", size, complete, reason=f"the claims the solver found could not be built from the "
                      f"tables' rows after {REFINEMENTS} refinements")

    def _realize(self, model: Any, formula: Z3, encoder: Encoder, symbolic: SymbolicClaim) -> Claim | list[Lemma]:
        """The model as a claim whose codes are real rows' codes, each lookup the formula reads finding
        there what the solver chose; else the facts that rule the model out (empty: none found).
        Where the rows cannot give what the model asks and no fact says why, the solver is asked for
        a model of the same question whose lookups by two keys find as few rows as it allows (the
        first model may pair lines that need not be paired), and that one is tried."""
        assert self.realizer is not None and isinstance(self.relations, Relations)
        kinds = {v: k for k, v in self.relations.types.items()}
        claim_type = kinds[int(model.eval(symbolic.header.type, model_completion=True).as_long())]
        every = self.relations.used(_expanded([formula], encoder.bodies))

        def read(model: Any) -> list[Application]:
            # a lookup by a field of a line the claim does not have decides nothing (every use of a
            # slot's fields is guarded by its being a line)
            gone = {var.get_id() for slot in symbolic.slots if not z3.is_true(model.eval(slot.active))
                    for var in (slot.code, slot.date, slot.drug)}
            return [app for app in every if not any(_mentions(term, gone) for term in (*app.keys, app.day)
                                                    if term is not None)]

        applications = read(model)
        found = self.realizer.realize(model, self.realizer.needs(model, applications, claim_type), claim_type)
        if found is None:
            solver = self._solvers[symbolic.size]
            kept = 0
            fewer = [neg(slot.active) for slot in reversed(symbolic.slots[1:])
                     if z3.is_true(model.eval(slot.active, model_completion=True))]
            rows = [neg(app.given) for app in applications
                    if app.form.pair and claim_type in self.relations._types_of(app.form)
                    and z3.is_true(model.eval(app.given, model_completion=True))]
            for preference in [*fewer, *rows]:
                solver.push()
                solver.add(preference)
                if solver.check() == z3.sat:
                    kept += 1
                else:
                    solver.pop()
            if kept:
                if solver.check() == z3.sat:
                    model = pleasant_model(solver, symbolic)
                    applications = read(model)
                    found = self.realizer.realize(model, self.realizer.needs(model, applications, claim_type),
                                                  claim_type)
                for _ in range(kept):
                    solver.pop()
        if found is None:
            pinned = self._pinned(model, symbolic, read(model), claim_type)
            if pinned is not None:
                return claim_from_model(pinned[0], symbolic, pinned[1])
        if isinstance(found, dict):
            return claim_from_model(model, symbolic, found)
        return found or []

    def _pinned(self, model: Any, symbolic: SymbolicClaim, applications: list[Application],
                claim_type: str) -> tuple[Any, dict[int, str]] | None:
        """Codes that give what the model chose on other days: each key kept at its id, the lookups
        by those ids made exactly what the codes' rows give on any day, and the solver asked again
        for the days (and everything else); a model it gives is realized as it stands, or None."""
        assert self.realizer is not None and isinstance(self.relations, Relations)
        needs = self.realizer.needs(model, applications, claim_type)
        codes = self.realizer.realize(model, needs, claim_type, flexible=True)
        if not isinstance(codes, dict):
            return None
        solver = self._solvers[symbolic.size]
        pins = []
        for app in applications:
            ids = [int(model.eval(k, model_completion=True).as_long()) for k in app.keys]
            pins += [k == i for k, i in zip(app.keys, ids, strict=True)]
            if all(i in codes for i in ids) and claim_type in self.relations._types_of(app.form):
                pins.append(self.relations.exact(app, [codes[i] for i in ids]))
        solver.push()
        try:
            solver.add(*pins)
            if solver.check() != z3.sat:
                return None
            model = pleasant_model(solver, symbolic)
        finally:
            solver.pop()
        found = self.realizer.realize(model, self.realizer.needs(model, applications, claim_type), claim_type)
        return (model, found) if isinstance(found, dict) else None

    # ------------------------------------------------------------ entries
    def between(self, a: str, b: str) -> list[Declaration]:
        pair = {a, b}
        return [d for d in self.declarations if set(d.rules) <= pair and (len(d.rules) == 2 or d.kind == "suggestion")]

    def unknown(self, question: str, rules: list[str], reason: str) -> None:
        span = self.rules[rules[0]].id_span if rules and rules[0] in self.rules else None
        self.entries.append(Entry("unknown", rules, f"no answer to the question `{question}` about "
                                  f"{' and '.join(rules)} ({reason})", self.locate(span),
                                  hint="raise the solver's resource limit, or split the rules' conditions",
                                  unknown=True))

    def pairwise(self, conflict: Conflict, build: Build, shape: Shape, anchors: int = 1) -> Entry | None:
        """Ask a pairwise question naive first; the entry it gives, resolved or not."""
        question = conflict.kind if conflict.kind != "exception" else "overlap"
        rules = [conflict.a] if conflict.a == conflict.b else [conflict.a, conflict.b]
        between = self.between(conflict.a, conflict.b)
        naive = merged(d.variant for d in between)
        try:
            answer = self.solve(build, shape, naive, anchors)
            if answer.status == "unknown":
                self.unknown(question, rules, answer.reason)
                return None
            if answer.status == "unsat":
                return None
            if not between:
                return self._confirmed(conflict, answer, None, None)
            declared = self.solve(build, shape, Variant(), anchors) if naive != Variant() else answer
            if declared.status == "unknown":
                self.unknown(question, rules, declared.reason)
                return None
            if declared.status == "sat":
                return self._confirmed(conflict, declared, None, None)
            deciding, witness = between[0], answer
            if len(between) > 1:
                for candidate in between:
                    alone = self.solve(build, shape, candidate.variant, anchors)
                    if alone.status == "sat":
                        deciding, witness = candidate, alone
                        break
            variant = deciding.variant if witness is not answer else naive
            return self._confirmed(conflict, witness, deciding, variant)
        except Unsupported as problem:
            self.unknown(question, rules, f"cannot encode: {problem}")
            return None

    def narrowed(self, conflict: Conflict, build: Build, shape: Shape, declaration: Declaration,
                 anchors: int = 1) -> Entry | None:
        """The entry resolved by `declaration` (an exclusion of a rule's condition) when the conflict
        appears without it and not as declared; None otherwise, and for questions without an answer."""
        try:
            naive = self.solve(build, shape, declaration.variant, anchors)
            if naive.status != "sat":
                return None
            declared = self.solve(build, shape, Variant(), anchors)
            if declared.status != "unsat":
                return None
            return self._confirmed(conflict, naive, declaration, declaration.variant)
        except Unsupported:
            return None

    def _confirmed(self, conflict: Conflict, answer: Answer, declaration: Declaration | None,
                   naive: Variant | None) -> Entry | None:
        """Replay the witness, shrink it while the interpreter still shows the conflict, build the entry."""
        assert answer.claim is not None
        claim = answer.claim

        def holds(candidate: Claim) -> bool:
            return conflict.shown(self.replay, naive, candidate) is not None

        if not holds(claim):
            self.disagreements.append(f"{conflict.kind} {conflict.a} {conflict.b}: the interpreter does not "
                                      f"confirm the solver's claim {claim}")
            self.unknown(conflict.kind if conflict.kind != "exception" else "overlap",
                         [conflict.a] if conflict.a == conflict.b else [conflict.a, conflict.b],
                         "internal error: the interpreter does not confirm the solver's witness")
            return None
        claim = shrink(claim, holds, self.pack.effective)
        line = conflict.shown(self.replay, naive, claim)
        assert line is not None
        if declaration is not None:
            self.used.add(declaration)
        return self._entry(conflict, claim, line, declaration, naive)

    def _entry(self, conflict: Conflict, claim: Claim, line: int, declaration: Declaration | None,
               naive: Variant | None) -> Entry:
        focus = conflict.focus  # the findings of the rules involved and of the rules they depend on
        declared = self.replay.findings(Variant(), claim, focus) or []
        shown = self.replay.findings(naive, claim, focus) or [] if naive is not None else declared
        a, b = conflict.a, conflict.b
        fa = next((f for f in shown if f.rule == a and f.line == line), None)
        fb = next((f for f in shown if f.rule == b and f.line == line), None)
        code = claim["lines"][line - 1]["code"]
        resolved_by = None
        if declaration is not None:
            where = self.locate(declaration.span)
            resolved_by = {"declaration": declaration.kind, "id": declaration.id, "resolves": declaration.resolves,
                           "rationale": declaration.rationale, "location": where.to_json() if where else None}
        rules = [a] if a == b else [a, b]
        rebilled: list[str] = []
        span: Span | None = self.rules[a].id_span
        hint: str | None = None
        if conflict.kind == "exception":
            message = (f"exception {a} allows line {line} ({code}), which {b} would "
                       f"{self.rules[b].disposition} otherwise.")
            rules = [b, a]
            span = self.rules[b].id_span
        elif conflict.kind in ("overlap", "redundant"):
            loser = declaration.rules[1] if declaration is not None and declaration.kind == "precedence" else None
            first, second = (a, b) if loser in (None, a) else (b, a)
            if loser is None and self.rules[a].span.start < self.rules[b].span.start:
                first, second = b, a
            rules = [first, second]
            span = self.rules[first].id_span
            f1 = fa if first == a else fb
            f2 = fb if first == a else fa
            message = _overlap_message(first, second, f1, f2, line, code, conflict.kind)
            if declaration is None:
                hint = (f"declare which one decides: `precedence {second} over {first}` (or the reverse) with "
                        "`resolves` and a rationale, or narrow one of the conditions")
        elif conflict.kind == "suggestion-withheld":
            raw = self.replay.findings(naive or Variant(), claim, focus, raw_suggestions=True) or []
            suggesting = next((f for f in raw if f.rule == a and f.line == line), None)
            suggested = suggesting.suggest if suggesting is not None else None
            message = (f"{a} would suggest {suggested} for line {line} ({code}); billed as {suggested}, {b} "
                       f"denies it, so no code is suggested.")
            rule_a = self.rules[a]
            span = rule_a.suggest.span if rule_a.suggest is not None else rule_a.id_span
            if suggested is not None:
                rebilled = describe(self.replay.findings(naive or Variant(), rebill(claim, line, suggested), focus))
            if declaration is None and a == b:
                hint = (f"{a} denies the code it suggests: an exception to {a} where the suggested code is right, "
                        "or no suggestion")
        else:  # mutual-denial
            other = next((f.line for f in shown if f.rule == b and f.line != line), None)
            located = declaration.rules[0] if declaration is not None and declaration.kind == "condition" else (
                a if self.rules[a].span.start >= self.rules[b].span.start else b)
            rules = [a] if a == b else [located, a if located == b else b]
            span = self.rules[located].id_span
            message = (f"{a} denies line {line} because of line {other}, and {b} denies line {other} because of "
                       f"line {line}: neither line is paid.")
            if declaration is None and a == b:
                hint = (f"decide which line stands: exclude the other line in {a}'s condition (e.g. "
                        "`x.code not in ...`, or `any earlier line x` so that only the later line is denied), "
                        "with `resolves` and a rationale")
            elif declaration is None:
                hint = (f"decide which line stands: e.g. `not (x flagged by {a})` in {b}'s condition, with "
                        "`resolves` and a rationale")
        return Entry(_kind(conflict), rules, message, self.locate(span), line, claim, resolved_by, hint,
                     findings=describe(declared),
                     naive_findings=describe(shown) if naive is not None else [],
                     rebilled_findings=rebilled)

    # ------------------------------------------------------------ the index
    def _target_groups(self, rule: ir.Rule) -> frozenset[int] | None:
        if rule.target is None:
            return None
        return frozenset(self.universe.group_of[c] for c in rule.target.members if c in self.universe.group_of)

    def _meet_possible(self, a: ir.Rule, b: ir.Rule) -> bool:
        if a.claim_types is not None and b.claim_types is not None and not set(a.claim_types) & set(b.claim_types):
            return False
        return not (a.places is not None and b.places is not None and not a.places_negated
                    and not b.places_negated and not a.places.members & b.places.members)

    def sharing_pairs(self, rules: list[ir.Rule]) -> list[tuple[str, str]]:
        """Pairs of rules that can target the same code, from an index of groups to rules."""
        by_group: dict[int, list[str]] = {}
        anywhere: list[str] = []
        for rule in rules:
            groups = self._groups[rule.id]
            if groups is None:
                anywhere.append(rule.id)
                continue
            for group in groups:
                by_group.setdefault(group, []).append(rule.id)
        pairs: set[tuple[str, str]] = set()
        for members in by_group.values():
            for x, y in itertools.combinations(sorted(set(members)), 2):
                pairs.add((x, y))
        ids = sorted(r.id for r in rules)
        for x in anywhere:
            for y in ids:
                if x != y:
                    pairs.add((min(x, y), max(x, y)))
        return sorted(p for p in pairs if self._meet_possible(self.rules[p[0]], self.rules[p[1]]))

    def suggested_groups(self, rule: ir.Rule) -> frozenset[int] | None:
        expr = rule.suggest
        if isinstance(expr, ir.Const) and isinstance(expr.value, str) and expr.value in self.universe.group_of:
            return frozenset({self.universe.group_of[expr.value]})
        if isinstance(expr, ir.MapGet):
            values = {v for m in self.pack.maps if m.name == expr.map for _, v in m.pairs}
            return frozenset(self.universe.group_of[v] for v in values if v in self.universe.group_of)
        return None

    def evidence_groups(self, rule: ir.Rule) -> frozenset[int] | None:
        """The code groups a line in the evidence of the rule's findings can have (None: any)."""
        found: set[int] = set()
        for node in walk(rule.condition):
            if isinstance(node, ir.Quant) and node.kind in ("any", "count", "sum", "first"):
                codes = _codes_of(node.condition, node.var, self.pack)
                if codes is None:
                    return None
                found |= {self.universe.group_of[c] for c in codes if c in self.universe.group_of}
        return frozenset(found)


def _mentions(term: Z3, variables: set[int]) -> bool:
    """Whether the term holds one of the variables (by AST id)."""
    stack = [term]
    while stack:
        node = stack.pop()
        if node.get_id() in variables:
            return True
        if z3.is_app(node):
            stack.extend(node.children())
    return False


def _expanded(formulas: list[Z3], bodies: dict[int, Z3]) -> list[Z3]:
    """The formulas and the definitions of the own-finding decisions they read, transitively."""
    out = list(formulas)
    seen: set[int] = set()
    stack = list(formulas)
    while stack:
        node = stack.pop()
        ident = node.get_id()
        if ident in seen:
            continue
        seen.add(ident)
        body = bodies.get(ident)
        if body is not None:
            out.append(body)
            stack.append(body)
        if z3.is_app(node):
            stack.extend(node.children())
    return out


def claim_size(shape: Shape, anchors: int, limit: int, max_lines: int | None) -> tuple[int, bool]:
    """How many line slots a question needs, and whether its "no such claim" holds for claims of
    any size (ANALYSIS.md): the lines it anchors plus one per existential quantifier, when its
    conditions allow the small-model argument and that fits `limit`; else the bound."""
    needed = anchors + shape.exists
    if not shape.bounded and needed <= limit:
        return needed, True
    if max_lines is not None:
        return max_lines, False
    return max(DEFAULT_BOUND, min(needed, LARGEST)), False


def pleasant_model(solver: Any, symbolic: SymbolicClaim) -> Any:
    """The solver's model (it has just answered sat), preferably one that also meets `pleasant`."""
    model = solver.model()
    fully = pleasant(symbolic, True)
    for preferences in (fully + familiar(symbolic, True), fully + familiar(symbolic, False), fully,
                        pleasant(symbolic, False)):
        solver.push()
        solver.add(*preferences)
        better = solver.check() == z3.sat
        if better:
            model = solver.model()
        solver.pop()
        if better:
            break
    return model


def pleasant(symbolic: SymbolicClaim, fully: bool) -> list[Z3]:
    """Preferences for readable witnesses: whole units and dollars, dates in the effective period,
    drugs that look like drugs, texts from their own families; `fully` adds round times of day."""
    u = symbolic.universe
    drugs = [u.families["drug"], *u.code_ranges(is_drug_code)]  # (memoized by the universe)
    out = []
    for slot in symbolic.slots:
        out += [z3.IsInt(slot.units), z3.IsInt(slot.charge), slot.date >= u.effective,
                in_ranges(slot.drug, drugs), in_ranges(slot.provider, [u.families["provider"]]),
                in_ranges(slot.description, [u.families["text"]])]
        if fully:
            out += [slot.start >= slot.date * 1440 + 8 * 60, slot.stop <= slot.date * 1440 + 20 * 60,
                    slot.start % 15 == 0, (slot.stop - slot.start) % 5 == 0, slot.stop - slot.start <= 90]
    header = symbolic.header
    out += [in_ranges(header.provider, [u.families["provider"]]), in_ranges(header.member, [u.families["text"]])]
    return out


def familiar(symbolic: SymbolicClaim, office: bool) -> list[Z3]:
    """Preferences for values a reader recognises: drugs given as drug codes of the pack (J1745)
    rather than as drugs it never names (NDC-1); places of service from `FAMILIAR_PLACES` (a place
    the pack never names renders as one of them), with `office` the office (11) alone."""
    u = symbolic.universe
    wanted = FAMILIAR_PLACES[:1] if office else FAMILIAR_PLACES
    places = [(u.literals[p], u.literals[p]) for p in wanted if p in u.literals]
    if any(p not in u.literals for p in wanted):
        places.append(u.families["place"])
    drugs = u.code_ranges(is_drug_code)
    out = [in_ranges(symbolic.header.pos, places)]
    for slot in symbolic.slots:
        out.append(in_ranges(slot.pos, places))
        if drugs:
            out.append(in_ranges(slot.drug, drugs))
    return out


def _kind(conflict: Conflict) -> str:
    return "overlap" if conflict.kind == "exception" else conflict.kind


def _overlap_message(first: str, second: str, f1: Any, f2: Any, line: int, code: str, kind: str) -> str:
    if f1 is None or f2 is None:
        return f"{first} and {second} both decide line {line} ({code})."
    if kind == "redundant":
        return (f"{first} and {second} both {f1.disposition} line {line} ({code}); one finding says what both say.")
    if f1.disposition != f2.disposition:
        return f"{first} {_verb(f1.disposition)} line {line} ({code}) and {second} {_verb(f2.disposition)} it."
    return (f"{first} and {second} both {f1.disposition} line {line} ({code}), suggesting {f1.suggest} and "
            f"{f2.suggest}.")


def _verb(disposition: str) -> str:
    return {"deny": "denies", "review": "reviews"}.get(disposition, disposition)


def _codes_of(expr: ir.Expr, var: str, pack: ir.Pack) -> frozenset[str] | None:
    """Codes a quantified line must have for `expr` to hold (None: any code)."""
    if isinstance(expr, ir.BoolOp):
        left, right = _codes_of(expr.left, var, pack), _codes_of(expr.right, var, pack)
        if expr.op == "and":
            if left is None:
                return right
            return left if right is None else left & right
        return None if left is None or right is None else left | right

    def code_field(e: ir.Expr) -> bool:
        return isinstance(e, ir.LineField) and e.var == var and e.field == "code"

    if isinstance(expr, ir.Member) and not expr.negated and code_field(expr.item):
        if isinstance(expr.collection, ir.SetValue) and not expr.collection.codes.texts:
            return expr.collection.codes.members
        if isinstance(expr.collection, ir.CodeAttr):
            attribute = pack.attribute(expr.collection.attribute)
            return frozenset(c for _, v in attribute.values if isinstance(v, frozenset) for c in v)
    if isinstance(expr, ir.Compare) and expr.op == "=":
        for side, other in ((expr.left, expr.right), (expr.right, expr.left)):
            if code_field(side) and isinstance(other, ir.Const) and isinstance(other.value, str):
                return frozenset({other.value})
    return None
