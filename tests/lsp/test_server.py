"""The language server through a real client: `python -m compiler lsp` in a subprocess, spoken to
over its standard input and output (tests/lsp/client.py). Every feature: diagnostics as the text
changes (in rules files and in table files), the conflict analysis on save, hover, go to
definition, find references, completion, rename, quick fixes and formatting."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls", reason="the language server needs the lsp extra: pip install 'rulesc[lsp]'")
pytest.importorskip("lsprotocol", reason="the language server needs the lsp extra: pip install 'rulesc[lsp]'")

from compiler.diagnostics import Sources
from compiler.pipeline import compile_pack
from compiler.syntax.format import format_source
from tests.conftest import ROOT
from tests.lsp.client import Client, ServerError, find, uri

COMMON = """\
codes em_services "Evaluation and management services" = 99202..99499, G0463
codes injections "Injections" = 96372, 96373
"""

MAIN = """\
pack demo
  title "Demo"
  version "1.0"
  effective 2024-07-30
  source "demo.txt"

import "common.rules"

section coding "Coding and Billing"

rule P23-injection-with-em "An injection is bundled into a same-provider E/M"
  cite coding
  on professional claims
  target injections
  when any other line x where x.code in em_services and same date and same provider
  deny "The injection is not separately reimbursed with an E/M service by the same rendering provider."

rule P24-lone-injection "An injection without an E/M is reviewed"
  cite coding
  target 96372
  when not (line flagged by P23-injection-with-em)
  review "An injection without an E/M service."

example "injection with an E/M"
  claim {"id": "E1", "type": "professional", "pos": "11", "lines": [
      {"code": "99213", "date": "2024-09-12"},
      {"code": "96372", "date": "2024-09-12"}
  ]}
  expect line 2 deny by P23-injection-with-em because line 1

example "injection alone"
  claim {"id": "E2", "type": "professional", "pos": "11", "lines": [{"code": "96372", "date": "2024-09-12"}]}
  expect line 1 review by P24-lone-injection
