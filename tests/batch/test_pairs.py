"""The pair engine and its tally (`rulesc diff --input`): both versions of a pack run on real
claims, and the findings that differ counted exactly, in one process and in worker processes,
from any input `rulesc eval` reads."""

from __future__ import annotations

import functools
import io
import json
import random
import re
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import pipeline
from compiler.analysis.changes.impact import impact_of
from compiler.analysis.changes.model import Impact, RuleImpact
from compiler.batch import BadRecord, Tally, pairs, run
from compiler.batch import pool as pool_module
from compiler.batch.engines import Bound
from compiler.diagnostics import Diagnostic, Sources, Span
from compiler.inputs.formats import Input, open_records, text_input
from compiler.inputs.jsonstream import read_claim_records
from compiler.inputs.records import Ordinal, Position, Record
from compiler.pipeline import ImpactUnavailable, Stage, measure_impact
from compiler.runtime.claims import Finding
from compiler.semantics import ir
from tests.claimgen import random_claim
from tests.conftest import PACK, examples
from tests.helpers import compile_plan
from tests.inputs.common import DATA

# One pack, in two versions: `minimum` is H1's threshold; U1's disposition, S1's suggestion and
# R1's presence differ; H1's message and citation differ too, which alone is no change.
TEMPLATE = '''pack impact
  title "Impact"
  version "{version}"
  effective 2024-01-01
  source "none.txt"

section main "Main"
  text "Rules whose versions differ."

section timing "Timing"
  text "Times of hydration."

rule H1-hydration-minimum "Hydration needs a minimum time"
  cite {h1_section}
  target 96360
  when line.minutes is given and line.minutes < {minimum}
  deny "{h1_message}"

rule U1-units "One unit of an injection"
  cite main
  target 96372
  when line.units > 1
  {u1} "{{code}} has {{units}} units."

rule S1-short-infusion "A short infusion is a push"
  cite main
  target 96365
  when line.minutes is given and line.minutes <= 15
  deny "{{code}} lasted {{minutes}} minutes."
  suggest {push}
{r1}'''
REMOVED = '''
rule R1-em-modifier "An E/M needs modifier 25"
  cite main
  target 99213
  when line.modifiers lacks "25"
  info "{code} lacks modifier 25."
'''
OLD = {"version": "1", "h1_section": "main", "minimum": 31, "h1_message": "Hydration lasted {minutes} minutes.",
       "u1": "deny", "push": 96374, "r1": REMOVED}
NEW = {"version": "2", "h1_section": "timing", "minimum": 46, "h1_message": "{minutes} minutes are too short.",
       "u1": "review", "push": 96375, "r1": ""}
CODES = ["96360", "96365", "96372", "99213", "96374"]
DATES = ["2024-05-01", "2024-05-01", "2024-05-02", "2023-12-31"]


@functools.cache
def versions() -> tuple[ir.Plan, ir.Plan]:
    return compiled(TEMPLATE.format(**OLD)), compiled(TEMPLATE.format(**NEW))


def compiled(text: str) -> ir.Plan:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pack.rules"
        path.write_text(text, encoding="utf-8")
        return compile_plan(path)[0]


@functools.cache
def paired() -> pairs.PairSource:
    return pipeline.pair_source(*versions(), Sources())


def measured(source: Input | Iterator[Record], pair: pairs.PairSource | None = None, jobs: int = 1,
             on_error: Any = None, progress: Any = None) -> Impact:
    tally = Tally(on_error)
    run(source, pair or paired(), tally, jobs, progress)
    return impact_of(tally)


def lenient() -> pairs.PairSource:
    return pipeline.pair_source(*versions(), Sources(), unknown_fields="ignore")


def line(code: str, minutes: int | None = None, **fields: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"code": code, "date": "2024-05-01", **fields}
    if minutes is not None:
        found |= {"start": "2024-05-01T09:00", "stop": f"2024-05-01T{9 + minutes // 60:02d}:{minutes % 60:02d}"}
    return found


