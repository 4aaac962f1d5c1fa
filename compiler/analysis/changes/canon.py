"""A rule's decisions as a value: equal values decide alike on every claim, without the solver.

The value holds everything the interpreter reads to decide whether a rule's finding is on a line
and what it says (disposition and suggested code): the rule's scope, target codes and conditions
with every name replaced by what it stands for (a code set by its members, an attribute, map or
ranking by its data, `flagged by X` by X's own decisions, the rules that take precedence by theirs),
and the pack's effective date. Spans, names, messages and titles are left out. Two rules with equal
values are equivalent; unequal values only mean the solver must answer.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from compiler.analysis.suggestions import deniers_of
from compiler.semantics import ir

Canon = tuple[Any, ...]

_LEFT_OUT = frozenset({"span", "id_span"})


class Canonical:
    """The canonical values of one pack's rules, memoized."""

    def __init__(self, pack: ir.Pack) -> None:
        self.pack = pack
        self.rules = {r.id: r for r in pack.rules}
        self._attributes = {a.name: a.values for a in pack.attributes}
        self._maps = {m.name: tuple(sorted(m.pairs)) for m in pack.maps}
        self._rankings = {r.name: r.levels for r in pack.rankings}
        # a table read from files by its layout and the content of each file (a rule that reads a
        # changed table does not decide as before)
        self._tables = {t.name: (t.columns, t.key, t.start, t.end, tuple((f.claim_types, f.digest) for f in t.files))
                        for t in pack.data_tables}
        self._raw: dict[str, Canon] = {}
        self._effective: dict[str, Canon] = {}
        self._where: dict[str, Canon] = {}
        self._deciding: set[str] = set()  # rules being put in canonical form (one may read itself)

    def decisions(self, rule_id: str) -> Canon:
        """The rule's effective decisions: where it fires, less where a rule taking precedence fires,
        and what its findings decide (a suggested code stands only where none of the rules that can
        deny the line billed with it does, so their decisions are part of the rule's)."""
        if rule_id not in self._effective:
            rule = self.rules[rule_id]
            deniers: tuple[Canon, ...] = ()
            if rule.suggest is not None:
                deniers = tuple(sorted((self.where(d) for d in deniers_of(self.pack, rule)), key=repr))
            self._effective[rule_id] = (*self.where(rule_id), rule.disposition, self.expr(rule.suggest),
                                        self.expr(rule.suggest_if), deniers)
        return self._effective[rule_id]

    def where(self, rule_id: str) -> Canon:
        """Where the rule's findings are: where it fires, and where the rules taking precedence fire."""
        if rule_id not in self._where:
            winners = tuple(sorted((self.raw(w) for w in self.pack.overriders(rule_id) if w in self.rules), key=repr))
            self._where[rule_id] = (self.raw(rule_id), winners)
        return self._where[rule_id]

    def raw(self, rule_id: str) -> Canon:
        """Where the rule fires, precedence aside."""
        if rule_id not in self._raw:
            rule = self.rules[rule_id]
            places = None if rule.places is None else (tuple(sorted(rule.places.members)), rule.places_negated)
            target = None if rule.target is None else tuple(sorted(rule.target.members))
            types = None if rule.claim_types is None else tuple(sorted(rule.claim_types))
            outer = rule_id in self._deciding
            self._deciding.add(rule_id)
            self._raw[rule_id] = (rule.kind != "documentation", self.pack.effective, types, places, target,
                                  self.expr(rule.condition))
            if not outer:
                self._deciding.discard(rule_id)
        return self._raw[rule_id]

    def expr(self, expr: ir.Expr | None) -> Any:
        if expr is None:
            return None
        if isinstance(expr, ir.SetValue):
            return ("set", tuple(sorted(expr.codes.members)), expr.codes.texts, expr.type)
        if isinstance(expr, ir.CodeAttr):
            return ("attribute", self.expr(expr.code), self._attributes.get(expr.attribute), expr.type)
        if isinstance(expr, ir.MapGet):
            return ("map", self.expr(expr.key), self._maps.get(expr.map), expr.type)
        if isinstance(expr, ir.RankOf):
            levels = tuple((self._attributes.get(name), order) for name, order in self._rankings.get(expr.ranking, ()))
            return ("rank", self.expr(expr.code), levels)
        if isinstance(expr, ir.Flagged) and expr.rule in self._deciding:
            return ("flagged by itself", expr.var)
        if isinstance(expr, ir.TableLookup):
            return ("table", self._tables.get(expr.table), tuple(self.expr(k) for k in expr.keys), self.expr(expr.on),
                    expr.column, expr.type)
        if isinstance(expr, ir.Flagged):
            return ("flagged", expr.var, self.where(expr.rule) if expr.rule in self.rules else expr.rule)
        fields = []
        for f in dataclasses.fields(expr):
            if f.name in _LEFT_OUT:
                continue
            value = getattr(expr, f.name)
            if isinstance(value, tuple):
                value = tuple(self.expr(v) if _is_expr(v) else v for v in value)
            elif _is_expr(value):
                value = self.expr(value)
            fields.append(value)
        return (type(expr).__name__, *fields)


def _is_expr(value: object) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, (ir.Type, type))


# ---------------------------------------------------------------- forms for keys


def stable(value: object, seen: dict[int, tuple[object, object]] | None = None) -> object:
    """A value's form whose repr is the same in every process: IR nodes as their class name and
    fields (spans left out), sets sorted, mappings by sorted key. Keys built from it name the same
    thing from run to run (the analyzer's cache of answers). `seen` shares the forms of objects met
    again (a code set of thousands of codes that many rules name)."""
    seen = {} if seen is None else seen
    known = seen.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    form: object
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        form = (type(value).__name__, *(stable(getattr(value, f.name), seen) for f in dataclasses.fields(value)
                                        if f.compare and f.name not in _LEFT_OUT))
    elif isinstance(value, (frozenset, set)):
        items = [stable(v, seen) for v in value]
        texts = [i for i in items if isinstance(i, str)]
        form = ("set", *(sorted(texts) if len(texts) == len(items) else sorted(items, key=repr)))
    elif isinstance(value, dict):
        form = ("map", *sorted(((stable(k, seen), stable(v, seen)) for k, v in value.items()), key=repr))
    elif isinstance(value, (tuple, list)):
        form = tuple(stable(v, seen) for v in value)
    elif isinstance(value, float) and value.is_integer():
        form = int(value)
    else:
        return value
    seen[id(value)] = (value, form)
    return form


def declaration_form(rule: ir.Rule, seen: dict[int, tuple[object, object]] | None = None) -> object:
    """What a rule decides and how, as a stable value: its id, kind, disposition, scope, target,
    condition, suggestion and guard (`flagged by X`, tables, maps and rankings by name: a key that
    uses this form also holds the forms of what those names stand for). Its title, message,
    citation, quotes, rows and position are left out: they change no decision."""
    return stable((rule.id, rule.kind, rule.disposition, rule.claim_types, rule.places, rule.places_negated,
                   rule.target, rule.condition, rule.suggest, rule.suggest_if), seen)


def data_form(pack: ir.Pack, names: set[str]) -> object:
    """The data of the pack's tables' columns, maps and rankings among `names`, as a stable value."""
    return stable((tuple(a.values for a in pack.attributes if a.name in names),
                   tuple(m.pairs for m in pack.maps if m.name in names),
                   tuple(r.levels for r in pack.rankings if r.name in names)))
