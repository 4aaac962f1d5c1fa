"""Golden diagnostics: each file under diagnostics/bad/ beside the exact text `rulesc check`
prints for it; each file under diagnostics/good/ checks clean.

Regenerate after a deliberate change with RULESC_REGEN=1 python -m pytest tests/test_diagnostics_golden.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import run_cli

BAD = sorted((ROOT / "tests" / "diagnostics" / "bad").glob("*.rules"))
GOOD = sorted((ROOT / "tests" / "diagnostics" / "good").glob("*.rules"))


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_file_gives_the_expected_diagnostics(path: Path) -> None:
    relative = path.relative_to(ROOT).as_posix()
    code, _, err = run_cli("check", "--color", "never", relative)
    expected_path = path.with_suffix(".expected")
    if os.environ.get("RULESC_REGEN"):
        expected_path.write_text(err, encoding="utf-8")
    assert code == 1
    assert err == expected_path.read_text(encoding="utf-8")


def test_the_golden_files_cover_at_least_twenty_kinds() -> None:
    kinds = set()
    for path in BAD:
        kinds.update(re.findall(r"error\[([a-z-]+)\]", path.with_suffix(".expected").read_text(encoding="utf-8")))
    assert len(kinds) >= 20, sorted(kinds)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_file_checks_clean(path: Path) -> None:
    code, _, err = run_cli("check", path.relative_to(ROOT).as_posix())
    assert code == 0, err
