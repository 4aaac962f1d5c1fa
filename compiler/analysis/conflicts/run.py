"""The questions in order: each rule alone, then the pairs the code index gives, then the
declarations that decided nothing and the rows nothing covers; `analyze` makes the report of them.

This module and those it imports load the solver: `compiler.analysis.conflicts` imports it only
when a report is not in the cache.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from compiler.analysis import coverage
from compiler.analysis.conflicts.encode import Encoder, Variant
from compiler.analysis.conflicts.model import Z3, conj, neg
from compiler.analysis.conflicts.questions import (
    DECIDING,
    Analysis,
    Build,
    Declaration,
    Question,
    build_tag,
    exclusion_declarations,
    merged,
    tagged,
)
from compiler.analysis.conflicts.report import Entry, Report, Resolution
from compiler.analysis.conflicts.shape import NONE, Shape
from compiler.analysis.conflicts.witness import Conflict, describe
from compiler.diagnostics import Sources
from compiler.semantics import ir


def _keep_freed_memory() -> None:
    """Each witness is found in a solver context of its own (questions.Unit), and z3 allocates and
    frees a few megabytes for each. With glibc's defaults the freed memory goes back to the system
    and is faulted in again for the next one, which made context creation five times slower once
    the compiler's own objects fill the heap (over a second of a CPCP026 analysis). Keeping freed
    memory (up to 256 MiB) for reuse avoids it; elsewhere nothing changes."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 32 * 1024 * 1024)  # M_MMAP_THRESHOLD: the most glibc allows
        libc.mallopt(-1, 256 * 1024 * 1024)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        return


_keep_freed_memory()


def analyze(pack: ir.Pack, max_lines: int | None, rlimit: int, sources: Sources | None, folder: Path | None,
            enabled: bool) -> Report:
    """The pack's report: every question asked (or its answer read from the cache of answers in
    `folder`), one entry per kind and set of rules, sorted, witnesses numbered."""
    started = time.perf_counter()
    analysis = Analysis(pack, max_lines, rlimit, sources, folder)
    if enabled:
        run(analysis)
    else:
        uncovered_rows(analysis)
        analysis.complete = False
    entries = sorted(_one_per_set(analysis.entries), key=Entry.sort_key)
    for number, entry in enumerate((e for e in entries if e.witness is not None), 1):
        assert entry.witness is not None
        entry.witness = {"id": f"W{number}", **{k: v for k, v in entry.witness.items() if k != "id"}}
    report = Report(pack.name, analysis.lines_used, analysis.complete and not any(e.unknown for e in entries),
                    entries, disagreements=analysis.disagreements, asked=analysis.asked, reused=analysis.reused)
    if analysis.writer is not None:
        analysis.writer.trim()
    report.seconds = time.perf_counter() - started
    return report


def _one_per_set(entries: list[Entry]) -> list[Entry]:
    """One entry per kind and unordered set of rules: an unresolved one before a resolved one."""
    chosen: dict[tuple[str, frozenset[str]], Entry] = {}
    for entry in entries:
        key = (entry.kind, frozenset(entry.rules))
        if key not in chosen or (chosen[key].resolved_by is not None and entry.resolved_by is None):
            chosen[key] = entry
    return list(chosen.values())


def run(analysis: Analysis) -> None:
    dead = _single_rules(analysis)
    _exceptions(analysis)
    _overlaps(analysis, dead)
    _suggestions(analysis, dead)
    _mutual(analysis, dead)
    _narrowings(analysis, dead)
    _undecided(analysis)
    uncovered_rows(analysis)
    _examples_agree(analysis, dead)


def _suggest_shape(analysis: Analysis, rule: ir.Rule) -> Shape:
    """The shape of the rule's raw suggestion (its code and its guard)."""
    shapes = analysis.shapes
    shape = shapes.expr(rule.suggest, True, frozenset()) + shapes.expr(rule.suggest, False, frozenset())
    return shape + shapes.expr(rule.suggest_if, True, frozenset()) + shapes.expr(rule.suggest_if, False, frozenset())


