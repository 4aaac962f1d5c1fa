"""Tables read from files as relations the solver reasons about without enumerating their rows.

A lookup `T[K1, K2 on D].C` reads, in the file of the claim's type, the first row of key (K1, K2)
that applies on D. For the solver each file and each *form* of lookup the rules use (by the whole
key, or by the first key of a table keyed by two columns) is a set of uninterpreted functions of
the key atoms (and of the day, for a dated table): whether a row is found, and the columns the
rules read. Every key atom is an id of the universe, so a function's value is a property of a code
the claim may carry, and two lines billed with one code look up the same rows.

The functions are constrained by facts that hold of the rows, summaries whose size does not grow
with the row count (`Summary`):
- per code group (the universe's groups: codes the pack cannot tell apart otherwise), the set of
  *profiles* its codes have: a code's profile is what the lookups by that code alone find (the
  columns read, whether a row is found, and, for a dated table, that value on every day from the
  pack's effective date when it does not change there) and whether the code is a first or second
  key of some row of each pair file. Where a group has few profiles the set is given exactly, else
  column by column;
- per pair file, the column values its rows hold, and (for a small file, exactly) which profiles
  of which groups meet in its rows;
- the checks the pack compiled with: `no cycles A -> B` over the two key columns (no pair listed
  both ways, no code over itself, on days from the effective date), and `one C per K` (a lookup by
  the first key reads the same C as a lookup by both keys).

An unsatisfiable question is thus a proof for every table these facts describe, the actual ones
among them, at any size. A satisfiable one is *realized* (`Realizer`): each code id the solver's
claim looks up gets a real code whose rows give exactly the values the solver chose, so that the
witness is built from real rows and the interpreter replays it. Where no real code fits, the facts
are refined (`Lemma`: a profile no code of the group has, two profiles no row pairs) and the
question asked again; what cannot be refined is `unknown`, with the reason.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from compiler.analysis.conflicts.model import Z3, conj, disj, in_ranges, neg
from compiler.analysis.conflicts.universe import Group, Universe, Unsupported, pack_expressions
from compiler.semantics import ir
from compiler.semantics.tables import TableIndex

__all__ = ["Lemma", "Realizer", "Relations", "Row", "Summary"]

#: a group's profiles (or a small pair file's meetings) are given to the solver exactly up to this many
EXACT = 48
#: the most nodes the search for real codes visits for one claim
SEARCH = 40_000

ABSENT: tuple[Any, ...] = (False,)  # a lookup that finds no row


def _day(text: object) -> int | None:
    return datetime.date.fromisoformat(text).toordinal() if isinstance(text, str) else None


@dataclass(frozen=True)
class Form:
    """One way the rules look rows up in one file: by `keys` of the table's key columns, reading
    `columns` (besides whether a row is found)."""

    table: str
    file: str
    keys: int
    pair: bool  # by two keys
    dated: bool
    columns: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.table}{self.keys}@{self.file}"


@dataclass(frozen=True)
class Row:
    """`T[...]` itself: a row found or not (for `is given`)."""

    absent: Z3


# ---------------------------------------------------------------- what the rows say


class FileRows:
    """The rows of one file read as values: each row's key codes, day range and column values."""

    def __init__(self, table: ir.DataTable, table_file: ir.TableFile) -> None:
        self.table = table
        self.file = table_file
        self.index = TableIndex(table, table_file)
        data = table_file.data
        self.data = data
        self.kinds = {c.name: c.type for c in table.columns}

    def value(self, column: str, row: int) -> Any:
        value = self.data.value(column, row)
        return _day(value) if self.kinds[column] == "date" else value

    def span(self, row: int) -> tuple[int | None, int | None]:
        """The first day the row applies and the first day it no longer does (None: always)."""
        table = self.table
        start = self.value(table.start, row) if table.start is not None else None
        end = self.value(table.end, row) if table.end is not None else None
        return start, end

    def keys(self, position: int) -> set[str]:
        column = self.table.key[position]
        values, cells = self.data.values[column], self.data.cells[column]
        return {v for v in (values[i] for i in set(cells)) if isinstance(v, str)}

    def found(self, keys: Sequence[str], day: int | None, columns: Sequence[str]) -> tuple[Any, ...]:
        """What a lookup by `keys` on `day` finds: (True, column values...) or ABSENT."""
        on = datetime.date.fromordinal(day).isoformat() if day is not None and self.table.dated else None
        if self.table.dated and on is None:
            return ABSENT
        rows = self.index.rows(list(keys), on)
        if not rows:
            return ABSENT
        return (True, *(self.value(c, rows[0]) for c in columns))


@dataclass
class Profile:
    """What the lookups by one code alone find in the files of one claim type (`values`, one entry
    per component of `Summary.components`), and the codes of one group that have it."""

    values: tuple[Any, ...]
    codes: list[str] = field(default_factory=list)


