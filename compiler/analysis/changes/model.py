"""The change report between two versions of a pack (contract/DIFF.md), as plain data.

Standard library only: the policy document and the command line read a report without the solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Change = Literal["equivalent", "broader", "narrower", "incomparable", "outcome", "added", "removed", "unknown"]
CHANGES: tuple[Change, ...] = ("equivalent", "broader", "narrower", "incomparable", "outcome", "added", "removed",
                               "unknown")
#: which way a witness shows a change: the rule decides the line only under the new pack (broader),
#: only under the old one (narrower), or under both with another disposition or suggestion (outcome)
Direction = Literal["broader", "narrower", "outcome"]


@dataclass(frozen=True)
class PackId:
    pack: str
    version: str

    def to_json(self) -> dict[str, str]:
        return {"pack": self.pack, "version": self.version}


@dataclass(frozen=True)
class Witness:
    """A claim on whose line `line` the rule decides differently; `old` and `new` are that rule's
    findings on that line under each pack (contract finding objects), as the interpreters gave them.
    An exception gives no finding: its lists are empty, and `allowed` says under which pack it
    allows the line (old, new)."""

    claim: dict[str, Any]
    line: int
    direction: Direction
    old: list[dict[str, Any]]
    new: list[dict[str, Any]]
    allowed: tuple[bool, bool] | None = None
    #: (field, low, high): the whole minutes or units of the witness line, around its own value,
    #: for which the same claim shows the change (high None: as far as was looked); said in messages
    ranges: tuple[tuple[str, int, int | None], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"claim": self.claim, "line": self.line, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class RuleChange:
    rule: str
    change: Change
    message: str
    witnesses: tuple[Witness, ...] = ()
    texts: tuple[str, ...] = ()  # what changed in wording only: "message", "citation", "title"
    reason: str = ""  # why the answer is unknown
    #: how the answer was found when the solver did not give it (from the changed rows of tables)
    basis: str = ""

    @property
    def changed(self) -> bool:
        return self.change != "equivalent"

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "change": self.change, "witnesses": [w.to_json() for w in self.witnesses],
                "message": self.message}


@dataclass(frozen=True)
class RuleImpact:
    added: int = 0
    removed: int = 0
    changed: int = 0

    def to_json(self) -> dict[str, int]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed}


@dataclass(frozen=True)
class Impact:
    """Measured on a claim file: claims and lines whose findings differ, and per rule the findings
    added, removed, or changed in disposition or suggestion."""

    claims: int
    changed: int
    lines_changed: int
    by_rule: dict[str, RuleImpact] = field(default_factory=dict)
    errors: int = 0  # records that could not be read or that a pack rejects (not counted in `claims`)

    def to_json(self) -> dict[str, Any]:
        return {"claims": self.claims, "changed": self.changed, "lines_changed": self.lines_changed,
                "by_rule": {rule: self.by_rule[rule].to_json() for rule in sorted(self.by_rule)}}


#: how a row of a table differs between the versions: only in the new one, only in the old one, or
#: in both under the same key with other values
RowKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class RowChange:
    """One row of a table file that differs: its key (the key columns in the file's order), its
    other values under each version (None where it has none), and a claim on which the packs decide
    differently because of it (None when no claim shows one: a rationale, say)."""

    change: RowKind
    key: tuple[Any, ...]
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    witness: Witness | None = None

    def to_json(self) -> dict[str, Any]:
        return {"change": self.change, "key": list(self.key), "old": self.old, "new": self.new,
                "witness": None if self.witness is None else self.witness.to_json()}


#: at most this many changed rows are listed per table file (the counts are always complete)
MAX_ROWS = 50


@dataclass(frozen=True)
class RowCounts:
    old: int
    new: int
    added: int = 0
    removed: int = 0
    changed: int = 0

    def to_json(self) -> dict[str, int]:
        return {"old": self.old, "new": self.new, "added": self.added, "removed": self.removed,
                "changed": self.changed}


@dataclass(frozen=True)
class TableChange:
    """A file of a table read from files under both versions (a table of one version only has no
    digest under the other): its rows counted, and its first changed rows."""

    table: str
    file: str
    old_digest: str | None
    new_digest: str | None
    rows: RowCounts
    changes: tuple[RowChange, ...] = ()
    start: str | None = None  # the column where a dated table's rows start (part of what matches rows)
    written: str = ""  # the file as the pack names it (relative to the pack's file; `file` is as given)

    @property
    def changed(self) -> bool:
        return bool(self.rows.added or self.rows.removed or self.rows.changed)

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "file": self.file, "old_digest": _digest(self.old_digest),
                "new_digest": _digest(self.new_digest), "rows": self.rows.to_json(),
                "changes": [c.to_json() for c in self.changes]}


def _digest(digest: str | None) -> str | None:
    return None if digest is None else f"sha256:{digest}"


@dataclass
class ChangeReport:
    old: PackId
    new: PackId
    lines: int  # the most lines a question used
    complete: bool  # every answer holds for claims of any size
    rules: list[RuleChange]
    impact: Impact | None = None
    seconds: float = 0.0
    #: the files of the tables read from files, when either pack has such tables (None: neither has)
    tables: list[TableChange] | None = None

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {change: 0 for change in CHANGES}
        for rule in self.rules:
            counts[rule.change] += 1
        return counts

    @property
    def changed(self) -> list[RuleChange]:
        return [r for r in self.rules if r.changed]

    @property
    def changed_tables(self) -> list[TableChange]:
        return [t for t in self.tables or () if t.changed]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"old": self.old.to_json(), "new": self.new.to_json(),
                               "bound": {"lines": self.lines, "complete": self.complete},
                               "summary": self.summary(), "rules": [r.to_json() for r in self.rules]}
        if self.tables is not None:
            out["tables"] = [t.to_json() for t in self.tables]
        if self.impact is not None:
            out["impact"] = self.impact.to_json()
        return out