def claim(claim_id: str, *lines: dict[str, Any]) -> dict[str, Any]:
    return {"id": claim_id, "type": "professional", "pos": "11", "lines": list(lines)}


CLAIMS = [
    claim("C1", line("96360", 40)),  # H1 now denies 40 minutes: added
    claim("C2", line("96360", 20)),  # denied by both (message and citation differ): no change
    claim("C3", line("96372", units=2), line("99213")),  # U1 deny -> review: changed; R1 removed
    claim("C4", line("96365", 10)),  # S1 suggests another code: changed
    claim("C5", line("96360", 60), line("96372")),  # nothing under either
    claim("C6", line("96360", 35), line("96360", 33), line("99213", modifiers=["25"])),  # H1 added twice
]
EXPECTED = Impact(claims=6, changed=4, lines_changed=6, by_rule={
    "H1-hydration-minimum": RuleImpact(added=3), "R1-em-modifier": RuleImpact(removed=1),
    "S1-short-infusion": RuleImpact(changed=1), "U1-units": RuleImpact(changed=1)})


def records(values: list[Any]) -> Iterator[Record]:
    return (Record(index, Ordinal("claim", index + 1), value) for index, value in enumerate(values))


def jsonl(values: list[Any]) -> str:
    return "".join((v if isinstance(v, str) else json.dumps(v)) + "\n" for v in values)


def test_a_moved_threshold_and_other_edits_are_counted_exactly(tmp_path: Path) -> None:
    old, new = versions()
    claims = tmp_path / "claims.jsonl"
    claims.write_text(jsonl(CLAIMS), encoding="utf-8")
    assert measure_impact(old, new, str(claims)) == EXPECTED
    assert measure_impact(old, new, str(claims), "json", jobs=2) == EXPECTED
    reverse = measure_impact(new, old, str(claims))
    assert reverse.by_rule == {"H1-hydration-minimum": RuleImpact(removed=3), "R1-em-modifier": RuleImpact(added=1),
                               "S1-short-infusion": RuleImpact(changed=1), "U1-units": RuleImpact(changed=1)}
    assert measure_impact(old, old, str(claims)) == Impact(claims=6, changed=0, lines_changed=0)
    assert measured(records(CLAIMS)) == EXPECTED
    assert EXPECTED.to_json()["by_rule"]["H1-hydration-minimum"] == {"added": 3, "removed": 0, "changed": 0}


def test_differences_ignore_message_citation_and_evidence() -> None:
    def finding(rule: str, number: int, disposition: str = "deny", suggest: str | None = None,
                message: str = "m", evidence: tuple[int, ...] = ()) -> Finding:
        return Finding(rule, number, disposition, message, "c", suggest, evidence)

    old = [finding("A", 1), finding("B", 1, message="x", evidence=(2,)), finding("C", 2), finding("D", 3)]
    new = [finding("A", 1, message="y", evidence=(3,)), finding("B", 1, "review"), finding("C", 2, suggest="96374"),
           finding("E", 1)]
    assert pairs.differences(old, new) == [pairs.Difference("B", 1, "changed"), pairs.Difference("E", 1, "added"),
                                           pairs.Difference("C", 2, "changed"), pairs.Difference("D", 3, "removed")]
    assert pairs.differences(old, list(reversed(old))) == []


def test_a_claim_one_pack_alone_rejects_says_which() -> None:
    def rejects(message: str) -> Bound:
        def evaluate(claim: object) -> list[Finding]:
            raise ValueError(message)
        return Bound(evaluate, (ValueError,))

    def rejection(pair: pairs.Pair) -> str:
        with pytest.raises(pairs.PairRejected) as caught:
            pair.evaluate({})
        return str(caught.value)

    accepts = Bound(lambda claim: [], (ValueError,))
    assert rejection(pairs.Pair(accepts, rejects("bad"))) == "bad (under the new pack only)"
    assert rejection(pairs.Pair(rejects("bad"), accepts)) == "bad (under the old pack only)"
    assert rejection(pairs.Pair(rejects("bad"), rejects("bad"))) == "bad"
    assert rejection(pairs.Pair(rejects("a"), rejects("b"))) == "under the old pack: a; under the new pack: b"


