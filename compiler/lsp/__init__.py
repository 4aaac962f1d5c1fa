"""The language server (`rulesc lsp`): diagnostics as the analyst types, hover, go to definition,
find references, completion, rename, quick fixes and formatting for rules files, over the
compiler's own stages. Needs the `lsp` extra (pygls, lsprotocol); nothing else imports it.

Modules: positions.py (offsets and the protocol's positions), index.py (the names of a pack and
where each is written), workspace.py (open documents and the latest check of each pack),
analysis.py (the conflict analysis on save, in a worker process), features.py (one function per
request), server.py (pygls wiring, debouncing, publishing).
"""
