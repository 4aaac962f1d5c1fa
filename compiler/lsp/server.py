"""`rulesc lsp`: the language server, over standard input and output (pygls).

Every change to a document schedules a check of the packs it concerns (`workspace.Workspace.check`)
once the edits pause for `debounce` seconds; checks run one at a time on a thread of their own, a
burst of edits made during one is checked once after it, and each check publishes the diagnostics
of every file the pack reads (its own, the files it imports or extends, and its tables' CSV
files). Saving a pack also sends it to the conflict analyzer in a worker process (`analysis.py`);
its errors and warnings join the file's diagnostics when they come. Requests (hover, definition,
references, completion, rename, quick fixes, formatting) are answered from the latest check of
the document's pack, after bringing it up to date with the document first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from compiler.diagnostics import Diagnostic
from compiler.lsp import features
from compiler.lsp.analysis import Analyst, Analyzed
from compiler.lsp.positions import Lines
from compiler.lsp.workspace import Snapshot, Workspace, path_to_uri, uri_to_path
from compiler.version import version

DEBOUNCE = 0.04
"""Seconds the edits must pause before a check (`rulesc lsp --debounce MS`)."""


class RulesServer:
    """The server's state: the workspace, the checking thread, the analysis worker, what was
    published."""

    def __init__(self, debounce: float = DEBOUNCE) -> None:
        self.server = LanguageServer("rulesc", version(), text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.debounce = debounce
        self.workspace = Workspace()
        self.checking = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rulesc-lsp-check")
        self.analyst = Analyst(self._analyzed_elsewhere)
        self.analysis: dict[Path, tuple[tuple[Diagnostic, ...], dict[str, Lines]]] = {}
        self.analysing: set[Path] = set()
        self.again: set[Path] = set()
        self.pending: set[Path] = set()
        self.timer: asyncio.TimerHandle | None = None
        self.running: asyncio.Future[None] | None = None
        self.published: set[Path] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._register()

    # ------------------------------------------------------------ wiring
    def _register(self) -> None:
        server = self.server

        @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
        def did_open(ls: LanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
            item = params.text_document
            self.workspace.open(item.uri, item.text, item.version)
            self._changed(uri_to_path(item.uri))

        @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
        def did_change(ls: LanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
            document = ls.workspace.get_text_document(params.text_document.uri)
            self.workspace.open(params.text_document.uri, document.source, params.text_document.version)
            self._changed(uri_to_path(params.text_document.uri))

        @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=False))
        def did_save(ls: LanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
            path = uri_to_path(params.text_document.uri)
            for root in self.workspace.roots_for(path):
                self._analyse(root)

        @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
        def did_close(ls: LanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
            path = uri_to_path(params.text_document.uri)
            self.workspace.close(params.text_document.uri)
            if path in self.workspace.snapshots and not any(
                    s.reads(d) for s in (self.workspace.snapshots[path],) for d in self.workspace.documents):
                self.workspace.forget(path)
            self._changed(path)

        @server.feature(lsp.TEXT_DOCUMENT_HOVER)
        async def hover(ls: LanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
            found = await self.snapshot(params.text_document.uri)
            return None if found is None else features.hover(found, uri_to_path(params.text_document.uri),
                                                             params.position)

        @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
        async def definition(ls: LanguageServer, params: lsp.DefinitionParams) -> list[lsp.Location] | None:
            found = await self.snapshot(params.text_document.uri)
            return None if found is None else features.definition(found, uri_to_path(params.text_document.uri),
                                                                  params.position)

        @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
        async def references(ls: LanguageServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
            found = await self.snapshot(params.text_document.uri)
            if found is None:
                return []
            return features.references(found, uri_to_path(params.text_document.uri), params.position,
                                       params.context.include_declaration)

        @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["."]))
        async def completion(ls: LanguageServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
            found = await self.snapshot(params.text_document.uri)
            return None if found is None else features.completion(found, uri_to_path(params.text_document.uri),
                                                                  params.position)

        @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
        async def prepare_rename(ls: LanguageServer, params: lsp.PrepareRenameParams
                                 ) -> lsp.PrepareRenamePlaceholder | None:
            found = await self.snapshot(params.text_document.uri)
            return None if found is None else features.prepare_rename(
                found, uri_to_path(params.text_document.uri), params.position)

        @server.feature(lsp.TEXT_DOCUMENT_RENAME, lsp.RenameOptions(prepare_provider=True))
        async def rename(ls: LanguageServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
            found = await self.snapshot(params.text_document.uri)
            if found is None:
                return None
            try:
                return features.rename(found, uri_to_path(params.text_document.uri), params.position,
                                       params.new_name)
            except features.RenameError as error:
                raise JsonRpcInvalidParams(str(error)) from None

        @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
        async def code_action(ls: LanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
            document = self.workspace.document(params.text_document.uri)
            if document is None:
                return []
            found = await self.snapshot(params.text_document.uri)
            return features.code_actions(document, found, params.context.diagnostics)

        @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
        def formatting(ls: LanguageServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
            document = self.workspace.document(params.text_document.uri)
            if document is None:
                return None
            return features.formatting(document, document.path.name)

        @server.feature(lsp.SHUTDOWN)
        def shutdown(ls: LanguageServer, params: None) -> None:
            self.close()

    def close(self) -> None:
        self.analyst.close()
        self.checking.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------ checks
    def _changed(self, path: Path) -> None:
        self.loop = asyncio.get_running_loop()
        roots = self.workspace.roots_for(path)
        self.pending.update(roots)
        if not roots:
            self._publish_loose(path)
        if self.timer is not None:
            self.timer.cancel()
        self.timer = self.loop.call_later(self.debounce, self._start)

    def _start(self) -> None:
        self.timer = None
        if self.running is not None and not self.running.done():
            return  # the check under way starts the next one when it ends
        if not self.pending:
            return
        roots, self.pending = sorted(self.pending), set()
        assert self.loop is not None
        self.running = asyncio.ensure_future(self._check(roots))

    async def _check(self, roots: list[Path]) -> None:
        assert self.loop is not None
        snapshots = await self.loop.run_in_executor(self.checking, self._check_all, roots)
        self._publish(snapshots)
        if self.pending and self.timer is None:
            self._start()

    def _check_all(self, roots: Iterable[Path]) -> list[Snapshot]:
        return [self.workspace.check(root) for root in roots]

    async def snapshot(self, uri: str) -> Snapshot | None:
        """The latest check of the document's pack, brought up to date with the document first."""
        path = uri_to_path(uri)
        roots = self.workspace.roots_for(path)
        stale = [root for root in roots if not self.workspace.fresh(root)]
        if stale:
            if self.running is not None and not self.running.done():
                await asyncio.shield(self.running)
            stale = [root for root in roots if not self.workspace.fresh(root)]
        if stale:
            assert self.loop is not None or stale == []
            loop = asyncio.get_running_loop()
            self.pending.difference_update(stale)
            self._publish(await loop.run_in_executor(self.checking, self._check_all, stale))
        return self.workspace.snapshot_for(path)

    # ------------------------------------------------------------ the conflict analysis, on save
    def _analyse(self, root: Path) -> None:
        self.loop = asyncio.get_running_loop()
        if root in self.analysing:
            self.again.add(root)
            return
        self.analysing.add(root)
        self.analyst.request(str(root))

    def _analyzed_elsewhere(self, result: Analyzed) -> None:
        """From the worker's listener thread: hand the result to the server's loop."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._analyzed, result)

    def _analyzed(self, result: Analyzed) -> None:
        if result.failure is not None:
            self.server.window_log_message(lsp.LogMessageParams(
                lsp.MessageType.Error, f"rulesc: the conflict analysis failed: {result.failure}"))
            self.analysing.clear()
            return
        root = Path(result.root)
        self.analysing.discard(root)
        lines = {path: Lines(text) for path, text in result.texts}
        self.analysis[root] = (result.diagnostics, lines)
        self.server.window_log_message(lsp.LogMessageParams(
            lsp.MessageType.Info, f"rulesc: conflict analysis of {root.name}: {len(result.diagnostics)} error(s) and "
                                  f"warning(s), {result.seconds:.2f} s"))
        snapshot = self.workspace.snapshots.get(root)
        if snapshot is not None:
            self._publish([snapshot])
        if root in self.again:
            self.again.discard(root)
            self._analyse(root)

    # ------------------------------------------------------------ publishing
    def _publish(self, snapshots: Iterable[Snapshot]) -> None:
        touched: set[Path] = set()
        for snapshot in snapshots:
            touched.update(snapshot.files.values())
            touched.add(snapshot.root)
        for path in sorted(touched):
            self._publish_file(path)

    def _publish_file(self, path: Path) -> None:
        workspace = self.workspace
        found: list[lsp.Diagnostic] = []
        seen: set[tuple[object, ...]] = set()
        reading = [s for s in workspace.snapshots.values() if s.reads(path) or s.root == path]
        for snapshot in reading:
            lines_of = {key: snapshot.lines(key) for key in snapshot.files}
            for key, file in snapshot.files.items():
                if file != path:
                    continue
                for diagnostic in snapshot.diagnostics:
                    place = diagnostic.span.path if diagnostic.span is not None else snapshot.key
                    if place == key:
                        self._add(found, seen, features.to_lsp(diagnostic, snapshot.lines(key), lines_of,
                                                               snapshot.files))
            analysed = self.analysis.get(snapshot.root)
            if analysed is not None:
                diagnostics, texts = analysed
                for diagnostic in diagnostics:
                    key = diagnostic.span.path if diagnostic.span is not None else snapshot.key
                    if (snapshot.files.get(key) or Path(key).resolve()) == path and key in texts:
                        self._add(found, seen, features.to_lsp(diagnostic, texts[key], texts, snapshot.files))
        document = workspace.documents.get(path)
        if not found and path not in self.published and document is None:
            return
        self.server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            path_to_uri(path), found, document.version if document is not None else None))
        if found:
            self.published.add(path)
        else:
            self.published.discard(path)

    @staticmethod
    def _add(found: list[lsp.Diagnostic], seen: set[tuple[object, ...]], diagnostic: lsp.Diagnostic) -> None:
        key = (diagnostic.code, diagnostic.message, diagnostic.range.start.line, diagnostic.range.start.character)
        if key not in seen:
            seen.add(key)
            found.append(diagnostic)

    def _publish_loose(self, path: Path) -> None:
        """An open file no pack reads: its syntax errors alone."""
        document = self.workspace.documents.get(path)
        if document is None or path.suffix.lower() == ".csv":
            if path in self.published:
                self.server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(path_to_uri(path), []))
                self.published.discard(path)
            return
        lines = Lines(document.text)
        found = [features.to_lsp(d, lines, {}, {}) for d in self.workspace.loose(path)]
        self.server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(path_to_uri(path), found,
                                                                                   document.version))
        if found:
            self.published.add(path)
        else:
            self.published.discard(path)


def serve(debounce: float = DEBOUNCE) -> None:
    """Run the server over standard input and output until the client exits."""
    logging.basicConfig(level=logging.WARNING, format="rulesc lsp: %(message)s")
    state = RulesServer(debounce)
    try:
        state.server.start_io()
    finally:
        state.close()
