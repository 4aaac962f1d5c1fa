"""Which way a rule's decisions can move when the rows of the tables it reads only appear or only go.

Every comparison, `in`, `is given` and arithmetic of the language is false (or absent) when one of
its values is absent (compiler/runtime/values.py), and a lookup that finds no row is absent. So an
atom that reads a lookup can only turn from false to true when the lookup turns from absent to a
row, and from true to false when it turns from a row to absent. Where each lookup of a table sits
under an even number of negations (`not`, `no other line`, an `is absent`, a rule taking precedence
over the one decided), rows only added to the table can only add lines to the rule's decisions:
where it sits under an odd number, only remove them. `rows.Direction` says which way a table's
lookups moved between two versions (`grow`: only appeared, `shrink`: only went away).

A lookup under anything else is counted both ways: a `count` or `sum` (more lines may add up),
`first` (another line may come first), a function that does not keep an absent value absent, a
code attribute, map or ranking of it, `has`. A rule that reads its own findings, or that reads a
rule that does, is not analyzed (its decisions on one line depend on its decisions on others), nor
is a rule with a suggestion (whether it stands depends on other claims).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from compiler.semantics import ir

#: which way a rule's decisions can move: only gain lines, only lose them, either, or not at all
Movement = Literal["gains", "loses", "both", "none"]

#: the functions that give an absent value for an absent argument
_KEEP_ABSENT = frozenset({"ceil", "floor", "abs", "max", "min"})


class Unanalyzable(Exception):
    """The rule's decisions are not a monotone function of the tables' rows this analysis can see."""


class _Signs:
    """The signs (+1, -1) under which each table's lookups sit in a rule's effective decisions."""

    def __init__(self, pack: ir.Pack) -> None:
        self.pack = pack
        self.rules = {r.id: r for r in pack.rules if r.edits}
        self.found: dict[str, set[int]] = {}
        self._visiting: set[str] = set()

    def rule(self, rule_id: str, sign: int) -> None:
        """Where `rule_id`'s finding is on a line: where it applies, less where a rule taking
        precedence over it applies."""
        rule = self.rules.get(rule_id)
        if rule is None:
            return
        if rule_id in self._visiting or rule_id in rule.references:
            raise Unanalyzable(f"{rule_id} reads its own findings")
        self._visiting.add(rule_id)
        self.expr(rule.condition, sign)
        for winner in self.pack.overriders(rule_id):
            if winner in self.rules:
                if winner in self._visiting or winner in self.rules[winner].references:
                    raise Unanalyzable(f"{winner}, which takes precedence over {rule_id}, reads findings of its own "
                                       "or of the rule it takes precedence over")
                self._visiting.add(winner)
                self.expr(self.rules[winner].condition, -sign)
                self._visiting.discard(winner)
        self._visiting.discard(rule_id)

    def note(self, table: str, sign: int) -> None:
        self.found.setdefault(table, set()).update((sign,) if sign else (1, -1))

    def expr(self, expr: ir.Expr | None, sign: int) -> None:
        """A condition under `sign`."""
        if expr is None:
            return
        if isinstance(expr, ir.Not):
            self.expr(expr.operand, -sign)
        elif isinstance(expr, ir.BoolOp):
            self.expr(expr.left, sign)
            self.expr(expr.right, sign)
        elif isinstance(expr, ir.Quant):
            if expr.kind == "any":
                self.expr(expr.condition, sign)
            elif expr.kind == "no":
                self.expr(expr.condition, -sign)
            elif expr.kind == "first":
                self.expr(expr.condition, 0)
                self.expr(expr.then, sign)
            else:
                self.value(expr, 0)
        elif isinstance(expr, ir.Flagged):
            self.rule(expr.rule, sign)
        elif isinstance(expr, ir.Compare):  # false when a value is absent
            self.value(expr.left, sign)
            self.value(expr.right, sign)
        elif isinstance(expr, ir.Member):
            self.value(expr.item, sign)
            self.value(expr.collection, sign)
        elif isinstance(expr, ir.Given):
            self.value(expr.value, -sign if expr.negated else sign)
        else:
            self.value(expr, 0)

    def value(self, expr: ir.Expr | None, sign: int) -> None:
        """The lookups inside a value that is absent when they are (under `sign`), or inside anything
        else (both ways: a truth value nested in a value is false, not absent, when they are)."""
        if expr is None:
            return
        if isinstance(expr, ir.TableLookup):
            self.note(expr.table, sign)
            for key in (*expr.keys, expr.on):
                self.value(key, sign)
        elif isinstance(expr, ir.Arith):
            self.value(expr.left, sign)
            self.value(expr.right, sign)
        elif isinstance(expr, ir.Neg):
            self.value(expr.operand, sign)
        elif isinstance(expr, ir.Func):
            for arg in expr.args:
                self.value(arg, sign if expr.name in _KEEP_ABSENT else 0)
        elif isinstance(expr, ir.Quant):
            self.expr(expr.condition, 0)
            self.expr(expr.then, 0)
            self.value(expr.value, 0)
        elif isinstance(expr, ir.Flagged):
            self.rule(expr.rule, 0)
        elif isinstance(expr, (ir.Not, ir.BoolOp, ir.Given, ir.Compare, ir.Member)):
            self.expr(expr, 0)
        else:
            for node in ir.walk(expr):
                if node is expr:
                    continue
                if isinstance(node, ir.TableLookup):
                    self.note(node.table, 0)
                elif isinstance(node, ir.Flagged):
                    self.rule(node.rule, 0)


def movement(pack: ir.Pack, rule_id: str, directions: Mapping[str, str]) -> Movement:
    """Which way the decisions of `rule_id` can move when each table named in `directions` changed
    that way (`grow`, `shrink`, `mixed`; tables not named did not change for it). Raises
    Unanalyzable when this analysis cannot say."""
    rule = pack.rule(rule_id)
    if rule.suggest is not None:
        raise Unanalyzable(f"{rule_id} suggests a code")
    signs = _Signs(pack)
    signs.rule(rule_id, 1)
    gains = loses = False
    for table, found in signs.found.items():
        direction = directions.get(table, "same")
        if direction == "same":
            continue
        if direction == "mixed":
            gains = loses = True
            continue
        for sign in found:
            up = (sign > 0) == (direction == "grow")
            gains, loses = gains or up, loses or not up
    if gains and loses:
        return "both"
    return "gains" if gains else "loses" if loses else "none"