def _standing_shape(analysis: Analysis, rule: ir.Rule, positive: bool = True) -> Shape:
    """The shape of the suggestion that stands: the raw suggestion, and the rules that can deny the
    line billed with it, in the re-billed claim: none of them denies it (`positive`), or one does."""
    shape = _suggest_shape(analysis, rule)
    if rule.suggest is None:
        return shape
    deniers = NONE
    for denier in analysis.deniers(rule.id):
        if positive:
            deniers = deniers + analysis.shapes.effective(denier, False)
        else:
            deniers = deniers.either(analysis.shapes.effective(denier, True))
    return shape + deniers


# ---------------------------------------------------------------- one rule


def _single_rules(analysis: Analysis) -> set[str]:
    """dead-rule and masked-rule for every deny and review rule; returns the dead ones."""
    dead: set[str] = set()
    for rule in analysis.deciding:
        rid = rule.id
        raw = analysis.single(Question(("dead-rule", rid), (rid,)), _one(rid, raw=True), analysis.shapes.raw(rid),
                              Variant())
        if raw["outcome"] == "unknown":
            analysis.unknown("dead-rule", [rid], raw["reason"], raw.get("needs"))
            if raw["reason"].startswith("cannot encode"):
                dead.add(rid)
            continue
        if raw["outcome"] == "unsat":
            dead.add(rid)
            where = rule.condition.span if rule.condition is not None else rule.id_span
            analysis.entries.append(Entry(
                "dead-rule", [rid], f"{rid} can never apply: its condition cannot hold on any line it targets"
                + _bound_note(raw["whole"], raw["size"]) + ".", analysis.locate(where),
                hint="check the condition against the target, the claim types and the places of service"))
            continue
        winners = analysis.overriders.get(rid, ())
        if not winners:
            continue
        effective = analysis.single(Question(("masked-rule", rid), (rid,)), _one(rid, raw=False),
                                    analysis.shapes.effective(rid), Variant())
        if effective["outcome"] == "unknown":
            analysis.unknown("masked-rule", [rid, *winners], effective["reason"], effective.get("needs"))
        elif effective["outcome"] == "unsat":
            analysis.entries.append(Entry(
                "masked-rule", [rid, *winners], f"{rid} never gives a finding: wherever it applies, "
                f"{' or '.join(winners)} (taking precedence over it) applies too"
                + _bound_note(effective["whole"], effective["size"]) + ".", analysis.locate(rule.id_span),
                hint="remove the rule, or narrow the precedence or exception that covers it"))
    return dead


def _one(rule_id: str, raw: bool) -> Build:
    @tagged(("one", rule_id, raw))
    def build(enc: Encoder, slots: tuple[int, ...]) -> Z3:
        return enc.raw(rule_id, slots[0]) if raw else enc.effective(rule_id, slots[0])

    return build


def _bound_note(complete: bool, lines: int) -> str:
    return "" if complete else f" (checked on claims of up to {lines} lines)"


# ---------------------------------------------------------------- pairs


def _overlaps(analysis: Analysis, dead: set[str]) -> None:
    live = [r for r in analysis.deciding if r.id not in dead]
    pairs = set(analysis.sharing_pairs(live))
    pairs |= _declared_pairs(analysis, {r.id for r in live})
    for a, b in sorted(pairs):
        ra, rb = analysis.rules[a], analysis.rules[b]
        shape = analysis.shapes.effective(a) + analysis.shapes.effective(b)
        if ra.disposition != rb.disposition:
            _add(analysis, analysis.pairwise(Conflict("overlap", a, b), _co_firing(a, b, None), shape))
            continue
        overlap = None
        both = ra.suggest is not None and rb.suggest is not None
        alike = shape
        if both:  # only suggestions that stand count
            differ = shape + _standing_shape(analysis, ra) + _standing_shape(analysis, rb)
            overlap = analysis.pairwise(Conflict("overlap", a, b), _co_firing(a, b, True), differ, standing=True)
            _add(analysis, overlap)
            # alike: one of the suggestions does not stand, or both are the same code
            alike = shape + _suggest_shape(analysis, ra) + _suggest_shape(analysis, rb) + \
                _standing_shape(analysis, ra, False).either(_standing_shape(analysis, rb, False))
        if overlap is None or overlap.resolved_by is not None:
            _add(analysis, analysis.pairwise(Conflict("redundant", a, b), _co_firing(a, b, False if both else None,
                                                                                   alike=True), alike,
                                             standing=both))