def with_bad_records() -> str:
    """A line that is not JSON and a claim both packs reject, after 300 claims (so that they are
    past the first batch) and before 300 more."""
    filler = [claim(f"F{n}", line("96360", 60)) for n in range(600)]
    rejected = {"id": "B2", "type": "professional", "pos": "11", "lines": [{"code": "96360"}]}
    return jsonl([*filler[:300], *CLAIMS, '{"id": "B1" oops}', "", rejected, *filler[300:]])


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("way", ["text", "records"])
def test_bad_records_are_reported_in_place_with_their_position(jobs: int, way: str) -> None:
    """JSON text (read a line at a time, by the workers with `jobs`) and a reader's records give the
    same counts and report the same records, each with its position."""
    reported: list[BadRecord] = []
    text = io.StringIO(with_bad_records())
    source = text_input(text) if way == "text" else read_claim_records(text)
    found = measured(source, jobs=jobs, on_error=reported.append)
    assert found == Impact(606, 4, 6, EXPECTED.by_rule, errors=2)
    unreadable, refused = reported
    assert (unreadable.index, unreadable.position, unreadable.unreadable) == (306, Position(307, 1), True)
    assert str(unreadable) == "line 307, column 1: not valid JSON at column 13: expecting ',' delimiter"
    assert (refused.index, refused.position, refused.claim_id, refused.unreadable) == (307, Position(309, 1), "B2",
                                                                                       False)
    assert str(refused) == 'line 309, column 1: claim "B2": lines[1].date: required'


class _CountedWorker(pool_module.Worker):
    started = 0

    def __init__(self, source: Any) -> None:
        type(self).started += 1
        super().__init__(source)


@pytest.mark.slow
def test_jobs_use_worker_processes_and_count_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(14)
    values: list[Any] = [random_claim(rng, CODES, DATES) for _ in range(1500)]
    for index in range(50, 1500, 200):
        values[index] = "{not json"
    text = jsonl(values)
    monkeypatch.setattr(pool_module, "Worker", _CountedWorker)
    runs = {}
    for way in ("text", "records"):
        for jobs in (1, 2, 3):
            _CountedWorker.started = 0
            reported: list[BadRecord] = []
            source = text_input(io.StringIO(text)) if way == "text" else read_claim_records(io.StringIO(text))
            found = measured(source, jobs=jobs, on_error=reported.append)
            runs[way, jobs] = (found, [(r.index, str(r)) for r in reported])
            assert _CountedWorker.started == (0 if jobs == 1 else jobs)
        assert runs[way, 1] == runs[way, 2] == runs[way, 3]
    assert runs["text", 1] == runs["records", 1]
    found, reported = runs["text", 1]
    assert found.claims + found.errors == 1500 and found.changed > 20 and len(found.by_rule) == 4
    assert sum("not valid JSON" in message for _, message in reported) == 8 and len(reported) > 8


def test_a_small_input_is_measured_without_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool_module, "Worker", _CountedWorker)
    _CountedWorker.started = 0
    assert measured(records(CLAIMS), jobs=4) == EXPECTED
    assert measured(text_input(io.StringIO(jsonl(CLAIMS))), jobs=4) == EXPECTED
    assert _CountedWorker.started == 0