class Summary:
    """The facts of the tables the rules read, for the files of one claim type.

    Components of a code's profile, in order: for each form by one key, an undated one gives
    (found, columns...) of its row; a dated one gives (constant, found, columns...) where constant
    says the value is the same on every day from the pack's effective date and the rest is that
    value; for each pair form, whether the code is a first key and whether it is a second key of a
    row."""

    def __init__(self, claim_type: str, forms: list[Form], files: dict[str, FileRows], universe: Universe,
                 effective: int) -> None:
        self.claim_type = claim_type
        self.forms = forms
        self.files = files
        self.universe = universe
        self.effective = effective
        self.unary = [f for f in forms if not f.pair]
        self.pairs = [f for f in forms if f.pair]
        self.width = {f: (1 if not f.dated else 2) + len(f.columns) for f in self.unary}
        # per code: its profile values; per group: its profiles, and per form the sets a dated lookup
        # by one key can give on days before the effective date, and from it where it is not constant
        self.values: dict[str, tuple[Any, ...]] = {}
        self.profiles: dict[int, dict[tuple[Any, ...], Profile]] = {}
        self.before: dict[tuple[int, Form], set[tuple[Any, ...]]] = {}
        self.after: dict[tuple[int, Form], set[tuple[Any, ...]]] = {}
        self._meetings: dict[Form, set[tuple[Any, ...]]] = {}
        self._roles: dict[Form, tuple[set[str], set[str]]] = {}
        self._build()

    # ------------------------------------------------------------ profiles
    def none(self) -> tuple[Any, ...]:
        """The profile of a code no row of these files has."""
        out: list[Any] = []
        for form in self.unary:
            out += [True, False] if form.dated else [False]
            out += [None] * len(form.columns)
        out += [False, False] * len(self.pairs)
        return tuple(out)

    def _unary(self, form: Form, code: str) -> tuple[tuple[Any, ...], set[tuple[Any, ...]], set[tuple[Any, ...]]]:
        """(component values, values found before the effective date, values found on days from it
        where they change)."""
        rows = self.files[form.file]
        if not form.dated:
            found = rows.found([code], None, form.columns)
            return _padded(found, len(form.columns)), set(), set()
        spans = [rows.span(r) for r in rows.index.rows([code], None)]
        days = sorted({d for span in spans for d in span if d is not None} | {self.effective})
        before = {_padded(ABSENT, len(form.columns))}  # before the first row starts
        after: set[tuple[Any, ...]] = set()
        for day in days:
            found = _padded(rows.found([code], day, form.columns), len(form.columns))
            (after if day >= self.effective else before).add(found)
        if len(after) == 1:
            return (True, *next(iter(after))), before, set()
        return (False, False, *[None] * len(form.columns)), before, after

    def _build(self) -> None:
        codes: set[str] = set()
        for form in self.unary:
            codes |= self.files[form.file].keys(0)
        for form in self.pairs:
            rows = self.files[form.file]
            first, second = rows.keys(0), rows.keys(1)
            self._roles[form] = (first, second)
            codes |= first | second
        none = self.none()
        by_group: dict[int, set[str]] = {}
        for code in sorted(codes):
            group = self.universe.group_for(code)
            if group is None:  # a placeholder word, never a line's code
                continue
            values: list[Any] = []
            for form in self.unary:
                own, before, after = self._unary(form, code)
                values += own
                if form.dated:
                    self.before.setdefault((group.index, form), set()).update(before)
                    if after:
                        self.after.setdefault((group.index, form), set()).update(after)
            for form in self.pairs:
                first, second = self._roles[form]
                values += [code in first, code in second]
            self.values[code] = tuple(values)
            by_group.setdefault(group.index, set()).add(code)
        for group in self.universe.groups:
            profiles: dict[tuple[Any, ...], Profile] = {}
            listed = by_group.get(group.index, set())
            for code in sorted(listed):
                profiles.setdefault(self.values[code], Profile(self.values[code])).codes.append(code)
            others = [c for c in group.codes if c not in listed]
            if others:  # codes of the group no row names (every generic group has such codes)
                profiles.setdefault(none, Profile(none)).codes.extend(others)
                for form in self.unary:
                    if form.dated:
                        self.before.setdefault((group.index, form), set()).add(_padded(ABSENT, len(form.columns)))
            self.profiles[group.index] = profiles

    def profile_of(self, code: str) -> tuple[Any, ...]:
        return self.values.get(code, self.none())

    def components(self) -> list[tuple[Form, int]]:
        """(form, position) of each component of a profile, pair forms' roles last."""
        out = []
        for form in self.unary:
            out += [(form, i) for i in range(self.width[form])]
        for form in self.pairs:
            out += [(form, 0), (form, 1)]
        return out

    # ------------------------------------------------------------ pairs
    def meetings(self, form: Form) -> set[tuple[Any, ...]]:
        """The distinct (group, profile, group, profile, columns..., from the effective date,
        before it) of the rows of a pair file: which codes meet in its rows, by what the solver
        knows of them. Computed when first asked (one pass over the rows)."""
        known = self._meetings.get(form)
        if known is not None:
            return known
        rows = self.files[form.file]
        data, table = rows.data, rows.table
        first, second = (data.values[k] for k in table.key[:2])
        first_cells, second_cells = (data.cells[k] for k in table.key[:2])
        groups: dict[str, tuple[int, tuple[Any, ...]] | None] = {}

        def described(code: object) -> tuple[int, tuple[Any, ...]] | None:
            if not isinstance(code, str):
                return None
            if code not in groups:
                group = self.universe.group_for(code)
                groups[code] = None if group is None else (group.index, self.profile_of(code))
            return groups[code]

        found: set[tuple[Any, ...]] = set()
        for row in range(data.count):
            one, two = described(first[first_cells[row]]), described(second[second_cells[row]])
            if one is None or two is None:
                continue
            start, end = rows.span(row)
            after = end is None or end > self.effective
            before = start is None or start < self.effective
            columns = tuple(rows.value(c, row) for c in form.columns)
            found.add((*one, *two, *columns, after, before))
        self._meetings[form] = found
        return found


def _padded(found: tuple[Any, ...], width: int) -> tuple[Any, ...]:
    return found if len(found) == width + 1 else (*found, *[None] * width)


# ---------------------------------------------------------------- the solver's view


@dataclass(frozen=True)
class Application:
    """One lookup the formulas make: a form applied to key atoms (and a day)."""

    form: Form
    keys: tuple[Z3, ...]
    day: Z3 | None
    given: Z3
    columns: tuple[Z3, ...]  # per column: its value (an integer: a number, or a day)
    missing: tuple[Z3, ...]  # per column: its cell is empty (a date given as `*`); False otherwise


@dataclass(frozen=True)
class Lemma:
    """A fact learned from the rows when a claim of the solver could not be built from them: in
    the files of `claim_type`, no code of group `group` has `profile` (components None: any value);
    with `most` >= 0, at most that many codes of the group have it; with `other`, no row of pair
    form `form` pairs such codes with codes of `other_group` and profile `other`, with columns
    `columns`, on days from the pack's effective date (`after`) or before it."""

    claim_type: str
    group: int
    profile: tuple[Any, ...]
    form: Form | None = None
    other_group: int = -1
    other: tuple[Any, ...] = ()
    columns: tuple[Any, ...] = ()
    after: bool = True
    most: int = -1


