"""Golden diagnostics: each file under diagnostics/bad/ beside the exact text `rulesc check`
prints for it; each file under diagnostics/good/ checks clean.

A bad file is named after the code it shows, `<code>.rules` or `<code>--<case>.rules`; every error
it gives has that code (warnings may come with it). A first line `# args: ...` adds arguments to
`rulesc check`. Every registered diagnostic code has its golden file, in the folder the registry
names for it.

Regenerate after a deliberate change with RULESC_REGEN=1 python -m pytest tests/test_diagnostics_golden.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from compiler.diagnostics import CODES, GOLDEN_BAD, Code, Severity
from compiler.pipeline import CANNOT_RUN, EXIT_ERRORS, EXIT_OK, EXIT_USAGE
from tests.conftest import ROOT
from tests.helpers import run_cli

BAD = sorted((ROOT / GOLDEN_BAD).glob("*.rules"))
GOOD = sorted((ROOT / "tests" / "diagnostics" / "good").glob("*.rules"))
_SHOWN = re.compile(r"^(?:\S+: )?(error|warning)\[([a-z-]+)\]: ", re.MULTILINE)


def _code_of(path: Path) -> str:
    return path.stem.split("--")[0]


def _extra_args(path: Path) -> list[str]:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    return first.removeprefix("# args:").split() if first.startswith("# args:") else []


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_file_gives_the_expected_diagnostics(path: Path) -> None:
    relative = path.relative_to(ROOT).as_posix()
    code, _, err = run_cli("check", "--color", "never", *_extra_args(path), relative)
    expected_path = path.with_suffix(".expected")
    if os.environ.get("RULESC_REGEN"):
        expected_path.write_text(err, encoding="utf-8")
    expected = expected_path.read_text(encoding="utf-8")
    assert err == expected
    shown = _SHOWN.findall(expected)
    assert (_severity(path), _code_of(path)) in shown
    assert {name for severity, name in shown if severity == "error"} <= {_code_of(path)}
    errors = {name for severity, name in shown if severity == "error"}
    assert code == (EXIT_USAGE if errors & CANNOT_RUN else EXIT_ERRORS if errors else EXIT_OK)


def _severity(path: Path) -> str:
    return CODES[_code_of(path)].severity.value


def test_every_bad_file_is_named_after_a_registered_code() -> None:
    assert [p.name for p in BAD if _code_of(p) not in CODES] == []


@pytest.mark.parametrize("code", list(CODES.values()), ids=lambda c: c.name)
def test_every_registered_code_has_a_golden_file(code: Code) -> None:
    folder = ROOT / code.fixtures
    if code.fixtures == GOLDEN_BAD:
        assert (folder / f"{code.name}.rules").is_file(), f"add {code.fixtures}/{code.name}.rules"
    else:
        assert any(folder.glob(f"{code.name}.*")), f"add a fixture for {code.name} under {code.fixtures}"


def test_the_registry_has_both_severities_and_describes_every_code() -> None:
    assert {c.severity for c in CODES.values()} == {Severity.ERROR, Severity.WARNING}
    for name, code in CODES.items():
        assert code.name == name and re.fullmatch(r"[a-z]+(-[a-z]+)*", name)
        assert code.description and "\n" not in code.description


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_file_checks_clean(path: Path) -> None:
    code, _, err = run_cli("check", path.relative_to(ROOT).as_posix())
    assert code == 0, err
    assert "warning[" not in err
