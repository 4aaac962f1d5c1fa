"""`rulesc lsp`: start the language server on standard input and output (`compiler.lsp`).

The server needs the `lsp` extra (pygls and lsprotocol); without it the command says which extra
to install and exits 2, as `eval` does for a missing format's extra.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass

from compiler.inputs.extras import installed
from compiler.pipeline import EXIT_OK, EXIT_USAGE


@dataclass(frozen=True)
class LspOptions:
    debounce_ms: int | None = None  # None: the server's default


NEEDS_EXTRA = "rulesc lsp: the language server needs the lsp extra: pip install 'rulesc[lsp]'\n"


def run(options: LspOptions) -> int:
    if not (installed("pygls") and installed("lsprotocol")):
        sys.stderr.write(NEEDS_EXTRA)
        return EXIT_USAGE
    try:
        server = importlib.import_module("compiler.lsp.server")
    except ImportError as error:  # found but not importable: a broken or too old install of the extra
        sys.stderr.write(NEEDS_EXTRA.rstrip("\n") + f" (importing it failed: {error})\n")
        return EXIT_USAGE
    debounce = server.DEBOUNCE if options.debounce_ms is None else options.debounce_ms / 1000
    server.serve(debounce)
    return EXIT_OK
