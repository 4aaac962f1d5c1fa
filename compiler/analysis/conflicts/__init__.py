"""The conflict analyzer: every conflict of contract/ANALYSIS.md proved or refuted over a symbolic
claim (z3), each satisfiable answer turned into a minimal witness claim that the interpreter confirms.

Entry points: `analyze_conflicts(pack) -> Report` (`report.py`: the typed report, its JSON object
and its cache form), `render_text` and `render_sarif` (`render.py`), `cached_verdict` (what `eval`
and `test` check). Importing this package loads no solver: the report, its renderings and the
cache are standard library only, and z3 is imported (with `run`) when a report is not in the
cache, so that the documents, `check` on an unchanged pack and the gate of `eval` and `test` never
load it. Nothing here runs when a pack is only built or evaluated from the cache.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler import cachedir
from compiler.analysis.conflicts import cache
from compiler.analysis.conflicts.render import render_sarif, render_text
from compiler.analysis.conflicts.report import Entry, Report
from compiler.analysis.conflicts.settings import (
    ANALYZER_VERSION,
    DEFAULT_RLIMIT,
    LIMIT,
    ReplayMismatch,
    solver_enabled,
)
from compiler.diagnostics import Sources

if TYPE_CHECKING:  # the gate of `eval` imports this package; it needs no pack model
    from compiler.semantics import ir

__all__ = [
    "ANALYZER_VERSION",
    "DEFAULT_RLIMIT",
    "LIMIT",
    "Entry",
    "ReplayMismatch",
    "Report",
    "analyze_conflicts",
    "cached_verdict",
    "render_sarif",
    "render_text",
    "solver_enabled",
]


def _options(max_lines: int | None, rlimit: int, enabled: bool) -> dict[str, Any]:
    return {"max_lines": max_lines, "rlimit": rlimit, "solver": enabled, "compiler": cache.compiler_digest()}


def analyze_conflicts(pack: ir.Pack, *, max_lines: int | None = None, rlimit: int = DEFAULT_RLIMIT,
                      sources: Sources | None = None, use_cache: bool = True, cache_dir: Path | None = None,
                      solver: bool | None = None, strict: bool = False) -> Report:
    """The conflict report of a resolved pack.

    `max_lines` bounds every question to claims of that many lines (default: as many as each question
    needs, up to `LIMIT`; see settings.py). `rlimit` is z3's resource limit per question: an
    exhausted one gives an `unknown` entry, the same on every run. `solver=False` (or
    `RULESC_ANALYSIS=off`) asks only the questions that need no solver (uncovered rows). With
    `use_cache`, a report of the same pack content, options and path is read from the cache, and
    otherwise each question's answer is read from the cache of answers when it was asked before
    (cache.py); `cache_dir` overrides where the cache lives. With `strict`, a witness the
    interpreter does not confirm raises ReplayMismatch.
    """
    started = time.perf_counter()
    enabled = solver_enabled() if solver is None else solver
    options = _options(max_lines, rlimit, enabled)
    folder = cache_dir or cachedir.cache_dir()
    # the path is part of the key: locations in the report name the file as the run saw it
    key = cache.report_key(pack.digest, {**options, "path": pack.path})
    if use_cache:
        cached = cache.load_report(folder, key)
        if cached is not None:
            cached.seconds = time.perf_counter() - started
            if options == _options(None, DEFAULT_RLIMIT, True) and cached_verdict(pack.digest, folder) is None:
                writer = cache.Writer(folder)
                cache.store_verdict(writer, _verdict_key(pack.digest), cached)
            _check(cached, strict)
            return cached
    engine = importlib.import_module("compiler.analysis.conflicts.run")  # the solver comes with it
    report: Report = engine.analyze(pack, max_lines, rlimit, sources, folder if use_cache else None, enabled)
    report.seconds = time.perf_counter() - started
    if use_cache and not report.disagreements:
        writer = cache.Writer(folder)
        cache.store_report(writer, key, report)
        if options == _options(None, DEFAULT_RLIMIT, True):  # what `eval` and `test` look for
            cache.store_verdict(writer, _verdict_key(pack.digest), report)
        writer.trim()
    _check(report, strict)
    return report


def _verdict_key(digest: str) -> str:
    return cache.digest_of(("verdict", digest, cache.compiler_digest()))


def cached_verdict(pack_digest: str, cache_dir: Path | None = None) -> dict[str, Any] | None:
    """What the analysis of the pack with this content found (`failed`: an unresolved error), when
    this compiler analyzed it with the default options before; None when it did not."""
    return cache.load_verdict(cache_dir or cachedir.cache_dir(), _verdict_key(pack_digest))


def _check(report: Report, strict: bool) -> None:
    if strict and report.disagreements:
        raise ReplayMismatch("; ".join(report.disagreements))
