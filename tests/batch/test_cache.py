"""The module cache of `rulesc eval`: a pack seen before is served without compiling, and never a
module of another text, another compiler or another imported file, nor one whose compile had
something to say."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from compiler.batch import cache
from tests.conftest import PACK, ROOT
from tests.helpers import run_cli

CLAIM = {"id": "E02", "type": "professional", "pos": "11", "lines": [
    {"code": "99213", "date": "2024-09-12"}, {"code": "96372", "date": "2024-09-12"}]}


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RULESC_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def evaluate(rules: Path, claims: Path) -> tuple[int, str, str]:
    return run_cli("eval", str(rules), "--input", str(claims), "--jobs", "1")


def test_a_pack_seen_before_is_served_from_the_cache(tmp_path: Path, root: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "cpcp026.rules"
    shutil.copy(PACK, rules)
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps(CLAIM), encoding="utf-8")
    first = evaluate(rules, claims)
    assert first[0] == 0 and "P23-injection-with-em" in first[1]
    (stored,) = (root / "modules").iterdir()
    assert sorted(p.name for p in stored.iterdir()) == ["__pycache__", "cpcp026.py", "entry.json"]
    assert cache.lookup(str(rules)) == stored / "cpcp026.py"

    def no_compiling(*args: object, **kwargs: object) -> object:
        raise AssertionError("the pack was compiled again")

    monkeypatch.setattr("compiler.commands.evaluate.compile_or_report", no_compiling)
    assert evaluate(rules, claims) == first
    monkeypatch.undo()
    monkeypatch.setenv("RULESC_CACHE", str(root))
    rules.write_text(rules.read_text(encoding="utf-8").replace('version "1.0"', 'version "1.1"'), encoding="utf-8")
    assert cache.lookup(str(rules)) is None  # another text, another key
    assert evaluate(rules, claims) == first
    assert len(list((root / "modules").iterdir())) == 2


def test_an_imported_file_that_changed_is_not_served(tmp_path: Path, root: Path) -> None:
    rules, lib = tmp_path / "pack.rules", tmp_path / "lib.rules"
    shutil.copy(ROOT / "tests" / "packs" / "mapped.rules", rules)
    text = rules.read_text(encoding="utf-8")
    assert cache.store(str(rules), {str(rules): text, str(lib): "one"}, {"mapped.py": "X = 1\n"}) is not None
    lib.write_text("one", encoding="utf-8")
    assert cache.lookup(str(rules)) is not None
    lib.write_text("two", encoding="utf-8")
    assert cache.lookup(str(rules)) is None
    lib.unlink()
    assert cache.lookup(str(rules)) is None


def test_a_pack_with_warnings_is_compiled_every_time(tmp_path: Path, root: Path) -> None:
    rules = tmp_path / "warned.rules"
    text = PACK.read_text(encoding="utf-8")
    rules.write_text(text + '\ncodes never_used "A set no rule reads" = 99999\n', encoding="utf-8")
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps(CLAIM), encoding="utf-8")
    for _ in range(2):
        code, _, err = evaluate(rules, claims)
        assert code == 0 and "warning" in err
    assert not (root / "modules").exists()


def test_the_key_holds_the_compiler_itself(tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "p.rules"
    rules.write_text("x", encoding="utf-8")
    assert cache.store(str(rules), {str(rules): "x"}, {"p.py": "X = 1\n"}) is not None
    assert cache.lookup(str(rules)) is not None
    monkeypatch.setattr(cache, "compiler_digest", lambda: "another compiler")
    assert cache.lookup(str(rules)) is None
