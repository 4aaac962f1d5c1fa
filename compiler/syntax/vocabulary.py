"""The closed vocabularies of the language: each set of keywords as a `Literal` type.

The parser narrows each keyword to its type with `word`, and the AST and the IR carry the
narrowed value. Every later stage compares these fields with plain strings; because the fields
are literal types, `mypy --strict` reports a comparison with a misspelt word
(`expr.kind == "dat"`) as a non-overlapping check. The values stay plain strings at run time,
so they print, hash and enter generated code exactly as the words themselves.
"""

from __future__ import annotations

from typing import Literal, TypeVar, get_args

RuleKind = Literal["rule", "exception", "documentation"]
Disposition = Literal["deny", "review", "info"]
# What a rule decides: its disposition, or "allow" for an exception.
Decision = Literal["deny", "review", "info", "allow"]
ClaimType = Literal["professional", "institutional"]
QuantKind = Literal["any", "no", "count", "sum", "first"]
LineScope = Literal["other", "earlier", "later"]
RelationKind = Literal["date", "provider", "drug", "overlapping"]
CompareOp = Literal["=", "!=", "<", "<=", ">", ">="]
ArithOp = Literal["+", "-", "*", "/"]
Connective = Literal["and", "or"]
ExpectKind = Literal["nothing", "finding", "nosuggest", "error"]
ClauseKind = Literal["covers", "cite", "quote", "text", "on", "at", "outside", "target", "when", "verdict",
                     "suggest", "overrides", "resolves"]
SetKind = Literal["codes", "set"]
CellKind = Literal["text", "word", "number", "codes", "absent"]
ColumnType = Literal["text", "symbol", "number", "flag", "codes"]
# The column types of a table read from files, and the clauses such a table may have.
FileColumnType = Literal["code", "whole", "date", "indicator", "text"]
TableClauseKind = Literal["key", "applies", "one", "acyclic", "require", "warn"]

RULE_KINDS: tuple[RuleKind, ...] = get_args(RuleKind)
DISPOSITIONS: tuple[Disposition, ...] = get_args(Disposition)
CLAIM_TYPES: tuple[ClaimType, ...] = get_args(ClaimType)
QUANT_KINDS: tuple[QuantKind, ...] = get_args(QuantKind)
LINE_SCOPES: tuple[LineScope, ...] = get_args(LineScope)
RELATION_KINDS: tuple[RelationKind, ...] = get_args(RelationKind)
COMPARE_OPS: tuple[CompareOp, ...] = get_args(CompareOp)
ARITH_OPS: tuple[ArithOp, ...] = get_args(ArithOp)
CONNECTIVES: tuple[Connective, ...] = get_args(Connective)
SET_KINDS: tuple[SetKind, ...] = get_args(SetKind)
COLUMN_TYPES: tuple[ColumnType, ...] = get_args(ColumnType)
FILE_COLUMN_TYPES: tuple[FileColumnType, ...] = get_args(FileColumnType)

# The order in which a rule's clauses are written (`at` and `outside` share a place): the checker
# reports a clause out of this order (`clause-order`) and the formatter writes clauses in it.
CLAUSE_ORDER: dict[ClauseKind, int] = {
    "covers": 1, "cite": 2, "quote": 3, "text": 4, "on": 5, "at": 6, "outside": 6, "target": 7, "when": 8,
    "verdict": 9, "suggest": 10, "overrides": 11, "resolves": 12}

W = TypeVar("W", bound=str)


def word(value: str, words: tuple[W, ...]) -> W:
    """`value` as a member of the vocabulary `words`; the grammar admits no other word, so a
    miss is a bug in the compiler and fails loudly."""
    for candidate in words:
        if candidate == value:
            return candidate
    raise ValueError(f"{value!r} is not one of {', '.join(words)}")