def _declared_pairs(analysis: Analysis, live: set[str]) -> set[tuple[str, str]]:
    pairs = set()
    for declaration in analysis.declarations:
        if len(declaration.rules) == 2 and set(declaration.rules) <= live:
            x, y = declaration.rules
            if x != y:  # (a rule that reads its own findings declares a condition with itself)
                pairs.add((min(x, y), max(x, y)))
    return pairs


def _co_firing(a: str, b: str, clash: bool | None, alike: bool = False) -> Build:
    """Both rules decide the slot; with `clash`, suggesting two different codes that stand (False:
    not so). None asks for no more than both deciding (`alike` tells a redundancy apart)."""
    @tagged(("co-firing", a, b, clash, alike))
    def build(enc: Encoder, slots: tuple[int, ...]) -> Z3:
        i = slots[0]
        both = conj(enc.effective(a, i), enc.effective(b, i))
        if clash is None:
            return both
        sa, sb = enc.standing(a, i), enc.standing(b, i)
        differ = conj(neg(sa.absent), neg(sb.absent), sa.id != sb.id)
        return conj(both, differ if clash else neg(differ))

    return build


def _add(analysis: Analysis, entry: Entry | None) -> None:
    if entry is not None:
        analysis.entries.append(entry)


def _exceptions(analysis: Analysis) -> None:
    """An exception overlaps each deny or review rule it overrides, resolved by itself."""
    for declaration in analysis.declarations:
        if declaration.kind != "exception":
            continue
        x, r = declaration.rules
        if analysis.rules[r].disposition not in DECIDING:
            continue
        shape = analysis.shapes.raw(x) + analysis.shapes.effective(r)

        @tagged(("exception", x, r))
        def build(enc: Encoder, slots: tuple[int, ...], x: str = x, r: str = r) -> Z3:
            return conj(enc.raw(x, slots[0]), enc.effective(r, slots[0]))

        _add(analysis, analysis.pairwise(Conflict("exception", x, r), build, shape))


def _suggestions(analysis: Analysis, dead: set[str]) -> None:
    """For each deny or review rule that suggests a code: a `suggestion-withheld` entry per rule that
    denies the line billed with it, then whether the suggestion can stand at all (`dead-suggestion`
    where it never can)."""
    for rule in analysis.deciding:
        if rule.suggest is None or rule.id in dead:
            continue
        a = rule.id
        deniers = []
        for b in analysis.deniers(a):
            if b in dead:
                continue
            shape = analysis.shapes.effective(a) + _suggest_shape(analysis, rule) + analysis.shapes.effective(b)
            entry = analysis.pairwise(Conflict("suggestion-withheld", a, b), _withheld(a, b), shape)
            _add(analysis, entry)
            if entry is not None and entry.resolved_by is None:
                deniers.append((b, entry))
        _dead_suggestion(analysis, rule, deniers)


