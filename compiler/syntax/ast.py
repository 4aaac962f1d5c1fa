"""The abstract syntax of a rules file: what was written, with where it was written.

Every node is a frozen dataclass whose `span` takes no part in equality, so two parses of the
same text in different places compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from compiler.diagnostics import Span
from compiler.syntax.vocabulary import (
    ArithOp,
    CellKind,
    ClaimType,
    ClauseKind,
    CompareOp,
    Connective,
    Disposition,
    ExpectKind,
    LineScope,
    QuantKind,
    RelationKind,
    RuleKind,
    SetKind,
    TableClauseKind,
)

_NOWHERE = Span("", 0, 0)


def _span() -> Span:
    return field(default=_NOWHERE, compare=False, repr=False)


@dataclass(frozen=True)
class Node:
    pass


# ------------------------------------------------------------------ set expressions


@dataclass(frozen=True)
class SetCode(Node):
    code: str
    span: Span = _span()


@dataclass(frozen=True)
class SetRange(Node):
    low: str
    high: str
    span: Span = _span()


@dataclass(frozen=True)
class SetText(Node):
    text: str
    span: Span = _span()


@dataclass(frozen=True)
class SetRef(Node):
    name: str
    span: Span = _span()


@dataclass(frozen=True)
class SetUnion(Node):
    items: tuple[SetItem, ...]
    span: Span = _span()


@dataclass(frozen=True)
class SetExcept(Node):
    """`base except removed...`: the codes of `base` that are in none of `removed`."""

    base: SetUnion
    removed: tuple[SetUnion, ...]
    span: Span = _span()


SetItem = SetCode | SetRange | SetText | SetRef | SetUnion | SetExcept
SetExpr = SetUnion | SetExcept


# ------------------------------------------------------------------ expressions


@dataclass(frozen=True)
class Number(Node):
    value: int | float
    span: Span = _span()


@dataclass(frozen=True)
class CodeLit(Node):
    code: str
    span: Span = _span()


@dataclass(frozen=True)
class Text(Node):
    value: str
    span: Span = _span()


@dataclass(frozen=True)
class DateLit(Node):
    value: str
    span: Span = _span()


@dataclass(frozen=True)
class Boolean(Node):
    value: bool
    span: Span = _span()


@dataclass(frozen=True)
class Path(Node):
    """`root.field.attribute`: a line variable, `line`, `claim`, or a named declaration."""

    root: str
    fields: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Lookup(Node):
    """`map_name[key]`; for a table read from files also `table[key, key on date].column`:
    `more_keys` are the keys after the first, `on` the date, `fields` the columns read after `]`."""

    name: str
    key: Expr
    span: Span = _span()
    more_keys: tuple[Expr, ...] = ()
    on: Expr | None = None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class SetLiteral(Node):
    items: SetExpr | None
    span: Span = _span()


@dataclass(frozen=True)
class Arith(Node):
    op: ArithOp
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Negate(Node):
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Compare(Node):
    op: CompareOp
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Member(Node):
    """`item in collection`, or `item not in collection` when negated."""

    item: Expr
    collection: Expr
    negated: bool
    span: Span = _span()


@dataclass(frozen=True)
class Given(Node):
    """`value is given`, or `value is absent` when negated."""

    value: Expr
    negated: bool
    span: Span = _span()


@dataclass(frozen=True)
class Has(Node):
    """`modifiers has X`, `modifiers has any S`, `modifiers lacks X`."""

    modifiers: Expr
    wanted: Expr
    any_of: bool
    negated: bool
    span: Span = _span()


@dataclass(frozen=True)
class Flagged(Node):
    """`x flagged by RULE`: the rule has a finding on line x."""

    line: Expr
    rule: str
    span: Span = _span()
    rule_span: Span = _span()


@dataclass(frozen=True)
class Relation(Node):
    """`same date`, `same provider`, `same drug`, `overlapping`: between a quantified line and
    the line it is quantified from."""

    kind: RelationKind
    span: Span = _span()


@dataclass(frozen=True)
class BoolOp(Node):
    op: Connective
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Not(Node):
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Quantified(Node):
    """`any|no [other|earlier|later] line x where cond`, `count(... lines x where cond)`,
    `sum(value for ... lines x where cond)` and `first ... line x where cond satisfies then`."""

    kind: QuantKind
    scopes: tuple[LineScope, ...]
    var: str
    condition: Expr
    then: Expr | None
    span: Span = _span()
    var_span: Span = _span()
    value: Expr | None = None  # what `sum` adds up


Expr = (Number | CodeLit | Text | DateLit | Boolean | Path | Lookup | Call | SetLiteral | Arith
        | Negate | Compare | Member | Given | Has | Flagged | Relation | BoolOp | Not | Quantified)


# ------------------------------------------------------------------ declarations


@dataclass(frozen=True)
class PackField(Node):
    name: str
    value: str
    span: Span = _span()


@dataclass(frozen=True)
class RowRange(Node):
    """One item of a pack's `rows` clause: a row id, or the ids from `low` to `high`."""

    low: str
    high: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class RowsClause(Node):
    """`rows P01..P36, K1`: the rows of the policy's specification the pack must cover."""

    items: tuple[RowRange, ...]
    span: Span = _span()


