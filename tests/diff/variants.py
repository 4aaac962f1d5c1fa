"""Variants of the CPCP026 pack, each with the change report it must get against the pack itself.

A *refactor* rewrites the pack without changing any decision (renamed sets, reordered
declarations and clauses, equivalent conditions, split tables, reworded messages): every rule must
come out `equivalent`, and the wording changes are listed. An *edit* changes decisions: `expected`
names every rule whose change is not `equivalent`, with its change (contract/DIFF.md), and every
other rule of either pack must be `equivalent`. Rules change through the rules they depend on:
a rule that another takes precedence over changes where that one's reach changes, and a rule whose
condition says `x flagged by R` changes where R's findings do.

Each variant is built from the pack's current text by exact, asserted replacements
(`tests/diff/text.py`), so a change to the pack makes a variant fail loudly instead of silently
becoming a no-op. Each edit carries demonstrations: claims on which the interpreters of the two
packs show each expected change (a rule deciding a line only under the new pack, only under the
old one, or under both with another disposition or suggested code). `tests/diff/test_variants.py`
checks the catalogue itself; `tests/diff/test_suites.py` holds the change report to it.
"""

from __future__ import annotations

import copy
import datetime
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from compiler.diagnostics import Collector, Sources
from compiler.semantics.resolver import resolve_pack
from tests.diff.text import (
    Chunk,
    Step,
    add_after,
    chain,
    drop_decl,
    drop_expectations,
    in_decl,
    join,
    rename,
    replace,
    split,
    sub,
)

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policies" / "cpcp026.rules"

Change = Literal["equivalent", "broader", "narrower", "incomparable", "outcome", "added", "removed", "unknown"]
Direction = Literal["broader", "narrower", "outcome"]

#: the directions of the witnesses (and of the demonstrations) each change has
DIRECTIONS: dict[str, frozenset[str]] = {
    "equivalent": frozenset(),
    "broader": frozenset({"broader"}),
    "narrower": frozenset({"narrower"}),
    "incomparable": frozenset({"broader", "narrower"}),
    "outcome": frozenset({"outcome"}),
    "added": frozenset({"broader"}),
    "removed": frozenset({"narrower"}),
}


def pack_text() -> str:
    return PACK.read_text(encoding="utf-8")


# ------------------------------------------------------------------ rules named often

P02 = "P02-hydration-not-concurrent"
P05 = "P05-short-infusion-is-push"
P10 = "P10-hydration-of-drugs"
P15 = "P15-facility-hierarchy"
P16_PROF = "P16-one-initial-professional"
P16_FAC = "P16-one-initial-facility"
P30_LINES = "P30-jw-and-jz-lines"
P30_SINGLE = "P30-single-dose-without-modifier"
P32_REVIEW = "P32-unlisted-review"
K2 = "P16-second-site-or-encounter"
K4 = "K4-same-drug-push"


# ------------------------------------------------------------------ claims for the demonstrations

DAY = "2024-09-12"
PROVIDER = "1234567893"