def _dead_suggestion(analysis: Analysis, rule: ir.Rule, deniers: list[tuple[str, Entry]]) -> None:
    """A `dead-suggestion` entry when no claim has the rule suggest a code that stands (a pack's own
    example on which the interpreter shows one settles it without the solver)."""
    a = rule.id
    if a in _standing_in_examples(analysis):
        return
    shape = analysis.shapes.effective(a) + _suggest_shape(analysis, rule)
    for b in analysis.deniers(a):
        shape = shape + analysis.shapes.effective(b, False)

    @tagged(("stands", a))
    def stands(enc: Encoder, slots: tuple[int, ...]) -> Z3:
        i = slots[0]
        return conj(enc.effective(a, i), neg(enc.standing(a, i).absent))

    answer = analysis.single(Question(("dead-suggestion", a), (a,), standing=True), stands, shape, Variant())
    if answer["outcome"] == "unknown":
        analysis.unknown("dead-suggestion", [a], answer["reason"], answer.get("needs"))
        return
    if answer["outcome"] == "sat":
        return
    where = rule.suggest.span if rule.suggest is not None else rule.id_span
    bound = _bound_note(answer["whole"], answer["size"])
    if not deniers:
        analysis.entries.append(Entry(
            "dead-suggestion", [a], f"{a} never suggests a code: wherever it applies, its suggestion is absent"
            + bound + ".", analysis.locate(where), hint="remove the `suggest` clause, or check its guard and code"))
        return
    names = [b for b, _ in deniers]
    shown = deniers[0][1]
    analysis.entries.append(Entry(
        "dead-suggestion", [a, *(b for b in names if b != a)],
        f"the suggestion of {a} can never stand: wherever {a} suggests a code, the line billed with it is "
        f"denied (by {' or '.join(names)}){bound}.", analysis.locate(where), shown.line, shown.witness,
        hint="remove the suggestion, or decide where the suggested code is allowed (an exception to the rule "
             "that denies it, as K4 does for 96376)",
        findings=shown.findings, rebilled_findings=shown.rebilled_findings))


def _mutual(analysis: Analysis, dead: set[str]) -> None:
    deniers = {r.id: r for r in analysis.deciding if r.disposition == "deny" and r.id not in dead}
    evidence = {rid: analysis.evidence_groups(r) for rid, r in deniers.items()}
    targets = {rid: analysis._groups[rid] for rid in deniers}

    def reaches(a: str, b: str) -> bool:
        """Lines `b` targets can be in the evidence of `a`."""
        ev, target = evidence[a], targets[b]
        if ev is not None and not ev:
            return False
        return ev is None or target is None or bool(ev & target)

    with_evidence = sorted(rid for rid, ev in evidence.items() if ev is None or ev)
    by_group: dict[int, set[str]] = {}
    untargeted: set[str] = set()
    for rid in with_evidence:
        if targets[rid] is None:
            untargeted.add(rid)
        else:
            for group in targets[rid] or ():
                by_group.setdefault(group, set()).add(rid)
    pairs = set()
    for a in with_evidence:
        ev = evidence[a]
        reached = set(with_evidence) if ev is None else untargeted.union(*(by_group.get(g, set()) for g in ev))
        for b in reached:
            if reaches(b, a):
                pairs.add((min(a, b), max(a, b)))
    for a, b in sorted(pairs):
        # the evidence of a finding is made of the witnesses of its condition: no lines beyond them
        shape = analysis.shapes.effective(a) + analysis.shapes.effective(b)

        _add(analysis, analysis.pairwise(Conflict("mutual-denial", a, b), _each_because_of_other(a, b), shape,
                                         anchors=2))


def _standing_in_examples(analysis: Analysis) -> set[str]:
    """The rules whose suggestion stands on some claim of the pack's examples."""
    if analysis.standing_in_examples is None:
        found: set[str] = set()
        for example in analysis.pack.examples:
            findings = analysis.replay.findings(Variant(), example.claim)  # type: ignore[arg-type]
            found.update(f.rule for f in findings or [] if f.suggest is not None)
        analysis.standing_in_examples = found
    return analysis.standing_in_examples


def _withheld(a: str, b: str) -> Build:
    """Rule a decides a line and would suggest a code; billed with it, the line is denied by rule b."""

    @tagged(("withheld", a, b))
    def build(enc: Encoder, slots: tuple[int, ...]) -> Z3:
        i = slots[0]
        return conj(enc.effective(a, i), neg(enc.suggestion(a, i).absent), enc.denied_as_suggested(a, i, (b,)))

    return build


def _each_because_of_other(a: str, b: str) -> Build:
    """Rule a denies line x because of line y, and rule b denies y because of x."""

    @tagged(("mutual", a, b))
    def build(enc: Encoder, slots: tuple[int, ...]) -> Z3:
        x, y = slots
        return conj(enc.effective(a, x), enc.evidence(a, x, y), enc.effective(b, y), enc.evidence(b, y, x))

    return build