@dataclass(frozen=True)
class PackDecl(Node):
    name: str
    fields: tuple[PackField, ...]
    span: Span = _span()
    name_span: Span = _span()
    rows: tuple[RowsClause, ...] = ()


@dataclass(frozen=True)
class ImportDecl(Node):
    path: str
    names: tuple[str, ...] | None
    span: Span = _span()


@dataclass(frozen=True)
class RemoveDecl(Node):
    rule: str
    reason: str | None
    span: Span = _span()


@dataclass(frozen=True)
class SectionDecl(Node):
    name: str
    heading: str
    paragraphs: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True)
class CodesDecl(Node):
    kind: SetKind
    name: str
    title: str | None
    items: SetExpr
    source: str | None
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True)
class Column(Node):
    """`name: type`; `values` are the digits of `indicator(0, 1, 9)`, `placeholder` the word of
    `code or "CCCCC"`."""

    name: str
    type: str
    span: Span = _span()
    values: tuple[str, ...] = ()
    placeholder: str | None = None


@dataclass(frozen=True)
class Cell(Node):
    kind: CellKind
    value: str | int | float | SetExpr | None
    span: Span = _span()


@dataclass(frozen=True)
class Row(Node):
    code: str
    cells: tuple[Cell, ...]
    span: Span = _span()


@dataclass(frozen=True)
class TableFile(Node):
    """`file "PATH" [for ... claims]`: a file a table reads, for some claim types (None: the rest)."""

    path: str
    claim_types: tuple[ClaimType, ...] | None
    span: Span = _span()


@dataclass(frozen=True)
class TableClause(Node):
    """One clause of a table read from files: `key`, `applies` (from, until), `one` (column, per),
    `acyclic` (from, to, `where`), `require` (condition, message), `warn` (message, per, `where`,
    condition)."""

    kind: TableClauseKind
    names: tuple[str, ...] = ()
    condition: Expr | None = None
    where: Expr | None = None
    message: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class TableDecl(Node):
    name: str
    title: str | None
    source: str | None
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    span: Span = _span()
    name_span: Span = _span()
    files: tuple[TableFile, ...] = ()
    clauses: tuple[TableClause, ...] = ()


@dataclass(frozen=True)
class MapEntry(Node):
    key: str
    value: str
    span: Span = _span()


@dataclass(frozen=True)
class MapDecl(Node):
    name: str
    title: str | None
    source: str | None
    entries: tuple[MapEntry, ...]
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True)
class RankLevel(Node):
    attribute: str
    order: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True)
class RankingDecl(Node):
    name: str
    title: str | None
    levels: tuple[RankLevel, ...]
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True)
class Clause(Node):
    """One clause of a rule. `kind` names it; `values` and `expr` carry what it says."""

    kind: ClauseKind
    values: tuple[str, ...] = ()
    expr: Expr | SetExpr | None = None
    condition: Expr | None = None
    span: Span = _span()
    value_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class RuleDecl(Node):
    kind: RuleKind
    id: str
    title: str
    clauses: tuple[Clause, ...]
    span: Span = _span()
    id_span: Span = _span()


@dataclass(frozen=True)
class PrecedenceDecl(Node):
    winner: str
    losers: tuple[str, ...]
    resolves: tuple[Clause, ...]
    span: Span = _span()
    rule_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Expectation(Node):
    """One `expect` clause. `evidence` is None when `because` is omitted, () for
    `because no other line`."""

    kind: ExpectKind
    line: int | None = None
    disposition: Disposition | None = None
    rule: str | None = None
    suggest: str | None = None
    text: str | None = None
    evidence: tuple[int, ...] | None = None
    span: Span = _span()
    rule_span: Span = _span()
    evidence_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class ExampleDecl(Node):
    name: str
    note: str | None
    claim: object
    expectations: tuple[Expectation, ...]
    span: Span = _span()
    has_claim: bool = True
    ignore_info: bool = False


Decl = (PackDecl | ImportDecl | RemoveDecl | SectionDecl | CodesDecl | TableDecl | MapDecl
        | RankingDecl | RuleDecl | PrecedenceDecl | ExampleDecl)
# The declarations an `import` brings in.
DataDecl = CodesDecl | TableDecl | MapDecl | RankingDecl
DATA_DECLS = (CodesDecl, TableDecl, MapDecl, RankingDecl)


@dataclass(frozen=True)
class Unparsed(Node):
    """A declaration that did not parse: its keyword and, where its first line gives one, its id.

    Later stages stay silent about references to `name`: the syntax error already explains them.
    """

    keyword: str
    name: str | None
    span: Span = _span()


@dataclass(frozen=True)
class Module(Node):
    """One parsed file."""

    path: str
    decls: tuple[Decl, ...]
    span: Span = _span()
    unparsed: tuple[Unparsed, ...] = ()