"""


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    started = Client("--debounce", "10")
    try:
        started.initialize()
        yield started
    finally:
        started.close()


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    (tmp_path / "common.rules").write_text(COMMON, encoding="utf-8")
    (tmp_path / "main.rules").write_text(MAIN, encoding="utf-8")
    return tmp_path


def opened(client: Client, path: Path, text: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    after = len(client.notifications)
    address = client.open(path, text)
    return address, client.diagnostics(address, 1, after=after)


def at(client: Client, address: str, text: str, needle: str, nth: int = 0, inside: int = 1) -> dict[str, Any]:
    line, character = find(text, needle, nth)
    return client.position(address, line, character + inside)


def test_the_server_says_what_it_can_do(client: Client) -> None:
    result = client.initialize()
    capabilities = result["capabilities"]
    for name in ("hoverProvider", "definitionProvider", "referencesProvider", "completionProvider",
                 "renameProvider", "codeActionProvider", "documentFormattingProvider", "textDocumentSync"):
        assert capabilities.get(name), name
    assert capabilities["renameProvider"] == {"prepareProvider": True}
    assert result["serverInfo"]["name"] == "rulesc"


def test_diagnostics_follow_the_text_and_a_quick_fix_takes_the_hint(client: Client, demo: Path) -> None:
    address, diagnostics = opened(client, demo / "main.rules")
    assert diagnostics == []
    broken = MAIN.replace("x.code in em_services", "x.code in em_service")
    after = len(client.notifications)
    version = client.change(address, broken)
    diagnostics = client.diagnostics(address, version, after=after)
    assert [d["code"] for d in diagnostics] == ["unknown-name"]
    (found,) = diagnostics
    line, character = find(broken, "em_service and")
    assert found["range"] == {"start": {"line": line, "character": character},
                              "end": {"line": line, "character": character + len("em_service")}}
    assert found["severity"] == 1 and found["source"] == "rulesc"
    assert "did you mean `em_services`?" in found["message"]
    actions = client.request("textDocument/codeAction", {"textDocument": {"uri": address}, "range": found["range"],
                                                         "context": {"diagnostics": diagnostics}})
    (action,) = actions
    assert action["title"] == "Change to `em_services`" and action["kind"] == "quickfix"
    (edit,) = action["edit"]["changes"][address]
    assert edit == {"range": found["range"], "newText": "em_services"}
    after = len(client.notifications)
    version = client.change(address, MAIN)
    assert client.diagnostics(address, version, after=after) == []


def test_keystrokes_are_incremental_changes(client: Client, demo: Path) -> None:
    address, _ = opened(client, demo / "main.rules")
    line, character = find(MAIN, "same provider")
    after = len(client.notifications)
    client.edit(address, line, character, line, character + len("same"), "sane")
    diagnostics = client.diagnostics(address, after=after, test=lambda found: bool(found))
    assert diagnostics[0]["code"] == "syntax"
    after = len(client.notifications)
    version = client.edit(address, line, character, line, character + len("sane"), "same")
    assert client.diagnostics(address, version, after=after) == []


def test_an_error_in_an_imported_file_is_shown_in_that_file(client: Client, demo: Path) -> None:
    main, _ = opened(client, demo / "main.rules")
    common = uri(demo / "common.rules")
    after = len(client.notifications)
    (demo / "common.rules").write_text(COMMON.replace("99202..99499", "99499..99202"), encoding="utf-8")
    version = client.change(main, MAIN + "\n")
    diagnostics = client.diagnostics(common, after=after)
    assert [d["code"] for d in diagnostics] == ["reversed-range"]
    assert diagnostics[0]["range"]["start"]["line"] == 0
    assert client.diagnostics(main, version, after=after) == []


def test_hover_states_a_rule_shows_a_set_and_says_which_rules_touch_a_code(client: Client, demo: Path) -> None:
    address, _ = opened(client, demo / "main.rules")
    rule = client.request("textDocument/hover", at(client, address, MAIN, "P23-injection-with-em", inside=4))
    text = rule["contents"]["value"]
    assert rule["contents"]["kind"] == "markdown"
    assert text.startswith("**rule P23-injection-with-em**: An injection is bundled into a same-provider E/M")
    assert "**What it checks:** Each line whose code is in Injections (96372, 96373), on professional claims, " \
           "when there is another line x such that all of these hold:" in text
    assert "- line x has the same date of service as this line" in text
    assert "**Result:** The line is denied" in text
    line, character = find(MAIN, "P23-injection-with-em")
    assert rule["range"] == {"start": {"line": line, "character": character},
                             "end": {"line": line, "character": character + len("P23-injection-with-em")}}
    codes = client.request("textDocument/hover", at(client, address, MAIN, "em_services"))
    assert codes["contents"]["value"] == ("**codes em_services**: Evaluation and management services\n\n"
                                          "299 codes: 99202–99499, G0463")
    code = client.request("textDocument/hover", at(client, address, MAIN, "96372", 0))
    assert code["contents"]["value"] == ("**96372**\n- targeted by: P23-injection-with-em, P24-lone-injection\n"
                                         "- in the sets: injections")
    assert client.request("textDocument/hover", client.position(address, 2, 0)) is None  # `version`: a keyword


def test_definition_and_references_across_the_files_of_the_pack(client: Client, demo: Path) -> None:
    address, _ = opened(client, demo / "main.rules")
    (target,) = client.request("textDocument/definition", at(client, address, MAIN, "em_services"))
    assert target["uri"] == uri(demo / "common.rules")
    assert target["range"]["start"] == {"line": 0, "character": 6}
    (section,) = client.request("textDocument/definition", at(client, address, MAIN, "cite coding", inside=6))
    assert section["uri"] == address and section["range"]["start"] == {"line": 8, "character": 8}
    found = client.request("textDocument/references", {**at(client, address, MAIN, "flagged by P23", inside=12),
                                                       "context": {"includeDeclaration": True}})
    lines = sorted(r["range"]["start"]["line"] for r in found)
    assert lines == [find(MAIN, "rule P23")[0], find(MAIN, "flagged by P23")[0], find(MAIN, "deny by P23")[0]]
    found = client.request("textDocument/references", {**at(client, address, MAIN, "flagged by P23", inside=12),
                                                       "context": {"includeDeclaration": False}})
    assert len(found) == 2


def test_completion_offers_fields_rules_codes_and_names(client: Client, demo: Path) -> None:
    address, _ = opened(client, demo / "main.rules")
    line, character = find(MAIN, "x.code")
    fields = client.request("textDocument/completion", client.position(address, line, character + 2))
    labels = {item["label"] for item in fields["items"]}
    assert {"code", "provider", "date", "units", "minutes"} <= labels and "em_services" not in labels
    line, character = find(MAIN, "P23-injection-with-em)")
    rules = client.request("textDocument/completion", client.position(address, line, character))
    assert {item["label"] for item in rules["items"]} == {"P23-injection-with-em", "P24-lone-injection"}
    line, character = find(MAIN, "96372\n")
    codes = client.request("textDocument/completion", client.position(address, line, character + 4))
    assert {item["label"] for item in codes["items"]} == {"96372", "96373"}
    line, character = find(MAIN, "  when any")
    anything = client.request("textDocument/completion", client.position(address, line, character + 7))
    labels = {item["label"] for item in anything["items"]}
    assert {"any", "where", "em_services", "injections", "ceil"} <= labels


def test_rename_reaches_every_file_the_pack_reads(client: Client, demo: Path) -> None:
    address, _ = opened(client, demo / "main.rules")
    prepared = client.request("textDocument/prepareRename", at(client, address, MAIN, "em_services"))
    assert prepared["placeholder"] == "em_services"
    edit = client.request("textDocument/rename", {**at(client, address, MAIN, "em_services"),
                                                  "newName": "office_visits"})
    changes = edit["changes"]
    assert set(changes) == {address, uri(demo / "common.rules")}
    for path, text in ((demo / "main.rules", MAIN), (demo / "common.rules", COMMON)):
        path.write_text(_applied(text, changes[uri(path)]), encoding="utf-8")
    assert "office_visits" in (demo / "main.rules").read_text(encoding="utf-8")
    compiled = compile_pack(demo / "main.rules", Sources())
    assert compiled.plan is not None, compiled.diagnostics
    rule = client.request("textDocument/rename", {**at(client, address, MAIN, "P23-injection-with-em", inside=3),
                                                  "newName": "P23-bundled"})
    assert len(rule["changes"][address]) == 3
    with pytest.raises(ServerError, match="already has a rule named `P24-lone-injection`"):
        client.request("textDocument/rename", {**at(client, address, MAIN, "P23-injection-with-em", inside=3),
                                               "newName": "P24-lone-injection"})
    with pytest.raises(ServerError, match="cannot be a name"):
        client.request("textDocument/rename", {**at(client, address, MAIN, "target injections", inside=8),
                                               "newName": "9x"})


def _applied(text: str, edits: list[dict[str, Any]]) -> str:
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)

    def offset(position: dict[str, int]) -> int:
        return starts[position["line"]] + position["character"]

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        text = text[:offset(edit["range"]["start"])] + edit["newText"] + text[offset(edit["range"]["end"]):]
    return text


def test_formatting_is_rulesc_fmt(client: Client, demo: Path) -> None:
    messy = MAIN.replace("  cite coding\n  on professional", "  on professional").replace(
        "  target injections\n", "  target injections\n  cite coding\n", 1).replace("  deny \"The", "    deny \"The")
    address, _ = opened(client, demo / "main.rules", messy)
    edits = client.request("textDocument/formatting", {"textDocument": {"uri": address},
                                                      "options": {"tabSize": 2, "insertSpaces": True}})
    assert edits and _applied(messy, edits) == format_source(messy, "main.rules")
    client.change(address, MAIN)
    assert client.request("textDocument/formatting", {"textDocument": {"uri": address},
                                                      "options": {"tabSize": 2, "insertSpaces": True}}) == []


# ---------------------------------------------------------------- tables read from files


@pytest.fixture
def ncci(tmp_path: Path) -> Path:
    shutil.copyfile(ROOT / "policies" / "ncci.rules", tmp_path / "ncci.rules")
    shutil.copytree(ROOT / "policies" / "ncci", tmp_path / "ncci")
    for path in (tmp_path / "ncci").iterdir():
        path.chmod(0o644)
    return tmp_path


def test_a_bad_cell_is_reported_in_the_table_file_at_its_row_and_column(client: Client, ncci: Path) -> None:
    table = ncci / "ncci" / "mue-practitioner.csv"
    rows = table.read_text(encoding="utf-8").splitlines()
    cells = rows[2].split(",")
    cells[1] = "many"
    rows[2] = ",".join(cells)
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    after = len(client.notifications)
    address = client.open(ncci / "ncci.rules")
    found = client.diagnostics(uri(table), after=after)
    assert [d["code"] for d in found] == ["bad-table-cell"]
    start = len(cells[0]) + 1
    assert found[0]["range"] == {"start": {"line": 2, "character": start},
                                 "end": {"line": 2, "character": start + len("many")}}
    assert "row 3, column" in found[0]["message"] and "'many'" in found[0]["message"]
    assert client.diagnostics(address, 1, after=after) == []


def test_hover_on_a_table_read_from_files_gives_its_files_rows_and_digest(client: Client, ncci: Path) -> None:
    text = (ncci / "ncci.rules").read_text(encoding="utf-8")
    address, _ = opened(client, ncci / "ncci.rules")
    shown = client.request("textDocument/hover", at(client, address, text, "table ptp ", inside=7))["contents"]["value"]
    assert shown.startswith("**table ptp**")
    rows = len((ncci / "ncci" / "ptp-practitioner.csv").read_text(encoding="utf-8").strip().splitlines()) - 1
    assert f"for professional claims: {rows:,} rows, sha256 `" in shown
    assert "key column_2, column_1; rows apply from `effective_date` until `deletion_date`" in shown
    assert "columns column_1: code, column_2: code" in shown


# ---------------------------------------------------------------- the conflict analysis, on save

OVERLAP = """\
pack clash
  title "Two rules that disagree"
  version "1.0"
  effective 2024-07-30
  source "clash.txt"