# ---------------------------------------------------------------- labels shown by exclusions


def _narrowings(analysis: Analysis, dead: set[str]) -> None:
    """Each `resolves` label that a rule's own declarations do not take is shown through one of the
    exclusions of its condition: the first (in source order) without which a conflict involving
    the rule appears that the pack as written does not have. A label that no exclusion shows is
    reported as deciding nothing."""
    uncertain = _uncertain(analysis)
    for rule_id, labels in sorted(analysis.narrowing.items()):
        rule = analysis.rules[rule_id]
        if rule_id in dead or rule.disposition not in DECIDING:
            continue
        if rule_id in uncertain:
            # what its labels decide is not judged, but a mutual denial of its total, found with its
            # witness, is settled by a label all the same (it rests on no other answer)
            for label in labels:
                if _settled_by_total(analysis, rule, label):
                    break
            continue
        taken: set[int] = set()
        for label in labels:
            candidates = [(n, d) for n, d in enumerate(exclusion_declarations(rule, label)) if n not in taken]
            found = _shown_by_some(analysis, rule_id, candidates, dead)
            if found is not None:
                taken.add(found[0])
                analysis.entries.append(found[1])
                continue
            if _settled_by_total(analysis, rule, label):
                continue
            where = rule.condition.span if rule.condition is not None else rule.id_span
            analysis.entries.append(Entry(
                "unneeded-precedence", [rule_id],
                f"`resolves {label.conflict}` of {rule_id} decides nothing: no exclusion of its condition "
                "(a `not ...`, `not in`, `!=`, `lacks` or `is not given` part), taken away, lets a conflict "
                "appear that the pack does not already have.", analysis.locate(where),
                hint="remove the label, or write the exclusion that settles the conflict into the condition"))


def _settled_by_total(analysis: Analysis, rule: ir.Rule, label: ir.Resolution) -> bool:
    """Whether the label settles the rule's mutual denial with itself, as a decision of its total.
    A rule whose evidence is only the lines a `count(...)` or `sum(...)` adds up (no `any` or
    `first` in its condition) denies two lines each because of the other only where their total
    decides both together: every line of it is denied, by design ("the total exceeds the limit:
    every such line"). Such a denial cannot be narrowed by an exclusion, so the label stands for the
    total itself: the entry (found by `_mutual`, with its witness) is shown resolved, at the total."""
    if rule.condition is None or any(isinstance(node, ir.Quant) and node.kind in ("any", "first")
                                     for node in ir.walk(rule.condition)):
        return False
    total = next((node for node in ir.walk(rule.condition)
                  if isinstance(node, ir.Quant) and node.kind in ("count", "sum")), None)
    entry = next((e for e in analysis.entries
                  if e.kind == "mutual-denial" and e.rules == [rule.id] and e.resolved_by is None), None)
    if total is None or entry is None:
        return False
    entry.resolved_by = Resolution("condition", rule.id, label.conflict, label.rationale, analysis.locate(total.span))
    entry.naive_findings = entry.findings  # the label decides nothing else: the same findings either way
    entry.hint = None
    return True


def _shown_by_some(analysis: Analysis, rule_id: str, candidates: list[tuple[int, Declaration]],
                   dead: set[str]) -> tuple[int, Entry] | None:
    """The first exclusion (with its entry) that shows a conflict. Each question is asked first with
    every candidate exclusion taken away at once: where even that shows nothing, no single one can
    when the exclusions only narrow the rule, which is the usual case; the rare condition where
    taking one away narrows a rule elsewhere (through `flagged by`) gets the full search after."""
    if not candidates:
        return None
    together = merged(d.variant for _, d in candidates)
    asked: set[tuple[str, str, str]] = set()
    for conflict, build, shape, anchors, standing in _questions_about(analysis, rule_id, dead):
        if _present(analysis, conflict):
            continue
        question = Question(("together", conflict.kind, conflict.a, conflict.b, anchors, build_tag(build)),
                            (conflict.a, conflict.b), standing, (together,))
        if analysis.single(question, build, shape, together, anchors)["outcome"] != "sat":
            continue
        asked.add((conflict.kind, conflict.a, conflict.b))  # each candidate is tried on it here
        for number, declaration in candidates:
            entry = analysis.narrowed(conflict, build, shape, declaration, anchors, standing)
            if entry is not None:
                return number, entry
    for number, declaration in candidates:
        entry = _first_shown(analysis, rule_id, declaration, dead, skip=asked)
        if entry is not None:
            return number, entry
    return None


