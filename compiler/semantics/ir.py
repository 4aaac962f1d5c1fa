"""The resolved, typed form of a rule pack: what every later stage reads.

Names are resolved, code sets are expanded to frozensets, every expression carries its type,
and every node keeps the span it came from (excluded from equality).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from compiler.diagnostics import Span
from compiler.syntax.vocabulary import (
    ArithOp,
    ClaimType,
    ColumnType,
    CompareOp,
    Connective,
    Decision,
    Disposition,
    ExpectKind,
    FileColumnType,
    LineScope,
    QuantKind,
    RelationKind,
    RuleKind,
)

if TYPE_CHECKING:
    from compiler.semantics.tabledata import TableData

_NOWHERE = Span("", 0, 0)


def _span() -> Span:
    return field(default=_NOWHERE, compare=False, repr=False)


class Kind(StrEnum):
    BOOL = "bool"
    NUMBER = "number"
    CODE = "code"
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    MODIFIERS = "modifiers"
    CODES = "code set"
    TEXTS = "text set"
    RANK = "rank"
    LINE = "line"
    ROW = "row"


@dataclass(frozen=True, slots=True)
class Type:
    kind: Kind
    optional: bool = False

    def __str__(self) -> str:
        return f"{self.kind.value}{' (may be absent)' if self.optional else ''}"


BOOL = Type(Kind.BOOL)
NUMBER = Type(Kind.NUMBER)

# Fields a rule can read. The names and meanings are the contract's (contract/CONTRACT.md);
# `number`, `minutes` and `bill_class` are derived by claim validation.
LINE_FIELDS: dict[str, Type] = {
    "number": Type(Kind.NUMBER),
    "code": Type(Kind.CODE),
    "date": Type(Kind.DATE),
    "modifiers": Type(Kind.MODIFIERS),
    "units": Type(Kind.NUMBER),
    "provider": Type(Kind.TEXT, True),
    "pos": Type(Kind.TEXT, True),
    "charge": Type(Kind.NUMBER, True),
    "start": Type(Kind.DATETIME, True),
    "stop": Type(Kind.DATETIME, True),
    "minutes": Type(Kind.NUMBER, True),
    "drug": Type(Kind.TEXT, True),
    "supervision": Type(Kind.TEXT),
    "member_supplied": Type(Kind.BOOL),
    "description": Type(Kind.TEXT, True),
}
CLAIM_FIELDS: dict[str, Type] = {
    "id": Type(Kind.TEXT),
    "type": Type(Kind.TEXT),
    "pos": Type(Kind.TEXT, True),
    "bill_type": Type(Kind.TEXT, True),
    "bill_class": Type(Kind.TEXT, True),
    "member": Type(Kind.TEXT, True),
    "provider": Type(Kind.TEXT, True),
}
FIELD_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("claim", "type"): ("professional", "institutional"),
    ("line", "supervision"): ("direct", "none"),
}
COLUMN_TYPES: dict[str, Type] = {
    "text": Type(Kind.TEXT, True),
    "symbol": Type(Kind.TEXT, True),
    "number": Type(Kind.NUMBER, True),
    "flag": Type(Kind.BOOL),
    "codes": Type(Kind.CODES, True),
}
# What a column of a table read from files holds, as the language reads it (absent when a lookup
# finds no row, and for a date column, when the row gives none).
FILE_COLUMN_TYPES: dict[str, Type] = {
    "code": Type(Kind.CODE, True),
    "whole": Type(Kind.NUMBER, True),
    "date": Type(Kind.DATE, True),
    "indicator": Type(Kind.NUMBER, True),
    "text": Type(Kind.TEXT, True),
}

Value = int | float | str | bool | frozenset[str]


@dataclass(frozen=True)
class CodeSet:
    """A named or literal set of codes (or of text values such as places of service)."""

    name: str | None
    title: str | None
    members: frozenset[str]
    texts: bool  # True for a set of text values, False for procedure codes
    source: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Attribute:
    """One column of a code table: the value each listed code has."""

    name: str
    table: str
    type: Type
    values: tuple[tuple[str, Value], ...]
    span: Span = _span()

    def lookup(self) -> dict[str, Value]:
        return dict(self.values)


@dataclass(frozen=True)
class TableRow:
    code: str
    cells: tuple[Value | None, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Table:
    name: str
    title: str | None
    source: str | None
    columns: tuple[tuple[str, ColumnType], ...]
    rows: tuple[TableRow, ...]
    span: Span = _span()


@dataclass(frozen=True)
class FileColumn:
    """A column of a table read from files: `values` are an indicator's digits, `placeholder` the
    word a `code or "WORD"` column admits besides codes."""

    name: str
    type: FileColumnType
    values: tuple[int, ...] = ()
    placeholder: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class TableFile:
    """One file of a table: where it is (`path` as diagnostics name it, `written` as the pack
    writes it), the claim types it serves, the sha256 of its bytes and its rows."""

    path: str
    written: str
    claim_types: tuple[ClaimType, ...]
    digest: str
    data: TableData = field(compare=False, repr=False)
    span: Span = _span()


@dataclass(frozen=True)
class TableCheck:
    """A check a table declares of its rows: `one` (columns: the column, the one it is per),
    `acyclic` (from, to; `where`), `require` (`condition`, `message`), `warn` (columns: the one it
    is per; `where`, `condition`, `message`)."""

    kind: Literal["one", "acyclic", "require", "warn"]
    columns: tuple[str, ...]
    condition: Expr | None = None
    where: Expr | None = None
    message: tuple[MessagePart, ...] = ()
    span: Span = _span()


@dataclass(frozen=True)
class DataTable:
    """A table read from files: its columns, its key (one or two code columns, the first grouping
    the rows), the date columns that say when a row applies, its checks and its files."""

    name: str
    title: str | None
    source: str | None
    columns: tuple[FileColumn, ...]
    key: tuple[str, ...]
    start: str | None
    end: str | None
    checks: tuple[TableCheck, ...]
    files: tuple[TableFile, ...]
    span: Span = _span()

    @property
    def dated(self) -> bool:
        return self.start is not None

    def column(self, name: str) -> FileColumn:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def file_for(self, claim_type: str) -> TableFile | None:
        """The file a claim of this type reads; None when none serves it."""
        for table_file in self.files:
            if claim_type in table_file.claim_types:
                return table_file
        return None

    def one_per_first_key(self) -> frozenset[str]:
        """The columns a lookup by the first key alone can read: that key, and the columns the
        table declares `one COLUMN per` it."""
        return frozenset({self.key[0], *(c.columns[0] for c in self.checks
                                         if c.kind == "one" and c.columns[1] == self.key[0])})


@dataclass(frozen=True)
class CodeMap:
    name: str
    title: str | None
    source: str | None
    pairs: tuple[tuple[str, str], ...]
    span: Span = _span()


@dataclass(frozen=True)
class Ranking:
    """Ordered categories, highest first, compared level by level."""

    name: str
    title: str | None
    levels: tuple[tuple[str, tuple[str, ...]], ...]
    span: Span = _span()


@dataclass(frozen=True)
class Section:
    name: str
    heading: str
    paragraphs: tuple[str, ...]
    span: Span = _span()


# ------------------------------------------------------------------ expressions


@dataclass(frozen=True)
class Const:
    value: int | float | str | bool
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class SetValue:
    codes: CodeSet
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class LineVar:
    """A line itself (for `flagged by`)."""

    var: str
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class LineField:
    var: str
    field: str
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class ClaimField:
    field: str
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class CodeAttr:
    """The value a code table gives `code` in column `attribute`."""

    code: Expr
    attribute: str
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class MapGet:
    map: str
    key: Expr
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class TableLookup:
    """`table[key, key on date]`: the row of that key (with fewer keys than the table's key, the
    rows of that first key) in the file of the claim's type, among the rows that apply on the date;
    with `column`, that column of it; without, the row itself (for `is given`)."""

    table: str
    keys: tuple[Expr, ...]
    on: Expr | None
    column: str | None
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class RowField:
    """`row.COLUMN` in a table's checks: that column of the row being checked."""

    table: str
    column: str
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class CheckDay:
    """`day` in a table's `warn`: the day the rows are looked at."""

    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class RankOf:
    ranking: str
    code: Expr
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class Func:
    """ceil, floor, abs, max, min, is_cpt, is_cpt_category_1, is_hcpcs."""

    name: str
    args: tuple[Expr, ...]
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class Arith:
    op: ArithOp
    left: Expr
    right: Expr
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class Neg:
    operand: Expr
    type: Type
    span: Span = _span()


