"""A small language server client for the tests: `python -m compiler lsp` in a subprocess, spoken
to in JSON-RPC over its standard input and output, as an editor does."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from tests.conftest import ROOT


def uri(path: Path) -> str:
    return "file://" + quote(str(path.resolve()))


class ServerError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", ""))
        self.error = error


class Client:
    """One server process. `request` waits for the answer; notifications the server sends are kept
    in order and read with `wait_for`."""

    def __init__(self, *args: str, cwd: Path = ROOT) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen([sys.executable, "-m", "compiler", "lsp", *args], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env)
        self._ids = 0
        self._answers: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.notifications: list[dict[str, Any]] = []
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._errors: list[bytes] = []
        threading.Thread(target=self._drain, args=(self.process.stderr,), daemon=True).start()
        self.versions: dict[str, int] = {}

    # ------------------------------------------------------------ the wire
    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body)
        self.process.stdin.flush()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None
            message = json.loads(stream.read(length))
            if "id" in message and "method" in message:  # a request from the server: answered with null
                self._send({"id": message["id"], "result": None})
            elif "id" in message:
                with self._lock:
                    answers = self._answers.get(message["id"])
                if answers is not None:
                    answers.put(message)
            else:
                with self._arrived:
                    self.notifications.append({**message, "at": time.perf_counter()})
                    self._arrived.notify_all()

    def _drain(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._errors.append(line)

    @property
    def stderr(self) -> str:
        return b"".join(self._errors).decode("utf-8", "replace")

    def request(self, method: str, params: Any, timeout: float = 60) -> Any:
        with self._lock:
            self._ids += 1
            number = self._ids
            answers: queue.Queue[dict[str, Any]] = queue.Queue()
            self._answers[number] = answers
        self._send({"id": number, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            try:
                answer = answers.get(timeout=0.2)
                break
            except queue.Empty:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise TimeoutError(f"no answer to {method}; server said: {self.stderr[-2000:]}") from None
        if "error" in answer:
            raise ServerError(answer["error"])
        return answer.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def wait_for(self, test: Callable[[dict[str, Any]], bool], timeout: float = 60, after: int = 0) -> dict[str, Any]:
        """The first notification (from index `after`) that passes `test`."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for message in self.notifications[after:]:
                    if test(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no such notification in {timeout} s; server said: {self.stderr[-2000:]}")
                self._arrived.wait(left)

    # ------------------------------------------------------------ an editor's steps
    def initialize(self, root: Path = ROOT) -> dict[str, Any]:
        capabilities = {"textDocument": {"rename": {"prepareSupport": True},
                                         "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
                                         "hover": {"contentFormat": ["markdown", "plaintext"]}}}
        result: dict[str, Any] = self.request("initialize", {"processId": os.getpid(), "rootUri": uri(root),
                                                             "capabilities": capabilities})
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str | None = None, language: str = "rules") -> str:
        address = uri(path)
        self.versions[address] = 1
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": address, "languageId": language, "version": 1,
            "text": path.read_text(encoding="utf-8") if text is None else text}})
        return address

    def change(self, address: str, text: str) -> int:
        """Replace the document's text (one change without a range); its new version."""
        self.versions[address] += 1
        version = self.versions[address]
        self.notify("textDocument/didChange", {"textDocument": {"uri": address, "version": version},
                                               "contentChanges": [{"text": text}]})
        return version

    def edit(self, address: str, line: int, character: int, end_line: int, end_character: int, text: str) -> int:
        """An incremental change, as editors send one per keystroke; the document's new version."""
        self.versions[address] += 1
        version = self.versions[address]
        self.notify("textDocument/didChange", {"textDocument": {"uri": address, "version": version},
                                               "contentChanges": [{"range": {
                                                   "start": {"line": line, "character": character},
                                                   "end": {"line": end_line, "character": end_character}},
                                                   "text": text}]})
        return version

    def save(self, address: str) -> None:
        self.notify("textDocument/didSave", {"textDocument": {"uri": address}})

    def diagnostics(self, address: str, version: int | None = None, timeout: float = 60, after: int = 0,
                    test: Callable[[list[dict[str, Any]]], bool] | None = None) -> list[dict[str, Any]]:
        """The diagnostics next published for a document (of that version, passing `test`)."""
        def matches(message: dict[str, Any]) -> bool:
            if message.get("method") != "textDocument/publishDiagnostics":
                return False
            params = message["params"]
            if params["uri"] != address or (version is not None and params.get("version") != version):
                return False
            return test is None or test(params["diagnostics"])

        found: list[dict[str, Any]] = self.wait_for(matches, timeout, after)["params"]["diagnostics"]
        return found

    def position(self, address: str, line: int, character: int) -> dict[str, Any]:
        return {"textDocument": {"uri": address}, "position": {"line": line, "character": character}}

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                self.request("shutdown", None, timeout=20)
                self.notify("exit", None)
                self.process.wait(timeout=20)
        except (TimeoutError, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()


def find(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """The (line, character) where the nth occurrence of `needle` starts in `text` (ASCII text)."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at)
    return line, at - (text.rfind("\n", 0, at) + 1)