def _present(analysis: Analysis, conflict: Conflict) -> bool:
    rules = frozenset({conflict.a, conflict.b})
    return any(e.kind == conflict.kind and frozenset(e.rules) == rules for e in analysis.entries)


def _first_shown(analysis: Analysis, rule_id: str, declaration: Declaration, dead: set[str],
                 skip: set[tuple[str, str, str]]) -> Entry | None:
    """The first question (not in `skip`) that the declaration shows resolved."""
    for conflict, build, shape, anchors, standing in _questions_about(analysis, rule_id, dead):
        if (conflict.kind, conflict.a, conflict.b) in skip or _present(analysis, conflict):
            continue
        entry = analysis.narrowed(conflict, build, shape, declaration, anchors, standing)
        if entry is not None:
            return entry
    return None


def _questions_about(analysis: Analysis, rule_id: str,
                     dead: set[str]) -> Iterator[tuple[Conflict, Build, Shape, int, bool]]:
    """The pairwise questions that involve the rule: a mutual denial with itself, suggestions withheld
    (its own and others' that it would deny), overlaps with the rules sharing its codes, mutual
    denials with the other deniers."""
    live = [r for r in analysis.deciding if r.id not in dead]
    deniers = {r.id: r for r in live if r.disposition == "deny"}
    rule = analysis.rules[rule_id]
    effective = analysis.shapes.effective
    if rule_id in deniers:
        yield Conflict("mutual-denial", rule_id, rule_id), _each_because_of_other(rule_id, rule_id), \
            effective(rule_id) + effective(rule_id), 2, False
    if rule.suggest is not None and rule_id in {r.id for r in live}:
        for b in analysis.deniers(rule_id):
            if b in deniers:
                yield Conflict("suggestion-withheld", rule_id, b), _withheld(rule_id, b), \
                    effective(rule_id) + _suggest_shape(analysis, rule) + effective(b), 1, False
    if rule_id in deniers:
        for other in live:
            if other.id != rule_id and other.suggest is not None and rule_id in analysis.deniers(other.id):
                yield Conflict("suggestion-withheld", other.id, rule_id), _withheld(other.id, rule_id), \
                    effective(other.id) + _suggest_shape(analysis, other) + effective(rule_id), 1, False
    for a, b in analysis.sharing_pairs(live):
        if rule_id not in (a, b):
            continue
        ra, rb = analysis.rules[a], analysis.rules[b]
        clash = None if ra.disposition != rb.disposition else True
        if clash and (ra.suggest is None or rb.suggest is None):
            continue  # the same disposition and at most one suggestion: not an overlap
        shape = effective(a) + effective(b)
        if clash:
            shape = shape + _standing_shape(analysis, ra) + _standing_shape(analysis, rb)
        yield Conflict("overlap", a, b), _co_firing(a, b, clash), shape, 1, bool(clash)
    if rule_id in deniers:
        for b in sorted(deniers):
            if b != rule_id:
                yield Conflict("mutual-denial", rule_id, b), _each_because_of_other(rule_id, b), \
                    effective(rule_id) + effective(b), 2, False


# ---------------------------------------------------------------- declarations that decide nothing


def _meets(analysis: Analysis, declaration: Declaration) -> bool | None:
    rules = declaration.rules
    if len(rules) != 2:
        return None
    w, loser = rules
    shape = analysis.shapes.raw(w) + analysis.shapes.raw(loser)

    @tagged(("meets", w, loser))
    def both(enc: Encoder, slots: tuple[int, ...]) -> Z3:
        return conj(enc.raw(w, slots[0]), enc.raw(loser, slots[0]))

    answer = analysis.single(Question(("meets", w, loser), (w, loser)), both, shape, Variant())
    return None if answer["outcome"] == "unknown" else answer["outcome"] == "sat"


