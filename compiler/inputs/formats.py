"""Which reader a claim input needs, and the records it gives: JSON, X12 837, FHIR R4, Parquet.

`--input-format auto` (the default) looks at the input: a folder, a `.parquet` name or the
Parquet magic `PAR1` is Parquet; text that starts with `ISA` is X12; JSON whose first part
(64 KiB) has a `"resourceType":` key is FHIR; anything else is the contract's JSON. Each reader
other than JSON needs its extra; a missing one raises `MissingExtra` naming it. Every reader
yields `Record`s in input order, so whatever consumes them (`compiler.batch`) does not depend on
the format.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from compiler.inputs.extras import need
from compiler.inputs.jsonstream import Lines, open_text, read_claim_records
from compiler.inputs.lines import SPLIT_FORMATS
from compiler.inputs.records import Record
from compiler.inputs.x12parts import Part, transaction_sets

INPUT_FORMATS = ("auto", "json", "x12", "fhir", "parquet")
OUTPUT_FORMATS = ("jsonl", "parquet")
SNIFF = 1 << 16
_RESOURCE = re.compile(rb'(?<!\\)"resourceType"\s*:')
INPUT_NAMES = {"x12": "X12 input", "fhir": "FHIR input", "parquet": "Parquet input"}
# The readers of the formats that need an extra, imported by name when asked for, so that the base
# install never imports pyx12, fhir.resources or pyarrow (and starts as fast as before).
READERS = {"x12": ("compiler.inputs.x12", "read_x12_records"),
           "fhir": ("compiler.inputs.fhir", "read_fhir_records"),
           "parquet": ("compiler.inputs.parquet", "read_parquet_records")}


class InputError(Exception):
    """The input cannot be read in the format asked for (the command cannot run: exit 2)."""


def sniff(head: bytes) -> str:
    """The format of an input that starts with `head`: parquet, x12, fhir or json."""
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"ISA"):
        return "x12"
    if text[:1] in (b"{", b"[") and _RESOURCE.search(head):
        return "fhir"
    return "json"


def detect(path: str, stdin: IO[bytes] | None = None) -> str:
    """The format of the input at `path` ("-": standard input, peeked without consuming it)."""
    if path == "-":
        peek = getattr(stdin, "peek", None)
        return sniff(peek(SNIFF)[:SNIFF]) if callable(peek) else "json"
    file = Path(path)
    if file.is_dir() or file.suffix.lower() == ".parquet":
        return "parquet"
    with open(file, "rb") as source:
        return sniff(source.read(SNIFF))


@dataclass(frozen=True)
class Input:
    """An input opened for reading in one format (`open_input`).

    `records()` reads it in this process. Where the format splits, worker processes can parse the
    parts apart: `lines` is the text of a format with a record on each line (JSON Lines, NDJSON
    FHIR: `compiler.inputs.lines.SPLIT_FORMATS`); `parts()` cuts an X12 file into its transaction
    sets (`compiler.inputs.x12parts`; None when its envelope asks for one reader of the whole)."""

    format: str
    lines: Lines | None
    reader: Callable[..., Iterator[Record]]
    source: object  # what the reader reads: the text, or the Parquet path
    parts: Callable[[], Iterator[Part] | None] | None = None  # X12 from a file: its transaction sets

    def records(self, lines: Lines | None = None, follows: bool = False) -> Iterator[Record]:
        """The records, read here; from `lines` instead of the input when given (the rest of a
        text already read in part, its lines before handed on as blank lines; `follows`: a value
        was read before them, see `compiler.inputs.jsonstream.read_json_records`)."""
        if lines is None:
            return self.reader(self.source)
        return self.reader(lines, follows=follows) if follows else self.reader(lines)


def open_input(input_format: str, path: str, stack: ExitStack) -> Input:
    """The input at `path` ("-": standard input) read as `input_format` ("auto": detected).
    Raises OSError when the input cannot be opened, MissingExtra when the format's extra is not
    installed, InputError when the format cannot read this input."""
    binary = getattr(sys.stdin, "buffer", None) if path == "-" else None
    chosen = detect(path, binary) if input_format == "auto" else input_format
    if chosen not in READERS:
        text = _text(path, binary, stack)
        return Input("json", text, read_claim_records, text)
    need(chosen, INPUT_NAMES[chosen])
    reader = reader_of(chosen)
    if chosen != "parquet":
        text = _text(path, binary, stack)
        parts = functools.partial(transaction_sets, path) if chosen == "x12" and path != "-" else None
        return Input(chosen, text if chosen in SPLIT_FORMATS else None, reader, text, parts)
    if path == "-":
        raise InputError("Parquet input is read from a file or a folder, not standard input")
    folder = Path(path)
    if not folder.exists():
        raise FileNotFoundError(2, "No such file or directory", path)
    if folder.is_dir() and not any(folder.rglob("*.parquet")):
        raise InputError(f"{path}: no .parquet file in this folder")
    return Input(chosen, None, reader, path)


def text_input(stream: Lines, input_format: str = "json") -> Input:
    """Text already open (standard input, a string) as an input of a text format."""
    reader: Callable[..., Iterator[Record]] = read_claim_records if input_format == "json" else reader_of(input_format)
    return Input(input_format, stream if input_format in SPLIT_FORMATS else None, reader, stream)


def open_records(input_format: str, path: str, stack: ExitStack) -> Iterator[Record]:
    """The records of the input at `path`, read in this process (see `open_input`)."""
    return open_input(input_format, path, stack).records()


def reader_of(input_format: str) -> Callable[..., Iterator[Record]]:
    """The reader function of a format that needs an extra (see READERS)."""
    module, function = READERS[input_format]
    found: Callable[..., Iterator[Record]] = getattr(importlib.import_module(module), function)
    return found


def _text(path: str, binary: IO[bytes] | None, stack: ExitStack) -> Lines:
    if path != "-":
        return stack.enter_context(open(path, encoding="utf-8", errors="surrogateescape"))
    return open_text(binary) if binary is not None else sys.stdin  # type: ignore[arg-type]