class Relations:
    """The tables the pack's rules read, as functions the solver reasons about, with the facts that
    constrain them; the axioms each formula's lookups need are handed out by `axioms`."""

    def __init__(self, pack: ir.Pack, universe: Universe, ctx: Any) -> None:
        self.pack = pack
        self.universe = universe
        self.ctx = ctx
        self.effective = datetime.date.fromisoformat(pack.effective).toordinal()
        self.tables = {t.name: t for t in pack.data_tables}
        self.types = {t: universe.literals[t] for t in ("professional", "institutional")}
        wanted = self._forms_read(pack)
        self.files: dict[str, FileRows] = {}
        self.forms: dict[tuple[str, str, int], Form] = {}
        for (name, keys), columns in sorted(wanted.items()):
            table = self.tables[name]
            for table_file in table.files:
                self.files.setdefault(table_file.path, FileRows(table, table_file))
                form = Form(name, table_file.path, keys, keys == 2, table.dated, tuple(sorted(columns)))
                self.forms[(name, table_file.path, keys)] = form
        self.summaries: dict[str, Summary] = {}
        for claim_type in self.types:
            forms = [self.forms[(t.name, f.path, k)] for t in pack.data_tables for f in t.files
                     if claim_type in f.claim_types for k in (1, 2) if (t.name, f.path, k) in self.forms]
            self.summaries[claim_type] = Summary(claim_type, sorted(forms, key=lambda f: f.name),
                                                 self.files, universe, self.effective)
        self.switches = {check: z3.Bool(f"tables.check.{check}", ctx) for check in self.checks()}
        self._functions: dict[tuple[Form, str], Any] = {}
        self._keys: dict[int, Z3] = {}  # key terms seen, by AST id
        self._applications: dict[tuple[Any, ...], Application] = {}
        self.applications: list[Application] = []
        self.axioms: list[Z3] = []
        self.lemmas: list[Lemma] = []
        self._learned: set[Lemma] = set()
        self._terms: dict[int, Application] = {}  # the terms of each application, by AST id

    # ------------------------------------------------------------ what the rules read
    @staticmethod
    def _forms_read(pack: ir.Pack) -> dict[tuple[str, int], set[str]]:
        found: dict[tuple[str, int], set[str]] = {}
        for expr in pack_expressions(pack):
            if isinstance(expr, ir.TableLookup):
                columns = found.setdefault((expr.table, len(expr.keys)), set())
                if expr.column is not None:
                    columns.add(expr.column)
        for (name, keys), columns in found.items():
            table = pack.data_table(name)
            for column in columns:
                kind = table.column(column).type
                if kind not in ("whole", "indicator", "date"):
                    raise Unsupported(f"reading the {kind} column {name}.{column} of a table read from files")
                empty = any(v is None for f in table.files for v in f.data.values[column])
                if kind == "date" and keys == 1 and empty:
                    raise Unsupported(f"reading {name}.{column}, a date some rows leave empty, by one key")
        return found

    def checks(self) -> list[str]:
        """The `no cycles` checks over a table's two key columns whose facts the solver is given,
        named `TABLE: no cycles A -> B`."""
        out = []
        for table in self.pack.data_tables:
            for check in table.checks:
                if check.kind == "acyclic" and _acyclic_over_keys(table, check) is not None:
                    out.append(_check_name(table, check))
        return out

    def check_span(self, name: str) -> Any:
        for table in self.pack.data_tables:
            for check in table.checks:
                if check.kind == "acyclic" and _check_name(table, check) == name:
                    return check.span
        return None

    # ------------------------------------------------------------ functions and lookups
    def _function(self, form: Form, what: str, result: Any, arity: int | None = None) -> Any:
        """A function of the form: of its keys and day (an application's), or of `arity` atoms."""
        key = (form, what)
        if key not in self._functions:
            count = form.keys + (1 if form.dated else 0) if arity is None else arity
            self._functions[key] = z3.Function(f"{form.name}.{what}", *[z3.IntSort(self.ctx)] * count, result)
        return self._functions[key]

    def _role(self, form: Form, position: int, key: Z3) -> Z3:
        return self._function(form, f"key{position + 1}", z3.BoolSort(self.ctx), 1)(key)

    def _component(self, form: Form, index: int, key: Z3) -> Z3:
        """Component `index` of a one-key form's part of a code's profile, as a term of the key."""
        if form.dated:
            if index == 0:
                return self._function(form, "constant", z3.BoolSort(self.ctx), 1)(key)
            index -= 1
        if index == 0:
            return self._function(form, "found", z3.BoolSort(self.ctx), 1)(key)
        column = form.columns[index - 1]
        return self._function(form, column, z3.IntSort(self.ctx), 1)(key)

    def _missing(self, form: Form, column: str, *args: Z3) -> Z3:
        return self._function(form, f"{column}.missing", z3.BoolSort(self.ctx))(*args)

    def apply(self, form: Form, keys: tuple[Z3, ...], day: Z3 | None) -> Application:
        """The lookup of `form` at these key atoms (and day), with its axioms queued."""
        index = (form, tuple(k.get_id() for k in keys), None if day is None else day.get_id())
        known = self._applications.get(index)
        if known is not None:
            return known
        args = (*keys, *([day] if day is not None else []))
        boolean, integer = z3.BoolSort(self.ctx), z3.IntSort(self.ctx)
        given = self._function(form, "given", boolean)(*args)
        columns = tuple(self._function(form, f"at.{c}", integer)(*args) for c in form.columns)
        dated_columns = {c for c in form.columns if self.tables[form.table].column(c).type == "date"}
        missing = tuple(self._missing(form, c, *args) if c in dated_columns else z3.BoolVal(False, self.ctx)
                        for c in form.columns)
        application = Application(form, keys, day, given, columns, missing)
        self._applications[index] = application
        self.applications.append(application)
        for term in (given, *columns, *missing):
            # a column that is never missing has the constant False: shared by every formula, it
            # names no lookup
            if not z3.is_false(term):
                self._terms.setdefault(term.get_id(), application)
        for key in keys:
            self._key(key)
        self._axiomatize(application)
        return application

    def lookup(self, expr: ir.TableLookup, keys: list[Any], day: Any, claim_type: Z3) -> tuple[Z3, list[Z3], list[Z3]]:
        """(found, column values, cells missing) of a lookup, by the claim's type; the caller adds the
        absence of its keys and day."""
        table = self.tables[expr.table]
        columns = [expr.column] if expr.column is not None else []
        per_type: dict[str, tuple[Z3, list[Z3], list[Z3]]] = {}
        by_file: dict[str, tuple[Z3, list[Z3], list[Z3]]] = {}
        for claim_type_name in self.types:
            table_file = table.file_for(claim_type_name)
            if table_file is None:
                per_type[claim_type_name] = (z3.BoolVal(False, self.ctx), [z3.IntVal(0, self.ctx)] * len(columns),
                                             [z3.BoolVal(False, self.ctx)] * len(columns))
                continue
            if table_file.path not in by_file:
                form = self.forms[(expr.table, table_file.path, len(keys))]
                application = self.apply(form, tuple(keys), day if form.dated else None)
                values = [application.columns[form.columns.index(c)] for c in columns]
                missing = [application.missing[form.columns.index(c)] for c in columns]
                by_file[table_file.path] = (application.given, values, missing)
            per_type[claim_type_name] = by_file[table_file.path]
        professional = claim_type == self.types["professional"]
        (gp, vp, mp), (gi, vi, mi) = per_type["professional"], per_type["institutional"]
        if gp is gi:
            return gp, vp, mp
        return (z3.If(professional, gp, gi), [z3.If(professional, a, b) for a, b in zip(vp, vi, strict=True)],
                [z3.If(professional, a, b) for a, b in zip(mp, mi, strict=True)])

    # ------------------------------------------------------------ facts
    def _in_group(self, key: Z3, group: Group) -> Z3:
        return in_ranges(key, [(group.lo, group.hi)])

    def _equals(self, summary: Summary, key: Z3, profile: tuple[Any, ...], only: Iterable[int] | None = None) -> Z3:
        """The key's profile components equal `profile`'s (None: any value); only those of `only`."""
        parts = []
        components = summary.components()
        chosen = range(len(components)) if only is None else only
        for index in chosen:
            value = profile[index]
            if value is None:
                continue
            form, position = components[index]
            term = self._role(form, position, key) if form.pair else self._component(form, position, key)
            parts.append(term == value if not isinstance(value, bool) else (term if value else neg(term)))
        return conj(*parts) if parts else z3.BoolVal(True, self.ctx)

    def _profile_fact(self, summary: Summary, key: Z3, group: Group) -> Z3:
        """What the key's profile can be when the key is a code of `group`."""
        profiles = summary.profiles.get(group.index, {})
        if not profiles:
            return z3.BoolVal(False, self.ctx)
        if len(profiles) <= EXACT:
            return disj(*[self._equals(summary, key, p.values) for p in profiles.values()])
        parts = []
        components = summary.components()
        for index, (form, position) in enumerate(components):
            term = self._role(form, position, key) if form.pair else self._component(form, position, key)
            flags = 2 if form.dated else 1  # a one-key form's components before its columns
            guard: Z3 | None = None
            if form.pair or position < flags:
                values = {p.values[index] for p in profiles.values()}
            else:  # a column has a value where its lookup finds a row (dated: the same one from the
                # effective date), and is None elsewhere: its values where found, under that guard
                first = index - position
                values = {p.values[index] for p in profiles.values()
                          if all(p.values[first + f] is True for f in range(flags))}
                if not values:
                    continue
                guard = conj(*[self._component(form, f, key) for f in range(flags)])
            if None in values or (len(values) == 2 and all(isinstance(v, bool) for v in values)):
                continue
            fact = disj(*[term == v if not isinstance(v, bool) else (term if v else neg(term))
                          for v in sorted(values, key=repr)])
            parts.append(fact if guard is None else z3.Implies(guard, fact))
        return conj(*parts) if parts else z3.BoolVal(True, self.ctx)

    def _key(self, key: Z3) -> None:
        """The facts of a key term's profile, in each claim type's files, once per term."""
        if key.get_id() in self._keys:
            return
        self._keys[key.get_id()] = key
        lo, hi = self.universe.code_span
        is_code = in_ranges(key, [(lo, hi)])
        for claim_type, summary in self.summaries.items():
            guard = self._type_is(claim_type)
            for group in self.universe.groups:
                self.axioms.append(z3.Implies(conj(guard, self._in_group(key, group)),
                                              self._profile_fact(summary, key, group)))
            self.axioms.append(z3.Implies(conj(guard, neg(is_code)), self._equals(summary, key, summary.none())))
        for lemma in self.lemmas:
            self.axioms += self._lemma_on_key(lemma, key)

    def _type_is(self, claim_type: str) -> Z3:
        return z3.Int("claim.type", self.ctx) == self.types[claim_type]

    def _types_of(self, form: Form) -> list[str]:
        table_file = next(f for f in self.tables[form.table].files if f.path == form.file)
        return [t for t in self.types if t in table_file.claim_types]

    def _axiomatize(self, app: Application) -> None:
        form = app.form
        out = self.axioms
        not_code = [neg(in_ranges(k, [self.universe.code_span])) for k in app.keys]
        out.append(z3.Implies(disj(*not_code), neg(app.given)))
        if not form.pair:
            self._unary_facts(app)
        else:
            self._pair_facts(app)

    def _unary_facts(self, app: Application) -> None:
        form, key, day = app.form, app.keys[0], app.day
        summaries = [self.summaries[t] for t in self._types_of(form)]
        own = [self._component(form, i, key) for i in range(len(form.columns) + (2 if form.dated else 1))]
        values = [app.given, *app.columns]
        if not form.dated:
            self.axioms.append(conj(app.given == own[0], *[z3.Implies(app.given, a == b)
                                                          for a, b in zip(app.columns, own[1:], strict=True)]))
            self._missing_facts(app)
            return
        assert day is not None
        after = day >= self.effective
        constant, found, columns = own[0], own[1], own[2:]
        self.axioms.append(z3.Implies(conj(after, constant), conj(app.given == found, *[
            z3.Implies(app.given, a == b) for a, b in zip(app.columns, columns, strict=True)])))
        for summary in summaries[:1]:  # the sets are per file and group, whatever the claim type
            for group in self.universe.groups:
                inside = self._in_group(key, group)
                before = summary.before.get((group.index, form), set())
                self.axioms.append(z3.Implies(conj(inside, neg(after)), self._one_of(values, before)))
                varying = summary.after.get((group.index, form), set())
                self.axioms.append(z3.Implies(conj(inside, after, neg(constant)), self._one_of(values, varying)))
        self._missing_facts(app)

    def _missing_facts(self, app: Application) -> None:
        """A cell is missing only where the column may be empty (a date column)."""
        for column, missing in zip(app.form.columns, app.missing, strict=True):
            if self.tables[app.form.table].column(column).type != "date":
                continue
            rows = self.files[app.form.file]
            values = rows.data.values[column]
            if not any(v is None for v in values):
                self.axioms.append(neg(missing))

    def _one_of(self, terms: list[Z3], found: set[tuple[Any, ...]]) -> Z3:
        options = []
        for values in sorted(found, key=repr):
            if not values[0]:
                options.append(neg(terms[0]))
                continue
            options.append(conj(terms[0], *[t == v for t, v in zip(terms[1:], values[1:], strict=True)
                                            if v is not None]))
        return disj(*options) if options else z3.BoolVal(False, self.ctx)

    def _pair_facts(self, app: Application) -> None:
        form = app.form
        first, second = app.keys
        self.axioms.append(z3.Implies(app.given, conj(self._role(form, 0, first), self._role(form, 1, second))))
        rows = self.files[form.file]
        # the column values rows hold
        for index, column in enumerate(form.columns):
            held: set[Any] = set(rows.data.values[column])
            if self.tables[form.table].column(column).type == "date":
                held = {_day(v) for v in held}
            term = app.columns[index]
            listed = [term == v for v in sorted(v for v in held if v is not None)]
            self.axioms.append(z3.Implies(conj(app.given, neg(app.missing[index])), disj(*listed)
                                          if listed else z3.BoolVal(False, self.ctx)))
        for claim_type in self._types_of(form):
            summary = self.summaries[claim_type]
            meetings = summary.meetings(form) if rows.data.count <= 4 * EXACT else None
            if meetings is not None and len(meetings) <= EXACT:
                self.axioms.append(z3.Implies(conj(self._type_is(claim_type), app.given),
                                              self._meeting(summary, app, meetings)))
        for lemma in self.lemmas:
            self.axioms += self._lemma_on_app(lemma, app)
        self._check_facts(app)
        self._one_facts(app)

    def _meeting(self, summary: Summary, app: Application, meetings: set[tuple[Any, ...]]) -> Z3:
        """One of the rows' meetings: the keys' groups and profiles, the columns and the day's side."""
        form = app.form
        width = len(summary.components())
        options = []
        first, second = app.keys
        for meeting in sorted(meetings, key=repr):
            g1, p1 = meeting[0], meeting[1]
            g2, p2 = meeting[2], meeting[3]
            columns = meeting[4:4 + len(form.columns)]
            after, before = meeting[-2], meeting[-1]
            assert len(p1) == width
            side = []
            if app.day is not None:
                if not after:
                    side.append(app.day < self.effective)
                if not before:
                    side.append(app.day >= self.effective)
            options.append(conj(self._in_group(first, self.universe.groups[g1]), self._equals(summary, first, p1),
                                self._in_group(second, self.universe.groups[g2]), self._equals(summary, second, p2),
                                *[z3.Implies(neg(m), t == v) if v is not None else m
                                  for t, m, v in zip(app.columns, app.missing, columns, strict=True)], *side))
        return disj(*options) if options else z3.BoolVal(False, self.ctx)

    def _check_facts(self, app: Application) -> None:
        """`no cycles` over the two keys: no code over itself, no pair both ways, on one day from the
        effective date (the pack compiled, so its tables passed the check)."""
        table = self.tables[app.form.table]
        for check in table.checks:
            if check.kind != "acyclic" or _acyclic_over_keys(table, check) is None:
                continue
            switch = self.switches[_check_name(table, check)]
            where = self._where(check.where, app)
            if where is None:
                continue
            on = app.day >= self.effective if app.day is not None else z3.BoolVal(True, self.ctx)
            first, second = app.keys
            self.axioms.append(z3.Implies(switch, neg(conj(first == second, on, app.given, where))))
            for other in self.applications:
                if other is app or other.form != app.form:
                    continue
                other_where = self._where(check.where, other)
                if other_where is None:
                    continue
                same_day = (app.day == other.day) if app.day is not None and other.day is not None else \
                    z3.BoolVal(True, self.ctx)
                self.axioms.append(z3.Implies(switch, neg(conj(
                    first == other.keys[1], second == other.keys[0], same_day, on, app.given, where, other.given,
                    other_where))))

    def _where(self, where: ir.Expr | None, app: Application) -> Z3 | None:
        """A check's `where` over the row an application finds (None: not one the solver reads)."""
        if where is None:
            return z3.BoolVal(True, self.ctx)
        try:
            return _RowCondition(app, self.tables[app.form.table], self.ctx).boolean(where)
        except Unsupported:
            return None

    def _one_facts(self, app: Application) -> None:
        """A row found by both keys is found by the first alone; on days from the effective date the
        columns the table declares `one C per` that key read alike (the check passed)."""
        form = app.form
        single = self.forms.get((form.table, form.file, 1))
        if single is None:
            return
        one = self.tables[form.table].one_per_first_key()
        alone = self.apply(single, app.keys[:1], app.day)
        same = [z3.Implies(app.day >= self.effective, alone.columns[single.columns.index(c)]
                           == app.columns[form.columns.index(c)]) if app.day is not None else
                alone.columns[single.columns.index(c)] == app.columns[form.columns.index(c)]
                for c in form.columns if c in one and c in single.columns]
        self.axioms.append(z3.Implies(app.given, conj(alone.given, *same)))

    # ------------------------------------------------------------ lemmas
    def learn(self, lemma: Lemma) -> bool:
        """Add a fact learned from the rows (False: known already)."""
        if lemma in self._learned:
            return False
        self._learned.add(lemma)
        self.lemmas.append(lemma)
        keys = list(self._keys.values())
        for at, key in enumerate(keys):
            if lemma.most >= 0:  # each set of keys once: the key with the ones before it
                saved, self._keys = self._keys, {k.get_id(): k for k in keys[:at + 1]}
                try:
                    self.axioms += self._lemma_on_key(lemma, key)
                finally:
                    self._keys = saved
            else:
                self.axioms += self._lemma_on_key(lemma, key)
        for app in self.applications:
            self.axioms += self._lemma_on_app(lemma, app)
        return True

    def _lemma_on_key(self, lemma: Lemma, key: Z3) -> list[Z3]:
        if lemma.form is not None:
            return []
        summary = self.summaries[lemma.claim_type]
        group = self.universe.groups[lemma.group]
        if lemma.most < 0:
            return [z3.Implies(conj(self._type_is(lemma.claim_type), self._in_group(key, group)),
                               neg(self._equals(summary, key, lemma.profile)))]
        # at most `most` codes: no `most` + 1 distinct key terms of the group with the profile (the
        # new key with every choice of `most` of the others)
        others = [k for k in self._keys.values() if k.get_id() != key.get_id()]
        out = []
        for chosen in itertools.combinations(others, lemma.most):
            keys = [key, *chosen]
            distinct = [a != b for a, b in itertools.combinations(keys, 2)]
            out.append(neg(conj(self._type_is(lemma.claim_type), *distinct,
                                *[conj(self._in_group(k, group), self._equals(summary, k, lemma.profile))
                                  for k in keys])))
        return out

    def _lemma_on_app(self, lemma: Lemma, app: Application) -> list[Z3]:
        if lemma.form is None or app.form != lemma.form:
            return []
        summary = self.summaries[lemma.claim_type]
        first, second = app.keys
        side = []
        if app.day is not None:
            side.append(app.day >= self.effective if lemma.after else app.day < self.effective)
        columns = [z3.Implies(neg(m), t == v) for t, m, v in zip(app.columns, app.missing, lemma.columns, strict=True)
                   if v is not None]
        return [neg(conj(self._type_is(lemma.claim_type), app.given,
                         self._in_group(first, self.universe.groups[lemma.group]),
                         self._equals(summary, first, lemma.profile),
                         self._in_group(second, self.universe.groups[lemma.other_group]),
                         self._equals(summary, second, lemma.other), *columns, *side))]

    # ------------------------------------------------------------ rows of chosen codes
    def exact(self, app: Application, codes: Sequence[str]) -> Z3:
        """What the application finds when its keys are these codes, exactly, on any day: the rows of
        the key, the first (in file order) that applies on the day."""
        rows = self.files[app.form.file]
        found = rows.index.rows(list(codes), None)
        given: Z3 = z3.BoolVal(False, self.ctx)
        columns: list[Z3] = [z3.IntVal(0, self.ctx)] * len(app.columns)
        missing: list[Z3] = [z3.BoolVal(False, self.ctx)] * len(app.columns)
        for row in reversed(found):  # the first row that applies wins: built from the last
            start, end = rows.span(row)
            applies = z3.BoolVal(True, self.ctx)
            if app.day is not None:
                applies = conj(*([app.day >= start] if start is not None else []),
                               *([app.day < end] if end is not None else []), z3.BoolVal(True, self.ctx))
            values = [rows.value(c, row) for c in app.form.columns]
            given = z3.If(applies, z3.BoolVal(True, self.ctx), given)
            columns = [z3.If(applies, z3.IntVal(v if v is not None else 0, self.ctx), old)
                       for v, old in zip(values, columns, strict=True)]
            missing = [z3.If(applies, z3.BoolVal(v is None, self.ctx), old)
                       for v, old in zip(values, missing, strict=True)]
        return conj(app.given == given, *[z3.Implies(app.given, conj(a == b, m == n)) for a, b, m, n
                                          in zip(app.columns, columns, app.missing, missing, strict=True)])

    # ------------------------------------------------------------ reading a model
    def used(self, formulas: Iterable[Z3]) -> list[Application]:
        """The applications a formula reads (its lookups), in the order first met."""
        terms = self._terms
        if not terms:
            return []
        found: dict[int, Application] = {}
        for node in _nodes(formulas):
            application = terms.get(node.get_id())
            if application is not None:
                found.setdefault(id(application), application)
        return list(found.values())

    def profile_at(self, model: Any, summary: Summary, ident: int) -> tuple[Any, ...]:
        """The profile the model gives the code id `ident` in the files of `summary`'s claim type."""
        key = z3.IntVal(ident, self.ctx)
        out: list[Any] = []
        for form, position in summary.components():
            term = self._role(form, position, key) if form.pair else self._component(form, position, key)
            value = model.eval(term, model_completion=True)
            out.append(z3.is_true(value) if z3.is_bool(value) else int(value.as_long()))
        # what a profile leaves open reads as None, as the rows' profiles have it
        at = 0
        for form in summary.unary:
            width = summary.width[form]
            part = out[at:at + width]
            if form.dated and not part[0]:
                part = [False, False] + [None] * (width - 2)
            elif not part[1 if form.dated else 0]:
                part = part[:2 if form.dated else 1] + [None] * (width - (2 if form.dated else 1))
            out[at:at + width] = part
            at += width
        return tuple(out)


