"""Plain-English statements of rules, generated from their IR.

A reviewer checks a rule against the policy by reading what it does, not its message: the lines it
checks, the settings, the other lines it looks at, the result. `English` translates every IR
expression node (a dispatch table, with a test that no node is missing) into a linked phrase; the
conditions that decide a rule become nested lists (`Clause`) so that long conjunctions stay
readable. The wording follows the interpreter's semantics exactly, including absent values: a
comparison with an absent value is false, a missing rendering provider matches any provider.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from compiler import codes as code_shapes
from compiler.backends.markup import Anchors, Phrase, Ref, join, phrase
from compiler.semantics import ir
from compiler.syntax.vocabulary import CompareOp


class EnglishError(Exception):
    pass


@dataclass(frozen=True)
class Clause:
    """A condition: a phrase, and the sub-conditions it introduces (all or any of them, as it says)."""

    text: Phrase
    items: tuple[Clause, ...] = ()


@dataclass(frozen=True)
class Statement:
    """What a rule does, in four parts a template lays out."""

    applies: Phrase
    condition: Clause | None
    result: Phrase
    suggestion: Phrase | None
    unless: Phrase | None


LINE_FIELD_NAMES = {
    "number": "line number", "code": "code", "date": "date of service", "modifiers": "modifiers",
    "units": "unit count", "provider": "rendering provider", "pos": "place of service", "charge": "charge",
    "start": "start time", "stop": "stop time", "minutes": "minutes from start to stop", "drug": "drug",
    "supervision": "supervision", "member_supplied": "member-supplied flag", "description": "description",
}
CLAIM_FIELD_NAMES = {
    "id": "claim id", "type": "claim type", "pos": "claim's place of service", "bill_type": "bill type",
    "bill_class": "bill class", "member": "member",
    "provider": "claim's rendering provider",
}
_NUMBER_OPS = {"=": "is", "!=": "is not", "<": "is less than", "<=": "is at most", ">": "is more than",
               ">=": "is at least"}
_TIME_OPS = {"=": "is", "!=": "is not", "<": "is before", "<=": "is on or before", ">": "is after",
             ">=": "is on or after"}
_RANK_OPS = {"=": "ranks the same as", "!=": "does not rank the same as", "<": "ranks below",
             "<=": "ranks no higher than", ">": "ranks above", ">=": "ranks at least as high as"}
NEGATED_OP: dict[CompareOp, CompareOp] = {"=": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_ARITH_WORDS = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}
DISPOSITION_VERBS = {"deny": ("denies", "does not deny"), "review": ("sends", "does not send"),
                     "info": ("gives an information finding on", "gives no information finding on"),
                     "allow": ("allows", "does not allow")}
RESULTS = {"deny": "the line is denied", "review": "the line is sent to review",
           "info": "the line gets an information finding"}
_PLACE_WORDS = {(False, True): "is in", (False, False): "is one of", (True, True): "is not in (or is not given)",
                (True, False): "is none of (or is not given)"}
_SHOWN_RUNS = 12
PLACEHOLDER = "‹{}›"
"""How a message shows the line field it is filled in with: visibly a placeholder, not a value."""
_SHOWN_PAIRS = 6


def message_text(parts: tuple[ir.MessagePart, ...]) -> str:
    """A rule's message in quotes, its fields as placeholders (`‹code›`) and what each one stands
    for: “Hydration ‹code› ran twice” (‹code›: the line's code)."""
    text = "".join(part.text if part.field is None else PLACEHOLDER.format(part.field) for part in parts)
    fields = list(dict.fromkeys(part.field for part in parts if part.field is not None))
    if not fields:
        return f"“{text}”"
    glosses = "; ".join(f"{PLACEHOLDER.format(f)}: the line's {LINE_FIELD_NAMES.get(f, f)}" for f in fields)
    return f"“{text}” ({glosses})"


def number_text(value: float) -> str:
    """Numbers as people write them: 2, not 2.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def codes_text(members: frozenset[str], texts: bool, limit: int = _SHOWN_RUNS) -> str:
    """A compact list: runs of three or more consecutive codes as `first–last`, at most `limit`
    items shown."""
    if texts:
        items = sorted(members)
    else:
        items = []
        for low, high in code_shapes.compress(members):
            if low == high:
                items.append(low)
            elif code_shapes.shape(high)[2] - code_shapes.shape(low)[2] == 1:
                items += [low, high]
            else:
                items.append(f"{low}–{high}")
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit} more ({len(members)} in all)"
    return ", ".join(items)


class English:
    """Translate a pack's rules and expressions; links point at `anchors` of the same document."""

    def __init__(self, pack: ir.Pack, anchors: Anchors) -> None:
        self.pack = pack
        self.anchors = anchors
        self.tables = {t.name: t for t in pack.tables}
        self.data_tables = {t.name: t for t in pack.data_tables}
        self.maps = {m.name: m for m in pack.maps}
        self.rankings = {r.name: r for r in pack.rankings}
        self.rules = {r.id: r for r in pack.rules}
        self.attributes = {a.name: a for a in pack.attributes}
        self.sets = {s.name: s for s in pack.sets if s.name is not None}
        self.dispatch: dict[type, Callable[[Any], Phrase]] = {
            ir.Const: self._const, ir.SetValue: self._set_value, ir.LineVar: self._line_var,
            ir.LineField: self._line_field, ir.ClaimField: self._claim_field, ir.CodeAttr: self._code_attr,
            ir.MapGet: self._map_get, ir.RankOf: self._rank_of, ir.Func: self._func, ir.Arith: self._arith,
            ir.Neg: self._neg, ir.Compare: self._compare, ir.Member: self._member, ir.Given: self._given,
            ir.Has: self._has, ir.Flagged: self._flagged, ir.Relation: self._relation,
            ir.BoolOp: self._bool_op, ir.Not: self._not, ir.Quant: self._quant,
            ir.TableLookup: self._table_lookup, ir.RowField: self._row_field, ir.CheckDay: self._check_day,
        }

    # ------------------------------------------------------------ links

    def rule_ref(self, rule_id: str) -> Phrase:
        if rule_id in self.rules:
            return (Ref(rule_id, self.anchors.get("rule", rule_id)),)
        return (rule_id,)

    def set_ref(self, codes: ir.CodeSet) -> Phrase:
        """A named set as a link and its codes; an unnamed one as its codes."""
        listed = codes_text(codes.members, codes.texts, limit=32 if codes.texts else _SHOWN_RUNS)
        if codes.name is None:
            return (listed,)
        kind = "table" if codes.name in self.tables else "set"
        declared = self.sets.get(codes.name)
        title = codes.title or (declared.title if declared else None) or codes.name
        return phrase(Ref(title, self.anchors.get(kind, codes.name)), f" ({listed})")

    def _table_ref(self, table: str) -> Phrase:
        found = self.tables.get(table) or self.data_tables.get(table)
        return (Ref(found.title or table if found else table, self.anchors.get("table", table)),)

    # ------------------------------------------------------------ statements

    def statement(self, rule: ir.Rule) -> Statement:
        return Statement(self.applies(rule), self.clause(rule.condition) if rule.condition is not None else None,
                         self.result(rule), self.suggestion(rule), self.unless(rule))

    def applies(self, rule: ir.Rule) -> Phrase:
        """Which lines the rule looks at: its target codes, claim types and places of service."""
        if rule.kind == "documentation":
            return ("no claim line: it is not evaluated",)
        if rule.target is None:
            parts: list[Phrase] = [("every line of the claim",)]
        elif rule.target.name is None and len(rule.target.members) == 1:
            parts = [(f"each line whose code is {next(iter(rule.target.members))}",)]
        elif rule.target.name is None:
            parts = [phrase("each line whose code is one of ", self.set_ref(rule.target))]
        else:
            parts = [phrase("each line whose code is in ", self.set_ref(rule.target))]
        if rule.claim_types is not None:
            parts.append((f"on {' and '.join(rule.claim_types)} claims",))
        if rule.places is not None:
            where = _PLACE_WORDS[rule.places_negated, rule.places.name is not None]
            parts.append(phrase(f"whose place of service {where} ", self.set_ref(rule.places)))
        return join(parts)

    def result(self, rule: ir.Rule) -> Phrase:
        if rule.kind == "documentation":
            return ("no edit: a documentation requirement that the claim cannot show",)
        if rule.kind == "exception" or rule.disposition == "allow":
            overridden = [self.rule_ref(loser) for loser in sorted(
                {p.loser for p in self.pack.precedences if p.winner == rule.id})]
            if not overridden:
                return ("the line is allowed",)
            return phrase("the line is allowed: ", join(overridden, ", ", " and "),
                          " give no finding on it" if len(overridden) > 1 else " gives no finding on it")
        outcome = RESULTS.get(rule.disposition or "", f"the line gets a {rule.disposition} finding")
        return (f"{outcome}, with the message {message_text(rule.message)}",)

    def suggestion(self, rule: ir.Rule) -> Phrase | None:
        if rule.suggest is None:
            return None
        if isinstance(rule.suggest, ir.Const):
            suggested: Phrase = (f"code {rule.suggest.value}",)
        else:
            suggested = self.inline(rule.suggest)
        stands = ", where the line, billed with it, would not be denied"
        if rule.suggest_if is None:
            return phrase("it suggests ", suggested, " instead", stands)
        return phrase("it suggests ", suggested, " instead when ", self.inline(rule.suggest_if), " and", stands)

    def unless(self, rule: ir.Rule) -> Phrase | None:
        winners = self.pack.overriders(rule.id)
        if not winners:
            return None
        names = join([self.rule_ref(w) for w in winners], ", ", " or ")
        return phrase("no finding on a line where ", names,
                      " applies, since it takes precedence" if len(winners) == 1
                      else " applies, since they take precedence")

    # ------------------------------------------------------------ conditions as nested lists

    def clause(self, expr: ir.Expr) -> Clause:
        """A condition as a clause; conjunctions, disjunctions and quantifiers nest as lists."""
        if isinstance(expr, ir.BoolOp):
            return self._chain_clause(expr)
        if isinstance(expr, ir.Not):
            return self._not_clause(expr)
        if isinstance(expr, ir.Quant) and expr.kind in ("any", "no"):
            return self._quant_clause(expr, negate=False)
        if isinstance(expr, ir.Quant) and expr.kind == "first":
            return self._first_clause(expr)
        if isinstance(expr, ir.Compare) and isinstance(expr.left, ir.Quant) and expr.left.kind == "count":
            return self._count_clause(expr)
        if isinstance(expr, ir.Compare) and isinstance(expr.left, ir.Quant) and expr.left.kind == "sum":
            return self._sum_clause(expr)
        if isinstance(expr, ir.Const) and expr.type.kind == ir.Kind.BOOL:
            return Clause(("always",) if expr.value else ("never: the condition is false",))
        return Clause(self.inline(expr))

    def _chain_clause(self, expr: ir.BoolOp) -> Clause:
        items = tuple(self.clause(e) for e in _chain(expr, expr.op))
        return Clause(("all of these hold:",) if expr.op == "and" else ("any of these holds:",), items)

    def _not_clause(self, expr: ir.Not) -> Clause:
        operand = expr.operand
        if isinstance(operand, ir.Not):
            return self.clause(operand.operand)
        if isinstance(operand, ir.BoolOp):
            items = tuple(self.clause(e) for e in _chain(operand, operand.op))
            return Clause(("not all of these hold:",) if operand.op == "and" else ("none of these holds:",), items)
        if isinstance(operand, ir.Quant) and operand.kind in ("any", "no"):
            return self._quant_clause(operand, negate=True)
        return Clause(self.inline(expr))

    def _lines(self, expr: ir.Quant) -> tuple[str, str]:
        """The noun for a quantifier's lines and a note on which lines they are."""
        outer = self._subject(expr.outer)
        if "earlier" in expr.scopes:
            return "earlier line", f" (numbered before {outer})"
        if "later" in expr.scopes:
            return "later line", f" (numbered after {outer})"
        if "other" in expr.scopes:
            return "other line", ""
        return "line", f" of the claim ({outer} included)"

    def _some(self, expr: ir.Quant, exists: bool) -> str:
        noun, note = self._lines(expr)
        if not exists:
            return f"there is no {noun} {expr.var}{note}"
        article = {"other line": "another line", "earlier line": "an earlier line"}.get(noun, "a " + noun)
        return f"there is {article} {expr.var}{note}"

    def _quant_clause(self, expr: ir.Quant, negate: bool) -> Clause:
        lead = self._some(expr, (expr.kind == "any") != negate)
        conditions = _chain(expr.condition, "and")
        if len(conditions) == 1 and not isinstance(conditions[0], (ir.BoolOp, ir.Quant, ir.Not)):
            return Clause(phrase(lead, " such that ", self.inline(conditions[0])))
        return Clause((f"{lead} such that all of these hold:",), tuple(self.clause(c) for c in conditions))

    def _first_clause(self, expr: ir.Quant) -> Clause:
        assert expr.then is not None
        noun, note = self._lines(expr)
        selected = Clause((f"take the first {noun} {expr.var}{note}, in line order, for which all of these hold:",),
                          tuple(self.clause(c) for c in _chain(expr.condition, "and")))
        then = Clause((f"there is such a line, and line {expr.var} also satisfies:",), (self.clause(expr.then),))
        return Clause(("both of these hold:",), (selected, then))

    def _count_clause(self, expr: ir.Compare) -> Clause:
        count = expr.left
        assert isinstance(count, ir.Quant)
        noun, note = self._lines(count)
        lead = phrase(f"the number of {noun}s {count.var}{note} for which all of these hold ",
                      _NUMBER_OPS[expr.op], " ", self.inline(expr.right), ":")
        return Clause(lead, tuple(self.clause(c) for c in _chain(count.condition, "and")))

    def _sum_clause(self, expr: ir.Compare) -> Clause:
        total = expr.left
        assert isinstance(total, ir.Quant) and total.value is not None
        noun, note = self._lines(total)
        lead = phrase("the sum of ", self.inline(total.value), f" over the {noun}s {total.var}{note} for which all "
                      "of these hold ", _NUMBER_OPS[expr.op], " ", self.inline(expr.right), ":")
        return Clause(lead, tuple(self.clause(c) for c in _chain(total.condition, "and")))

    # ------------------------------------------------------------ inline phrases, one per IR node

    def inline(self, expr: ir.Expr) -> Phrase:
        handler = self.dispatch.get(type(expr))
        if handler is None:
            raise EnglishError(f"no English for {type(expr).__name__}")
        return handler(expr)

    def _subject(self, var: str) -> str:
        return "this line" if var == "line" else f"line {var}"

    def _const(self, expr: ir.Const) -> Phrase:
        value = expr.value
        if isinstance(value, bool):
            return ("true" if value else "false",)
        if isinstance(value, (int, float)):
            return (number_text(value),)
        if expr.type.kind == ir.Kind.TEXT:
            return (f"“{value}”",)
        return (str(value),)

    def _set_value(self, expr: ir.SetValue) -> Phrase:
        return self.set_ref(expr.codes)

    def _line_var(self, expr: ir.LineVar) -> Phrase:
        return (self._subject(expr.var),)

    def _line_field(self, expr: ir.LineField) -> Phrase:
        if expr.field == "member_supplied":
            return (f"{self._subject(expr.var)} is a drug the member supplied",)
        name = LINE_FIELD_NAMES.get(expr.field, expr.field)
        return (f"{self._subject(expr.var)}'s {name}",)

    def _claim_field(self, expr: ir.ClaimField) -> Phrase:
        name = CLAIM_FIELD_NAMES.get(expr.field, expr.field)
        return (f"the {name}" if name.startswith("claim") else f"the claim's {name}",)

    def _code_attr(self, expr: ir.CodeAttr) -> Phrase:
        attribute = self.attributes.get(expr.attribute)
        table = self._table_ref(attribute.table) if attribute else (expr.attribute,)
        if expr.type.kind == ir.Kind.BOOL:
            return phrase(self.inline(expr.code), f" is marked “{expr.attribute}” in ", table)
        return phrase(f"the {expr.attribute} listed for ", self.inline(expr.code), " in ", table)

    def _map_get(self, expr: ir.MapGet) -> Phrase:
        found = self.maps.get(expr.map)
        anchor = self.anchors.get("map", expr.map)
        shown: Phrase = ()
        if found is not None and len(found.pairs) <= _SHOWN_PAIRS:
            shown = (" (" + ", ".join(f"{k} → {v}" for k, v in found.pairs) + ")",)
        if found is not None and found.title:
            title = found.title
            if len(title) > 1 and not title[1].isupper():
                title = title[0].lower() + title[1:]
            return phrase((Ref(title, anchor),), ", looked up for ", self.inline(expr.key), shown)
        return phrase("the code that the map ", Ref(expr.map, anchor), " gives for ", self.inline(expr.key), shown)

    def _rank_of(self, expr: ir.RankOf) -> Phrase:
        return phrase("the rank of ", self.inline(expr.code), " in ", self._ranking_ref(expr.ranking))

    def _ranking_ref(self, name: str) -> Phrase:
        found = self.rankings.get(name)
        return (Ref(found.title or name if found else name, self.anchors.get("ranking", name)),)

    def _func(self, expr: ir.Func) -> Phrase:
        args = [self._operand(a) for a in expr.args]
        if expr.name == "ceil":
            return phrase(args[0], " rounded up")
        if expr.name == "floor":
            return phrase(args[0], " rounded down")
        if expr.name == "abs":
            return phrase("the absolute value of ", args[0])
        if expr.name in ("max", "min"):
            word = "larger" if expr.name == "max" else "smaller"
            return phrase(f"the {word} of ", join(args, ", ", " and "))
        if expr.name == "is_cpt":
            return phrase(args[0], " is a CPT code (four digits and a digit or letter)")
        if expr.name == "is_cpt_category_1":
            return phrase(args[0], " is a CPT category I code (five numeric digits)")
        if expr.name == "is_hcpcs":
            return phrase(args[0], " is a HCPCS Level II code (a letter and four digits)")
        raise EnglishError(f"no English for the function {expr.name}")

    def _operand(self, expr: ir.Expr) -> Phrase:
        """An operand of arithmetic, bracketed when it is itself a calculation."""
        inner = self.inline(expr)
        if isinstance(expr, (ir.Arith, ir.Neg)) or (isinstance(expr, ir.Func) and not expr.name.startswith("is_")):
            return phrase("(", inner, ")")
        return inner

    def _arith(self, expr: ir.Arith) -> Phrase:
        return phrase(self._operand(expr.left), f" {_ARITH_WORDS[expr.op]} ", self._operand(expr.right))

    def _neg(self, expr: ir.Neg) -> Phrase:
        return phrase("the negative of ", self._operand(expr.operand))

    def _compare(self, expr: ir.Compare) -> Phrase:
        left, right = expr.left, expr.right
        if isinstance(left, ir.RankOf) and isinstance(right, ir.RankOf) and left.ranking == right.ranking:
            return phrase(self.inline(left.code), f" {_RANK_OPS[expr.op]} ", self.inline(right.code), " in ",
                          self._ranking_ref(left.ranking))
        words = _TIME_OPS if left.type.kind in (ir.Kind.DATE, ir.Kind.DATETIME) else _NUMBER_OPS
        return phrase(self.inline(left), f" {words[expr.op]} ", self.inline(right))

    def _member(self, expr: ir.Member) -> Phrase:
        item = self.inline(expr.item)
        collection = expr.collection
        if isinstance(collection, ir.SetValue) and collection.codes.name is None:
            verb = "is none of " if expr.negated else "is one of "
        else:
            verb = "is not in " if expr.negated else "is in "
        return phrase(item, " ", verb, self.inline(collection))

    def _given(self, expr: ir.Given) -> Phrase:
        value = expr.value
        if isinstance(value, ir.TableLookup) and value.column is None:
            found = "there is no" if expr.negated else "there is a"
            return phrase(f"{found} row of ", self._table_ref(value.table), " ", self._rows_of(value))
        return phrase(self.inline(expr.value), " is absent" if expr.negated else " is given")

    def _has(self, expr: ir.Has) -> Phrase:
        modifiers = self.inline(expr.modifiers)
        if expr.any_of:
            wanted = self.inline(expr.wanted)
            return phrase(modifiers, " include none of " if expr.negated else " include one of ", wanted)
        value = expr.wanted.value if isinstance(expr.wanted, ir.Const) else None
        wanted = (f"modifier {value}",) if isinstance(value, str) else self.inline(expr.wanted)
        return phrase(modifiers, " do not include " if expr.negated else " include ", wanted)

    def _flagged(self, expr: ir.Flagged) -> Phrase:
        return self._flagged_words(expr, negated=False)

    def _flagged_words(self, expr: ir.Flagged, negated: bool) -> Phrase:
        rule = self.rules.get(expr.rule)
        verbs = DISPOSITION_VERBS.get(rule.disposition or "", ("reports", "does not report")) if rule \
            else ("reports", "does not report")
        tail = " to review" if rule is not None and rule.disposition == "review" else ""
        return phrase(self.rule_ref(expr.rule), f" {verbs[negated]} {self._subject(expr.var)}{tail}")

    def _relation(self, expr: ir.Relation) -> Phrase:
        inner, outer = self._subject(expr.inner), self._subject(expr.outer)
        if expr.kind == "date":
            return (f"{inner} has the same date of service as {outer}",)
        if expr.kind == "provider":
            return (f"{inner} has the same rendering provider as {outer} (a line without one matches any)",)
        if expr.kind == "drug":
            return (f"{inner} has a drug, the same as {outer}'s",)
        if expr.kind == "overlapping":
            return (f"{inner}'s start-to-stop time overlaps {outer}'s by more than 0 minutes",)
        raise EnglishError(f"no English for the relation {expr.kind}")

    def _bool_op(self, expr: ir.BoolOp) -> Phrase:
        items = [self._nested(e) for e in _chain(expr, expr.op)]
        if len(items) == 2:
            return phrase("both " if expr.op == "and" else "either ", items[0], f" {expr.op} ", items[1])
        return phrase("all of: " if expr.op == "and" else "any of: ", join(items, "; "))

    def _nested(self, expr: ir.Expr) -> Phrase:
        inner = self.inline(expr)
        return phrase("(", inner, ")") if isinstance(expr, (ir.BoolOp, ir.Quant)) else inner

    def _not(self, expr: ir.Not) -> Phrase:
        operand = expr.operand
        if isinstance(operand, ir.Not):
            return self.inline(operand.operand)
        if isinstance(operand, (ir.Has, ir.Given)):
            return self.inline(_flip(operand))
        if isinstance(operand, ir.Flagged):
            return self._flagged_words(operand, negated=True)
        if isinstance(operand, ir.Member) and not operand.item.type.optional:
            return self.inline(ir.Member(operand.item, operand.collection, not operand.negated))
        if isinstance(operand, ir.Compare) and not (operand.left.type.optional or operand.right.type.optional):
            return self.inline(ir.Compare(NEGATED_OP[operand.op], operand.left, operand.right))
        return phrase("it is not the case that ", self._nested(operand))

    def _rows_of(self, expr: ir.TableLookup) -> Phrase:
        """Which rows a lookup finds: by its keys, in force on its date, in the claim type's file."""
        table = self.data_tables.get(expr.table)
        names = table.key if table is not None else tuple(f"key {n + 1}" for n in range(len(expr.keys)))
        keys = join([phrase(f"whose {name} is ", self.inline(key)) for name, key in zip(names, expr.keys,
                                                                                          strict=False)], ", ", " and ")
        on: Phrase = () if expr.on is None else phrase(", in force on ", self.inline(expr.on))
        return phrase(keys, on, " (the file of the claim's type)")

    def _table_lookup(self, expr: ir.TableLookup) -> Phrase:
        if expr.column is None:
            return phrase("the row of ", self._table_ref(expr.table), " ", self._rows_of(expr))
        return phrase(f"the {expr.column} of the row of ", self._table_ref(expr.table), " ", self._rows_of(expr))

    def _row_field(self, expr: ir.RowField) -> Phrase:
        return (f"the row's {expr.column}",)

    def _check_day(self, expr: ir.CheckDay) -> Phrase:
        return ("the day",)

    def _quant(self, expr: ir.Quant) -> Phrase:
        condition = self._nested(expr.condition)
        noun, note = self._lines(expr)
        if expr.kind == "sum" and expr.value is not None:
            return phrase("the sum of ", self.inline(expr.value), f" over the {noun}s {expr.var}{note} such that ",
                          condition)
        if expr.kind in ("any", "no"):
            return phrase(self._some(expr, expr.kind == "any"), " such that ", condition)
        if expr.kind == "count":
            return phrase(f"the number of {noun}s {expr.var}{note} such that ", condition)
        if expr.kind == "first" and expr.then is not None:
            return phrase(f"the first {noun} {expr.var}{note}, in line order, such that ", condition,
                          " also satisfies ", self._nested(expr.then), " (false when there is none)")
        raise EnglishError(f"no English for the quantifier {expr.kind}")


def _chain(expr: ir.Expr, op: str) -> list[ir.Expr]:
    """The operands of a chain of one boolean operator, flattened."""
    if isinstance(expr, ir.BoolOp) and expr.op == op:
        return _chain(expr.left, op) + _chain(expr.right, op)
    return [expr]


def _flip(expr: ir.Has | ir.Given) -> ir.Expr:
    if isinstance(expr, ir.Has):
        return ir.Has(expr.modifiers, expr.wanted, expr.any_of, not expr.negated)
    return ir.Given(expr.value, not expr.negated)
