"""The questions of contract/ANALYSIS.md, asked of the solver and answered with replayed witnesses.

Each pairwise question is first asked of the naive rules: the pack without the declarations that
stand directly between the two rules (a precedence, an exception's override, a resolving
`not (x flagged by ...)` condition, a resolving suggestion guard). Unsatisfiable there: no entry.
Satisfiable there and once the declarations are applied: an unresolved entry with that witness.
Satisfiable there only: a resolved entry naming the declaration that decides, with the naive
witness, the claim on which it decides.

A question's answer depends on what it reads and on nothing else, so that it can be kept between
runs and an edit re-asks only the questions it touches (`Question`): the forms of the rules its
formula and its replays read (compiler/analysis/changes/canon.py), the data they read, and the
code groups of the codes they mention. The formula is built over stable ids (`universe`) with the
claim's validity constraints kept to the fields those rules read, and solved in a solver context of
its own (`Unit`), so that no earlier question leaves a trace in it: the same key, the same answer,
whichever questions a run asks before it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import z3

from compiler.analysis.changes.canon import data_form, declaration_form, stable
from compiler.analysis.conflicts import cache
from compiler.analysis.conflicts.encode import Encoder, Variant, exclusions
from compiler.analysis.conflicts.model import Z3, SymbolicClaim, disj, in_ranges, neg
from compiler.analysis.conflicts.reads import Reads, combined, reads_of
from compiler.analysis.conflicts.relations import Application, Lemma, Realizer, Relations
from compiler.analysis.conflicts.report import Entry, Findings, Location, Resolution
from compiler.analysis.conflicts.settings import ANALYZER_VERSION, DEFAULT_BOUND, DEFAULT_RLIMIT, LIMIT, ReplayMismatch
from compiler.analysis.conflicts.shape import Shape, Shapes
from compiler.analysis.conflicts.universe import Group, Universe, Unsupported, build_universe, is_drug_code
from compiler.analysis.conflicts.witness import (
    FAMILIAR_PLACES,
    Claim,
    Conflict,
    Replay,
    claim_from_model,
    rebill,
    shrink,
    witness_findings,
)
from compiler.analysis.suggestions import deniers_of
from compiler.diagnostics import Sources, Span
from compiler.semantics import ir
from compiler.semantics.ir import walk

__all__ = ["DEFAULT_BOUND", "DEFAULT_RLIMIT", "LARGEST", "Analysis", "ReplayMismatch", "claim_size",
           "pleasant_model", "question_size"]

LARGEST = 6  # the most lines a change report (`rulesc diff`) asks a bounded question on
DECIDING = ("deny", "review")
#: how many times a question is asked again with facts learned from the tables' rows
REFINEMENTS = 40


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


# ---------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Size:
    lines: int  # the claim size the question is asked on
    complete: bool  # its "no such claim" holds for claims of any size
    needed: int  # the lines it needs
    cut: bool  # its counts need more lines than the limit: a "no such claim" is no proof


def question_size(shape: Shape, anchors: int, limit: int, max_lines: int | None) -> Size:
    """How many line slots a question is asked on (settings.py explains the sizes). A question that
    only asks whether lines exist: the lines it anchors and one per existential quantifier, complete
    when they fit `limit`. One with counts compared with constants: those lines and the lines its
    counts need to turn. One bounded by `first`, order or arithmetic: as before counts were sized
    (at least the bound, or `--max-lines`, its existential lines up to `LARGEST`), plus what its
    counts need. Never more than `limit`: a question whose counts need more is cut short."""
    existing = anchors + shape.exists
    needed = existing + shape.counted
    floor = max_lines if max_lines is not None else DEFAULT_BOUND
    if not shape.bounded:
        if existing <= limit:
            return Size(max(existing, anchors), True, existing, False)
        want = max_lines if max_lines is not None else max(DEFAULT_BOUND, min(existing, LARGEST))
    elif shape.fixed:
        want = max(floor, min(existing, LARGEST)) + shape.counted
    else:
        want = max(floor, needed)
    cut = anchors + shape.counted > limit
    return Size(max(min(want, limit), anchors), False, needed, cut)


def claim_size(shape: Shape, anchors: int, limit: int, max_lines: int | None) -> tuple[int, bool]:
    """The size a change report asks a question on, and whether its answer is complete: the lines it
    needs when the small-model argument applies and they fit `limit`, else the bound."""
    needed = anchors + shape.exists + shape.counted
    if not shape.bounded and needed <= limit:
        return needed, True
    if max_lines is not None:
        return max_lines, False
    return max(DEFAULT_BOUND, min(needed, LARGEST)), False


# ---------------------------------------------------------------- answers


@dataclass
class Answer:
    status: str  # sat | unsat | unknown
    lines: int
    complete: bool
    claim: Claim | None = None
    reason: str = ""
    needs: int | None = None  # unknown: the claim size the question needs beyond the limit


Build = Callable[[Encoder, tuple[int, ...]], Z3]
Work = Callable[["Unit"], dict[str, Any]]


@dataclass(frozen=True)
class Question:
    """One question: the formula it asks (`tag` names it, with the rules in their roles), the rules
    it is about, and whether it reads which suggestions stand (then the rules that can deny a
    suggested code are read too). `extra` holds what else its answer depends on (the declarations
    it takes away, in stable form)."""

    tag: tuple[Any, ...]
    focus: tuple[str, ...]
    standing: bool = False
    extra: tuple[Any, ...] = ()


class Unit:
    """One question's solving. Whether a formula has a claim at all is asked of the analysis' own
    solver for the claim size (incremental: the question's constraints and formula pushed, then
    popped), since yes and no are facts whatever was asked before. The witness claim is not: a
    solver's model depends on its history, and so does a resource limit running out. So the
    model, and the answer where the limit ran out, come from a solver context of the question's
    own, into which the formula is translated (the same formula, the same ids inside, whatever was
    built before): the same key, the same witness, whichever questions a run asks before it."""

    def __init__(self, analysis: Analysis, reads: Reads, groups: list[Group], domain: list[tuple[int, int]]) -> None:
        self.analysis = analysis
        self.reads = reads
        self.groups = groups
        self.domain = domain
        self.lines = 0
        self.complete = True
        self.encoder: Encoder | None = None  # the last formula's, with its variant
        self.variant = Variant()
        self.tables = False  # whether the last formula looks rows up in tables read from files (realized)

    def solve(self, build: Build, shape: Shape, variant: Variant, anchors: int = 1, witness: bool = False) -> Answer:
        """The answer at the question's size, with a witness claim when `witness` and there is one.
        An unsatisfiable answer to a question with counts is checked again with each count a free
        whole number, which refutes it for claims of any size when it is refuted so; one whose counts
        need more lines than the limit, and is not refuted so, is `unknown`, naming the size."""
        analysis = self.analysis
        size = question_size(shape, anchors, analysis.limit, analysis.max_lines)
        if witness:  # most such questions have one: ask in an own context at once
            answer = self._own(*self._formula(build, shape, variant, anchors, size, False), size, True)
        else:
            answer = self._decide(build, shape, variant, anchors, size, False)
        if answer.status != "unsat":
            return answer
        if shape.counts:
            loose = question_size(shape.abstract, anchors, analysis.limit, analysis.max_lines)
            if loose.complete and self._decide(build, shape.abstract, variant, anchors, loose, True).status == "unsat":
                self.lines = max(self.lines, loose.lines)
                return Answer("unsat", loose.lines, True)
        if size.cut:
            return Answer("unknown", size.lines, False, reason=(
                f"it needs claims of {size.needed} lines, more than the limit of {analysis.limit}"), needs=size.needed)
        self.complete = self.complete and size.complete
        return answer

    def _formula(self, build: Build, shape: Shape, variant: Variant, anchors: int, size: Size,
                 abstract: bool) -> tuple[Z3, list[Z3]]:
        """The question's formula at `size` in the analysis' context, and what goes with it."""
        analysis = self.analysis
        encoder = analysis.encoder(size.lines, variant, abstract)
        # the rules' answer depends on where the decided lines stand only when the formula is ordered
        choices = (list(itertools.permutations(range(size.lines), anchors)) if shape.ordered
                   else [tuple(range(anchors))])
        try:
            formula = disj(*[build(encoder, choice) for choice in choices])
        except (z3.Z3Exception, RecursionError) as problem:  # never a traceback: the question is unanswered
            raise Unsupported(f"the formula could not be built ({type(problem).__name__})") from None
        constraints = analysis.claim(size.lines).constraints_for(self.reads, self.domain)
        self.encoder, self.variant = encoder, variant
        # a formula with free counts (`abstract`) is only ever asked whether it is refuted
        self.tables = analysis.reads_tables(self.reads) and not abstract
        return formula, [*constraints, *(encoder.side if abstract else ()), *analysis.table_facts(encoder, variant)]

    def _decide(self, build: Build, shape: Shape, variant: Variant, anchors: int, size: Size,
                abstract: bool) -> Answer:
        formula, constraints = self._formula(build, shape, variant, anchors, size, abstract)
        solver = self.analysis.settle(size.lines)
        solver.push()
        try:
            solver.add(*constraints)
            solver.add(formula)
            status = solver.check()
        finally:
            solver.pop()
        if status == z3.unknown:  # the limit ran out here: what an own context says is the answer
            return self._own(formula, constraints, size, False)
        if status == z3.sat and self.tables:  # a claim the tables' rows give, or facts that refute it
            return self._realized(formula, size)
        self.lines = max(self.lines, size.lines)
        return Answer("unsat" if status == z3.unsat else "sat", size.lines, size.complete)

    def _own(self, formula: Z3, constraints: list[Z3], size: Size, witness: bool) -> Answer:
        """The formula asked in a context of its own (see the class's note)."""
        ctx = z3.Context()
        try:
            solver = z3.SimpleSolver(ctx=ctx)
            solver.set("rlimit", self.analysis.rlimit)
            solver.add(*(c.translate(ctx) for c in constraints))
            if self.analysis.reads_tables(self.reads):
                solver.add(*(a.translate(ctx) for a in self.analysis.axioms))
            solver.add(formula.translate(ctx))
            status = solver.check()
            if status == z3.unknown:
                return Answer("unknown", size.lines, size.complete, reason=solver.reason_unknown())
            self.lines = max(self.lines, size.lines)
            if status == z3.unsat:
                return Answer("unsat", size.lines, size.complete)
            if self.tables:
                return self._realized(formula, size)
            if not witness:
                return Answer("sat", size.lines, size.complete)
            model = self._pleasant(solver, ctx, size.lines).translate(self.analysis.ctx)
            symbolic = self.analysis.claim(size.lines)
            return Answer("sat", size.lines, size.complete, claim_from_model(model, symbolic, self.reads, self.groups))
        finally:
            del solver
            del ctx

    def _realized(self, formula: Z3, size: Size) -> Answer:
        """The answer of a satisfiable formula that looks rows up: a claim built from real rows on
        which every lookup finds what the solver chose (`Analysis.realize`); where the rows cannot
        give the solver's claim, the facts that rule it out are learned and the question asked
        again, so that it ends unsatisfiable, with such a claim, or `unknown` when no fact is found.
        Asked of the analysis' solver for the size, the facts learned so far asserted with it."""
        analysis = self.analysis
        assert isinstance(analysis.relations, Relations) and self.encoder is not None
        symbolic = analysis.claim(size.lines)
        base = analysis.claim(size.lines).constraints_for(self.reads, self.domain)
        for _ in range(REFINEMENTS):
            solver = analysis.settle(size.lines)
            solver.push()
            try:
                solver.add(*base, *analysis.table_facts(self.encoder, self.variant), formula)
                status = solver.check()
                if status == z3.unknown:
                    return Answer("unknown", size.lines, size.complete, reason=solver.reason_unknown())
                self.lines = max(self.lines, size.lines)
                if status == z3.unsat:
                    return Answer("unsat", size.lines, size.complete)
                model = solver.model()
                for preferences in analysis.preferences(size.lines, self.reads):
                    solver.push()
                    solver.add(*preferences)
                    better = solver.check() == z3.sat
                    if better:
                        model = solver.model()
                    solver.pop()
                    if better:
                        break
                realized = analysis.realize(model, formula, self.encoder, symbolic, solver, self.reads, self.groups)
            finally:
                solver.pop()
            if isinstance(realized, dict):
                return Answer("sat", size.lines, size.complete, realized)
            if not realized or not any([analysis.relations.learn(lemma) for lemma in realized]):
                return Answer("unknown", size.lines, size.complete, reason="the solver's claim could not be built "
                              "from the tables' rows, and no fact of the rows rules it out")
            analysis.refinements += 1
        return Answer("unknown", size.lines, size.complete, reason="the claims the solver found could not be built "
                      f"from the tables' rows after {REFINEMENTS} refinements")

    def _pleasant(self, solver: Any, ctx: Any, size: int) -> Any:
        """The solver's model (it has just answered sat), preferably one that also meets the
        preferences for readable witnesses (`pleasant`, `familiar`), the first that holds."""
        model = solver.model()
        for preferences in self.analysis.preferences(size, self.reads):
            solver.push()
            solver.add(*(p.translate(ctx) for p in preferences))
            better = solver.check() == z3.sat
            if better:
                model = solver.model()
            solver.pop()
            if better:
                break
        return model


@dataclass
class Analysis:
    pack: ir.Pack
    max_lines: int | None
    rlimit: int
    sources: Sources | None = None
    folder: Path | None = None  # the cache of answers (None: every question is asked)
    entries: list[Entry] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    lines_used: int = 1
    complete: bool = True
    asked: int = 0
    reused: int = 0

    def __post_init__(self) -> None:
        pack = self.pack
        self.rules = {r.id: r for r in pack.rules if r.edits}
        self.deciding = [r for r in pack.rules if r.edits and r.disposition in DECIDING]
        self.overriders = {rid: tuple(w for w in pack.overriders(rid) if w in self.rules) for rid in self.rules}
        self.shapes = Shapes(self.rules, self.overriders)
        self.limit = self.max_lines if self.max_lines is not None else LIMIT
        self.universe: Universe = build_universe(pack, 3 * max(self.limit, DEFAULT_BOUND) + 2)
        self.declarations = declarations(pack, self.rules)
        self.narrowing = narrowing_labels(self.rules)
        self.used: set[Declaration] = set()
        self.replay = Replay(pack)
        self.locate = Locator(self.sources)
        self.writer = cache.Writer(self.folder) if self.folder is not None else None
        self.ctx = z3.Context()  # where formulas are built; each question is solved in its own (`Unit`)
        self._claims: dict[int, SymbolicClaim] = {}
        self._solvers: dict[int, Any] = {}
        self._encoders: dict[tuple[int, Variant, bool], Encoder] = {}
        self._preferences: dict[tuple[int, tuple[object, ...]], list[list[Z3]]] = {}
        self._groups = {rid: self._target_groups(r) for rid, r in self.rules.items()}
        self._deniers: dict[str, tuple[str, ...]] = {}
        self._forms: dict[str, str] = {}
        self._seen: dict[int, tuple[object, object]] = {}  # stable forms of shared IR objects
        self._data: dict[frozenset[str], str] = {}
        self._rule_reads: dict[str, Reads] = {}
        self._domains: dict[tuple[int, ...], list[tuple[int, int]]] = {}
        self._reads: dict[frozenset[str], tuple[Reads, list[Group], list[tuple[int, int]]]] = {}
        self._order = {r.id: n for n, r in enumerate(pack.rules)}
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
        self._settled: dict[int, int] = {}  # per claim size: how many facts of the rows its solver has
        self.refinements = 0  # questions asked again with facts learned from the rows

    def deniers(self, rule_id: str) -> tuple[str, ...]:
        """The deny rules that can decide a line billed with a code the rule suggests."""
        if rule_id not in self._deniers:
            self._deniers[rule_id] = deniers_of(self.pack, self.rules[rule_id], tuple(self.rules))
        return self._deniers[rule_id]

    # ------------------------------------------------------------ building
    def claim(self, size: int) -> SymbolicClaim:
        if size not in self._claims:
            self._claims[size] = SymbolicClaim(self.universe, size, self.ctx)
        return self._claims[size]

    def shared(self, size: int) -> Any:
        """The analysis' own solver for claims of `size` lines (questions push and pop on it)."""
        if size not in self._solvers:
            solver = z3.SimpleSolver(ctx=self.ctx)
            solver.set("rlimit", self.rlimit)
            self._solvers[size] = solver
        return self._solvers[size]

    def encoder(self, size: int, variant: Variant, abstract: bool = False) -> Encoder:
        key = (size, variant, abstract)
        if key not in self._encoders:
            self._encoders[key] = Encoder(self.pack, self.universe, self.claim(size), variant, self.relations,
                                          own_findings=True, name=f"e{len(self._encoders)}", abstract=abstract)
        return self._encoders[key]

    def table_facts(self, encoder: Encoder, variant: Variant) -> list[Z3]:
        """What a question asserts beside its formula: the definitions of the decisions of rules
        that read their own findings, and the table checks the variant keeps. (The facts of the rows,
        `axioms`, hold whatever the question: `settle` asserts them in the analysis' solvers once.)"""
        if not isinstance(self.relations, Relations):
            return list(encoder.definitions)
        switches = [switch for name, switch in self.relations.switches.items() if name not in variant.unchecked]
        return [*encoder.definitions, *switches]

    @property
    def axioms(self) -> list[Z3]:
        """The facts of the tables' rows learned so far."""
        return self.relations.axioms if isinstance(self.relations, Relations) else []

    def settle(self, size: int) -> Any:
        """The analysis' solver for claims of `size` lines, with every fact of the rows learned so far."""
        solver = self.shared(size)
        done = self._settled.get(size, 0)
        if len(self.axioms) > done:
            solver.add(*self.axioms[done:])
            self._settled[size] = len(self.axioms)
        return solver

    def reads_tables(self, reads: Reads) -> bool:
        """Whether a question's rules (`reads`: what they read) look rows up in tables read from files."""
        return isinstance(self.relations, Relations) and any(t.name in reads.names for t in self.pack.data_tables)

    def realize(self, model: Any, formula: Z3, encoder: Encoder, symbolic: SymbolicClaim, solver: Any,
                reads: Reads, groups: list[Group]) -> Claim | list[Lemma]:
        """The model as a claim whose codes are real rows' codes, each lookup the formula reads finding
        there what the solver chose; else the facts that rule the model out (empty: none found).
        Where the rows cannot give what the model asks and no fact says why, the solver is asked for
        a model of the same question whose lookups by two keys find as few rows as it allows (the
        first model may pair lines that need not be paired), and that one is tried. `solver` holds
        the question (its formula and constraints, pushed); `reads` and `groups` name the claim's
        fields and codes (`claim_from_model`)."""
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
            pinned = self._pinned(model, symbolic, read(model), claim_type, solver)
            if pinned is not None:
                return claim_from_model(pinned[0], symbolic, reads, groups, pinned[1])
        if isinstance(found, dict):
            return claim_from_model(model, symbolic, reads, groups, found)
        return found or []

    def _pinned(self, model: Any, symbolic: SymbolicClaim, applications: list[Application],
                claim_type: str, solver: Any) -> tuple[Any, dict[int, str]] | None:
        """Codes that give what the model chose on other days: each key kept at its id, the lookups
        by those ids made exactly what the codes' rows give on any day, and the solver asked again
        for the days (and everything else); a model it gives is realized as it stands, or None."""
        assert self.realizer is not None and isinstance(self.relations, Relations)
        needs = self.realizer.needs(model, applications, claim_type)
        codes = self.realizer.realize(model, needs, claim_type, flexible=True)
        if not isinstance(codes, dict):
            return None
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


    def preferences(self, size: int, reads: Reads) -> list[list[Z3]]:
        """The witness preferences to try in turn, for the fields `reads` names (built once)."""
        key = (size, reads.key())
        if key not in self._preferences:
            symbolic = self.claim(size)
            fully = pleasant(symbolic, True, reads)
            self._preferences[key] = [fully + familiar(symbolic, True, reads), fully + familiar(symbolic, False, reads),
                                      fully, pleasant(symbolic, False, reads)]
        return self._preferences[key]

    # ------------------------------------------------------------ questions and their answers
    def closure(self, focus: Iterable[str], standing: bool) -> frozenset[str]:
        """The rules a question about `focus` reads: those rules, the rules whose findings they read
        (`flagged by`) and the rules that take precedence over them, and with `standing` the rules
        that can deny a code one of them suggests, each with what it reads in turn."""
        keep: set[str] = set()
        todo = [r for r in focus if r in self.rules]
        while todo:
            rule_id = todo.pop()
            if rule_id in keep:
                continue
            keep.add(rule_id)
            rule = self.rules[rule_id]
            todo.extend(r for r in (*rule.references, *self.overriders.get(rule_id, ())) if r in self.rules)
            if standing and rule.suggest is not None:
                todo.extend(self.deniers(rule_id))
        return frozenset(keep)

    def _read(self, rules: frozenset[str]) -> tuple[Reads, list[Group], list[tuple[int, int]]]:
        if rules not in self._reads:
            for rule_id in rules:
                if rule_id not in self._rule_reads:
                    self._rule_reads[rule_id] = reads_of(self.pack, (rule_id,))
            reads = combined(self._rule_reads[r] for r in sorted(rules))
            if any(t.name in reads.names for t in self.pack.data_tables):
                # the rows of tables read from files hold codes of any group: the question tells
                # every group apart, and a line's code is one of theirs (`relations`)
                groups = list(self.universe.groups)
                self._reads[rules] = (reads, groups, self.universe.code_domain(groups))
                return self._reads[rules]
            groups = self.universe.groups_of(reads.codes)
            known = tuple(g.index for g in groups)
            if known not in self._domains:
                self._domains[known] = self.universe.question_domain(groups)
            self._reads[rules] = (reads, groups, self._domains[known])
        return self._reads[rules]

    def form(self, rule_id: str) -> str:
        """The digest of the rule's canonical form (changes/canon.py)."""
        if rule_id not in self._forms:
            self._forms[rule_id] = cache.digest_of(declaration_form(self.rules[rule_id], self._seen))
        return self._forms[rule_id]

    def key(self, question: Question, rules: frozenset[str], reads: Reads, groups: list[Group]) -> str:
        """What the question's answer depends on (see the module's note), as a digest."""
        ordered = sorted(rules, key=self._order.__getitem__)
        precedences = sorted((p.winner, p.loser) for p in self.pack.precedences
                             if p.winner in rules and p.loser in rules)
        u = self.universe
        universe = (u.capacity, tuple(g.describe() for g in groups),
                    tuple(sorted((t, u.literals.get(t)) for t in reads.texts)))
        forms = tuple(self.form(r) for r in ordered)
        if reads.names not in self._data:
            # tables read from files by their declaration and their files' content digests: an
            # edited CSV file asks the questions that read it again
            tables = tuple(stable(t) for t in self.pack.data_tables if t.name in reads.names)
            self._data[reads.names] = cache.digest_of((data_form(self.pack, set(reads.names)), tables))
        return cache.digest_of((ANALYZER_VERSION, cache.compiler_digest(), self.limit, self.max_lines, self.rlimit,
                                self.pack.effective, stable(question.tag), stable(question.extra), forms,
                                tuple(precedences), self._data[reads.names], universe))

    def ask(self, question: Question, work: Work) -> dict[str, Any]:
        """The question's answer: from the cache when it was asked before with the same key, else
        worked out in a `Unit` of its own (and kept, unless the interpreter contradicted it)."""
        rules = self.closure(question.focus, question.standing)
        reads, groups, domain = self._read(rules)
        key = self.key(question, rules, reads, groups) if self.folder is not None else ""
        if self.folder is not None:
            known = cache.load_answer(self.folder, key)
            if known is not None and "outcome" in known:
                self.reused += 1
                self._fold(known)
                return known
        unit = Unit(self, reads, groups, domain)
        answer = work(unit)
        answer.update(lines=unit.lines, complete=unit.complete)
        self.asked += 1
        self._fold(answer)
        if self.writer is not None and answer["outcome"] != "mismatch":
            cache.store_answer(self.writer, key, answer)
        return answer

    def _fold(self, answer: dict[str, Any]) -> None:
        self.lines_used = max(self.lines_used, int(answer.get("lines") or 1))
        self.complete = self.complete and bool(answer.get("complete", True))

    def single(self, question: Question, build: Build, shape: Shape, variant: Variant,
               anchors: int = 1) -> dict[str, Any]:
        """A question asked once: `outcome` is sat, unsat or unknown (with `reason` and `needs`);
        `whole` whether an unsat answer holds for claims of any size, `size` its claim size."""

        def work(unit: Unit) -> dict[str, Any]:
            try:
                answer = unit.solve(build, shape, variant, anchors)
            except Unsupported as problem:
                return {"outcome": "unknown", "reason": f"cannot encode: {problem}", "needs": None}
            return {"outcome": answer.status, "reason": answer.reason, "needs": answer.needs,
                    "whole": answer.complete, "size": answer.lines}

        return self.ask(question, work)

    def between(self, a: str, b: str) -> list[Declaration]:
        pair = {a, b}
        return [d for d in self.declarations if set(d.rules) <= pair and (len(d.rules) == 2 or d.kind == "suggestion")]

    def unknown(self, question: str, rules: list[str], reason: str, needs: int | None = None) -> None:
        span = self.rules[rules[0]].id_span if rules and rules[0] in self.rules else None
        hint = (f"raise the limit to decide it: `--max-lines {needs}`" if needs is not None
                else "raise the solver's resource limit, or split the rules' conditions")
        self.entries.append(Entry("unknown", rules, f"no answer to the question `{question}` about "
                                  f"{' and '.join(rules)} ({reason})", self.locate(span), hint=hint, needs=needs))

    def pairwise(self, conflict: Conflict, build: Build, shape: Shape, anchors: int = 1,
                 standing: bool = False) -> Entry | None:
        """Ask a pairwise question naive first; the entry it gives, resolved or not."""
        question = conflict.kind if conflict.kind != "exception" else "overlap"
        rules = [conflict.a] if conflict.a == conflict.b else [conflict.a, conflict.b]
        between = self.between(conflict.a, conflict.b)
        naive = merged(d.variant for d in between)
        tag = ("pairwise", conflict.kind, conflict.a, conflict.b, anchors, build_tag(build))
        extra = tuple((d.kind, d.id, d.rules, d.variant) for d in between)

        def work(unit: Unit) -> dict[str, Any]:
            try:
                return self._pairwise(unit, conflict, build, shape, anchors, between, naive)
            except Unsupported as problem:
                return {"outcome": "unknown", "reason": f"cannot encode: {problem}", "needs": None}

        answer = self.ask(Question(tag, (conflict.a, conflict.b), standing, extra), work)
        outcome = answer["outcome"]
        if outcome == "unknown":
            self.unknown(question, rules, answer["reason"], answer.get("needs"))
            return None
        if outcome == "mismatch":
            self._mismatch(conflict, answer["claim"])
            return None
        if outcome != "found":
            return None
        deciding = between[answer["deciding"]] if answer["deciding"] is not None else None
        variant = None if deciding is None else (naive if answer["naive"] else deciding.variant)
        if deciding is not None:
            self.used.add(deciding)
        return self._entry(conflict, answer["claim"], answer["line"], deciding, variant)

    def _pairwise(self, unit: Unit, conflict: Conflict, build: Build, shape: Shape, anchors: int,
                  between: list[Declaration], naive: Variant) -> dict[str, Any]:
        answer = unit.solve(build, shape, naive, anchors, witness=not between)
        if answer.status == "unknown":
            return {"outcome": "unknown", "reason": answer.reason, "needs": answer.needs}
        if answer.status == "unsat":
            return {"outcome": "none"}
        if not between:
            return self._confirm(conflict, answer, None, None, True)
        declared = unit.solve(build, shape, Variant(), anchors, witness=True) if naive != Variant() else answer
        if declared.status == "unknown":
            return {"outcome": "unknown", "reason": declared.reason, "needs": declared.needs}
        if declared.status == "sat":
            return self._confirm(conflict, declared, None, None, True)
        number, variant = 0, naive
        if len(between) > 1:
            for index, candidate in enumerate(between):
                if unit.solve(build, shape, candidate.variant, anchors).status == "sat":
                    number, variant = index, candidate.variant
                    break
        witness = unit.solve(build, shape, variant, anchors, witness=True)
        if witness.status != "sat":
            return {"outcome": "unknown", "reason": witness.reason, "needs": witness.needs}
        return self._confirm(conflict, witness, number, variant, variant is naive)

    def _confirm(self, conflict: Conflict, answer: Answer, number: int | None, naive: Variant | None,
                 whole: bool) -> dict[str, Any]:
        """Replay the witness, shrink it while the interpreter still shows the conflict."""
        assert answer.claim is not None
        claim = answer.claim

        def holds(candidate: Claim) -> bool:
            return conflict.shown(self.replay, naive, candidate) is not None

        if not holds(claim):
            return {"outcome": "mismatch", "claim": claim}
        claim = shrink(claim, holds, self.pack.effective)
        line = conflict.shown(self.replay, naive, claim)
        assert line is not None
        return {"outcome": "found", "claim": claim, "line": line, "deciding": number, "naive": whole}

    def _mismatch(self, conflict: Conflict, claim: Claim) -> None:
        self.disagreements.append(f"{conflict.kind} {conflict.a} {conflict.b}: the interpreter does not "
                                  f"confirm the solver's claim {claim}")
        self.unknown(conflict.kind if conflict.kind != "exception" else "overlap",
                     [conflict.a] if conflict.a == conflict.b else [conflict.a, conflict.b],
                     "internal error: the interpreter does not confirm the solver's witness")

    def narrowed(self, conflict: Conflict, build: Build, shape: Shape, declaration: Declaration,
                 anchors: int = 1, standing: bool = False) -> Entry | None:
        """The entry resolved by `declaration` (an exclusion of a rule's condition) when the conflict
        appears without it and not as declared; None otherwise, and for questions without an answer."""
        tag = ("narrowed", conflict.kind, conflict.a, conflict.b, anchors, build_tag(build))

        def work(unit: Unit) -> dict[str, Any]:
            try:
                if unit.solve(build, shape, declaration.variant, anchors).status != "sat":
                    return {"outcome": "none"}
                if unit.solve(build, shape, Variant(), anchors).status != "unsat":
                    return {"outcome": "none"}
                naive = unit.solve(build, shape, declaration.variant, anchors, witness=True)
                if naive.status != "sat":
                    return {"outcome": "none"}
                return self._confirm(conflict, naive, 0, declaration.variant, False)
            except Unsupported:
                return {"outcome": "none"}

        question = Question(tag, (conflict.a, conflict.b), standing, (declaration.rules, declaration.variant))
        answer = self.ask(question, work)
        if answer["outcome"] == "mismatch":
            self._mismatch(conflict, answer["claim"])
            return None
        if answer["outcome"] != "found":
            return None
        self.used.add(declaration)
        return self._entry(conflict, answer["claim"], answer["line"], declaration, declaration.variant)

    # ------------------------------------------------------------ entries
    def _entry(self, conflict: Conflict, claim: Claim, line: int, declaration: Declaration | None,
               naive: Variant | None) -> Entry:
        """The entry of a conflict shown on `claim` at `line`: its message, rules and location from
        the pack as it is now, and every finding the interpreter gives on the witness."""
        declared = self.replay.findings(Variant(), claim) or []
        shown = (self.replay.findings(naive, claim) or []) if naive is not None else declared
        a, b = conflict.a, conflict.b
        fa = next((f for f in shown if f.rule == a and f.line == line), None)
        fb = next((f for f in shown if f.rule == b and f.line == line), None)
        code = claim["lines"][line - 1]["code"]
        resolved_by = None
        if declaration is not None:
            resolved_by = Resolution(declaration.kind, declaration.id, declaration.resolves, declaration.rationale,
                                     self.locate(declaration.span))
        rules = [a] if a == b else [a, b]
        rebilled: Findings = ()
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
            if declaration is None and conflict.kind == "overlap":
                hint = (f"declare which one decides: `precedence {second} over {first}` (or the reverse) with "
                        "`resolves` and a rationale, or narrow one of the conditions")
        elif conflict.kind == "suggestion-withheld":
            raw = self.replay.findings(naive or Variant(), claim, raw_suggestions=True) or []
            suggesting = next((f for f in raw if f.rule == a and f.line == line), None)
            suggested = suggesting.suggest if suggesting is not None else None
            message = (f"{a} would suggest {suggested} for line {line} ({code}); billed as {suggested}, {b} "
                       f"denies it, so no code is suggested.")
            rule_a = self.rules[a]
            span = rule_a.suggest.span if rule_a.suggest is not None else rule_a.id_span
            if suggested is not None:
                rebilled = witness_findings(self.replay.findings(naive or Variant(), rebill(claim, line, suggested)))
            if declaration is None and a == b:
                hint = (f"{a} denies the code it suggests: an exception to {a} where the suggested code is right, "
                        "or no suggestion")
        else:  # mutual-denial
            other = next((f.line for f in shown if f.rule == b and f.line != line and line in f.evidence), None)
            located = declaration.rules[0] if declaration is not None and declaration.kind == "condition" else (
                a if self.rules[a].span.start >= self.rules[b].span.start else b)
            rules = [a] if a == b else [located, a if located == b else b]
            span = self.rules[located].id_span
            if declaration is None:
                message = (f"{a} denies line {line} because of line {other}, and {b} denies line {other} because of "
                           f"line {line}: neither line is paid.")
            else:
                message = (f"{a} would deny line {line} because of line {other}, and {b} line {other} because of "
                           f"line {line}, each line's denial resting on the other.")
            if declaration is None and a == b:
                hint = (f"decide which line stands: exclude the other line in {a}'s condition (e.g. "
                        "`x.code not in ...`, or `any earlier line x` so that only the later line is denied), "
                        "with `resolves` and a rationale")
            elif declaration is None:
                hint = (f"decide which line stands: e.g. `not (x flagged by {a})` in {b}'s condition, with "
                        "`resolves` and a rationale")
        entry = Entry(_kind(conflict), rules, message, self.locate(span), line, claim, resolved_by, hint,
                      findings=witness_findings(declared),
                      naive_findings=witness_findings(shown) if naive is not None else (),
                      rebilled_findings=rebilled)
        if declaration is not None:
            entry.change = self._change(entry, declaration, naive or Variant(), claim)
        return entry

    def _change(self, entry: Entry, declaration: Declaration, naive: Variant, claim: Claim) -> str:
        """One sentence: what the resolving declaration changes on the entry's witness."""
        def key(f: Any) -> tuple[Any, ...]:
            return f.line, f.rule, f.disposition, f.suggest

        what = {"precedence": f"the precedence {declaration.id}", "exception": f"the exception {declaration.id}",
                "condition": f"this condition of {declaration.id}",
                "suggestion": f"the suggestion guard of {declaration.id}"}[declaration.kind]
        before, after = entry.naive_findings, entry.findings
        kept = {key(f) for f in after}
        had = {key(f) for f in before}

        def concerned(f: Any) -> bool:  # a finding on the entry's line, or of one of its rules
            return f.line == entry.line or f.rule in entry.rules

        gone = [f for f in before if key(f) not in kept and concerned(f)]
        came = [f for f in after if key(f) not in had and concerned(f)]
        parts = []
        if gone:
            parts.append("takes away " + _and([_finding_phrase(f) for f in gone]))
        if came:
            parts.append("gives " + _and([_finding_phrase(f) for f in came]))
        if not parts and entry.kind == "suggestion-withheld":
            raw_before = self.replay.findings(naive, claim, raw_suggestions=True) or []
            raw_after = self.replay.findings(Variant(), claim, raw_suggestions=True) or []
            a = entry.rules[0]
            was = next((f.suggest for f in raw_before if f.rule == a and f.line == entry.line), None)
            now = next((f.suggest for f in raw_after if f.rule == a and f.line == entry.line), None)
            if was is not None and now != was:
                parts.append(f"keeps {a} from suggesting {was} for line {entry.line}")
        sentence = f"On the witness, {what} " + (" and ".join(parts) if parts else "decides which finding stands")
        lines = sorted({line for line in (entry.line, *(f.line for f in gone)) if line is not None})
        still = []
        for number in lines:
            deniers = sorted({f.rule for f in after if f.line == number and f.disposition == "deny"})
            if deniers:
                still.append(f"line {number} stays denied, by {_and(deniers)}")
        if still:
            sentence += " (" + "; ".join(still) + ")"
        return sentence + "."

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


def build_tag(build: Build) -> tuple[Any, ...]:
    """What a formula builder asks, as data: each builder carries its own tag (`tagged`)."""
    tag = getattr(build, "tag", None)
    if tag is None:
        raise TypeError(f"a question's formula must be tagged: {build!r}")
    return tuple(tag)


def tagged(tag: tuple[Any, ...]) -> Callable[[Build], Build]:
    """Name a formula builder by `tag` (the question's key holds it)."""
    def mark(build: Build) -> Build:
        build.tag = tag  # type: ignore[attr-defined]
        return build

    return mark


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _finding_phrase(f: Any) -> str:
    noun = {"deny": "denial", "review": "review", "info": "note"}.get(f.disposition, f.disposition)
    suggest = f" (suggesting {f.suggest})" if f.suggest else ""
    return f"{f.rule}'s {noun} of line {f.line}{suggest}"


# ---------------------------------------------------------------- readable witnesses


def pleasant_model(solver: Any, symbolic: SymbolicClaim) -> Any:
    """The solver's model (it has just answered sat), preferably one that also meets `pleasant`
    (a change report's questions, over every field)."""
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


def pleasant(symbolic: SymbolicClaim, fully: bool, reads: Reads | None = None) -> list[Z3]:
    """Preferences for readable witnesses: whole units and dollars, dates in the effective period,
    drugs that look like drugs, texts from their own families; `fully` adds round times of day.
    With `reads`, only for the fields it names."""
    u = symbolic.universe

    def read(part: str) -> bool:
        return reads is None or reads.reads(part)

    drugs = [u.families["drug"], *u.code_ranges(is_drug_code)]  # (memoized by the universe)
    out = []
    for slot in symbolic.slots:
        out.append(slot.date >= u.effective)
        if read("units"):
            out.append(z3.IsInt(slot.units))
        if read("charge"):
            out.append(z3.IsInt(slot.charge))
        if read("drug"):
            out.append(in_ranges(slot.drug, drugs))
        if reads is None or "provider" in reads.line:
            out.append(in_ranges(slot.provider, [u.families["provider"]]))
        if read("description"):
            out.append(in_ranges(slot.description, [u.families["text"]]))
        if fully and read("timed"):
            out += [slot.start >= slot.date * 1440 + 8 * 60, slot.stop <= slot.date * 1440 + 20 * 60,
                    slot.start % 15 == 0, (slot.stop - slot.start) % 5 == 0, slot.stop - slot.start <= 90]
    header = symbolic.header
    if reads is None or "provider" in reads.claim:
        out.append(in_ranges(header.provider, [u.families["provider"]]))
    if reads is None or "member" in reads.claim:
        out.append(in_ranges(header.member, [u.families["text"]]))
    return out


def familiar(symbolic: SymbolicClaim, office: bool, reads: Reads | None = None) -> list[Z3]:
    """Preferences for values a reader recognises: drugs given as drug codes of the pack (J1745)
    rather than as drugs it never names (NDC-1); places of service from `FAMILIAR_PLACES`, with
    `office` the office (11) alone."""
    u = symbolic.universe
    wanted = FAMILIAR_PLACES[:1] if office else FAMILIAR_PLACES
    places = [(u.text_id(p),) * 2 for p in wanted]
    drugs = u.code_ranges(is_drug_code)
    out = []
    pos = reads is None or reads.reads("pos")
    if pos:
        out.append(in_ranges(symbolic.header.pos, places))
    for slot in symbolic.slots:
        if pos:
            out.append(in_ranges(slot.pos, places))
        if drugs and (reads is None or "drug" in reads.line):
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
