"""The command line keeps each file's parsed declarations between runs (`KeptFiles`)."""

from __future__ import annotations

from pathlib import Path

from compiler.diagnostics import Collector
from compiler.syntax.parser import parse_module
from compiler.syntax.reparse import KeptFiles
from tests.conftest import PACK

TEXT = PACK.read_text(encoding="utf-8")
KEY = str(PACK)


def _parse(files: KeptFiles, text: str = TEXT) -> tuple[object, list[str]]:
    out = Collector()
    module = files.parse(KEY, text, out)
    return module, [d.message for d in out.items]


def _fresh(text: str = TEXT) -> tuple[object, list[str]]:
    out = Collector()
    return parse_module(KEY, text, out), [d.message for d in out.items]


def test_a_second_run_reads_every_declaration_back(tmp_path: Path) -> None:
    first = KeptFiles(tmp_path, "v1")
    assert _parse(first) == _fresh() and first.parsed > 100
    again = KeptFiles(tmp_path, "v1")
    assert _parse(again) == _fresh() and again.parsed == 0


def test_an_edit_parses_only_the_edited_declaration_and_moves_the_others(tmp_path: Path) -> None:
    _parse(KeptFiles(tmp_path, "v1"))
    edited = TEXT.replace("\n  when ", "\n  when line.units < 1000 and ", 1)  # longer: every later span moves
    assert edited != TEXT
    files = KeptFiles(tmp_path, "v1")
    assert _parse(files, edited) == _fresh(edited) and files.parsed == 1


def test_a_syntax_error_is_reported_again_from_the_kept_parse(tmp_path: Path) -> None:
    broken = TEXT.replace("\n  when ", "\n  when ) ", 1)
    _parse(KeptFiles(tmp_path, "v1"), broken)
    files = KeptFiles(tmp_path, "v1")
    module, messages = _parse(files, broken)
    assert (module, messages) == _fresh(broken) and messages and files.parsed == 0


def test_another_compiler_or_a_damaged_file_parses_all_again(tmp_path: Path) -> None:
    _parse(KeptFiles(tmp_path, "v1"))
    other = KeptFiles(tmp_path, "v2")
    assert _parse(other) == _fresh() and other.parsed > 100
    for kept in tmp_path.glob("*.parsed"):
        kept.write_bytes(b"\x80\x04not a pickle")
    damaged = KeptFiles(tmp_path, "v1")
    assert _parse(damaged) == _fresh() and damaged.parsed > 100
    assert not list(tmp_path.glob("*.partial"))


def test_the_folder_is_bounded(tmp_path: Path) -> None:
    files = KeptFiles(tmp_path, "v1")
    files.KEEP = 2
    for version in ("a", "b", "c"):
        files.version = version
        _parse(files)
    assert len(list(tmp_path.glob("*.parsed"))) == 2
