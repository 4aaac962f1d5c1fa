"""The output folder of `rulesc build`: the files it writes, compared with what is on disk, and written.

`files` maps paths relative to the folder (`cpcp026.py`, `cpcp026-policy/README.md`) to their text.
A subfolder that build writes into (a pack's Markdown pages) belongs to build whole: a file in it
that build did not write is left over from an earlier build (a page of a part that has since shrunk,
a section that was renamed) and is removed, and `--check` reports it as extra. In the folder itself
build owns only its own files and, among the others, those an earlier layout of its output wrote
(`retired`, such as the single Markdown document `cpcp026.md`): the application's own files beside
the module (`__init__.py`, anything else) are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Difference:
    """How the folder differs from what build would write, by relative path in sorted order."""

    stale: tuple[str, ...]  # on disk with other contents
    missing: tuple[str, ...]
    extra: tuple[str, ...]  # on disk, not written by build, in a folder build owns or retired

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing or self.extra)


def read(path: Path) -> str | None:
    """A file's text as build compares it, or None when it cannot be read."""
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


def owned_folders(files: Iterable[str]) -> tuple[str, ...]:
    """The subfolders build writes into (each a folder it owns whole)."""
    return tuple(sorted({name.split("/", 1)[0] for name in files if "/" in name}))


def extras(out_dir: Path, files: Mapping[str, str], retired: Iterable[str] = ()) -> tuple[str, ...]:
    """Files on disk that build did not write: in the subfolders it owns, and the retired ones."""
    found = {name for name in retired if name not in files and (out_dir / name).is_file()}
    for folder in owned_folders(files):
        root = out_dir / folder
        if root.is_dir():
            found.update(path.relative_to(out_dir).as_posix() for path in root.rglob("*")
                         if not path.is_dir() and path.relative_to(out_dir).as_posix() not in files)
    return tuple(sorted(found))


def compare(out_dir: Path, files: Mapping[str, str], retired: Iterable[str] = ()) -> Difference:
    stale, missing = [], []
    for name, text in sorted(files.items()):
        current = read(out_dir / name)
        if current is None:
            missing.append(name)
        elif current != text:
            stale.append(name)
    return Difference(tuple(stale), tuple(missing), extras(out_dir, files, retired))


def write(out_dir: Path, files: Mapping[str, str], retired: Iterable[str] = ()) -> tuple[str, ...]:
    """Write every file (creating the folders), then remove the extras; the removed files' paths.
    Raises OSError when the folder cannot be written."""
    for name, text in sorted(files.items()):
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    removed = extras(out_dir, files, retired)
    for name in removed:
        (out_dir / name).unlink()
    for folder in owned_folders(files):  # subfolders the removals left empty
        for path in sorted((out_dir / folder).rglob("*"), reverse=True):
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return removed
