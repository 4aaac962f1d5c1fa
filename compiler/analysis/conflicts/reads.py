"""What a set of rules reads from a claim: the fields, the modifiers, the codes and the texts.

A question's formula reads only its rules; the symbolic claim's validity constraints, the witness
preferences and the witness itself keep to the fields those rules read (`model.SymbolicClaim.
constraints_for`, `witness.claim_from_model`), and the code ids a line may take to the groups of
the codes they mention (every other code behaves, for them, like a generic code of its kind). So
a question's formula, and with it its answer, depends on its rules alone (`questions.Question`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from compiler.analysis.conflicts.universe import CODE_SHAPE
from compiler.semantics import ir
from compiler.semantics.ir import walk

#: line fields -> the part of a symbolic line they read (code, date and number need nothing more)
_LINE = {"units": "units", "provider": "provider", "pos": "pos", "charge": "charge", "start": "timed",
         "stop": "timed", "minutes": "timed", "drug": "drug", "supervision": "supervision",
         "member_supplied": "member_supplied", "description": "description", "modifiers": "modifiers"}
_CLAIM = {"id": "id", "pos": "pos", "bill_type": "bill", "bill_class": "bill", "member": "member",
          "provider": "provider", "type": "type"}
_RELATION = {"provider": "provider", "drug": "drug", "overlapping": "timed"}


@dataclass(frozen=True)
class Reads:
    line: frozenset[str]  # parts of a line: units, provider, pos, charge, timed, drug, supervision, ...
    claim: frozenset[str]  # parts of the claim header: id, pos, bill, member, provider, type
    modifiers: tuple[str, ...]  # modifiers the rules test
    codes: frozenset[str]  # codes the rules mention (sets, constants, tables and maps they read)
    texts: frozenset[str]  # text literals they mention (places, bill types, ...)
    names: frozenset[str] = frozenset()  # the table columns, maps, rankings and tables read from files they read

    def key(self) -> tuple[object, ...]:
        return (tuple(sorted(self.line)), tuple(sorted(self.claim)), self.modifiers, tuple(sorted(self.texts)))

    def reads(self, part: str) -> bool:
        """Whether a line part or the claim part of the same name is read."""
        return part in self.line or part in self.claim


def combined(parts: Iterable[Reads]) -> Reads:
    """What several rules read, from what each reads (`reads_of` of one rule)."""
    line: set[str] = set()
    claim: set[str] = set()
    modifiers: set[str] = set()
    codes: set[str] = set()
    texts: set[str] = set()
    names: set[str] = set()
    for part in parts:
        line |= part.line
        claim |= part.claim
        modifiers.update(part.modifiers)
        codes |= part.codes
        texts |= part.texts
        names |= part.names
    return Reads(frozenset(line), frozenset(claim), tuple(sorted(modifiers)), frozenset(codes), frozenset(texts),
                 frozenset(names))


def reads_of(pack: ir.Pack, rule_ids: Iterable[str]) -> Reads:
    rules = {r.id: r for r in pack.rules}
    attributes = {a.name: a for a in pack.attributes}
    maps = {m.name: m for m in pack.maps}
    rankings = {r.name: r for r in pack.rankings}
    line: set[str] = set()
    claim: set[str] = {"type"}
    modifiers: set[str] = set()
    codes: set[str] = set()
    texts: set[str] = set()
    names: set[str] = set()

    def note_text(value: str) -> None:
        (codes if CODE_SHAPE.match(value) else texts).add(value)

    def note_attribute(name: str) -> None:
        attribute = attributes.get(name)
        names.add(name)
        if attribute is None:
            return
        for code, value in attribute.values:
            codes.add(code)
            if isinstance(value, frozenset):
                codes.update(value)
            elif isinstance(value, str):
                note_text(value)

    for rule_id in sorted(set(rule_ids)):
        rule = rules.get(rule_id)
        if rule is None:
            continue
        if rule.target is not None:
            codes.update(rule.target.members)
        if rule.places is not None:
            line.add("pos")
            texts.update(rule.places.members)
        for expr in (rule.condition, rule.suggest, rule.suggest_if):
            for node in walk(expr):
                if isinstance(node, ir.LineField) and node.field in _LINE:
                    line.add(_LINE[node.field])
                elif isinstance(node, ir.ClaimField) and node.field in _CLAIM:
                    claim.add(_CLAIM[node.field])
                elif isinstance(node, ir.Relation) and node.kind in _RELATION:
                    line.add(_RELATION[node.kind])
                elif isinstance(node, ir.Has):
                    wanted = node.wanted
                    if isinstance(wanted, ir.Const):
                        modifiers.add(str(wanted.value))
                    elif isinstance(wanted, ir.SetValue):
                        modifiers.update(wanted.codes.members)
                elif isinstance(node, ir.SetValue):
                    (texts if node.codes.texts else codes).update(node.codes.members)
                elif isinstance(node, ir.Const) and isinstance(node.value, str) and not isinstance(node.value, bool):
                    if node.type.kind in (ir.Kind.CODE, ir.Kind.TEXT):
                        note_text(node.value)
                elif isinstance(node, ir.CodeAttr):
                    note_attribute(node.attribute)
                elif isinstance(node, ir.MapGet) and node.map in maps:
                    names.add(node.map)
                    for key, value in maps[node.map].pairs:
                        codes.update((key, value))
                elif isinstance(node, ir.TableLookup):  # a table read from files: its rows' codes are many
                    names.add(node.table)
                elif isinstance(node, ir.RankOf) and node.ranking in rankings:
                    names.add(node.ranking)
                    for name, _ in rankings[node.ranking].levels:
                        note_attribute(name)
    return Reads(frozenset(line), frozenset(claim), tuple(sorted(modifiers)),
                 frozenset(c for c in codes if CODE_SHAPE.match(c)), frozenset(texts), frozenset(names))
