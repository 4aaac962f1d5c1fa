"""What the analyzer keeps between runs, so that `check` in an editor loop and tests that compile
many packs stay fast, and an edit re-asks only the questions it touches. Standard library only.

The cache lives in `$RULESC_CACHE_DIR`, else `$XDG_CACHE_HOME/rulesc`, else `~/.cache/rulesc`
(outside the project tree), under `analysis/v<ANALYZER_VERSION>/`:

- `answers/`: the answer to each question (a proof of absence, a witness claim, or no answer),
  keyed by what the question reads (`questions.Question.key`). Answers, not entries: messages and
  positions come from the pack of the run that reads them.
- `reports/`: whole reports, keyed by the pack's content digest, the options and the path the run
  named the file by (the report's locations name it so).
- `verdicts/`: by the pack's content digest alone, whether its report has an unresolved error:
  what `rulesc eval` and `rulesc test` check before they run a pack.

Every file is written whole under a temporary name and renamed, so a reader in another process
never sees half of one; two processes that write the same key write the same bytes. The size is
bounded: when a run has stored anything, a folder holding more than its bound (answers 50,000,
reports 500, verdicts 5,000 files, a few kilobytes each) loses its least recently used files down
to four fifths of the bound (a file read is marked used), and folders of other analyzer versions
are removed. A cache that cannot be read or written is skipped silently: it only saves time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from compiler.analysis.conflicts.report import Report
from compiler.analysis.conflicts.settings import ANALYZER_VERSION

BOUNDS = {"answers": 50_000, "reports": 500, "verdicts": 5_000}


def digest_of(value: object) -> str:
    """A key for any value whose repr is deterministic (the callers build them so)."""
    return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()


def _root(folder: Path) -> Path:
    return folder / "analysis" / f"v{ANALYZER_VERSION}"


def _path(folder: Path, kind: str, key: str) -> Path:
    return _root(folder) / kind / key[:2] / f"{key}.json"


def _read(path: Path) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used: the last to go when the folder is trimmed
    return data


class Writer:
    """Writes cache files atomically; trims a folder once, after the run stored something in it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.stored: set[str] = set()
        self.broken = False

    def write(self, kind: str, key: str, data: Any) -> None:
        if self.broken:
            return
        path = _path(self.folder, kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, suffix=".tmp",
                                             delete=False) as out:
                json.dump(data, out, ensure_ascii=False)  # in order: a witness reads as it was found
                temporary = out.name
            os.replace(temporary, path)
            self.stored.add(kind)
        except OSError:
            self.broken = True  # an unwritable cache: say nothing, try no more

    def trim(self) -> None:
        """Bound every folder this writer stored into (see the module's note)."""
        if self.broken or not self.stored:
            return
        try:
            for other in (self.folder / "analysis").iterdir():
                if other.name != f"v{ANALYZER_VERSION}":
                    if other.is_dir():
                        shutil.rmtree(other, ignore_errors=True)
                    else:
                        other.unlink(missing_ok=True)  # the single-file layout of earlier versions
        except OSError:
            pass
        for kind in sorted(self.stored):
            trim_folder(_root(self.folder) / kind, BOUNDS[kind])


def trim_folder(folder: Path, bound: int) -> int:
    """Remove the least recently used files of `folder` (one level of subfolders) down to four
    fifths of `bound` when it holds more than `bound`; the number removed."""
    files: list[tuple[float, str]] = []
    try:
        for shard in os.scandir(folder):
            if shard.is_dir():
                for entry in os.scandir(shard.path):
                    try:
                        files.append((entry.stat().st_mtime, entry.path))
                    except OSError:
                        continue
    except OSError:
        return 0
    if len(files) <= bound:
        return 0
    files.sort()
    removed = 0
    for _, path in files[:len(files) - bound * 4 // 5]:
        try:
            os.unlink(path)
            removed += 1
        except OSError:
            continue
    return removed


# ---------------------------------------------------------------- whole reports


def report_key(digest: str, options: dict[str, Any]) -> str:
    return digest_of(("report", digest, sorted(options.items())))


def load_report(folder: Path, key: str) -> Report | None:
    data = _read(_path(folder, "reports", key))
    if data is None:
        return None
    try:
        return Report.from_cache(data)
    except (KeyError, TypeError, ValueError):
        return None


def store_report(writer: Writer, key: str, report: Report) -> None:
    writer.write("reports", key, report.to_cache())


# ---------------------------------------------------------------- answers


def load_answer(folder: Path, key: str) -> dict[str, Any] | None:
    data = _read(_path(folder, "answers", key))
    return data if isinstance(data, dict) else None


def store_answer(writer: Writer, key: str, answer: dict[str, Any]) -> None:
    writer.write("answers", key, answer)


# ---------------------------------------------------------------- verdicts for eval and test


def store_verdict(writer: Writer, digest: str, report: Report) -> None:
    unresolved = [e for e in report.conflicts if e.severity == "error"]
    writer.write("verdicts", digest, {
        "pack": report.pack, "failed": report.failed, "summary": report.summary(),
        "errors": [{"kind": e.kind, "rules": e.rules, "message": e.message} for e in unresolved[:5]]})


def load_verdict(folder: Path, digest: str) -> dict[str, Any] | None:
    """What the analysis of the pack with this content digest found, or None when it was never
    analyzed (with the default options) by this version of the analyzer."""
    data = _read(_path(folder, "verdicts", digest))
    if not isinstance(data, dict) or not isinstance(data.get("failed"), bool):
        return None
    return data


# ---------------------------------------------------------------- what the answers were computed by

_COMPILER = Path(__file__).resolve().parents[2]
_DIGEST: list[str] = []


def compiler_digest() -> str:
    """The digest of the compiler's own files: a changed compiler (an encoding, the interpreter)
    asks every question again, even where the analyzer's version was not bumped."""
    if not _DIGEST:
        digest = hashlib.sha256()
        for path in sorted(_COMPILER.rglob("*")):
            if path.suffix in (".py", ".lark") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(_COMPILER).as_posix().encode("utf-8") + b"\0" + path.read_bytes())
        _DIGEST.append(digest.hexdigest())
    return _DIGEST[0]
