"""`rulesc lsp` without its extra: run in every clone, with the extra installed or not (the server's
own tests, tests/lsp/test_server.py, are skipped where pygls is missing)."""

from __future__ import annotations

import sys

import pytest

import compiler.commands.lsp as command
from tests.helpers import run_cli


@pytest.mark.parametrize("missing", ["pygls", "lsprotocol"])
def test_without_the_extra_the_command_says_which_to_install(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    monkeypatch.setattr(command, "installed", lambda module: module != missing)
    code, out, err = run_cli("lsp")
    assert (code, out) == (2, "")
    assert err == "rulesc lsp: the language server needs the lsp extra: pip install 'rulesc[lsp]'\n"


def test_an_extra_that_cannot_be_imported_is_named_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "installed", lambda module: True)
    monkeypatch.setitem(sys.modules, "compiler.lsp.server", None)  # its import fails with ImportError
    code, _, err = run_cli("lsp")
    assert code == 2
    assert err.startswith("rulesc lsp: the language server needs the lsp extra: pip install 'rulesc[lsp]' "
                          "(importing it failed: ")
    assert err.count("\n") == 1


def test_the_debounce_is_a_number_of_milliseconds() -> None:
    code, _, err = run_cli("lsp", "--debounce", "soon")
    assert code == 2
    assert "expected a number of milliseconds, 0 or more, not 'soon'" in err
