"""The parser's tables are kept between runs, named by what they were built from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from compiler.diagnostics import Collector
from compiler.syntax import parser
from tests.conftest import PACK


@pytest.fixture
def fresh_parser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RULESC_CACHE_DIR", str(tmp_path))
    parser._parser.cache_clear()
    yield tmp_path / "parser"
    parser._parser.cache_clear()


def _parses() -> bool:
    out = Collector()
    module = parser.parse_module(str(PACK), PACK.read_text(encoding="utf-8"), out)
    return len(module.decls) > 100 and not out.items


def test_the_tables_are_kept_and_read_back(fresh_parser: Path) -> None:
    assert _parses()
    (kept,) = fresh_parser.iterdir()
    assert kept.suffix == ".lark" and not list(fresh_parser.glob("*.partial"))
    parser._parser.cache_clear()
    assert _parses()
    assert list(fresh_parser.iterdir()) == [kept]


def test_a_damaged_file_is_built_again(fresh_parser: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _parses()
    (kept,) = fresh_parser.iterdir()
    kept.write_bytes(b"not the tables\n")
    parser._parser.cache_clear()
    assert _parses()
    assert capsys.readouterr() == ("", "")


def test_an_unwritable_folder_builds_the_tables_each_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("RULESC_CACHE_DIR", str(blocker))
    parser._parser.cache_clear()
    try:
        assert _parses()
    finally:
        parser._parser.cache_clear()