def test_an_input_that_cannot_be_opened_raises_for_the_command_to_report(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        measure_impact(*versions(), str(tmp_path / "missing.jsonl"))


def test_a_module_that_cannot_be_generated_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    diagnostic = Diagnostic("too-deep", "nests expressions too deeply to generate Python", Span("x.rules", 0, 0))
    monkeypatch.setattr(pipeline, "generate", lambda plan, sources: Stage(None, (diagnostic,)))
    with pytest.raises(ImpactUnavailable) as caught:
        pipeline.pair_source(*versions(), Sources())
    assert caught.value.diagnostics == (diagnostic,)


@functools.cache
def cpcp026_edited() -> tuple[ir.Plan, ir.Plan]:
    """CPCP026, and CPCP026 with P11's minimum lowered and P26 made a review (its examples,
    which expect the old decisions, left out)."""
    old, _ = compile_plan(PACK)
    blocks = re.split(r"\n(?=\S)", PACK.read_text(encoding="utf-8"))
    text = "\n".join(block for block in blocks if not block.startswith("example "))
    edited = text.replace("line.minutes is given and line.minutes < 31", "line.minutes is given and line.minutes < 16")
    p26 = edited.index("rule P26-em-needs-modifier-25")
    deny = edited.index("\n  deny ", p26)
    edited = edited[:deny] + "\n  review " + edited[deny + len("\n  deny "):]
    assert edited.count("< 16") == 1
    return old, compiled(edited)


@pytest.mark.parametrize(("file", "extra", "expected"), [
    ("837p-scenarios.x12", "pyx12", Impact(15, 1, 1, {"P26-em-needs-modifier-25": RuleImpact(changed=1)})),
    ("837i-scenarios.x12", "pyx12", Impact(5, 1, 1, {"P26-em-needs-modifier-25": RuleImpact(changed=1)})),
    ("fhir-bundle.json", "fhir.resources", Impact(7, 1, 1, {"P11-hydration-minimum": RuleImpact(removed=1)})),
    ("fhir-claims.ndjson", "fhir.resources", Impact(8, 2, 2, {"P26-em-needs-modifier-25": RuleImpact(changed=2)})),
])
@pytest.mark.slow
def test_x12_and_fhir_input(file: str, extra: str, expected: Impact) -> None:
    pytest.importorskip(extra, reason=f"{file} needs the {extra} extra")
    old, new = cpcp026_edited()
    assert measure_impact(old, new, str(DATA / file), on_error=pytest.fail) == expected
    with ExitStack() as stack:  # the reader's records, given as such
        found = measured(open_records("auto", str(DATA / file), stack), pipeline.pair_source(old, new, Sources()))
    assert found == expected


@functools.cache
def cpcp026_itself() -> pairs.PairSource:
    plan, sources = compile_plan(PACK)
    return pipeline.pair_source(plan, plan, sources)


@pytest.mark.slow
@settings(max_examples=examples(60), deadline=None)
@given(st.randoms(use_true_random=False), st.integers(1, 12))
def test_a_pack_against_itself_changes_nothing(rng: random.Random, count: int) -> None:
    claims = [random_claim(rng) for _ in range(count)]
    reported: list[BadRecord] = []
    found = measured(records(claims), cpcp026_itself(), on_error=reported.append)
    assert (found.changed, found.lines_changed, found.by_rule) == (0, 0, {})
    assert found.claims + found.errors == count and found.errors == len(reported)


def test_standard_input_and_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    text = jsonl([random_claim(rng, CODES, DATES) for _ in range(1200)])
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    counts: list[int] = []
    found = measure_impact(*versions(), "-", on_progress=counts.append)
    assert found.claims + found.errors == 1200
    assert counts and counts == sorted(counts) and counts[-1] <= 1200
    counts.clear()
    assert measured(read_claim_records(io.StringIO(text)), progress=counts.append) == found
    assert counts == list(range(64, 1201, 64))


@pytest.mark.parametrize("jobs", [1, 2])
def test_unknown_fields_are_rejected_unless_ignored(jobs: int) -> None:
    values = [claim(f"U{n}", line("96360", 40, diagnosis="R11")) for n in range(600)]
    reported: list[BadRecord] = []
    strict = measured(text_input(io.StringIO(jsonl(values))), jobs=jobs, on_error=reported.append)
    assert (strict.claims, strict.errors) == (0, 600)
    assert "lines[1].diagnosis: unknown field" in reported[0].message
    ignored = measured(text_input(io.StringIO(jsonl(values))), lenient(), jobs=jobs)
    assert ignored == Impact(600, 600, 600, {"H1-hydration-minimum": RuleImpact(added=600)})