@dataclass(frozen=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    type: Type = BOOL
    span: Span = _span()


@dataclass(frozen=True)
class Member:
    item: Expr
    collection: Expr
    negated: bool
    type: Type = BOOL
    span: Span = _span()


@dataclass(frozen=True)
class Given:
    value: Expr
    negated: bool
    type: Type = BOOL
    span: Span = _span()


@dataclass(frozen=True)
class Has:
    modifiers: Expr
    wanted: Expr
    any_of: bool
    negated: bool
    type: Type = BOOL
    span: Span = _span()


@dataclass(frozen=True)
class Flagged:
    var: str
    rule: str
    type: Type = BOOL
    span: Span = _span()


@dataclass(frozen=True)
class Relation:
    kind: RelationKind
    inner: str
    outer: str
    type: Type = BOOL
    span: Span = _span()


@dataclass(frozen=True)
class BoolOp:
    op: Connective
    left: Expr
    right: Expr
    type: Type = BOOL
    span: Span = _span()


@dataclass(frozen=True)
class Not:
    operand: Expr
    type: Type = BOOL
    span: Span = _span()


@dataclass(frozen=True)
class Quant:
    """Quantification over the claim's lines, in line order.

    kind any/no: whether some line satisfies `condition`; count: how many do; sum: `value` added up
    over them; first: whether the first line that satisfies `condition` also satisfies `then`.
    `scopes` narrow the lines: other (not `outer`), earlier / later (line number before / after
    `outer`'s).
    """

    kind: QuantKind
    scopes: tuple[LineScope, ...]
    var: str
    outer: str
    condition: Expr
    then: Expr | None
    type: Type
    span: Span = _span()
    value: Expr | None = None


Expr = (Const | SetValue | LineVar | LineField | ClaimField | CodeAttr | MapGet | RankOf | Func | Arith
        | Neg | Compare | Member | Given | Has | Flagged | Relation | BoolOp | Not | Quant | TableLookup
        | RowField | CheckDay)


# ------------------------------------------------------------------ rules and the pack


@dataclass(frozen=True)
class Resolution:
    """A declared resolution of a known conflict, with the reason the document shows."""

    conflict: str
    rationale: str
    span: Span = _span()


@dataclass(frozen=True)
class Quote:
    text: str
    span: Span = _span()


@dataclass(frozen=True)
class MessagePart:
    """Literal text, or (when `field` is set) the value of that field of the line."""

    text: str
    field: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    kind: RuleKind
    title: str
    disposition: Decision | None  # deny | review | info; "allow" for exceptions; None for documentation
    message: tuple[MessagePart, ...]
    citation: str
    section: str | None
    covers: tuple[str, ...]
    quotes: tuple[Quote, ...]
    texts: tuple[str, ...]
    claim_types: tuple[ClaimType, ...] | None
    places: CodeSet | None
    places_negated: bool
    target: CodeSet | None
    condition: Expr | None
    suggest: Expr | None
    suggest_if: Expr | None
    overrides: tuple[str, ...]
    resolves: tuple[Resolution, ...]
    references: tuple[str, ...]
    origin: str  # the file that declared it
    span: Span = _span()
    id_span: Span = _span()

    @property
    def edits(self) -> bool:
        """Whether evaluation computes this rule (documentation entries are not evaluated)."""
        return self.kind != "documentation"

    @property
    def reports(self) -> bool:
        return self.disposition in ("deny", "review", "info")


@dataclass(frozen=True)
class Precedence:
    """`winner` takes precedence over `loser`: where both apply to a line, `loser` says nothing."""

    winner: str
    loser: str
    resolves: tuple[Resolution, ...]
    declared_by: Literal["precedence", "overrides"]
    span: Span = _span()


@dataclass(frozen=True)
class Expected:
    """One expectation of an example. For a finding: its line, disposition, and where given its
    rule and suggestion; `evidence` is the other lines it must rest on (`because line 1, 3`;
    () for `because no other line`), or None when the example leaves evidence unchecked."""

    kind: ExpectKind
    line: int | None
    disposition: Disposition | None
    rule: str | None
    suggest: str | None
    text: str | None
    evidence: tuple[int, ...] | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Example:
    """A claim and what evaluating it must give. `ignore_info`: info findings are not compared."""

    name: str
    note: str | None
    claim: object
    expected: tuple[Expected, ...]
    ignore_info: bool = False
    span: Span = _span()


@dataclass(frozen=True)
class Pack:
    name: str
    policy: str
    title: str
    version: str
    effective: str
    source: str
    path: str
    digest: str
    extends: str | None
    sections: tuple[Section, ...]
    sets: tuple[CodeSet, ...]
    tables: tuple[Table, ...]
    attributes: tuple[Attribute, ...]
    maps: tuple[CodeMap, ...]
    rankings: tuple[Ranking, ...]
    rules: tuple[Rule, ...]
    precedences: tuple[Precedence, ...]
    examples: tuple[Example, ...]
    removed: tuple[str, ...] = ()
    # The rows of the policy's specification the pack declares it covers (`rows P01..P36`),
    # expanded and in order; () when the header declares none.
    rows: tuple[str, ...] = ()
    span: Span = _span()
    rows_span: Span = _span()
    # The file of the pack's previous version (`previous "FILE"`), resolved against the pack's
    # file and named as diagnostics name files; None when the header names none. It is not part
    # of this pack: the policy documents compile it on their own to show what changed.
    previous: str | None = None
    previous_span: Span = _span()
    # Tables read from files (`table ... file "..."`), with their rows.
    data_tables: tuple[DataTable, ...] = ()

    def data_table(self, name: str) -> DataTable:
        for table in self.data_tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def attribute(self, name: str) -> Attribute:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        raise KeyError(name)

    def ranking(self, name: str) -> Ranking:
        for ranking in self.rankings:
            if ranking.name == name:
                return ranking
        raise KeyError(name)

    def overriders(self, rule_id: str) -> tuple[str, ...]:
        return tuple(sorted({p.winner for p in self.precedences if p.loser == rule_id}))


def walk(expr: Expr | None) -> Iterator[Expr]:
    """Every node of an expression, parents before children."""
    if expr is None:
        return
    yield expr
    if isinstance(expr, (Arith, Compare, BoolOp)):
        yield from walk(expr.left)
        yield from walk(expr.right)
    elif isinstance(expr, (Neg, Not)):
        yield from walk(expr.operand)
    elif isinstance(expr, Member):
        yield from walk(expr.item)
        yield from walk(expr.collection)
    elif isinstance(expr, Given):
        yield from walk(expr.value)
    elif isinstance(expr, Has):
        yield from walk(expr.modifiers)
        yield from walk(expr.wanted)
    elif isinstance(expr, (CodeAttr, RankOf)):
        yield from walk(expr.code)
    elif isinstance(expr, MapGet):
        yield from walk(expr.key)
    elif isinstance(expr, TableLookup):
        for key in expr.keys:
            yield from walk(key)
        yield from walk(expr.on)
    elif isinstance(expr, Func):
        for arg in expr.args:
            yield from walk(arg)
    elif isinstance(expr, Quant):
        yield from walk(expr.condition)
        yield from walk(expr.then)
        yield from walk(expr.value)


@dataclass(frozen=True)
class Plan:
    """An analyzed pack, ready to run: the pack and the order in which its edit rules are evaluated.

    Analysis builds it (`compiler.analysis.checks.analyze`); the interpreter and the backends take nothing
    else, so a pack that skipped analysis cannot reach an engine. It never carries solver results:
    running a pack must not wait for the conflict analyzer. Construction checks the order, so a
    plan made by hand cannot silently evaluate fewer rules or read a rule's findings too early.
    """

    pack: Pack
    order: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.pack, Pack):
            raise TypeError(f"a plan needs a resolved pack, not {type(self.pack).__name__}")
        edit_rules = [rule for rule in self.pack.rules if rule.edits]
        if sorted(self.order) != sorted(rule.id for rule in edit_rules):
            raise ValueError(f"the evaluation order of {self.pack.name} must name each edit rule once: "
                             f"{', '.join(self.order) or 'it names none'}")
        position = {rule_id: index for index, rule_id in enumerate(self.order)}
        for rule in edit_rules:
            for reference in rule.references:
                for earlier in (reference, *self.pack.overriders(reference)):
                    if position.get(earlier, -1) > position[rule.id]:
                        raise ValueError(f"{rule.id} reads the findings of {reference}, so {earlier} must be "
                                         "evaluated before it")