def _nodes(formulas: Iterable[Z3]) -> Iterator[Z3]:
    seen: set[int] = set()
    stack = list(formulas)
    while stack:
        node = stack.pop()
        ident = node.get_id()
        if ident in seen:
            continue
        seen.add(ident)
        yield node
        if z3.is_app(node):
            stack.extend(node.children())


def _check_name(table: ir.DataTable, check: ir.TableCheck) -> str:
    return f"{table.name}: no cycles {check.columns[0]} -> {check.columns[1]}"


def _acyclic_over_keys(table: ir.DataTable, check: ir.TableCheck) -> tuple[int, int] | None:
    """The key positions a `no cycles A -> B` check runs between, when they are the table's two keys."""
    if len(table.key) != 2 or set(check.columns) != set(table.key):
        return None
    return table.key.index(check.columns[0]), table.key.index(check.columns[1])


class _RowCondition:
    """A check's `where` (`row.C op constant`, `and`, `or`, `not`) over an application's columns."""

    def __init__(self, app: Application, table: ir.DataTable, ctx: Any) -> None:
        self.app = app
        self.table = table
        self.ctx = ctx

    def boolean(self, expr: ir.Expr) -> Z3:
        if isinstance(expr, ir.BoolOp):
            left, right = self.boolean(expr.left), self.boolean(expr.right)
            return conj(left, right) if expr.op == "and" else disj(left, right)
        if isinstance(expr, ir.Not):
            return neg(self.boolean(expr.operand))
        if isinstance(expr, ir.Compare) and expr.op in ("=", "!="):
            sides = [expr.left, expr.right]
            fields = [s for s in sides if isinstance(s, ir.RowField)]
            consts = [s for s in sides if isinstance(s, ir.Const)]
            if len(fields) == 1 and len(consts) == 1 and isinstance(consts[0].value, int | float):
                column = fields[0].column
                if column not in self.app.form.columns:
                    raise Unsupported(f"the check reads {column}")
                term = self.app.columns[self.app.form.columns.index(column)]
                value = consts[0].value
                if float(value) != int(value):
                    raise Unsupported("a fractional constant")
                return term == int(value) if expr.op == "=" else term != int(value)
        raise Unsupported("a condition the solver does not read of rows")


