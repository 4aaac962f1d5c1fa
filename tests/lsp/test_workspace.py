"""What the language server does on each keystroke, without the protocol (compiler/lsp/workspace.py
needs no extra): only the declaration whose text changed is parsed again, a table's file is read
again only when it changed, and a file's lines are not split again while its text is the same."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from compiler.lsp.workspace import Workspace, path_to_uri
from tests.conftest import ROOT


def _ncci(tmp_path: Path) -> Path:
    shutil.copyfile(ROOT / "policies" / "ncci.rules", tmp_path / "ncci.rules")
    shutil.copytree(ROOT / "policies" / "ncci", tmp_path / "ncci")
    for path in (tmp_path / "ncci").iterdir():
        path.chmod(0o644)
    return tmp_path / "ncci.rules"


def test_a_keystroke_parses_one_declaration_and_reads_no_table(tmp_path: Path) -> None:
    pack = _ncci(tmp_path)
    text = pack.read_text(encoding="utf-8")
    workspace = Workspace()
    workspace.open(path_to_uri(pack), text, 1)
    first = workspace.check(pack)
    assert first.plan is not None, first.diagnostics
    tables = [key for key in first.files if key.endswith(".csv")]
    assert len(tables) == 5 and first.table_reads == 5 and first.parsed > 10
    at = text.index('deny "') + len('deny "')
    workspace.open(path_to_uri(pack), text[:at] + "Q" + text[at:], 2)
    second = workspace.check(pack)
    assert second.plan is not None and (second.parsed, second.table_reads) == (1, 0)
    assert all(second.lines(key) is first.lines(key) for key in tables)
    assert second.lines(second.key) is not first.lines(first.key)
    assert second.lines(second.key).line_text(text.count("\n", 0, at)).count('deny "Q') == 1


def test_a_table_file_changed_on_disk_is_read_again(tmp_path: Path) -> None:
    pack = _ncci(tmp_path)
    workspace = Workspace()
    workspace.open(path_to_uri(pack), pack.read_text(encoding="utf-8"), 1)
    first = workspace.check(pack)
    table = tmp_path / "ncci" / "aoc.csv"
    key = next(k for k in first.files if k.endswith("aoc.csv"))
    rows = table.read_text(encoding="utf-8").splitlines()
    table.write_text("\n".join([rows[0], rows[1], rows[1], *rows[2:]]) + "\n", encoding="utf-8")
    stamp = table.stat().st_mtime_ns + 1_000_000_000
    os.utime(table, ns=(stamp, stamp))  # a new time, however coarse the file system's clock
    second = workspace.check(pack)
    assert second.table_reads == 1
    assert [d.code for d in second.diagnostics if d.span is not None and d.span.path == key] == ["duplicate-key"]
    assert second.lines(key).line_text(2) == rows[1] and len(second.lines(key).starts) == len(rows) + 2
