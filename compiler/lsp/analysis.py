"""The conflict analysis of a saved pack, off the server's threads: in a worker process of its own,
started at the first save and kept for the next ones, so that the solver never holds up an answer
to the editor. The worker calls the analyzer's public entry point (`compiler.pipeline.analysis_for`,
which keeps its reports in the analyzer's cache by the pack's content: a pack saved unchanged is
answered at once) on the file as saved on disk, and sends back the report's errors and warnings as
diagnostics with the text of the files they point into.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

from compiler.diagnostics import Diagnostic, Sources
from compiler.pipeline import analysis_for, as_diagnostics, compile_pack


@dataclass(frozen=True)
class Analyzed:
    """What the worker found for one request: the diagnostics (none when the pack does not compile:
    the checks on every change say why) with the texts their spans point into, the seconds it
    took, or the failure of the worker itself."""

    token: int
    root: str
    diagnostics: tuple[Diagnostic, ...] = ()
    texts: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    failure: str | None = None


def analyze_file(root: str) -> tuple[tuple[Diagnostic, ...], tuple[tuple[str, str], ...], float]:
    """The conflict report of the pack at `root` as diagnostics (as `rulesc check` prints them)."""
    sources = Sources()
    compiled = compile_pack(root, sources)
    if compiled.plan is None:
        return (), (), 0.0
    report = analysis_for(compiled.plan, sources)
    diagnostics = tuple(as_diagnostics(report, sources))
    paths = sorted({d.span.path for d in diagnostics if d.span is not None})
    return diagnostics, tuple((p, sources.text(p) or "") for p in paths), report.seconds


def _serve(requests: Any, results: Any) -> None:
    """The worker: analyze each requested pack in turn until told to stop (None)."""
    while True:
        request = requests.get()
        if request is None:
            return
        token, root = request
        try:
            diagnostics, texts, seconds = analyze_file(root)
            results.put(Analyzed(token, root, diagnostics, texts, seconds))
        except Exception:  # a bug of the analyzer: said to the editor, the server goes on
            results.put(Analyzed(token, root, failure=traceback.format_exc(limit=8)))


class Analyst:
    """The worker process and its two queues. `request(root)` returns a token; `on_result` is called
    (on a thread of this class) with each Analyzed."""

    def __init__(self, on_result: Callable[[Analyzed], None]) -> None:
        self.on_result = on_result
        self._context = multiprocessing.get_context("spawn")
        self._requests: Any = None
        self._results: Any = None
        self._process: BaseProcess | None = None
        self._listener: threading.Thread | None = None
        self._tokens = 0
        self._closed = False

    def _start(self) -> None:
        self._requests = self._context.Queue()
        self._results = self._context.Queue()
        self._process = self._context.Process(target=_serve, args=(self._requests, self._results), daemon=True,
                                              name="rulesc-lsp-analysis")
        self._process.start()
        self._listener = threading.Thread(target=self._listen, daemon=True, name="rulesc-lsp-analysis-results")
        self._listener.start()

    def request(self, root: str) -> int:
        if self._process is None or not self._process.is_alive():
            self._start()
        self._tokens += 1
        self._requests.put((self._tokens, root))
        return self._tokens

    def _listen(self) -> None:
        results = self._results
        while not self._closed:
            try:
                found = results.get(timeout=0.5)
            except queue.Empty:
                if self._process is not None and not self._process.is_alive() and not self._closed:
                    self.on_result(Analyzed(-1, "", failure="the analysis worker stopped"))
                    return
                continue
            except (EOFError, OSError):
                return
            self.on_result(found)

    def close(self) -> None:
        self._closed = True
        if self._process is not None and self._process.is_alive():
            self._requests.put(None)
            self._process.join(timeout=1)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(timeout=1)
