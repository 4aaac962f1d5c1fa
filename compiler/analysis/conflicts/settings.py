"""The analyzer's version and limits, and whether the solver runs: what a reader of a cached report
needs without loading the solver.

Claim sizes (contract/ANALYSIS.md, DESIGN.md "What the analyzer proves"): every question is sized
by what it reads. A question whose conditions only ask whether other lines exist needs the lines
it decides plus one per existential quantifier, and its "no such claim" then holds for claims of
any size. A `count(...)` compared with a constant needs as many counted lines as it takes for the
comparison to turn (`>= 4`: four). `first`, `earlier`/`later`, line numbers, other counts and
arithmetic over lines make a question bounded: it is asked on at least `DEFAULT_BOUND` lines.
No question is asked on more than `LIMIT` lines (or `--max-lines K`): one that needs more is
answered only when a claim within the limit shows it; otherwise it is `unknown`, naming the size
it needs, never a proof.
"""

from __future__ import annotations

import os

#: part of every cache key: bump it whenever the analysis can answer differently or the cache's
#: form changes
ANALYZER_VERSION = "13"

DEFAULT_BOUND = 4  # lines, at least, for questions that are bounded only
LIMIT = 8  # the most lines any question is asked on, unless --max-lines says otherwise
DEFAULT_RLIMIT = 20_000_000  # z3's resource limit per question (deterministic, unlike a timeout)


class ReplayMismatch(AssertionError):
    """The interpreter does not confirm what the solver found: a bug in the analyzer."""


def solver_enabled() -> bool:
    """`RULESC_ANALYSIS=off` skips the solver (for test suites that compile many throwaway packs)."""
    return os.environ.get("RULESC_ANALYSIS", "").lower() not in ("off", "0", "no", "false")