def ln(code: str, *, at: str | None = None, minutes: int | None = None, mods: tuple[str, ...] = (),
       date: str = DAY, **fields: Any) -> dict[str, Any]:
    """A claim line; `at` and `minutes` give its start and stop on its date."""
    line: dict[str, Any] = {"code": code, "date": date}
    if mods:
        line["modifiers"] = list(mods)
    if at is not None:
        assert minutes is not None
        start = datetime.datetime.fromisoformat(f"{date}T{at}")
        line["start"] = start.strftime("%Y-%m-%dT%H:%M")
        line["stop"] = (start + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")
    line.update(fields)
    return line


def prof(*lines: dict[str, Any], pos: str = "11", provider: str | None = PROVIDER) -> dict[str, Any]:
    claim: dict[str, Any] = {"id": "D1", "type": "professional", "pos": pos}
    if provider is not None:
        claim["provider"] = provider
    claim["lines"] = list(lines)
    return claim


def inst(*lines: dict[str, Any], bill_type: str = "0131") -> dict[str, Any]:
    return {"id": "D1", "type": "institutional", "bill_type": bill_type, "lines": list(lines)}


@dataclass(frozen=True)
class Demo:
    """A claim on which `rule`'s findings on `line` differ between the packs as `direction` says."""

    rule: str
    direction: Direction
    claim: dict[str, Any]
    line: int


# ------------------------------------------------------------------ variants


@dataclass(frozen=True)
class Variant:
    name: str
    kind: Literal["refactor", "edit"]
    about: str
    make: Step
    expected: Mapping[str, Change] = field(default_factory=dict)
    #: rules whose message, citation or title changed (all other rules: none)
    texts: Mapping[str, frozenset[str]] = field(default_factory=dict)
    demos: tuple[Demo, ...] = ()
    #: directions a rule shows beside those of its change: a rule that decides more lines may also
    #: decide a line it decided before in another way (the issue asks for a witness of each)
    also: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: codes the random claims of the catalogue's self-check draw from, beside CPCP026's
    focus: tuple[str, ...] = ()
    #: dates the random claims use, beside the usual ones (around a moved effective date)
    dates: tuple[str, ...] = ()
    slow: bool = False

    def new_text(self, old: str | None = None) -> str:
        return self.make(pack_text() if old is None else old)

    def directions(self, rule: str, change: str) -> frozenset[str]:
        """The directions in which the rule decides differently: its change's, and any beside."""
        return DIRECTIONS[change] | self.also.get(rule, frozenset())


def change_of(variant: Variant, rule: str, in_old: bool, in_new: bool) -> Change:
    """The change the variant expects for a rule id (one of either pack)."""
    if rule in variant.expected:
        return variant.expected[rule]
    if not in_old:
        return "added"
    if not in_new:
        return "removed"
    return "equivalent"


# ------------------------------------------------------------------ refactors


def _declared_names(text: str, keywords: tuple[str, ...]) -> list[str]:
    return [c.name for c in split(text) if c.keyword in keywords]


def _rename_everything(text: str) -> str:
    """Every code set, table, map, ranking and section renamed, and the line variables `x` and
    `p` with them; every reference follows."""
    names = {name: f"renamed_{name}" for name in _declared_names(text, ("codes", "set", "table", "map", "ranking"))}
    names |= {name: f"part_{name}" for name in _declared_names(text, ("section",))}
    names |= {"x": "other_line", "p": "primary_line"}
    return rename(names)(text)


def _reverse_declarations(text: str) -> str:
    """Every declaration after the header in reverse order (data after the rules that use it,
    precedences before the rules they name, examples first)."""
    chunks = split(text)
    head, rest = chunks[0], chunks[1:]
    if head.keyword != "pack":
        raise AssertionError("the pack header is not the first declaration")
    tail = rest[-1].text
    rest[-1] = Chunk(tail if tail.endswith("\n\n") else tail + "\n")
    reordered = [head, *reversed(rest)]
    out = join(reordered)
    return out.rstrip("\n") + "\n"


REORDER_CLAUSES = chain(
    in_decl("rule", "P01-concurrent-once-per-day",
            '  quote "Concurrent infusion services are not time based and are only reported once per day regardless '
            'of whether an additional new drug or substance is administered concurrently."\n'
            '  quote "Also, a separate subsequent concurrent administration of another new drug or substance (a third '
            'substance or drug) should not be reported."\n',
            '  quote "Also, a separate subsequent concurrent administration of another new drug or substance (a third '
            'substance or drug) should not be reported."\n'
            '  quote "Concurrent infusion services are not time based and are only reported once per day regardless '
            'of whether an additional new drug or substance is administered concurrently."\n'),
    lambda text: _swap_quotes(text),
    in_decl("exception", "P16-second-site-or-encounter", "  covers P16, P17, P29", "  covers P29, P17, P16"),
    in_decl("exception", "P16-second-site-or-encounter",
            "  overrides P16-one-initial-professional, P16-one-initial-facility, P15-facility-hierarchy",
            "  overrides P15-facility-hierarchy\n  overrides P16-one-initial-facility, P16-one-initial-professional"),
    in_decl("codes", "unlisted_codes", "  96379, 96549, J3490, J3590, J7799, J8499, J8999, J9999, C9399",
            "  C9399, J9999, J8999, J8499, J7799, J3590, J3490, 96549, 96379"),
    in_decl("codes", "initial_codes", "= 96360, 96365, 96369, 96374, 96409, 96413, 96416, 96420, 96422, 96425",
            "= 96425, 96422, 96420, 96416, 96413, 96409, 96374, 96369, 96365, 96360"),
    in_decl("set", "distinct_modifiers", '= "59", "XE", "XS", "XP", "XU"', '= "XU", "XP", "XS", "XE", "59"'),
    in_decl("map", "subsequent_code",
            "  96360 -> 96361, 96365 -> 96367, 96374 -> 96375, 96409 -> 96411, 96413 -> 96417",
            "  96413 -> 96417, 96409 -> 96411, 96374 -> 96375, 96365 -> 96367, 96360 -> 96361"),
    lambda text: _reverse_table_rows(text, "administration_methods"),
)


def _swap_quotes(text: str) -> str:
    """P21's two `quote` clauses in the other order."""
    chunks = split(text)
    [i] = [k for k, c in enumerate(chunks) if c.keyword == "rule" and c.name == "P21-injection-without-supervision"]
    body = chunks[i].text
    quotes = [line for line in body.splitlines(keepends=True) if line.startswith('  quote "')]
    if len(quotes) != 2:
        raise AssertionError("P21 does not quote the policy twice as it did")
    chunks[i] = Chunk(body.replace(quotes[0] + quotes[1], quotes[1] + quotes[0]))
    return join(chunks)


def _reverse_table_rows(text: str, table: str) -> str:
    chunks = split(text)
    [i] = [k for k, c in enumerate(chunks) if c.keyword == "table" and c.name == table]
    lines = chunks[i].text.splitlines(keepends=True)
    rows = [k for k, line in enumerate(lines) if line[:2] == "  " and line[2:7].isalnum() and line[7:8] == ":"]
    if len(rows) < 2 or rows != list(range(rows[0], rows[-1] + 1)):
        raise AssertionError(f"the rows of table {table} are not where they were")
    lines[rows[0]:rows[-1] + 1] = list(reversed(lines[rows[0]:rows[-1] + 1]))
    chunks[i] = Chunk("".join(lines))
    return join(chunks)


REWRITE_CONDITIONS = chain(
    # a conjunction swapped and a comparison flipped
    in_decl("rule", "P11-hydration-minimum", "  when line.minutes is given and line.minutes < 31",
            "  when 31 > line.minutes and line.minutes is given"),
    in_decl("rule", "P16-initial-units", "  when line.units > 1", "  when 1 < line.units"),
    in_decl("rule", "P12-additional-hours", "satisfies line.units > max(0, ceil((p.minutes - 90) / 60))",
            "satisfies max(ceil((p.minutes - 90) / 60), 0) < line.units"),
    # De Morgan, both ways, and `lacks` as `not has`
    in_decl("rule", "P30-single-dose-without-modifier",
            '  when not (line.pos in inpatient_places or claim.bill_class = "11") and line.modifiers lacks "JW"\n'
            '    and line.modifiers lacks "JZ"',
            '  when (not (line.pos in inpatient_places) and not (claim.bill_class = "11"))\n'
            '    and not (line.modifiers has "JW" or line.modifiers has "JZ")'),
    in_decl("rule", "P26-em-needs-modifier-25", '  when line.modifiers lacks "25"',
            '  when not (line.modifiers has "25")'),
    in_decl("rule", "P10-hydration-of-drugs",
            "  when line.drug is given and line.drug not in infusion_fluids",
            "  when not (line.drug is absent or line.drug in infusion_fluids)"),
    # double negation, and `no` as `not any`
    in_decl("rule", "P28-injection-modifier-59", "  when not (line.modifiers has any distinct_modifiers)",
            "  when not (not (not (line.modifiers has any distinct_modifiers)))"),
    in_decl("rule", "P31-drug-code-with-administration", "  when no line x where same date and x.code in hcpcs_drugs",
            "  when not (any line x where x.code in hcpcs_drugs and same date)"),
    # a set membership written as a union of two sets, and a set difference as the sets it leaves
    in_decl("rule", "P13-incidental-hydration",
            "  when (any line x where same date and x.code in {therapeutic, chemotherapy})\n"
            "    and (no line x where same date and x.code in hydration)",
            "  when (any line x where same date and (x.code in therapeutic or x.code in chemotherapy))\n"
            "    and not (any line x where x.code in {96360, 96361} and same date)"),
    in_decl("rule", "P02-hydration-not-concurrent",
            "  when any other line x where x.code in drug_administration and x.code not in hydration and overlapping",
            "  when any other line x where x.code in {therapeutic, chemotherapy} and overlapping"),
    in_decl("rule", "P01-concurrent-once-per-day",
            "  when line.units > 1 or (any earlier line x where x.code = 96368 and same date)",
            "  when (any earlier line x where same date and x.code in {96368}) or 1 < line.units"),
    in_decl("rule", "P07-supplies-non-facility", "(x.code in em_services or is_cpt_category_1(x.code))",
            "(is_cpt_category_1(x.code) or x.code in em_services)"),
    # a comparison with an absent value is false: `!= 0` is `< 0 or > 0`
    in_decl("rule", "P33-member-supplied-charge",
            "  when line.member_supplied and line.charge is given and line.charge != 0",
            "  when (line.charge < 0 or line.charge > 0) and line.member_supplied"),
    # a redundant conjunct dropped: `same drug` already needs the line's drug
    in_decl("rule", "P19-sequential-same-mix",
            "  when line.drug is given and (any earlier line x where x.code = 96367 and same date and same drug)",
            "  when any earlier line x where x.code = 96367 and same date and same drug"),
    # the conjuncts of a quantifier in another order
    in_decl("rule", "P15-facility-hierarchy",
            "  when any other line x where same date and x.code in {initial_codes, addon_codes}\n"
            "    and not (x.code in {96367, 96375} and same drug)\n"
            "    and rank(x.code, facility_hierarchy) > rank(line.code, facility_hierarchy)\n",
            "  when any other line x where rank(line.code, facility_hierarchy) < rank(x.code, facility_hierarchy)\n"
            "    and not (same drug and x.code in {96375, 96367})\n"
            "    and x.code in {addon_codes, initial_codes} and same date\n"),
)

SPLIT_TABLES = chain(
    # a table split in two, re-joined by a code set of the old name
    in_decl("table", "facility_setting_codes",
            '  96371: "Therapeutic, Prophylactic or Diagnostic Infusion", "SC THER INFUSION RESET PUMP", yes\n',
            '  96371: "Therapeutic, Prophylactic or Diagnostic Infusion", "SC THER INFUSION RESET PUMP", yes\n\n'
            'table facility_setting_injections "Injections a physician or other QHP does not report in a facility '
            'setting"\n'
            '  source "CPCP026, Coding and Billing: the first table"\n'
            "  columns type: text, descriptor: text, addon: flag\n"),
    sub('table facility_setting_codes "Codes a physician or other QHP does not report in a facility setting"\n',
        'codes facility_setting_codes "Codes a physician or other QHP does not report in a facility setting" =\n'
        "  facility_setting_infusions, facility_setting_injections\n\n"
        'table facility_setting_infusions "Infusions a physician or other QHP does not report in a facility '
        'setting"\n'),
    # the rows of a table of attributes in two tables: the attributes join
    in_decl("table", "addon_primaries", "  96371: {96369}, {}\n",
            "  96371: {96369}, {}\n\n"
            'table more_addon_primaries "More add-on codes and their primary codes"\n'
            '  source "CMS: NCCI add-on code edit file AOC_V2026Q2 (Medicare), Type 1"\n'
            "  columns primaries: codes, practitioner_primaries: codes\n"),
    in_decl("table", "administration_methods", "  96377: therapeutic, injection\n",
            "  96377: therapeutic, injection\n\n"
            'table chemotherapy_methods "Method of the chemotherapy administration codes"\n'
            "  columns category: symbol, method: symbol\n"),
    in_decl("table", "administration_methods", "  96361: hydration, infusion\n",
            "  96361: hydration, infusion\n\n"
            'table therapeutic_methods "Method of the therapeutic administration codes"\n'
            "  columns category: symbol, method: symbol\n"),
    # a code set in two, each reference written as their union
    sub('codes hcpcs_drugs "HCPCS drug codes" = J0120..J9999, Q5101..Q5199\n',
        'codes j_drug_codes "HCPCS J drug codes" = J0120..J9999\n'
        'codes q_biosimilar_codes "HCPCS Q biosimilar codes" = Q5101..Q5199\n'),
    sub("target hcpcs_drugs", "target j_drug_codes, q_biosimilar_codes", count=2),
    sub("in hcpcs_drugs", "in {j_drug_codes, q_biosimilar_codes}", count=5),
    # ranges cut in pieces, and a union written as a range with holes
    sub("= 96365..96377, 96379", "= 96365..96370, 96371..96377, 96379"),
    sub('codes em_services "Evaluation and management services" = 99202..99499, G0463',
        'codes em_services "Evaluation and management services" = 99202..99350, G0463, 99351..99499'),
    in_decl("codes", "drug_administration", "= hydration, therapeutic, chemotherapy",
            "= 96360..96549 except 96362..96364, 96378, 96380..96400"),
)

REWORD = chain(
    sub('  version "1.0"\n', '  version "1.0.1"\n'),
    in_decl("rule", "P28-injection-units",
            'deny "96372 is billed on its own line for each injection, not with {units} units."',
            'deny "Bill each injection of 96372 on a line of its own rather than as {units} units."'),
    in_decl("rule", "P06-incidental-procedure",
            'deny "{code} is included in the drug administration billed the same day and is not separately '
            'reimbursed."',
            'deny "{code} is part of the drug administration of the same day; it is not paid on its own."'),
    in_decl("rule", "P20-facility-only", 'deny "{code} may be reported by a facility only."',
            'deny "Only a facility may report {code}."'),
    in_decl("section", "modifier_25", 'section modifier_25 "Modifiers: Modifier 25"',
            'section modifier_25 "Modifiers: Modifier 25 with an E/M service"'),
    in_decl("rule", "P23-injection-with-em", '  cite coding "Examples"',
            '  cite coding "Examples: an injection with an E/M"'),
    in_decl("rule", "P11-hydration-minimum", '"Hydration needs at least 31 minutes"',
            '"Hydration shorter than 31 minutes is not reported"'),
    in_decl("rule", "P19-sequential-same-mix", '"A sequential infusion once per fluid mix"',
            '"One sequential infusion per fluid mix"'),
    in_decl("rule", "P19-sequential-same-mix", '  cite coding "Sequential infusions"',
            '  cite coding "Sequential infusions of one mix"'),
    in_decl("rule", "P19-sequential-same-mix",
            'deny "Sequential infusion 96367 of {drug} was already billed that day; it is billed once per fluid mix."',
            'deny "{drug} was already billed as a sequential infusion that day; 96367 is billed once per fluid mix."'),
    # words that appear in no finding: explanations and section paragraphs
    in_decl("rule", "P07-supplies-non-facility",
            '  text "A procedure is a CPT category I code',
            '  text "A procedure here is a CPT category I code'),
    in_decl("section", "supplies", '  text "Routine services, equipment and supplies are part of the injection',
            '  text "Routine services, equipment and supplies belong to the injection'),
    in_decl("documentation", "P09-documentation", '  text "Orders, signatures,', '  text "Orders and signatures,'),
)
REWORD_TEXTS = {
    "P28-injection-units": frozenset({"message"}),
    "P06-incidental-procedure": frozenset({"message"}),
    "P20-facility-only": frozenset({"message"}),
    "P26-em-needs-modifier-25": frozenset({"citation"}),
    "P23-injection-with-em": frozenset({"citation"}),
    "P11-hydration-minimum": frozenset({"title"}),
    "P19-sequential-same-mix": frozenset({"title", "citation", "message"}),
}


def _split_precedence(text: str) -> str:
    """`precedence A over B, C` as two declarations."""
    old = ("precedence P30-jw-and-jz-together over P30-jw-and-jz-lines, P32-unlisted-review\n"
           '  resolves C13 "')
    new = ("precedence P30-jw-and-jz-together over P32-unlisted-review\n\n"
           "precedence P30-jw-and-jz-together over P30-jw-and-jz-lines\n"
           '  resolves C13 "')
    return replace(text, old, new)


def _precedences_last(text: str) -> str:
    """Every precedence declaration moved after the examples, in reverse order."""
    chunks = split(text)
    moved = [c for c in chunks if c.keyword == "precedence"]
    kept = [c for c in chunks if c.keyword != "precedence"]
    out = join(kept).rstrip("\n") + "\n\n"
    return out + "".join(c.text.rstrip("\n") + "\n\n" for c in reversed(moved)).rstrip("\n") + "\n"


REORDER_PRECEDENCE = chain(
    in_decl("precedence", "P33-member-supplied-charge", "over P30-jw-and-jz-lines, P32-unlisted-review",
            "over P32-unlisted-review, P30-jw-and-jz-lines"),
    _split_precedence,
    # `precedence A over B` written as `overrides B` in A
    drop_decl("precedence", "P24-physician-in-facility"),
    in_decl("rule", "P24-physician-in-facility",
            '  deny "{code} is not reported by a physician or QHP in a facility setting (place of service {pos}); it '
            'is included in the E/M service."\n',
            '  deny "{code} is not reported by a physician or QHP in a facility setting (place of service {pos}); it '
            'is included in the E/M service."\n'
            "  overrides P32-unlisted-review\n"
            '  resolves C12 "A physician\'s unlisted administration in a facility setting is denied; a code that is '
            'not paid is not priced by review."\n'),
    _precedences_last,
)

UNREACHABLE_DATA = chain(
    # 96413 ranks highest in the facility hierarchy, so P15 never denies it: its subsequent code
    # and that code's primaries are never read
    in_decl("map", "subsequent_code", "96413 -> 96417", "96413 -> 96415"),
    # columns no rule reads
    in_decl("table", "facility_only_codes", '"TX/PRO/DX INJ SAME DRUG ADON", yes, yes',
            '"TX/PRO/DX INJ SAME DRUG ADD-ON", yes, no'),
    sub('"HYDRATION IV INFUSION INIT", no', '"HYDRATION IV INFUSION INITIAL", no'),
    # a precedence between rules that never decide the same line (96360 and 96372)
    add_after("rule", "P11-hydration-minimum",
              "precedence P11-hydration-minimum over P28-injection-units\n"
              '  resolves K9 "Never needed: the rules target different codes."\n\n'),
)

VALIDATED_DOMAIN = chain(
    # claim validation makes minutes whole and at least 1 (stop after start) and charges at least 0
    in_decl("rule", "P11-hydration-minimum", "line.minutes < 31", "line.minutes <= 30"),
    in_decl("rule", P05, "  when line.minutes is given and line.minutes <= 15\n",
            "  when line.minutes is given and line.minutes < 16\n"),
    in_decl("rule", "P33-member-supplied-charge", "line.charge != 0", "line.charge > 0"),
    in_decl("rule", "P02-one-hydration-at-a-time", "x.number < line.number", "x.number <= line.number - 1"),
)

DECISIONS_MOVED = chain(
    # `precedence A over B` as B's condition `not (line flagged by A)`: A has no rule over it, so where
    # it applies it has a finding
    drop_decl("precedence", "P13-incidental-hydration"),
    in_decl("rule", P30_LINES,
            '  when (line.modifiers has "JW"\n',
            '  when not (line flagged by P13-incidental-hydration)\n    and ((line.modifiers has "JW"\n'),
    in_decl("rule", P30_LINES,
            'x.code in hcpcs_drugs and x.modifiers has "JW"))\n',
            'x.code in hcpcs_drugs and x.modifiers has "JW")))\n'),
    # an exclusion that never excludes: a flush P06 includes in another administration leaves that
    # administration on the date, and it has the supply included too
    in_decl("rule", "P08-supplies-integral",
            "  when any other line x where x.code in drug_administration and same date\n",
            "  when any other line x where x.code in drug_administration and same date\n"
            "    and not (x flagged by P06-incidental-procedure)\n"),
    # `any` as a count
    in_decl("rule", "P01-concurrent-once-per-day", "(any earlier line x where x.code = 96368 and same date)",
            "(count(earlier lines x where x.code = 96368 and same date) >= 1)"),
)

REFACTORS: list[Variant] = [
    Variant("renamed-sets", "refactor", "every code set, table, map, ranking, section and line variable renamed",
            _rename_everything),
    Variant("reordered-declarations", "refactor", "every declaration after the header in reverse order",
            _reverse_declarations),
    Variant("reordered-clauses", "refactor",
            "repeatable clauses, lists, set members, table rows, map pairs and conjuncts in another order",
            REORDER_CLAUSES),
    Variant("rewritten-conditions", "refactor",
            "De Morgan, swapped conjuncts, flipped comparisons, double negation, unions and differences of sets, "
            "`no` as `not any`, a redundant conjunct dropped", REWRITE_CONDITIONS),
    Variant("split-tables", "refactor", "tables and code sets split in two and re-joined by union, ranges cut",
            SPLIT_TABLES),
    Variant("reworded", "refactor", "messages, citations, titles, explanations and the version reworded", REWORD,
            texts=REWORD_TEXTS),
    Variant("reordered-precedence", "refactor",
            "precedences moved, their rules listed in another order, one split, one written as `overrides`",
            REORDER_PRECEDENCE),
    Variant("unreachable-data", "refactor",
            "data that no decision reads changed, and a precedence between rules that never meet", UNREACHABLE_DATA),
    Variant("decisions-moved", "refactor",
            "a precedence written as a condition on the other rule's findings, an exclusion that never excludes, "
            "`any` written as a count", DECISIONS_MOVED),
    Variant("validated-domain", "refactor",
            "comparisons rewritten for the values claim validation allows: whole minutes, charges of 0 or more, "
            "whole line numbers", VALIDATED_DOMAIN),
    Variant("all-refactors", "refactor", "every refactor above at once",
            chain(REWRITE_CONDITIONS, SPLIT_TABLES, REORDER_CLAUSES, REWORD, REORDER_PRECEDENCE, UNREACHABLE_DATA,
                  _reverse_declarations, _rename_everything),
            texts=REWORD_TEXTS, slow=True),
]


# ------------------------------------------------------------------ edits


NEW_RULE = '''rule P37-long-hydration-review "Hydration of more than eight hours is reviewed"
  cite coding "Hydration"
  target hydration
  when line.minutes is given and line.minutes > 480
  review "Hydration {code} lasted {minutes} minutes; more than eight hours is reviewed against the record."

'''

NEW_RULE_OVER_P11 = '''rule P11-very-short-hydration "Hydration of 15 minutes or less is reviewed"
  cite coding "Hydration"
  target 96360
  when line.minutes is given and line.minutes <= 15
  review "Hydration lasted {minutes} minutes; a hydration this short is reviewed as a possible push."

precedence P11-very-short-hydration over P11-hydration-minimum
  resolves K5 "A hydration of 15 minutes or less is reviewed, not denied for its length."

'''

EXCEPTION_FOR_P28 = '''exception P28-distinct-injection "An injection with a distinct-service modifier"
  cite modifier_59 "Example"
  target 96372
  when line.modifiers has any distinct_modifiers
  overrides P28-injection-modifier-59

'''

# claims shared by several demonstrations
SALINE_WITH_WASTE = prof(ln("96365", drug="J1745"), ln("J1745", units=40, mods=("JZ",)), ln("J7050", mods=("JZ",)),
                         ln("J7050", mods=("JW",)))
SHORT_INFUSION_IN_HOSPITAL = prof(ln("96365", drug="J1745", at="09:00", minutes=10), ln("J1745", units=40), pos="22")
DRUG_AS_HYDRATION_IN_HOSPITAL = prof(ln("96360", drug="J1745"), ln("J1745", units=40), pos="22")
UNLISTED_IN_HOSPITAL = prof(ln("96379", description="intraosseous infusion"), ln("J1745", units=40), pos="22")
PUSH_AND_INFUSION_FACILITY = inst(ln("96374", drug="J2405"), ln("96365", drug="J1745"), ln("J2405", units=2),
                                  ln("J1745", units=40))
HYDRATION_DURING_CHEMOTHERAPY = [ln("96360", at="09:00", minutes=60), ln("96413", drug="J9035", at="09:30", minutes=60),
                                 ln("J9035", units=10)]
HYDRATION_DURING_FLUSH = [ln("96360", at="09:00", minutes=60), ln("96523", at="09:30", minutes=10),
                          ln("96365", drug="J1745"), ln("J1745", units=40)]
SAME_DRUG_PUSHES_FACILITY = inst(ln("96374", drug="J2405"), ln("96375", drug="J2405"), ln("J2405", units=2))
SAME_DRUG_PUSHES_FACILITY_96376 = inst(ln("96374", drug="J2405"), ln("96376", drug="J2405"), ln("J2405", units=2))
HOME_INFUSION = prof(ln("96365", drug="J1745"), ln("J1745", units=40), pos="12")
SHORT_INFUSION_WITH_INFUSION_HOUR_FACILITY = inst(ln("96365", drug="J1745", at="09:00", minutes=10), ln("96366"),
                                                  ln("J1745", units=40))
SECOND_SITE_XU_FACILITY = inst(ln("96365", drug="J1745"), ln("96374", drug="J2405", mods=("XU",)),
                               ln("J1745", units=40), ln("J2405", units=2))

EDITS: list[Variant] = [
    Variant("threshold-raised", "edit", "P11: hydration needs 35 minutes, not 31",
            in_decl("rule", "P11-hydration-minimum", "line.minutes < 31", "line.minutes < 35"),
            {"P11-hydration-minimum": "broader"},
            demos=(Demo("P11-hydration-minimum", "broader", prof(ln("96360", at="09:00", minutes=33)), 1),)),
    Variant("threshold-lowered", "edit", "P11: hydration needs 20 minutes, not 31",
            in_decl("rule", "P11-hydration-minimum", "line.minutes < 31", "line.minutes < 20"),
            {"P11-hydration-minimum": "narrower"},
            demos=(Demo("P11-hydration-minimum", "narrower", prof(ln("96360", at="09:00", minutes=25)), 1),)),
    Variant("push-threshold-raised", "edit", "P05: an infusion of 20 minutes or less is a push",
            in_decl("rule", P05, "  when line.minutes is given and line.minutes <= 15\n",
                    "  when line.minutes is given and line.minutes <= 20\n"),
            {P05: "broader", P10: "outcome", P15: "outcome"},
            demos=(Demo(P05, "broader", prof(ln("96365", drug="J1745", at="09:00", minutes=18), ln("J1745", units=40)),
                        1),
                   # the 96365 P10 suggests, and the 96367 P15 suggests, would now be short infusions
                   Demo(P10, "outcome", prof(ln("96360", drug="J1745", at="09:00", minutes=18), ln("J1745", units=40)),
                        1),
                   Demo(P15, "outcome",
                        inst(ln("96413", drug="J9035"), ln("96365", drug="J1745", at="09:00", minutes=18),
                             ln("J9035", units=10), ln("J1745", units=40)), 2)),
            focus=("96365", "96360", "96413")),
    Variant("added-hours-threshold", "edit", "P12: an added hour needs 30 minutes past the first hour, not 90",
            in_decl("rule", "P12-additional-hours", "(p.minutes - 90) / 60", "(p.minutes - 60) / 60"),
            {"P12-additional-hours": "narrower", P15: "outcome"},
            demos=(Demo("P12-additional-hours", "narrower",
                        prof(ln("96360", at="09:00", minutes=61), ln("96361")), 2),
                   # billed as the 96361 P15 suggests, the line is no longer denied for its hours
                   Demo(P15, "outcome",
                        inst(ln("96365", drug="J1745"), ln("96360", at="09:00", minutes=61), ln("96360"),
                             ln("J1745", units=40)), 3)),
            focus=("96360", "96361", "96365")),
    Variant("conjunct-dropped", "edit", "P30: a single-dose drug line gets advice even beside a JW line of its drug",
            in_decl("rule", P30_SINGLE,
                    '\n    and (no other line x where same date and same drug and x.code in hcpcs_drugs and '
                    'x.modifiers has "JW")', ""),
            {P30_SINGLE: "broader"},
            demos=(Demo(P30_SINGLE, "broader",
                        prof(ln("96372"), ln("J2357", units=30), ln("J2357", units=2, mods=("JW",))), 2),)),
    Variant("relation-dropped", "edit",
            "P23: 96372 is bundled into an E/M of any provider; P26 stays as it was, since the E/M P26 decides "
            "already bundles that provider's 96372",
            in_decl("rule", "P23-injection-with-em", "x.code in em_services and same date and same provider",
                    "x.code in em_services and same date"),
            {"P23-injection-with-em": "broader"},
            demos=(Demo("P23-injection-with-em", "broader",
                        prof(ln("99213", provider="1234567893"), ln("96372", provider="1987654321"),
                             provider=None), 2),)),
    Variant("conjunct-added", "edit", "P06: an IV start or flush with modifier 59 is not included",
            in_decl("rule", "P06-incidental-procedure",
                    "  when any other line x where x.code in drug_administration"
                    " and x.code not in incidental_procedures and same date\n",
                    '  when line.modifiers lacks "59"\n'
                    "    and (any other line x where x.code in drug_administration and x.code not in "
                    "incidental_procedures and same date)\n"),
            {"P06-incidental-procedure": "narrower"},
            demos=(Demo("P06-incidental-procedure", "narrower",
                        prof(ln("96374", drug="J2405"), ln("36000", mods=("59",)), ln("J2405", units=2)), 2),),
            focus=("36000", "96523", "96374")),
    Variant("code-added-to-target", "edit", "P30: bevacizumab J9035 is a single-dose drug too",
            in_decl("codes", "single_dose_drugs", "= J2357", "= J2357, J9035"),
            {P30_SINGLE: "broader"},
            demos=(Demo(P30_SINGLE, "broader", prof(ln("96413", drug="J9035"), ln("J9035", units=10)), 2),)),
    Variant("code-removed-from-target", "edit", "P12: the subcutaneous infusion hour 96370 is no longer checked",
            in_decl("codes", "hour_addon_codes", "= 96361, 96366, 96370, 96415", "= 96361, 96366, 96415"),
            {"P12-additional-hours": "narrower"},
            demos=(Demo("P12-additional-hours", "narrower",
                        prof(ln("96369", at="09:00", minutes=60), ln("96370")), 2),),
            focus=("96369", "96370")),
    Variant("shared-code-set-grows", "edit",
            "G0466 becomes an E/M service: P07, P23 and P26 (which all read em_services) decide on more lines",
            in_decl("codes", "em_services", "= 99202..99499, G0463", "= 99202..99499, G0463, G0466"),
            {"P07-supplies-non-facility": "broader", "P23-injection-with-em": "broader",
             "P26-em-needs-modifier-25": "broader"},
            demos=(Demo("P07-supplies-non-facility", "broader", prof(ln("G0466"), ln("A4206")), 2),
                   Demo("P23-injection-with-em", "broader", prof(ln("G0466"), ln("96372")), 2),
                   Demo("P26-em-needs-modifier-25", "broader",
                        prof(ln("G0466"), ln("96365", drug="J1745"), ln("J1745", units=40)), 1)),
            focus=("G0466", "A4206", "96372")),
    Variant("incidental-code-removed", "edit",
            "96523 is no longer an incidental procedure: P06 stops denying it but counts it as an administration "
            "that includes an IV start; P02 counts it as a concurrent service, so P16 and P04 (which read P02's "
            "findings) and P15 (which P02 takes precedence over) decide on fewer lines, and the codes P05 and P10 "
            "suggest stand where P16 no longer denies them",
            in_decl("codes", "incidental_procedures", "= 36000, 96523", "= 36000"),
            {"P06-incidental-procedure": "incomparable", P02: "broader", P16_PROF: "narrower", P15: "narrower",
             "P04-sequential-new-substance": "narrower", P05: "outcome", P10: "outcome"},
            demos=(Demo("P06-incidental-procedure", "narrower",
                        prof(ln("96374", drug="J2405"), ln("96523"), ln("J2405", units=2)), 2),
                   Demo("P06-incidental-procedure", "broader", prof(ln("96523"), ln("36000")), 2),
                   Demo(P02, "broader",
                        prof(ln("96360", at="09:00", minutes=60), ln("96523", at="09:30", minutes=10)), 1),
                   Demo(P16_PROF, "narrower", prof(*HYDRATION_DURING_FLUSH), 3),
                   Demo(P15, "narrower", inst(*HYDRATION_DURING_FLUSH), 1),
                   Demo("P04-sequential-new-substance", "narrower",
                        prof(ln("96360", drug="J2405", at="09:00", minutes=60), ln("96523", at="09:30", minutes=10),
                             ln("96367", drug="J2405"), ln("J2405", units=2)), 3),
                   Demo(P05, "outcome",
                        prof(*HYDRATION_DURING_FLUSH[:2], ln("96365", drug="J1745", at="11:00", minutes=10),
                             ln("J1745", units=40)), 3),
                   Demo(P10, "outcome", prof(*HYDRATION_DURING_FLUSH[:2], ln("96360", drug="J1745"),
                                             ln("J1745", units=40)), 3)),
            focus=("96523", "36000", "96360", "96365", "96367")),
    Variant("rule-removed", "edit",
            "P13 and its precedence removed: the JW and JZ lines of a carrier fluid are reviewed again",
            chain(drop_decl("rule", "P13-incidental-hydration"), drop_decl("precedence", "P13-incidental-hydration"),
                  drop_expectations("P13-incidental-hydration")),
            {"P13-incidental-hydration": "removed", P30_LINES: "broader"},
            demos=(Demo("P13-incidental-hydration", "narrower", prof(ln("96365", drug="J1745"), ln("J7050")), 2),
                   Demo(P30_LINES, "broader", SALINE_WITH_WASTE, 3)),
            focus=("J7050", "96365")),
    Variant("rule-removed-with-reader", "edit",
            "P23 removed, and P26 no longer asks for its findings: an injection bundled into the E/M now makes the "
            "E/M need modifier 25",
            chain(drop_decl("rule", "P23-injection-with-em"), drop_expectations("P23-injection-with-em"),
                  in_decl("rule", "P26-em-needs-modifier-25",
                          "((x.code in drug_administration and not (x flagged by P23-injection-with-em))\n"
                          "                or x.code in immunization_administration)",
                          "(x.code in drug_administration or x.code in immunization_administration)")),
            {"P23-injection-with-em": "removed", "P26-em-needs-modifier-25": "broader",
             "P21-injection-without-supervision": "outcome"},
            demos=(Demo("P23-injection-with-em", "narrower", prof(ln("99213"), ln("96372")), 2),
                   Demo("P26-em-needs-modifier-25", "broader",
                        prof(ln("99213"), ln("96372"), ln("J2357", units=30, mods=("JZ",))), 1),
                   # billed as the 99211 P21 suggests, the line is an E/M beside an injection no longer bundled
                   Demo("P21-injection-without-supervision", "outcome",
                        prof(ln("96372", supervision="none"), ln("96372", mods=("59",)),
                             ln("J2357", units=30, mods=("JZ",))), 1)),
            focus=("99213", "96372")),
    Variant("rule-added", "edit", "a new rule reviews hydration of more than eight hours",
            add_after("rule", "P11-hydration-minimum", NEW_RULE),
            {"P37-long-hydration-review": "added"},
            demos=(Demo("P37-long-hydration-review", "broader", prof(ln("96360", at="08:00", minutes=500)), 1),)),
    Variant("rule-added-over-another", "edit",
            "a new rule reviews hydration of 15 minutes or less and takes precedence over P11",
            add_after("rule", "P11-hydration-minimum", NEW_RULE_OVER_P11),
            {"P11-very-short-hydration": "added", "P11-hydration-minimum": "narrower"},
            demos=(Demo("P11-very-short-hydration", "broader", prof(ln("96360", at="09:00", minutes=10)), 1),
                   Demo("P11-hydration-minimum", "narrower", prof(ln("96360", at="09:00", minutes=10)), 1))),
    Variant("precedence-reversed", "edit", "P30's JW/JZ review now takes precedence over P13's incidental fluid",
            in_decl("precedence", "P13-incidental-hydration",
                    "precedence P13-incidental-hydration over P30-jw-and-jz-lines",
                    "precedence P30-jw-and-jz-lines over P13-incidental-hydration"),
            {"P13-incidental-hydration": "narrower", P30_LINES: "broader"},
            demos=(Demo("P13-incidental-hydration", "narrower", SALINE_WITH_WASTE, 3),
                   Demo(P30_LINES, "broader", SALINE_WITH_WASTE, 3)),
            focus=("J7050", "96365")),
    Variant("precedence-dropped", "edit",
            "P24 no longer silences P32's review of a physician's unlisted administration in a facility",
            drop_decl("precedence", "P24-physician-in-facility"),
            {P32_REVIEW: "broader"},
            demos=(Demo(P32_REVIEW, "broader", UNLISTED_IN_HOSPITAL, 1),),
            focus=("96379",)),
    Variant("precedence-loser-dropped", "edit", "P33 no longer silences P32's review of a charged member-supplied line",
            in_decl("precedence", "P33-member-supplied-charge", "over P30-jw-and-jz-lines, P32-unlisted-review",
                    "over P30-jw-and-jz-lines"),
            {P32_REVIEW: "broader"},
            demos=(Demo(P32_REVIEW, "broader",
                        prof(ln("96372"), ln("J3490", description="compounded drug", member_supplied=True,
                                             charge=10.0)), 2),),
            focus=("J3490", "J3590")),
    Variant("disposition-changed", "edit", "P28: units on 96372 are reviewed, not denied",
            chain(in_decl("rule", "P28-injection-units", '  deny "96372 is billed on', '  review "96372 is billed on'),
                  in_decl("example", "injection-units", "expect line 1 deny by P28-injection-units",
                          "expect line 1 review by P28-injection-units")),
            {"P28-injection-units": "outcome"},
            demos=(Demo("P28-injection-units", "outcome", prof(ln("96372", units=2)), 1),)),
    Variant("broader-and-outcome", "edit",
            "P28 reviews units on 96372 instead of denying them, and also reviews a 96372 with modifier 76: it "
            "decides more lines, and the lines it decided before in another way",
            chain(in_decl("rule", "P28-injection-units", '  when line.units > 1\n  deny "96372 is billed on',
                          '  when line.units > 1 or line.modifiers has "76"\n  review "96372 is billed on'),
                  in_decl("example", "injection-units", "expect line 1 deny by P28-injection-units",
                          "expect line 1 review by P28-injection-units")),
            {"P28-injection-units": "broader"}, also={"P28-injection-units": frozenset({"outcome"})},
            demos=(Demo("P28-injection-units", "broader", prof(ln("96372", mods=("76",))), 1),
                   Demo("P28-injection-units", "outcome", prof(ln("96372", units=2)), 1))),
    Variant("exclusion-as-exception", "edit",
            "P28's own exclusion of distinct-service modifiers becomes an exception over it: P28 decides as before, "
            "the exception is new",
            chain(in_decl("rule", "P28-injection-modifier-59",
                          "  when not (line.modifiers has any distinct_modifiers) and (any earlier line x",
                          "  when (any earlier line x"),
                  add_after("rule", "P28-injection-modifier-59", EXCEPTION_FOR_P28)),
            {"P28-distinct-injection": "added"},
            demos=(Demo("P28-distinct-injection", "broader", prof(ln("96372", mods=("XS",))), 1),),
            focus=("96372",)),
    Variant("bill-class-changed", "edit",
            "P30's single-dose advice skips bill class 12 instead of 11: inpatient bills get it, class 12 no longer",
            in_decl("rule", P30_SINGLE, 'claim.bill_class = "11"', 'claim.bill_class = "12"'),
            {P30_SINGLE: "incomparable"},
            demos=(Demo(P30_SINGLE, "broader", inst(ln("96372"), ln("J2357", units=30), bill_type="0111"), 2),
                   Demo(P30_SINGLE, "narrower", inst(ln("96372"), ln("J2357", units=30), bill_type="0121"), 2)),
            focus=("J2357",)),
    Variant("suggestion-as-literal", "edit", "P05 always suggests 96374 instead of the push code of the infusion",
            in_decl("rule", P05, "  suggest push_code[line.code]\n", "  suggest 96374\n"),
            {P05: "outcome"},
            demos=(Demo(P05, "outcome", prof(ln("96365", drug="J1745"),
                                             ln("96367", drug="J2405", at="09:00", minutes=10),
                                             ln("J1745", units=40), ln("J2405", units=2)), 2),),
            focus=("96367", "96413", "96417")),
    Variant("suggestion-changed", "edit", "P21 suggests 99212 instead of 99211",
            chain(in_decl("rule", "P21-injection-without-supervision", "  suggest 99211\n", "  suggest 99212\n"),
                  in_decl("example", "injection-without-direct-supervision", "suggest 99211", "suggest 99212")),
            {"P21-injection-without-supervision": "outcome"},
            demos=(Demo("P21-injection-without-supervision", "outcome",
                        prof(ln("96372", supervision="none"), ln("J2357", units=30, mods=("JZ",))), 1),)),
    Variant("suggestion-dropped", "edit", "P04 no longer suggests 96376 to a facility",
            chain(in_decl("rule", "P04-sequential-new-substance",
                          "  suggest same_drug_push[line.code]\n", ""),
                  in_decl("example", "same-drug-sequential-push-facility",
                          "deny by P04-sequential-new-substance suggest 96376",
                          "deny by P04-sequential-new-substance")),
            {"P04-sequential-new-substance": "outcome"},
            demos=(Demo("P04-sequential-new-substance", "outcome", SAME_DRUG_PUSHES_FACILITY, 2),)),
    Variant("map-entry-changed", "edit", "the facility re-bills a lower-ranked 96365 as 96366, not 96367",
            in_decl("map", "subsequent_code", "96365 -> 96367", "96365 -> 96366"),
            {P15: "outcome"},
            demos=(Demo(P15, "outcome", inst(ln("96413", drug="J9035"), ln("96365", drug="J1745"),
                                             ln("J9035", units=10), ln("J1745", units=40)), 2),),
            focus=("96413", "96365")),
    Variant("window-moved", "edit",
            "P11 denies hydration of more than 5 and less than 36 minutes: longer ones too, no longer the shortest",
            in_decl("rule", "P11-hydration-minimum", "line.minutes is given and line.minutes < 31",
                    "line.minutes is given and line.minutes > 5 and line.minutes < 36"),
            {"P11-hydration-minimum": "incomparable"},
            demos=(Demo("P11-hydration-minimum", "broader", prof(ln("96360", at="09:00", minutes=33)), 1),
                   Demo("P11-hydration-minimum", "narrower", prof(ln("96360", at="09:00", minutes=3)), 1))),
    Variant("target-swapped", "edit", "P20 targets 96375 instead of the facility-only 96376",
            in_decl("rule", "P20-facility-only", "  target facility_only_codes", "  target 96375"),
            {"P20-facility-only": "incomparable", "P04-sequential-new-substance": "outcome", P05: "outcome"},
            demos=(Demo("P20-facility-only", "narrower",
                        prof(ln("96374", drug="J2405"), ln("96376", drug="J2405"), ln("J2405", units=2)), 2),
                   Demo("P20-facility-only", "broader",
                        prof(ln("96374", drug="J2405"), ln("96375", drug="J1745"), ln("J2405", units=2)), 2),
                   # a physician's 96376 is no longer denied, a 96375 is: the codes P04 and P05 suggest
                   Demo("P04-sequential-new-substance", "outcome",
                        prof(ln("96374", drug="J2405"), ln("96375", drug="J2405"), ln("J2405", units=2)), 2),
                   Demo(P05, "outcome",
                        prof(ln("96365", drug="J1745"), ln("96367", drug="J2405", at="09:00", minutes=10),
                             ln("J1745", units=40), ln("J2405", units=2)), 2)),
            focus=("96374", "96375", "96376")),
    Variant("ranking-changed", "edit",
            "the facility hierarchy puts pushes above infusions: P15 and P16 deny the other line, and the codes P05 "
            "and P10 suggest stand where another line no longer outranks them, or are withheld where one now does",
            in_decl("ranking", "facility_hierarchy", "  then method: infusion > push > injection",
                    "  then method: push > infusion > injection"),
            {P05: "outcome", P10: "outcome", P15: "incomparable", P16_FAC: "incomparable"},
            demos=(Demo(P15, "narrower", PUSH_AND_INFUSION_FACILITY, 1),
                   Demo(P15, "broader", PUSH_AND_INFUSION_FACILITY, 2),
                   Demo(P16_FAC, "narrower", PUSH_AND_INFUSION_FACILITY, 1),
                   Demo(P16_FAC, "broader", PUSH_AND_INFUSION_FACILITY, 2),
                   Demo(P05, "outcome", SHORT_INFUSION_WITH_INFUSION_HOUR_FACILITY, 1),
                   Demo(P10, "outcome", inst(ln("96360", drug="J1745"), ln("96375", drug="J2405"),
                                             ln("J1745", units=40), ln("J2405", units=2)), 1)),
            focus=("96365", "96374", "96375", "96360")),
    Variant("shared-place-set-shrinks", "edit",
            "the outpatient hospital (22) is no longer a facility place: P07 decides there and P24 no longer does, "
            "so P32's review decides there too, and the codes P05 and P10 suggest stand there",
            in_decl("set", "facility_places", '"02", "19", "21", "22", "23"', '"02", "19", "21", "23"'),
            {"P07-supplies-non-facility": "broader", "P24-physician-in-facility": "narrower", P05: "outcome",
             P10: "outcome", P32_REVIEW: "broader"},
            demos=(Demo("P07-supplies-non-facility", "broader", prof(ln("99213"), ln("A4206"), pos="22"), 2),
                   Demo("P24-physician-in-facility", "narrower", prof(ln("96365", drug="J1745"), ln("J1745", units=40),
                                                                     pos="22"), 1),
                   Demo(P05, "outcome", SHORT_INFUSION_IN_HOSPITAL, 1),
                   Demo(P10, "outcome", DRUG_AS_HYDRATION_IN_HOSPITAL, 1),
                   Demo(P32_REVIEW, "broader", UNLISTED_IN_HOSPITAL, 1)),
            focus=("96365", "96360", "96379", "A4206", "99213")),
    Variant("shared-modifier-set-shrinks", "edit",
            "XU is no longer a distinct-service modifier: P28 asks for one on more lines, and the exception for a "
            "second site no longer shields P15 and P16 on lines with XU (nor the codes P05 and P10 suggest for them)",
            in_decl("set", "distinct_modifiers", '"59", "XE", "XS", "XP", "XU"', '"59", "XE", "XS", "XP"'),
            {"P28-injection-modifier-59": "broader", P16_PROF: "broader", P16_FAC: "broader", P15: "broader",
             K2: "narrower", P05: "outcome", P10: "outcome"},
            demos=(Demo("P28-injection-modifier-59", "broader", prof(ln("96372"), ln("96372", mods=("XU",))), 2),
                   Demo(P16_PROF, "broader", prof(ln("96374", drug="J2405"), ln("96365", drug="J1745", mods=("XU",)),
                                                  ln("J2405", units=2), ln("J1745", units=40)), 2),
                   Demo(P16_FAC, "broader", SECOND_SITE_XU_FACILITY, 2),
                   Demo(P15, "broader", SECOND_SITE_XU_FACILITY, 2),
                   Demo(K2, "narrower", SECOND_SITE_XU_FACILITY, 2),
                   Demo(P05, "outcome",
                        prof(ln("96374", drug="J2405"), ln("96365", drug="J1745", mods=("XU",), at="09:00",
                                                             minutes=10),
                             ln("J2405", units=2), ln("J1745", units=40)), 2),
                   Demo(P10, "outcome", prof(ln("96374", drug="J2405"), ln("96360", drug="J1745", mods=("XU",)),
                                             ln("J2405", units=2), ln("J1745", units=40)), 2)),
            focus=("96372", "96374", "96365", "96360")),
    Variant("absence-sensitive-rewrite", "edit",
            "P30's place test written with `not in` and `!=`, which are false when the place or bill type is "
            "absent: a rewrite that looks equivalent and is narrower",
            in_decl("rule", P30_SINGLE, '  when not (line.pos in inpatient_places or claim.bill_class = "11")',
                    '  when line.pos not in inpatient_places and claim.bill_class != "11"'),
            {P30_SINGLE: "narrower"},
            demos=(Demo(P30_SINGLE, "narrower", prof(ln("96372"), ln("J2357", units=30)), 2),)),
    Variant("reader-and-loser-of-a-narrower-rule", "edit",
            "P02 no longer counts chemotherapy as a concurrent service: P16 and P04 (reading P02's findings) and P15 "
            "(which P02 takes precedence over) decide on more lines, and the codes P05 and P10 suggest are withheld "
            "where P16 now denies them",
            in_decl("rule", P02, "    and x.code not in incidental_procedures\n",
                    "    and x.code not in incidental_procedures and x.code not in chemotherapy\n"),
            {P02: "narrower", P16_PROF: "broader", P15: "broader", "P04-sequential-new-substance": "broader",
             P05: "outcome", P10: "outcome"},
            demos=(Demo(P02, "narrower", prof(*HYDRATION_DURING_CHEMOTHERAPY), 1),
                   Demo(P16_PROF, "broader", prof(*HYDRATION_DURING_CHEMOTHERAPY), 2),
                   Demo(P15, "broader", inst(*HYDRATION_DURING_CHEMOTHERAPY), 1),
                   Demo("P04-sequential-new-substance", "broader",
                        prof(ln("96360", drug="J2405", at="09:00", minutes=60), ln("96413", drug="J9035", at="09:30",
                                                                                   minutes=60),
                             ln("96375", drug="J2405"), ln("J9035", units=10), ln("J2405", units=2)), 3),
                   Demo(P05, "outcome", prof(ln("96360", at="09:00", minutes=60), ln("96401", at="09:30", minutes=10),
                                             ln("96365", drug="J1745", at="11:00", minutes=10), ln("J1745", units=40)),
                        3),
                   Demo(P10, "outcome", prof(ln("96360", at="09:00", minutes=60), ln("96401", at="09:30", minutes=10),
                                             ln("96360", drug="J1745"), ln("J1745", units=40)), 3)),
            focus=("96360", "96413", "96401", "96375")),
    Variant("whole-units-assumed", "edit",
            "P16 denies two units or more, not more than one: 1.5 units are no longer denied, so the codes P05 and "
            "P10 suggest for such lines stand",
            in_decl("rule", "P16-initial-units", "  when line.units > 1", "  when line.units >= 2"),
            {"P16-initial-units": "narrower", P05: "outcome", P10: "outcome"},
            demos=(Demo("P16-initial-units", "narrower", prof(ln("96374", drug="J2405", units=1.5), ln("J2405")), 1),
                   Demo(P05, "outcome", prof(ln("96365", drug="J1745", units=1.5, at="09:00", minutes=10),
                                             ln("J1745", units=40)), 1),
                   Demo(P10, "outcome", prof(ln("96360", drug="J1745", units=1.5), ln("J1745", units=40)), 1)),
            focus=("96374", "96365", "96360")),
    Variant("claim-type-dropped", "edit", "P20 applies to facility claims too, so the 96376 P04 suggests is withheld",
            in_decl("rule", "P20-facility-only", "  on professional claims\n", ""),
            {"P20-facility-only": "broader", "P04-sequential-new-substance": "outcome"},
            demos=(Demo("P20-facility-only", "broader",
                        inst(ln("96374", drug="J2405"), ln("96376", drug="J2405"), ln("J2405", units=2)), 2),
                   Demo("P04-sequential-new-substance", "outcome", SAME_DRUG_PUSHES_FACILITY, 2))),
    Variant("place-flipped", "edit",
            "P24 applies outside facility places instead of at them: it and P32's review (which it takes "
            "precedence over) each decide some lines they did not and no longer decide others, and the codes P05 "
            "and P10 suggest stand where they did not and are withheld where they stood",
            in_decl("rule", "P24-physician-in-facility", "  at facility_places", "  outside facility_places"),
            {"P24-physician-in-facility": "incomparable", P05: "outcome", P10: "outcome",
             P32_REVIEW: "incomparable"},
            demos=(Demo("P24-physician-in-facility", "narrower", SHORT_INFUSION_IN_HOSPITAL, 1),
                   Demo("P24-physician-in-facility", "broader",
                        prof(ln("96365", drug="J1745"), ln("J1745", units=40)), 1),
                   Demo(P05, "outcome", SHORT_INFUSION_IN_HOSPITAL, 1),
                   Demo(P05, "outcome", prof(ln("96365", drug="J1745", at="09:00", minutes=10), ln("J1745", units=40)),
                        1),
                   Demo(P10, "outcome", DRUG_AS_HYDRATION_IN_HOSPITAL, 1),
                   Demo(P10, "outcome", prof(ln("96360", drug="J1745"), ln("J1745", units=40)), 1),
                   Demo(P32_REVIEW, "broader", UNLISTED_IN_HOSPITAL, 1),
                   Demo(P32_REVIEW, "narrower", prof(ln("96379", description="intraosseous infusion"),
                                                     ln("J1745", units=40)), 1)),
            focus=("96365", "96360", "96379")),
    Variant("suggestion-guard-added", "edit",
            "P21 suggests 99211 only in the office (place of service 11)",
            in_decl("rule", "P21-injection-without-supervision", "  suggest 99211\n",
                    '  suggest 99211 if line.pos = "11"\n'),
            {"P21-injection-without-supervision": "outcome"},
            demos=(Demo("P21-injection-without-supervision", "outcome",
                        prof(ln("96372", supervision="none"), ln("J2357", units=30, mods=("JZ",)), pos="12"), 1),),
            focus=("96372",)),
    Variant("scope-widened", "edit", "P01 denies every 96368 of a date with another one, the first one too",
            in_decl("rule", "P01-concurrent-once-per-day", "(any earlier line x where x.code = 96368 and same date)",
                    "(any other line x where x.code = 96368 and same date)"),
            {"P01-concurrent-once-per-day": "broader"},
            demos=(Demo("P01-concurrent-once-per-day", "broader",
                        prof(ln("96365", drug="J1745"), ln("96368", drug="J0690"), ln("96368", drug="J1100")), 2),),
            focus=("96368", "96365")),
    Variant("exception-removed", "edit", "the same-drug push exception removed: P04 denies 96376 too",
            drop_decl("exception", K4),
            {K4: "removed", "P04-sequential-new-substance": "broader"},
            also={"P04-sequential-new-substance": frozenset({"outcome"})},
            demos=(Demo(K4, "narrower", SAME_DRUG_PUSHES_FACILITY_96376, 2),
                   Demo("P04-sequential-new-substance", "broader", SAME_DRUG_PUSHES_FACILITY_96376, 2),
                   # the 96376 P04 suggests for a same-drug 96375 is now denied by P04 itself
                   Demo("P04-sequential-new-substance", "outcome", SAME_DRUG_PUSHES_FACILITY, 2)),
            focus=("96374", "96376")),
    Variant("rule-renamed", "edit", "P34 under another id: the old id is removed and the new one added",
            sub("P34-home-infusion", "P34-home-administration", count=2),
            {"P34-home-infusion": "removed", "P34-home-administration": "added"},
            demos=(Demo("P34-home-infusion", "narrower", HOME_INFUSION, 1),
                   Demo("P34-home-administration", "broader", HOME_INFUSION, 1))),
    Variant("rule-disabled", "edit", "P34 kept, with a condition that never holds",
            in_decl("rule", "P34-home-infusion", "  target drug_administration\n",
                    "  target drug_administration\n  when false\n"),
            {"P34-home-infusion": "narrower"},
            demos=(Demo("P34-home-infusion", "narrower", HOME_INFUSION, 1),)),
    Variant("override-dropped", "edit",
            "the second-site exception no longer overrides P15: P15 decides on lines with a distinct-service "
            "modifier, and the codes P05 and P10 suggest for them are withheld there; the exception applies where "
            "it did",
            in_decl("exception", K2,
                    "  overrides P16-one-initial-professional, P16-one-initial-facility, P15-facility-hierarchy\n",
                    "  overrides P16-one-initial-professional, P16-one-initial-facility\n"),
            {P15: "broader", P05: "outcome", P10: "outcome"},
            demos=(Demo(P15, "broader", inst(ln("96365", drug="J1745"), ln("96374", drug="J2405", mods=("XS",)),
                                             ln("J1745", units=40), ln("J2405", units=2)), 2),
                   Demo(P05, "outcome",
                        inst(ln("96413", drug="J9035"), ln("96365", drug="J1745", mods=("XS",), at="09:00",
                                                             minutes=10),
                             ln("J9035", units=10), ln("J1745", units=40)), 2),
                   Demo(P10, "outcome", inst(ln("96413", drug="J9035"), ln("96360", drug="J1745", mods=("XS",)),
                                             ln("J9035", units=10), ln("J1745", units=40)), 2)),
            focus=("96365", "96374", "96360", "96413")),
    Variant("exception-widened", "edit",
            "the same-drug push exception also covers 96375: P04 never decides on it, so the 96375 P05 and P15 "
            "suggest stands where it repeats a drug",
            in_decl("exception", K4, "  target 96376\n", "  target 96375, 96376\n"),
            {"P04-sequential-new-substance": "narrower", K4: "broader", P05: "outcome", P15: "outcome"},
            demos=(Demo("P04-sequential-new-substance", "narrower", SAME_DRUG_PUSHES_FACILITY, 2),
                   Demo(K4, "broader", SAME_DRUG_PUSHES_FACILITY, 2),
                   Demo(P05, "outcome",
                        prof(ln("96365", drug="J2405"), ln("96367", drug="J2405", at="09:00", minutes=10),
                             ln("J2405", units=2)), 2),
                   Demo(P15, "outcome",
                        inst(ln("96365", drug="J1745"), ln("96374", drug="J1745"), ln("J1745", units=40)),
                        2)),
            focus=("96374", "96375", "96365", "96367")),
]


# ------------------------------------------------------------------ the effective date


def _examples_redated(text: str, date: str) -> list[tuple[str, dict[str, Any], int]]:
    """(rule, claim, line) for every expectation of a finding in the pack's examples, the claim
    moved to `date` (every line, with its times)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pack.rules"
        path.write_text(text, encoding="utf-8")
        pack = resolve_pack(path, Collector(), Sources())
    assert pack is not None
    found = []
    for example in pack.examples:
        claim = copy.deepcopy(example.claim)
        if not isinstance(claim, dict) or not isinstance(claim.get("lines"), list):
            continue
        for line in claim["lines"]:
            for key in ("start", "stop"):
                if isinstance(line.get(key), str):
                    line[key] = date + line[key][10:]
            line["date"] = date
        for expect in example.expected:
            if expect.kind == "finding" and expect.rule is not None and expect.line is not None:
                found.append((expect.rule, claim, expect.line))
    return found


def _date_demos(direction: Direction, date: str) -> tuple[Demo, ...]:
    """A demonstration for each rule from the pack's examples, and for each exception, all moved to
    `date`: each decides its line on that date under one pack only."""
    seen: dict[str, Demo] = {}
    for rule, claim, line in _examples_redated(pack_text(), date):
        seen.setdefault(rule, Demo(rule, direction, claim, line))
    seen[K2] = Demo(K2, direction, inst(ln("96365", drug="J1745", date=date), ln("96374", drug="J2405", mods=("XS",),
                                                                                date=date)), 2)
    seen[K4] = Demo(K4, direction, inst(ln("96374", drug="J2405", date=date), ln("96376", drug="J2405", date=date)), 2)
    return tuple(seen[rule] for rule in sorted(seen))


def _deciding_rules() -> list[str]:
    """The rules and exceptions of CPCP026 (documentation entries decide nothing)."""
    return [c.name for c in split(pack_text()) if c.keyword in ("rule", "exception")]


def _date_variant(name: str, about: str, date: str, claims_on: str, change: Change) -> Variant:
    direction: Direction = "narrower" if change == "narrower" else "broader"
    return Variant(name, "edit", about, sub("  effective 2024-07-30\n", f"  effective {date}\n"),
                   dict.fromkeys(_deciding_rules(), change), demos=_date_demos(direction, claims_on),
                   dates=(claims_on, "2024-07-30", date), slow=True)


EDITS += [
    _date_variant("effective-later",
                  "the pack takes effect on 2024-09-01: every rule and exception decides on fewer lines",
                  "2024-09-01", "2024-08-15", "narrower"),
    _date_variant("effective-earlier",
                  "the pack takes effect on 2024-06-01: every rule and exception decides on more lines",
                  "2024-06-01", "2024-07-01", "broader"),
]


# ------------------------------------------------------------------ every rule edited once

#: one change to each rule and exception of CPCP026, of every kind: thresholds, targets, conditions,
#: relations, places, dispositions, suggestions
EVERY_RULE: dict[str, tuple[str, str, str]] = {
    "P01-concurrent-once-per-day": ("rule", "line.units > 1 or", "line.units > 2 or"),
    P02: ("rule", "    and x.code not in incidental_procedures\n",
          "    and x.code not in incidental_procedures and x.code not in chemotherapy\n"),
    "P02-one-hydration-at-a-time": ("rule", "x.number < line.number", "x.number > line.number"),
    "P04-sequential-new-substance": ("rule", "  target sequential_codes", "  target 96367, 96375"),
    K4: ("exception", "  target 96376\n", "  target 96375, 96376\n"),
    P05: ("rule", "  when line.minutes is given and line.minutes <= 15\n",
          "  when line.minutes is given and line.minutes <= 20\n"),
    "P06-incidental-procedure": ("rule", "  target incidental_procedures", "  target 36000"),
    "P07-supplies-non-facility": ("rule", "  outside facility_places", "  outside inpatient_places"),
    "P08-supplies-integral": ("rule", "x.code in drug_administration and same date",
                              "x.code in therapeutic and same date"),
    P10: ("rule", "  when line.drug is given and line.drug not in infusion_fluids",
          "  when line.drug is given and line.drug not in {J7030, J7040, J7042}"),
    "P11-hydration-minimum": ("rule", "line.minutes < 31", "line.minutes < 35"),
    "P12-additional-hours": ("rule", "(p.minutes - 90) / 60", "(p.minutes - 60) / 60"),
    "P13-incidental-hydration": ("rule", "x.code in {therapeutic, chemotherapy}", "x.code in therapeutic"),
    P15: ("rule", "    and not (x.code in {96367, 96375} and same drug)\n",
          "    and not (x.code = 96367 and same drug)\n"),
    P16_PROF: ("rule", "any earlier line x where x.code in initial_codes",
               "any other line x where x.code in initial_codes"),
    P16_FAC: ("rule", "x.number < line.number", "x.number > line.number"),
    "P16-initial-units": ("rule", "  when line.units > 1", "  when line.units > 3"),
    K2: ("exception", "  when line.modifiers has any distinct_modifiers", '  when line.modifiers has "59"'),
    "P19-sequential-same-mix": ("rule", "x.code = 96367 and same date", "x.code in {96366, 96367} and same date"),
    "P20-facility-only": ("rule", "  target facility_only_codes", "  target 96375, 96376"),
    "P21-injection-without-supervision": ("rule", "  suggest 99211\n", "  suggest 99212\n"),
    "P22-addon-needs-primary": ("rule", '(claim.type = "institutional" or same provider)', "same provider"),
    "P23-injection-with-em": ("rule", "and same date and same provider", "and same date"),
    "P24-physician-in-facility": ("rule", "  at facility_places", "  at inpatient_places"),
    "P26-em-needs-modifier-25": ("rule", '  when line.modifiers lacks "25"',
                                 '  when line.modifiers lacks "25" and line.modifiers lacks "59"'),
    "P28-injection-modifier-59": ("rule", "x.code = 96372 and same date", "x.code in {96372, 96373} and same date"),
    "P28-injection-units": ("rule", '  deny "96372 is billed on', '  review "96372 is billed on'),
    "P30-jw-and-jz-together": ("rule", '  when line.modifiers has "JW" and line.modifiers has "JZ"',
                               '  when line.modifiers has "JW" and line.modifiers has "JZ" and line.units > 1'),
    "P30-waste-modifier-not-drug": ("rule", "line.code not in hcpcs_drugs",
                                    "line.code not in {hcpcs_drugs, unlisted_codes}"),
    P30_LINES: ("rule", '  review "Drug {drug} is billed', '  deny "Drug {drug} is billed'),
    P30_SINGLE: ("rule", "  target single_dose_drugs", "  target J2357, J9035"),
    "P31-drug-code-with-administration": ("rule", "  target drug_administration except hydration",
                                          "  target therapeutic"),
    "P32-unlisted-without-description": ("rule", "  target unlisted_codes", "  target unlisted_codes except C9399"),
    P32_REVIEW: ("rule", "  when line.description is given", "  when line.description is given and line.units < 10"),
    "P33-member-supplied-charge": ("rule", "line.charge != 0", "line.charge > 10"),
    "P34-home-infusion": ("rule", "  at home_places", '  at home_places, "13"'),
}

#: the pack's own examples that the changes above make contradictory (a disposition they name)
EVERY_RULE_EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("injection-units", "expect line 1 deny by P28-injection-units", "expect line 1 review by P28-injection-units"),
    ("jw-and-jz-lines-for-one-drug", "expect line 2 review by P30-jw-and-jz-lines",
     "expect line 2 deny by P30-jw-and-jz-lines"),
    ("jw-and-jz-lines-for-one-drug", "expect line 3 review by P30-jw-and-jz-lines",
     "expect line 3 deny by P30-jw-and-jz-lines"),
    ("c13-jw-and-jz-on-one-drug-line", "expect line 3 review by P30-jw-and-jz-lines",
     "expect line 3 deny by P30-jw-and-jz-lines"),
)


def every_rule_edited(text: str) -> str:
    """CPCP026 with each of its rules and exceptions changed once (the `rulesc diff` performance
    goal: the report of CPCP026 against this pack takes under a minute)."""
    edits = [c for c in split(text) if c.keyword in ("rule", "exception")]
    missing = sorted({c.name for c in edits} - set(EVERY_RULE))
    if missing:
        raise AssertionError(f"rules with no change in EVERY_RULE: {missing}")
    steps = [in_decl(kind, rule, old, new) for rule, (kind, old, new) in EVERY_RULE.items()]
    steps += [in_decl("example", name, old, new) for name, old, new in EVERY_RULE_EXAMPLES]
    return chain(*steps)(text)


EVERY_RULE_EDITED = Variant("every-rule-edited", "edit", "each rule and exception of CPCP026 changed once",
                            every_rule_edited, slow=True)

VARIANTS: list[Variant] = REFACTORS + EDITS


def variant(name: str) -> Variant:
    [found] = [v for v in [*VARIANTS, EVERY_RULE_EDITED] if v.name == name]
    return found