rule A1-deny "Deny an injection"
  target 96372
  when line.units > 1
  deny "Too many units."

rule A2-review "Review an injection"
  target 96372
  when line.units > 2
  review "Far too many units."

example "both"
  claim {"id": "C", "type": "professional", "pos": "11", "lines": [{"code": "96372", "date": "2024-09-12", "units": 3}]}
  expect line 1 deny by A1-deny
  expect line 1 review by A2-review
"""


@pytest.mark.slow
def test_saving_runs_the_conflict_analysis_and_its_precedence_becomes_a_quick_fix(tmp_path: Path) -> None:
    path = tmp_path / "clash.rules"
    path.write_text(OVERLAP, encoding="utf-8")
    client = Client()
    try:
        client.initialize()
        address, found = opened(client, path)
        assert found == []
        after = len(client.notifications)
        client.save(address)
        found = client.diagnostics(address, after=after, test=lambda d: any(x["code"] == "overlap" for x in d),
                                   timeout=120)
        (overlap,) = [d for d in found if d["code"] == "overlap"]
        assert "precedence" in overlap["message"]
        actions = client.request("textDocument/codeAction", {"textDocument": {"uri": address},
                                                             "range": overlap["range"],
                                                             "context": {"diagnostics": [overlap]}})
        titles = [a["title"] for a in actions]
        assert titles == ["Add `precedence A1-deny over A2-review`", "Add `precedence A2-review over A1-deny`"]
        fixed = _applied(OVERLAP, actions[0]["edit"]["changes"][address])
        path.write_text(fixed, encoding="utf-8")
        version = client.change(address, fixed)
        after = len(client.notifications)
        client.save(address)
        found = client.diagnostics(address, version, after=after, test=lambda d: not any(
            x["code"] == "overlap" for x in d), timeout=120)
        assert [d for d in found if d["severity"] == 1] == []
        # saved again unchanged: the analyzer's cache answers
        after = len(client.notifications)
        client.save(address)
        log = client.wait_for(lambda m: m.get("method") == "window/logMessage"
                              and "conflict analysis of clash.rules" in m["params"]["message"], after=after)
        assert log["params"]["type"] == 3
    finally:
        client.close()