# ---------------------------------------------------------------- real codes for a model


@dataclass
class Need:
    """What the solver's claim needs of one lookup: the form, the key ids, the day, and what it found."""

    form: Form
    ids: tuple[int, ...]
    day: int | None
    found: tuple[Any, ...]


class Realizer:
    """Real codes for the code ids of a solver's claim, such that every lookup the question's
    formula reads finds, in the actual rows, what the solver chose; or the facts that show why none
    can (`Lemma`), or None when neither is found."""

    def __init__(self, relations: Relations) -> None:
        self.relations = relations
        self.universe = relations.universe
        self.flexible = False

    def needs(self, model: Any, applications: list[Application], claim_type: str) -> list[Need]:
        relations = self.relations
        out: dict[tuple[Any, ...], Need] = {}
        for app in applications:
            if claim_type not in relations._types_of(app.form):
                continue
            ids = tuple(_integer(model, k) for k in app.keys)
            day = _integer(model, app.day) if app.day is not None else None
            found: tuple[Any, ...] = ABSENT
            if z3.is_true(model.eval(app.given, model_completion=True)):
                found = (True, *(None if z3.is_true(model.eval(m, model_completion=True)) else _integer(model, t)
                                 for t, m in zip(app.columns, app.missing, strict=True)))
            out.setdefault((app.form, ids, day), Need(app.form, ids, day, found))
        return list(out.values())

    def realize(self, model: Any, needs: list[Need], claim_type: str,
                flexible: bool = False) -> dict[int, str] | list[Lemma] | None:
        """Codes for the ids the needs name (a dict), or lemmas that rule out what the model asks of
        the rows, or None when the search found neither. `flexible`: a dated lookup fits where its
        rows give what the model chose on some day on the same side of the pack's effective date
        (the caller then pins the codes and lets the solver choose the days)."""
        self.flexible = flexible
        summary = self.relations.summaries[claim_type]
        groups: dict[int, Group] = {}
        for need in needs:
            for ident in need.ids:
                group = self.universe.group_at(ident)
                if group is not None:  # else not a code: its lookups find nothing (an axiom)
                    groups[ident] = group
        unary: dict[int, list[Need]] = {i: [] for i in groups}
        pairs: list[Need] = []
        for need in needs:
            if any(i not in groups for i in need.ids):
                continue
            if need.form.pair:
                pairs.append(need)
            else:
                unary[need.ids[0]].append(need)
        profiles = {ident: self.relations.profile_at(model, summary, ident) for ident in groups}
        candidates: dict[int, list[str]] = {}
        lemmas: list[Lemma] = []
        for ident, group in groups.items():
            found = self._fitting(summary, group, profiles[ident], unary[ident])
            if not found:
                lemma = _narrowest(summary, group, profiles[ident], claim_type)
                if lemma is not None:
                    lemmas.append(lemma)
            candidates[ident] = found
        chosen = None if lemmas or any(not c for c in candidates.values()) else self._search(candidates, pairs)
        if chosen is None:
            chosen = self._by_reads(summary, groups, unary, pairs)
        if chosen is not None:
            return chosen
        if lemmas:
            return lemmas
        if any(not c for c in candidates.values()):
            return None
        # more ids of one profile than codes have it
        sharing: dict[tuple[int, tuple[Any, ...]], list[int]] = {}
        for ident, group in groups.items():
            sharing.setdefault((group.index, profiles[ident]), []).append(ident)
        for (index, profile), idents in sharing.items():
            known = summary.profiles.get(index, {}).get(profile)
            if known is not None and len(idents) > len(known.codes):
                lemmas.append(Lemma(claim_type, index, profile, most=len(known.codes)))
        if lemmas:
            return lemmas
        for need in pairs:
            if need.found[0]:
                lemma = self._pair_lemma(summary, need, groups, profiles, claim_type)
                if lemma is not None:
                    lemmas.append(lemma)
        return lemmas or None

    def _found(self, form: Form, codes: Sequence[str], day: int | None) -> tuple[Any, ...]:
        return _padded(self.relations.files[form.file].found(codes, day, form.columns), len(form.columns))

    def _fits(self, need: Need, codes: Sequence[str]) -> bool:
        wanted = _padded(need.found, len(need.form.columns))
        if self._found(need.form, codes, need.day) == wanted:
            return True
        if not (self.flexible and need.form.dated and need.day is not None):
            return False
        rows = self.relations.files[need.form.file]
        effective = self.relations.effective
        after = need.day >= effective
        days = {d for r in rows.index.rows(list(codes), None) for d in rows.span(r) if d is not None}
        days = {d for d in days | {effective, effective - 1} if (d >= effective) == after}
        return any(self._found(need.form, codes, d) == wanted for d in days)

    def _fitting(self, summary: Summary, group: Group, profile: tuple[Any, ...], needs: list[Need]) -> list[str]:
        """The codes of the group with the model's profile whose lookups by one key (on the days the
        model looks them up) find what it chose."""
        known = summary.profiles.get(group.index, {}).get(profile)
        return [] if known is None else self._fitting_codes(known.codes, needs)

    def _fitting_codes(self, codes: Iterable[str], needs: list[Need]) -> list[str]:
        """The codes whose lookups by one key find what the needs say."""
        return [code for code in codes if all(self._fits(n, [code]) for n in needs)]

    def _by_reads(self, summary: Summary, groups: dict[int, Group], unary: dict[int, list[Need]],
                  pairs: list[Need]) -> dict[int, str] | None:
        """Codes for the ids chosen by what the formula reads of them alone, whatever the rest of
        their profiles: any code of an id's group whose lookups by it find what the model chose
        (the formula reads nothing else of the rows, and the rules treat a group's codes alike).
        Where no code has the model's whole profile, or no codes of those profiles meet in a pair
        file's rows (the solver knows a big file's meetings only column by column), such codes
        often exist; trying them first spares learning the facts that rule out one profile at a
        time. None when the search finds none."""
        candidates: dict[int, list[str]] = {}
        for ident, group in groups.items():
            found = self._fitting_codes((code for profile in summary.profiles.get(group.index, {}).values()
                                         for code in profile.codes), unary[ident])
            if not found:
                return None
            candidates[ident] = found
        return self._search(candidates, pairs, firsts_first=True)

    def _search(self, candidates: dict[int, list[str]], pairs: list[Need],
                firsts_first: bool = False) -> dict[int, str] | None:
        """Distinct codes for the ids, one of each id's candidates, that every pair need fits.
        `firsts_first`: ids that are the first key of a row the model finds are given codes before
        the others (whose candidates are then the first code's partners in the rows)."""
        firsts = {n.ids[0] for n in pairs if n.found[0]} if firsts_first else set()
        order = sorted(candidates, key=lambda i: (-sum(1 for n in pairs if i in n.ids and n.found[0]),
                                                  i not in firsts, len(candidates[i]), i))
        ranks: dict[int, dict[str, int]] = {}
        assigned: dict[int, str] = {}
        used: set[str] = set()
        steps = [0]

        def fits(ident: int) -> bool:
            return all(self._fits(need, [assigned[i] for i in need.ids]) for need in pairs
                       if ident in need.ids and all(i in assigned for i in need.ids))

        def options(ident: int) -> Iterable[str]:
            # where a row must be found with an assigned first key: the partners in that key's rows
            for need in pairs:
                if need.found[0] and need.ids[1] == ident and need.ids[0] in assigned and need.ids[0] != ident:
                    rows = self.relations.files[need.form.file]
                    partners = {rows.value(rows.table.key[1], r)
                                for r in rows.index.rows([assigned[need.ids[0]]], None)}
                    rank = ranks.get(ident)
                    if rank is None:
                        rank = ranks[ident] = {code: at for at, code in enumerate(candidates[ident])}
                    return sorted((c for c in partners if c in rank), key=rank.__getitem__)
            return candidates[ident]

        def visit(position: int) -> bool:
            if position == len(order):
                return True
            ident = order[position]
            for code in options(ident):
                steps[0] += 1
                if steps[0] > SEARCH:
                    return False
                if code in used:
                    continue
                assigned[ident] = code
                used.add(code)
                if fits(ident) and visit(position + 1):
                    return True
                del assigned[ident]
                used.discard(code)
            return False

        return dict(assigned) if visit(0) else None

    def _pair_lemma(self, summary: Summary, need: Need, groups: dict[int, Group],
                    profiles: dict[int, tuple[Any, ...]], claim_type: str) -> Lemma | None:
        """Where no row of the pair form joins codes of the two keys' groups and profiles with the
        columns the model chose: that fact, with the fewest profile components that keep it true."""
        first, second = (groups[i] for i in need.ids)
        one, two = list(profiles[need.ids[0]]), list(profiles[need.ids[1]])
        columns = tuple(need.found[1:])
        after = need.day is None or need.day >= self.relations.effective
        meetings = [m for m in summary.meetings(need.form)
                    if m[0] == first.index and m[2] == second.index and (m[-2] if after else m[-1])]
        width = len(need.form.columns)

        def met() -> bool:
            return any(_matches(m[1], one) and _matches(m[3], two) and _matches(m[4:4 + width], columns)
                       for m in meetings)

        if met():
            return None
        for profile in (one, two):
            for index in range(len(profile)):
                kept = profile[index]
                profile[index] = None
                if met():
                    profile[index] = kept
        return Lemma(claim_type, first.index, tuple(one), need.form, second.index, tuple(two), columns, after)


def _narrowest(summary: Summary, group: Group, profile: tuple[Any, ...], claim_type: str) -> Lemma | None:
    """Where no code of the group has the profile: that fact, with the fewest components that keep
    it true (None where some code has it: the model's days, not its profile, are wrong)."""
    profiles = [p.values for p in summary.profiles.get(group.index, {}).values()]
    wanted: list[Any] = list(profile)
    if any(_matches(p, wanted) for p in profiles):
        return None
    for index in range(len(wanted)):
        kept = wanted[index]
        wanted[index] = None
        if any(_matches(p, wanted) for p in profiles):
            wanted[index] = kept
    return Lemma(claim_type, group.index, tuple(wanted))


def _matches(values: Sequence[Any], wanted: Sequence[Any]) -> bool:
    return all(w is None or v == w for v, w in zip(values, wanted, strict=True))


def _integer(model: Any, term: Z3) -> int:
    value = model.eval(term, model_completion=True)
    return int(value.as_long())
