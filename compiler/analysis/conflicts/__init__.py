"""The conflict analyzer: every conflict of contract/ANALYSIS.md proved or refuted over a symbolic
claim (z3), each satisfiable answer turned into a minimal witness claim that the interpreter confirms.

Entry points: `analyze_conflicts(pack) -> Report`, `render_text`, `render_sarif`, `Report.to_json`.
Nothing here runs when a pack is only built or evaluated; the solver is imported with this package.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from compiler.analysis.conflicts import cache
from compiler.analysis.conflicts.questions import DEFAULT_RLIMIT, Analysis, ReplayMismatch
from compiler.analysis.conflicts.report import Entry, Report, render_sarif, render_text
from compiler.analysis.conflicts.run import run, uncovered_rows
from compiler.diagnostics import Sources
from compiler.semantics import ir

__all__ = [
    "ANALYZER_VERSION",
    "DEFAULT_RLIMIT",
    "Entry",
    "ReplayMismatch",
    "Report",
    "analyze_conflicts",
    "render_sarif",
    "render_text",
    "solver_enabled",
]

#: part of the cache key: bump it whenever the analysis can answer differently
ANALYZER_VERSION = "12"


def solver_enabled() -> bool:
    """`RULESC_ANALYSIS=off` skips the solver (for test suites that compile many throwaway packs)."""
    return os.environ.get("RULESC_ANALYSIS", "").lower() not in ("off", "0", "no", "false")


def analyze_conflicts(pack: ir.Pack, *, max_lines: int | None = None, rlimit: int = DEFAULT_RLIMIT,
                      sources: Sources | None = None, use_cache: bool = True, cache_dir: Path | None = None,
                      solver: bool | None = None, strict: bool = False) -> Report:
    """The conflict report of a resolved pack.

    `max_lines` bounds every question to claims of that many lines (default: as many as each question
    needs to be complete, 4 for questions that are bounded only). `rlimit` is z3's resource limit per
    question: an exhausted one gives an `unknown` entry, the same on every run. `solver=False` (or
    `RULESC_ANALYSIS=off`) asks only the questions that need no solver (uncovered rows). With
    `strict`, a witness the interpreter does not confirm raises ReplayMismatch.
    """
    started = time.perf_counter()
    enabled = solver_enabled() if solver is None else solver
    options = {"max_lines": max_lines, "rlimit": rlimit, "solver": enabled}
    folder = cache_dir or cache.cache_dir()
    # the path is part of the key: locations in the report name the file as the run saw it
    key = cache.cache_key(pack.digest, ANALYZER_VERSION, {**options, "path": pack.path})
    if use_cache:
        cached = cache.load(folder, key)
        if cached is not None:
            cached.seconds = time.perf_counter() - started
            _check(cached, strict)
            return cached
    analysis = Analysis(pack, max_lines, rlimit, sources)
    if enabled:
        run(analysis)
    else:
        uncovered_rows(analysis)
        analysis.complete = False
    entries = sorted(_one_per_set(analysis.entries), key=Entry.sort_key)
    for number, entry in enumerate((e for e in entries if e.witness is not None), 1):
        assert entry.witness is not None
        entry.witness = {"id": f"W{number}", **{k: v for k, v in entry.witness.items() if k != "id"}}
    report = Report(pack.name, analysis.lines_used, analysis.complete and not any(e.unknown for e in entries),
                    entries, disagreements=analysis.disagreements)
    report.seconds = time.perf_counter() - started
    if use_cache and not report.disagreements:
        cache.store(folder, key, report)
    _check(report, strict)
    return report


def _one_per_set(entries: list[Entry]) -> list[Entry]:
    """One entry per kind and unordered set of rules: an unresolved one before a resolved one."""
    chosen: dict[tuple[str, frozenset[str]], Entry] = {}
    for entry in entries:
        key = (entry.kind, frozenset(entry.rules))
        if key not in chosen or (chosen[key].resolved_by is not None and entry.resolved_by is None):
            chosen[key] = entry
    return list(chosen.values())


def _check(report: Report, strict: bool) -> None:
    if strict and report.disagreements:
        raise ReplayMismatch("; ".join(report.disagreements))
