"""docs/REPORTS.md describes every field of the JSON the commands print, and every `--help` text
points to documents that are in the repository."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from compiler.analysis.changes.model import CHANGES
from compiler.analysis.conflicts.report import KINDS
from compiler.cli import _parser
from tests.conftest import ROOT
from tests.helpers import run_cli

DOC = ROOT / "docs" / "REPORTS.md"
PACKS = ROOT / "tests" / "analysis" / "packs"
SMALL = ROOT / "tests" / "previous"


def section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split(f"\n## {title}", 1)[1].split("\n## ", 1)[0]


def table_names(text: str) -> set[str]:
    """The names in the first column of the section's tables: `| `a`, `b` | ... |`."""
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([^`]+)`", line.split(" | ")[0]))
    return names


def keys(value: Any, prefix: str = "") -> set[str]:
    """Every key of an object, nested objects' as `outer.inner` too (not inside lists)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(prefix + key)
            if key not in ("witness", "claim", "location", "by_rule") and isinstance(inner, dict):
                found |= keys(inner, prefix + key + ".")
    return found


def test_the_conflict_report_is_described_field_by_field() -> None:
    code, out, _ = run_cli("analyze", str(PACKS / "clean_resolved.rules"), "--format", "json")
    assert code == 0
    report = json.loads(out)
    text = section("The conflict report")
    fields = table_names(text)
    for key in keys(report) - {"bound", "summary.error", "summary.warning", "summary.info", "summary.resolved",
                               "summary.unknown"}:
        assert key in fields, key
    resolved = [entry for entry in report["conflicts"] if entry["resolved_by"]]
    assert resolved, "the pack resolves a conflict"
    for entry in report["conflicts"]:
        assert set(entry) <= fields
    for key in resolved[0]["resolved_by"]:
        assert f"`{key}`" in text.split("| `resolved_by` |")[1].split("\n")[0], key
    assert table_names(text.split("Kinds, with the severity")[1]) >= set(KINDS)


def test_the_change_report_is_described_field_by_field() -> None:
    code, out, _ = run_cli("diff", str(SMALL / "small-1.0.rules"), str(SMALL / "small-1.1.rules"), "--format", "json")
    assert code == 0
    report = json.loads(out)
    text = section("The change report")
    fields = table_names(text)
    assert {"old", "new", "bound", "summary", "rules", "impact"} <= fields
    assert set(report) <= fields
    for rule in report["rules"]:
        assert all(f"`{key}`" in text for key in rule)
        for witness in rule["witnesses"]:
            assert all(f"`{key}`" in text for key in witness)
    assert set(CHANGES) <= fields


def test_the_graph_is_described() -> None:
    code, out, _ = run_cli("graph", str(ROOT / "policies" / "cpcp026.rules"), "--format", "json")
    assert code == 0
    graph = json.loads(out)
    text = section("The dependency graph")
    for node in graph["nodes"]:
        assert all(f"`{key}`" in text for key in node) and f"`{node['kind']}`" in text
    for edge in graph["edges"]:
        assert all(f"`{key}`" in text for key in edge) and f"`{edge['kind']}`" in text


def _helps() -> list[tuple[str, str]]:
    """Every option's help text, with the command it belongs to."""
    parser = _parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    found = []
    for name, sub in commands.choices.items():  # type: ignore[union-attr]
        for action in sub._actions:
            found.append((f"{name} {'/'.join(action.option_strings) or action.dest}", action.help or ""))
    return found


@pytest.mark.parametrize(("option", "text"), _helps())
def test_help_texts_point_to_documents_in_the_repository(option: str, text: str) -> None:
    assert "contract/" not in text
    for document in re.findall(r"[\w/]+\.md", text):
        assert (ROOT / document).is_file(), (option, document)


def test_every_option_has_a_help_text() -> None:
    assert [option for option, text in _helps() if not text] == []
    assert "docs/REPORTS.md" in dict(_helps())["graph --format"]


def test_the_report_formats_are_linked_from_the_commands() -> None:
    commands = (ROOT / "docs" / "COMMANDS.md").read_text(encoding="utf-8")
    assert "(REPORTS.md" in commands and "contract/" not in commands
    assert Path(DOC).is_file()
