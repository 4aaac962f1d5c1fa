"""Incremental analysis: each question's answer is kept, keyed by what the question reads, so an edit
re-asks only the questions it touches, and the report is the one a fresh analysis gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compiler.analysis.conflicts import analyze_conflicts, cache
from compiler.analysis.conflicts.report import Report
from compiler.diagnostics import Sources
from compiler.pipeline import compile_all
from tests.analysis.edits import EDIT, edited_variants
from tests.conftest import PACK

PACKS = Path(__file__).parent / "packs"


def _analyze(path: Path, text: str, folder: Path | None) -> Report:
    path.write_text(text, encoding="utf-8")
    sources = Sources()
    (compiled,) = compile_all([str(path)], sources)
    assert compiled.plan is not None, [d.message for d in compiled.diagnostics]
    return analyze_conflicts(compiled.plan.pack, sources=sources, cache_dir=folder, use_cache=folder is not None,
                             strict=True)


def _same(report: Report) -> dict[str, Any]:
    data = report.to_json()
    data.pop("seconds")
    return data


def test_an_edit_re_asks_only_the_questions_that_read_the_rule(tmp_path: Path) -> None:
    text = (PACKS / "clean_resolved.rules").read_text(encoding="utf-8")
    path, folder = tmp_path / "pack.rules", tmp_path / "cache"
    first = _analyze(path, text, folder)
    assert first.asked > 0 and first.reused == 0
    for rule_id, variant in edited_variants(text):
        warm = _analyze(path, variant, folder)
        fresh = _analyze(path, variant, None)
        assert _same(warm) == _same(fresh), rule_id
        assert warm.reused > 0, rule_id
    again = _analyze(path, text, folder)
    assert again.cached and _same(again) == _same(first)  # the unchanged pack: its whole report


def test_a_message_or_a_title_changes_no_answer(tmp_path: Path) -> None:
    """Answers, not entries, are kept: a reworded message asks nothing again, and the entry shows
    the new words."""
    text = (PACKS / "overlap.rules").read_text(encoding="utf-8")
    path, folder = tmp_path / "pack.rules", tmp_path / "cache"
    _analyze(path, text, folder)
    reworded = text.replace('review "96372 with {units} units is reviewed."', 'review "Reviewed: {units} units."')
    report = _analyze(path, reworded, folder)
    assert report.asked == 0 and report.reused > 0
    shown = next(e for e in report.conflicts if e.kind == "overlap")
    assert shown.location is not None and shown.witness is not None


def test_the_edits_change_every_rule(tmp_path: Path) -> None:
    text = PACK.read_text(encoding="utf-8")
    variants = edited_variants(text)
    assert len(variants) == 36 and all(variant.count(EDIT) == 1 for _, variant in variants)
    assert len({rule for rule, _ in variants}) == 36


@pytest.mark.slow
def test_every_edited_variant_of_cpcp026_reads_as_a_fresh_analysis(tmp_path: Path) -> None:
    """The benchmark's edits (benchmarks/incremental.py), each analyzed from the warm cache and
    again from nothing: the same report, byte for byte but the seconds."""
    text = PACK.read_text(encoding="utf-8")
    path, folder = tmp_path / "cpcp026.rules", tmp_path / "cache"
    _analyze(path, text, folder)
    for rule_id, variant in edited_variants(text):
        warm = _analyze(path, variant, folder)
        fresh = _analyze(path, variant, None)
        assert warm.reused > 0, rule_id
        assert json.dumps(_same(warm)) == json.dumps(_same(fresh)), rule_id


def test_the_cache_is_bounded(tmp_path: Path) -> None:
    folder = tmp_path / "answers"
    for shard in range(3):
        (folder / f"{shard:02d}").mkdir(parents=True)
        for n in range(10):
            (folder / f"{shard:02d}" / f"{n}.json").write_text("{}", encoding="utf-8")
    assert cache.trim_folder(folder, 40) == 0
    assert cache.trim_folder(folder, 20) == 14  # down to four fifths of the bound
    assert sum(1 for _ in folder.rglob("*.json")) == 16


def test_a_torn_or_foreign_cache_file_is_ignored(tmp_path: Path) -> None:
    text = (PACKS / "overlap.rules").read_text(encoding="utf-8")
    path, folder = tmp_path / "pack.rules", tmp_path / "cache"
    first = _analyze(path, text, folder)
    for stored in folder.rglob("*.json"):
        stored.write_text('{"outcome": "found", "clai', encoding="utf-8")  # as if cut short
    again = _analyze(path, text, folder)
    assert not again.cached and again.reused == 0 and _same(again) == _same(first)
    assert not list(folder.rglob("*.tmp"))
