"""`rulesc fmt`: write rules files in the canonical layout (`compiler.syntax.format`).

Each file named is formatted on its own: imports, `extends` and table files are not followed, and
a table file named on the command line (`.csv`) is left as it is. A file that does not parse gets
its diagnostics and is never rewritten. `--check` and `--diff` write nothing; `-` reads standard
input and writes the formatted text to standard output.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from compiler.commands.common import Style, show
from compiler.diagnostics import Collector, Sources
from compiler.pipeline import EXIT_ERRORS, EXIT_OK, exit_code
from compiler.syntax.format import FormatError, Unformattable, format_source
from compiler.syntax.loader import display_path
from compiler.words import counted

TABLE_SUFFIXES = (".csv",)
"""Files read as tables, never formatted."""
STDIN = "-"


@dataclass(frozen=True)
class FmtOptions:
    files: tuple[str, ...]
    check: bool = False
    diff: bool = False
    style: Style = field(default_factory=Style)


@dataclass
class _Tally:
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: bool = False


def run(options: FmtOptions) -> int:
    sources = Sources()
    out = Collector()
    tally = _Tally()
    for name in options.files:
        if name != STDIN and name.lower().endswith(TABLE_SUFFIXES):
            continue
        key = "<stdin>" if name == STDIN else display_path(Path(name))
        text = _read(name, key, out)
        if text is None:
            continue
        sources.add(key, text)
        try:
            formatted = format_source(text, key)
        except Unformattable as error:
            out.items.extend(error.diagnostics)
            continue
        except FormatError as error:
            sys.stderr.write(f"rulesc fmt: cannot format {key}: {error}; it is left as it is (this is a bug "
                             "of rulesc fmt)\n")
            tally.failed = True
            continue
        if name == STDIN and not (options.check or options.diff):
            sys.stdout.write(formatted)
        if formatted == text:
            tally.unchanged += 1
            continue
        tally.changed.append(key)
        if options.diff:
            sys.stdout.writelines(unified_diff(key, text, formatted))
        if not (options.check or options.diff) and name != STDIN:
            Path(name).write_text(formatted, encoding="utf-8")
    show(out.items, sources, options.style)
    if options.style.format == "text":
        _summary(tally, options)
    code = exit_code(out.items)
    if code:
        return code
    if tally.failed or (options.check and tally.changed):
        return EXIT_ERRORS
    return EXIT_OK


def _read(name: str, key: str, out: Collector) -> str | None:
    if name == STDIN:
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        out.error("unreadable-file", f"cannot read {key}: it is not UTF-8 text", None, "save it as UTF-8")
    except OSError as exc:
        out.error("unreadable-file", f"cannot read {key}: {exc.strerror or exc}", None, "check the path")
    return None


def unified_diff(key: str, before: str, after: str) -> Iterator[str]:
    """What formatting changes in a file, as a unified diff."""
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=key, tofile=f"{key} (formatted)")
    for line in lines:
        yield line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def _summary(tally: _Tally, options: FmtOptions) -> None:
    verb = "would reformat" if options.check or options.diff else "reformatted"
    for key in tally.changed:
        sys.stderr.write(f"{verb} {key}\n")
    done = len(tally.changed)
    if done:
        done_how = "would be reformatted" if options.check or options.diff else "reformatted"
        changed = f"{counted(done, 'file')} {done_how}"
        sys.stderr.write(f"{changed}, {tally.unchanged} already formatted\n")
    elif tally.unchanged:
        sys.stderr.write(f"{counted(tally.unchanged, 'file')} already formatted\n")