def _uncertain(analysis: Analysis) -> set[str]:
    """The rules some question about which has no answer: nothing is said of what a declaration
    naming one of them decides (an `unknown` entry already says the analysis is incomplete)."""
    return {rule for entry in analysis.entries if entry.unknown for rule in entry.rules}


def _undecided(analysis: Analysis) -> None:
    uncertain = _uncertain(analysis)
    exceptions: dict[str, list[Declaration]] = {}
    for declaration in analysis.declarations:
        if set(declaration.rules) & uncertain:
            continue
        if declaration.kind == "exception":
            exceptions.setdefault(declaration.id, []).append(declaration)
    for exception_id, declared in sorted(exceptions.items()):
        unused = [d for d in declared if d not in analysis.used and not _meets_quietly(analysis, d)]
        if len(unused) == len(declared):
            overridden = [d.rules[1] for d in declared]
            analysis.entries.append(Entry(
                "dead-exception", [exception_id, *overridden],
                f"exception {exception_id} never applies where a rule it overrides ({', '.join(overridden)}) "
                "applies, so it allows nothing.", analysis.locate(analysis.rules[exception_id].id_span),
                hint="remove the exception, or widen it to the lines the overridden rules deny"))
            continue
        for declaration in unused:
            _unneeded(analysis, declaration)
    for declaration in analysis.declarations:
        if declaration.kind == "exception" or declaration in analysis.used or set(declaration.rules) & uncertain:
            continue
        if declaration.kind == "precedence" and _meets_quietly(analysis, declaration):
            continue
        _unneeded(analysis, declaration)


def _meets_quietly(analysis: Analysis, declaration: Declaration) -> bool:
    """A declaration involving an info rule decides something wherever the two rules meet."""
    if all(analysis.rules[r].disposition in DECIDING for r in declaration.rules):
        return False
    return bool(_meets(analysis, declaration))


def _unneeded(analysis: Analysis, declaration: Declaration) -> None:
    meets = _meets(analysis, declaration)
    what = {"precedence": f"precedence {declaration.id}", "exception": f"exception {declaration.id}",
            "condition": f"the condition of {declaration.id} that names {declaration.rules[-1]}",
            "suggestion": f"the suggestion guard of {declaration.id}"}[declaration.kind]
    if meets is False:
        why = f"{' and '.join(declaration.rules)} never apply to the same line"
    else:
        why = "no conflict between the rules depends on it"
    analysis.entries.append(Entry(
        "unneeded-precedence", list(declaration.rules), f"{what} decides nothing: {why}.",
        analysis.locate(declaration.span), hint="remove the declaration, or check the rules it names"))


# ---------------------------------------------------------------- rows and cross-checks


def uncovered_rows(analysis: Analysis) -> None:
    """An entry for each row the pack's header declares (`rows P01..P36`) that nothing covers."""
    pack = analysis.pack
    for row in coverage.uncovered_rows(pack):
        analysis.entries.append(Entry(
            "uncovered-row", [row], f"row {row} is declared by the pack, but no rule, exception or "
            "documentation entry covers it.", analysis.locate(pack.rows_span),
            hint=f"add `covers {row}` to the rule that encodes it, or a documentation entry for it"))


def _examples_agree(analysis: Analysis, dead: set[str]) -> None:
    """A rule the solver calls dead or masked must not decide anything in the pack's own examples."""
    silent = {e.rules[0] for e in analysis.entries if e.kind in ("dead-rule", "masked-rule")} | (
        dead & {e.rules[0] for e in analysis.entries if e.kind == "dead-rule"})
    if not silent:
        return
    for example in analysis.pack.examples:
        findings = analysis.replay.findings(Variant(), example.claim)  # type: ignore[arg-type]
        for finding in findings or []:
            if finding.rule in silent:
                analysis.disagreements.append(
                    f"{finding.rule} is reported dead or masked, but example {example.name!r} gives "
                    f"{describe([finding])[0]}")
