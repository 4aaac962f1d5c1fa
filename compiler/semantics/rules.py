"""The third resolution pass: rules, exceptions and documentation entries (their clauses),
precedences, and examples.

It reads the data declarations (`Data`) and types expressions through the expression pass; the
rule ids that rules, precedences and expressions name are checked at the end, once every rule
in force is known.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from compiler import codes as code_shapes
from compiler.diagnostics import Label, Severity, Span, did_you_mean
from compiler.semantics import ir
from compiler.semantics.data import Data
from compiler.semantics.exprs import ExprResolver, Scope
from compiler.semantics.names import Unresolved
from compiler.syntax import ast
from compiler.syntax.loader import Origin
from compiler.syntax.vocabulary import CLAIM_TYPES, CLAUSE_ORDER, DISPOSITIONS, ClauseKind, Decision, word

CLAUSE_ORDER_TEXT = ("covers, cite, quote, text, on ... claims, at/outside, target, when, deny/review/info, "
                     "suggest, overrides, resolves")
_SINGLE: tuple[ClauseKind, ...] = ("cite", "on", "at", "outside", "target", "when", "verdict", "suggest")
_ALLOWED: dict[str, frozenset[ClauseKind]] = {
    "rule": frozenset({*_SINGLE, "covers", "quote", "text", "overrides", "resolves"}),
    "exception": frozenset({"covers", "cite", "quote", "text", "on", "at", "outside", "target", "when",
                            "overrides", "resolves"}),
    "documentation": frozenset({"covers", "cite", "quote", "text", "resolves"}),
}
_MISPLACED_HINTS = {
    "rule": "",
    "exception": "an exception allows what the rules it overrides deny; it has no disposition, message or "
                 "suggestion",
    "documentation": "documentation entries hold covers, cite, quote and text; write a rule for an edit",
}
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class Rules:
    """The rules in force (a base pack's included), with their precedences and the examples."""

    rules: tuple[ir.Rule, ...]
    removed: tuple[str, ...]
    precedences: tuple[ir.Precedence, ...]
    examples: tuple[ir.Example, ...]


def resolve_rules(origins: Sequence[Origin], data: Data, rows: Collection[str] | None,
                  unresolved: Unresolved) -> Rules:
    """Resolve the rules, precedences and examples among `origins`. `rows` are the rows the pack
    header declares (None when it declares none): the pack's own `covers` must name them."""
    exprs = ExprResolver(data, unresolved)
    rule_pass = _RulePass(data, exprs, unresolved, rows)
    chosen, removed = _collect_rules(origins, unresolved)
    rules = []
    for origin in chosen:
        assert isinstance(origin.decl, ast.RuleDecl)
        resolved = rule_pass.rule(origin.decl, origin)
        if resolved is not None:
            rules.append(resolved)
    precedences, precedence_references = _precedences(origins, rules, unresolved)
    declared = {o.decl.id for o in chosen if isinstance(o.decl, ast.RuleDecl)}
    _check_references([*rule_pass.references, *exprs.references, *precedence_references], declared, unresolved)
    examples = _examples(origins, {r.id: r for r in rules}, declared, unresolved)
    return Rules(tuple(rules), tuple(removed), precedences, examples)


class _RulePass:
    def __init__(self, data: Data, exprs: ExprResolver, unresolved: Unresolved,
                 rows: Collection[str] | None) -> None:
        self.out = unresolved.out
        self.data = data
        self.exprs = exprs
        self.sets = data.expander(unresolved)
        self.unresolved = unresolved
        self.rows = rows
        self.references: list[tuple[str, Span]] = []  # (rule id, where) for each `overrides`

    def rule(self, decl: ast.RuleDecl, origin: Origin) -> ir.Rule | None:
        """The resolved rule, or None when it has errors (reported, or reported where the
        declaration it names failed to parse)."""
        errors_before = len(self.out.items)
        self._check_clauses(decl)
        clauses = {c.kind: c for c in reversed(decl.clauses)}
        covers = tuple(v for c in decl.clauses if c.kind == "covers" for v in c.values)
        if not origin.inherited:
            self._check_rows(decl)
        quotes = tuple(ir.Quote(c.values[0], c.span) for c in decl.clauses if c.kind == "quote")
        texts = tuple(c.values[0] for c in decl.clauses if c.kind == "text")
        overrides = tuple(v for c in decl.clauses if c.kind == "overrides" for v in c.values)
        for c in decl.clauses:
            if c.kind == "overrides":
                self.references.extend(zip(c.values, c.value_spans, strict=True))
        resolves = tuple(ir.Resolution(c.values[0], c.values[1], c.span) for c in decl.clauses
                         if c.kind == "resolves")
        cited = self._citation(clauses["cite"]) if "cite" in clauses else ("", None)
        claim_types = (tuple(sorted({word(v, CLAIM_TYPES) for v in clauses["on"].values}))
                       if "on" in clauses else None)
        place_clause = clauses.get("at") or clauses.get("outside")
        places = self._places(place_clause) if place_clause is not None else None
        target = self._target(clauses["target"]) if "target" in clauses else None
        variables = Scope([] if decl.kind == "documentation" else ["line"])
        condition = self._condition(clauses["when"].expr, variables) if "when" in clauses else None
        suggest, suggest_if = self._suggestion(clauses["suggest"], variables) if "suggest" in clauses else (None, None)
        disposition, message = self._verdict(decl, clauses.get("verdict"))
        # A part that names a declaration with a syntax error fails without a word of its own.
        failed_silently = (
            cited is None,
            place_clause is not None and places is None,
            "target" in clauses and target is None,
            "when" in clauses and condition is None,
            "suggest" in clauses and suggest is None,
            "suggest" in clauses and clauses["suggest"].condition is not None and suggest_if is None,
        )
        if any(failed_silently) or any(d.severity is Severity.ERROR for d in self.out.items[errors_before:]):
            return None
        assert cited is not None
        if suggest is not None and "verdict" in clauses:
            self._suggestion_in_message(suggest, message, clauses["verdict"])
        references = tuple(sorted({node.rule for expr in (condition, suggest, suggest_if)
                                   for node in ir.walk(expr) if isinstance(node, ir.Flagged)}))
        return ir.Rule(decl.id, decl.kind, decl.title, disposition, message, cited[0], cited[1], covers, quotes,
                       texts, claim_types, places, "at" not in clauses and place_clause is not None, target,
                       condition, suggest, suggest_if, overrides, resolves, references, origin.file, decl.span,
                       decl.id_span)

    # ------------------------------------------------------------ the shape of a declaration
    def _check_clauses(self, decl: ast.RuleDecl) -> None:
        """Each clause once where once is the rule, in the language's order, allowed for this kind
        of declaration, and the clauses each kind needs."""
        seen: dict[str, Span] = {}
        for clause in decl.clauses:
            if clause.kind in _SINGLE:
                if clause.kind in seen:
                    self.out.error("duplicate-clause", f"this {decl.kind} has a second `{_clause_word(clause)}`",
                                   clause.span, "join the two into one clause",
                                   labels=(Label(seen[clause.kind], "the first one"),))
                seen.setdefault(clause.kind, clause.span)
        if "at" in seen and "outside" in seen:
            first, second = sorted((seen["at"], seen["outside"]), key=lambda span: span.start)
            self.out.error("duplicate-clause", f"this {decl.kind} has both `at` and `outside`", second,
                           "keep one: a rule applies at some places of service, or outside them",
                           labels=(Label(first, "the first one"),))
        allowed = _ALLOWED[decl.kind]
        self._check_order(decl, allowed)
        article = "an" if decl.kind == "exception" else "a"
        for clause in decl.clauses:
            if clause.kind not in allowed:
                self.out.error("misplaced-clause", f"{article} {decl.kind} cannot have `{_clause_word(clause)}`",
                               clause.span, _MISPLACED_HINTS[decl.kind])
        kinds = {c.kind for c in decl.clauses}
        if decl.kind == "rule" and "verdict" not in kinds:
            self.out.error("missing-clause", f"rule {decl.id} says neither deny, review nor info", decl.id_span,
                           'add its disposition and message, e.g. deny "96372 is bundled into the E/M"')
        if decl.kind == "exception" and "overrides" not in kinds:
            self.out.error("missing-clause", f"exception {decl.id} does not say which rules it overrides",
                           decl.id_span, "add `overrides RULE-ID`")
        if decl.kind == "documentation" and "covers" not in kinds:
            self.out.error("missing-clause", f"documentation {decl.id} covers no analyst-note row", decl.id_span,
                           "add `covers P09` naming the rows it documents")

    def _check_order(self, decl: ast.RuleDecl, allowed: frozenset[ClauseKind]) -> None:
        """Clauses come in one order, so that a line that drifts into a neighbouring rule is caught."""
        furthest: ast.Clause | None = None
        for clause in decl.clauses:
            if clause.kind not in allowed:
                continue
            rank = CLAUSE_ORDER[clause.kind]
            if furthest is not None and rank < CLAUSE_ORDER[furthest.kind]:
                article = "an" if decl.kind == "exception" else "a"
                self.out.error("clause-order", f"`{_clause_word(clause)}` comes before "
                               f"`{_clause_word(furthest)}` in {article} {decl.kind}", clause.span,
                               "write the clauses in this order: " + CLAUSE_ORDER_TEXT,
                               labels=(Label(furthest.span, "this clause comes later"),))
                return
            if furthest is None or rank > CLAUSE_ORDER[furthest.kind]:
                furthest = clause

    def _check_rows(self, decl: ast.RuleDecl) -> None:
        """Where the header declares its rows, every row the pack's own declarations cover is one."""
        if self.rows is None:
            return
        for clause in decl.clauses:
            if clause.kind != "covers":
                continue
            for row, span in zip(clause.values, clause.value_spans, strict=True):
                if row not in self.rows:
                    self.out.error("unknown-row", f"row {row} is not among the rows the pack header declares",
                                   span, *(did_you_mean(row, self.rows)
                                           or ("add it to the header's `rows`, or cover a declared row",)))

    # ------------------------------------------------------------ clauses
    def _citation(self, clause: ast.Clause) -> tuple[str, str | None] | None:
        name = clause.values[0]
        section = self.data.sections.get(name)
        if section is None:
            self.unresolved.report("unknown-section", name, f"no section named `{name}`", clause.value_spans[0],
                                   self.data.sections, 'declare it: section NAME "Heading"')
            return None
        detail = clause.values[1] if len(clause.values) > 1 else ""
        return (f"{section.heading}: {detail}" if detail else section.heading), name

    def _places(self, clause: ast.Clause) -> ir.CodeSet | None:
        expr = clause.expr
        assert isinstance(expr, (ast.SetUnion, ast.SetExcept))
        members = self.sets.members(expr, texts=True)
        if members is None:
            return None
        bad = sorted(m for m in members if not code_shapes.PLACE.fullmatch(m))
        if bad:
            self.out.error("bad-place", f"{bad[0]!r} is not a place of service", expr.span,
                           'places of service are two digits, e.g. "11" or "22"')
            return None
        return ir.CodeSet(_single_name(expr), None, members, True, None, expr.span)

    def _target(self, clause: ast.Clause) -> ir.CodeSet | None:
        expr = clause.expr
        assert isinstance(expr, (ast.SetUnion, ast.SetExcept))
        members = self.sets.members(expr, texts=False)
        return None if members is None else ir.CodeSet(_single_name(expr), None, members, False, None, expr.span)

    def _condition(self, expr: ast.Expr | ast.SetExpr | None, variables: Scope) -> ir.Expr | None:
        assert expr is not None and not isinstance(expr, (ast.SetUnion, ast.SetExcept))
        return self.exprs.condition(expr, variables)

    def _suggestion(self, clause: ast.Clause, variables: Scope) -> tuple[ir.Expr | None, ir.Expr | None]:
        assert clause.expr is not None and not isinstance(clause.expr, (ast.SetUnion, ast.SetExcept))
        suggest = self.exprs.expr(clause.expr, variables)
        if suggest is not None and suggest.type.kind is not ir.Kind.CODE:
            self.out.error("type-mismatch", f"a suggestion is a code, not a {suggest.type.kind.value}",
                           clause.expr.span, "suggest a code (99211) or a map lookup (subsequent[line.code])")
        suggest_if = None if clause.condition is None else self.exprs.condition(clause.condition, variables)
        return suggest, suggest_if

    def _verdict(self, decl: ast.RuleDecl,
                 verdict: ast.Clause | None) -> tuple[Decision | None, tuple[ir.MessagePart, ...]]:
        if decl.kind == "exception":
            return "allow", ()
        if verdict is None:
            return None, ()
        return word(verdict.values[0], DISPOSITIONS), self._message(verdict.values[1], verdict.value_spans[1])

    def _suggestion_in_message(self, suggest: ir.Expr, message: tuple[ir.MessagePart, ...],
                               verdict: ast.Clause) -> None:
        """A message that names a code the rule suggests promises it; but a suggestion stands only
        where the line billed with it is not denied, so the finding may carry none."""
        if isinstance(suggest, ir.Const) and isinstance(suggest.value, str):
            codes = {suggest.value}
        elif isinstance(suggest, ir.MapGet) and suggest.map in self.data.maps:
            codes = {value for _, value in self.data.maps[suggest.map].pairs}
        else:
            return
        text = "".join(part.text for part in message if part.field is None)
        named = sorted(code for code in codes if re.search(rf"(?<![0-9A-Z]){re.escape(code)}(?![0-9A-Z])", text))
        if named:
            self.out.warning("suggestion-in-message",
                             f"the message names {', '.join(named)}, which the rule suggests; the suggestion is "
                             "withheld where the line billed with it would be denied, and the message would "
                             "still promise it", verdict.value_spans[1],
                             "say what is wrong with the line; the finding's `suggest` carries the code where it "
                             "stands")

    def _message(self, text: str, span: Span) -> tuple[ir.MessagePart, ...]:
        parts: list[ir.MessagePart] = []
        position = 0
        exact = span.end - span.start == len(text) + 2  # no escapes: offsets in the text are offsets in the file

        def at(match: re.Match[str]) -> Span:
            if not exact:
                return span
            return Span(span.path, span.start + 1 + match.start(), span.start + 1 + match.end())

        for match in _PLACEHOLDER.finditer(text):
            if match.start() > position:
                parts.append(ir.MessagePart(text[position:match.start()]))
            token = match.group(0)
            position = match.end()
            if token in ("{{", "}}"):
                parts.append(ir.MessagePart(token[0]))
            elif match.group(1) is None:
                self.out.error("bad-message", f"a lone {token!r} in the message", at(match),
                               "name a field of the line in braces, {code}; write {{ or }} for a brace")
            elif match.group(1).strip() not in ir.LINE_FIELDS:
                name = match.group(1).strip()
                self.out.error("unknown-field", f"the message names `{{{name}}}`, which is not a line field",
                               at(match), *(did_you_mean(name, ir.LINE_FIELDS)
                                       or ("line fields: " + ", ".join(ir.LINE_FIELDS),)))
            else:
                parts.append(ir.MessagePart("", match.group(1).strip()))
        if position < len(text):
            parts.append(ir.MessagePart(text[position:]))
        merged: list[ir.MessagePart] = []
        for part in parts:
            if merged and part.field is None and merged[-1].field is None:
                merged[-1] = ir.MessagePart(merged[-1].text + part.text)
            else:
                merged.append(part)
        return tuple(merged)


def _clause_word(clause: ast.Clause) -> str:
    if clause.kind == "verdict":
        return clause.values[0]
    return {"on": "on ... claims"}.get(clause.kind, clause.kind)


def _single_name(expr: ast.SetExpr) -> str | None:
    if isinstance(expr, ast.SetUnion) and len(expr.items) == 1 and isinstance(expr.items[0], ast.SetRef):
        return expr.items[0].name
    return None


# ---------------------------------------------------------------- the rules in force


def _collect_rules(origins: Sequence[Origin], unresolved: Unresolved) -> tuple[list[Origin], list[str]]:
    """The rule declarations in force: a pack's own rule replaces an inherited one of the same id,
    and `remove rule` drops an inherited one."""
    out = unresolved.out
    removed = [o.decl for o in origins if isinstance(o.decl, ast.RemoveDecl) and not o.inherited]
    chosen: dict[str, Origin] = {}
    first_span: dict[tuple[str, bool], Span] = {}
    for origin in origins:
        decl = origin.decl
        if not isinstance(decl, ast.RuleDecl):
            continue
        key = (decl.id, origin.inherited)
        if key in first_span:
            out.error("duplicate-id", f"`{decl.id}` is declared twice", decl.id_span,
                      "rule ids are unique in a pack; rename one",
                      labels=(Label(first_span[key], "first declared here"),))
            continue
        first_span[key] = decl.id_span
        if decl.id in chosen and chosen[decl.id].inherited and not origin.inherited:
            chosen[decl.id] = origin  # the contract pack's own version replaces the base rule
        elif decl.id not in chosen:
            chosen[decl.id] = origin
    removed_ids: list[str] = []
    for decl in removed:
        assert isinstance(decl, ast.RemoveDecl)
        origin_or_none = chosen.get(decl.rule)
        if origin_or_none is None or not origin_or_none.inherited:
            unresolved.report("unknown-rule", decl.rule, f"no inherited rule named `{decl.rule}` to remove",
                              decl.span, chosen, "`remove rule` applies to a base pack's rules")
            continue
        del chosen[decl.rule]
        removed_ids.append(decl.rule)
    return list(chosen.values()), removed_ids


def _precedences(origins: Sequence[Origin], rules: Sequence[ir.Rule],
                 unresolved: Unresolved) -> tuple[tuple[ir.Precedence, ...], list[tuple[str, Span]]]:
    """The precedences that `overrides` clauses and `precedence` declarations state, and the rule
    ids the declarations name."""
    result: list[ir.Precedence] = []
    references: list[tuple[str, Span]] = []
    for rule in rules:
        for loser in rule.overrides:
            result.append(ir.Precedence(rule.id, loser, rule.resolves, "overrides", rule.span))
    for origin in origins:
        decl = origin.decl
        if not isinstance(decl, ast.PrecedenceDecl):
            continue
        references.extend(zip((decl.winner, *decl.losers), decl.rule_spans, strict=True))
        resolves = tuple(ir.Resolution(c.values[0], c.values[1], c.span) for c in decl.resolves)
        for loser in decl.losers:
            if loser == decl.winner:
                unresolved.out.error("precedence-cycle", f"`{loser}` cannot take precedence over itself",
                                     decl.span, "name two different rules")
                continue
            result.append(ir.Precedence(decl.winner, loser, resolves, "precedence", decl.span))
    return tuple(result), references


def _check_references(references: Sequence[tuple[str, Span]], declared: Collection[str],
                      unresolved: Unresolved) -> None:
    """Every rule id named by `overrides`, `precedence` or `flagged by` is a rule in force (a
    rule with errors of its own still counts, so it is not reported twice)."""
    for name, span in references:
        if name not in declared:
            unresolved.report("unknown-rule", name, f"no rule named `{name}`", span, declared,
                              "name a rule or exception of this pack")


# ---------------------------------------------------------------- examples


def _examples(origins: Sequence[Origin], rules: Mapping[str, ir.Rule], declared: Collection[str],
              unresolved: Unresolved) -> tuple[ir.Example, ...]:
    """The pack's own examples (a base pack's examples test the base pack)."""
    out = unresolved.out
    result = []
    names: dict[str, Span] = {}
    for origin in origins:
        decl = origin.decl
        if not isinstance(decl, ast.ExampleDecl) or origin.inherited:
            continue
        if decl.name in names:
            out.error("duplicate-id", f"two examples are named {decl.name!r}", decl.span, "rename one",
                      labels=(Label(names[decl.name], "first declared here"),))
        names[decl.name] = decl.span
        if not decl.has_claim:
            out.error("bad-example", f"example {decl.name!r} has no claim", decl.span,
                      'add: claim {"id": "X1", "type": "professional", ...}')
        if not decl.expectations:
            out.error("bad-example", f"example {decl.name!r} expects nothing at all", decl.span,
                      "add `expect nothing` or `expect line N deny`")
        lines = _claim_lines(decl.claim)
        for expectation in decl.expectations:
            _check_expectation(expectation, decl, lines, rules, declared, unresolved)
        expected = tuple(ir.Expected(e.kind, e.line, e.disposition, e.rule, e.suggest, e.text, e.evidence, e.span)
                         for e in decl.expectations)
        result.append(ir.Example(decl.name, decl.note, decl.claim, expected, decl.ignore_info, decl.span))
    return tuple(result)


def _claim_lines(claim: object) -> int | None:
    """How many lines the example's claim lists, or None when it has no list of lines (an
    example of a rejected claim)."""
    if isinstance(claim, dict) and isinstance(claim.get("lines"), list):
        return len(claim["lines"])
    return None


def _check_expectation(expectation: ast.Expectation, example: ast.ExampleDecl, lines: int | None,
                       rules: Mapping[str, ir.Rule], declared: Collection[str], unresolved: Unresolved) -> None:
    out = unresolved.out
    line = expectation.line
    if line is not None and line < 1:
        out.error("bad-example", "line numbers start at 1", expectation.span, "count lines from 1")
    elif line is not None and lines is not None and line > lines:
        out.error("bad-example", f"the claim has {lines} line(s); there is no line {line}", expectation.span,
                  "lines are numbered 1, 2, 3, ... in the order the claim lists them")
    if expectation.kind != "finding":
        return
    if example.ignore_info and expectation.disposition == "info":
        out.error("bad-example", "this example ignores info findings, so it cannot expect one", expectation.span,
                  "remove `ignore info`, or this expectation")
    if expectation.rule is not None:
        if expectation.rule not in declared:
            unresolved.report("unknown-rule", expectation.rule, f"no rule named `{expectation.rule}`",
                              expectation.rule_span, declared, "name a rule of this pack")
        elif expectation.rule in rules:
            _check_against_rule(expectation, rules[expectation.rule], unresolved)
    if expectation.evidence is not None:
        _check_evidence(expectation, lines, unresolved)


def _check_against_rule(expectation: ast.Expectation, rule: ir.Rule, unresolved: Unresolved) -> None:
    """What an expectation says of a rule's finding is something that rule can give."""
    out = unresolved.out
    if rule.kind != "rule":
        out.error("bad-example", f"{rule.id} is {'an' if rule.kind == 'exception' else 'a'} {rule.kind}: it "
                  "gives no findings", expectation.rule_span, "name the rule whose finding this is")
    elif rule.disposition != expectation.disposition:
        out.error("bad-example", f"{rule.id} gives {rule.disposition} findings, not {expectation.disposition}",
                  expectation.span, f"expect `{rule.disposition}` by {rule.id}, or name another rule")
    elif expectation.suggest is not None and rule.suggest is None:
        out.error("bad-example", f"{rule.id} suggests no code", expectation.span,
                  "remove the `suggest`, or name the rule that suggests it")


def _check_evidence(expectation: ast.Expectation, lines: int | None, unresolved: Unresolved) -> None:
    """`because` names other lines of the claim, each once."""
    out = unresolved.out
    assert expectation.evidence is not None
    seen: set[int] = set()
    for number, span in zip(expectation.evidence, expectation.evidence_spans, strict=True):
        if number < 1 or (lines is not None and number > lines):
            out.error("bad-evidence", f"the claim has no line {number}", span,
                      f"the claim's lines are numbered 1 to {lines}" if lines else "count lines from 1")
        elif number == expectation.line:
            out.error("bad-evidence", f"line {number} is the finding's own line, not its evidence", span,
                      "`because` names the other lines the decision rests on; write `because no other line` "
                      "when there are none")
        elif number in seen:
            out.error("bad-evidence", f"line {number} is named twice", span, "name each line once")
        seen.add(number)
