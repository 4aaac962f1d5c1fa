"""Claims as a stream of JSON records: JSON Lines, a JSON array, or JSON values one after another.

The input is read as a sequence of JSON values separated by whitespace. When the input's first
value is an array, every array at the top level contributes its elements as records (a JSON array
of claims, or several such files one after another). Otherwise each top-level value is one record,
except an array whose first element is an object (or that is empty), which is a JSON array of
claims after other claims (`cat claim.json claims.json`). So one JSON claim, a JSON array of
claims, JSON Lines, pretty-printed objects back to back and the concatenation of such files all
read as their writer meant, and a line of JSON Lines that holds `[1, 2]` is one record (which is not
a claim).

`read_json_records` frames values of any kind (the FHIR reader frames resources with it);
`read_claim_records` is the reader of claims: a value that is not a JSON object is an error record
at its position.

Decoding is `json.JSONDecoder.raw_decode` (the standard library's C scanner) over a sliding
buffer; this module only frames records, finds positions and recovers from faults. A streaming
JSON library was considered and not taken: the event-based ones (ijson, json-stream) stop at the
first syntax error, and recovering from one is the point here; their fast paths need a C
extension; and the base install should stay lark, jinja2 and networkx.

Faults. A record that is not valid JSON is reported once, as a record whose `error` starts with
the line and column where the record starts, then names the place of the fault when it lies
elsewhere (`line 3, column 1: not valid JSON at column 17: expecting value`), and reading goes on:

- inside an array, at the next `,` or `]` at the array's own depth, counting brackets outside
  strings (a string ends at its closing quote, or at the end of its line, since a JSON string
  cannot hold a raw line break); or, sooner, at a line that starts with `{` or `[` indented
  exactly as the broken element was, which is where a pretty-printed array's next element
  starts even when the broken one left a bracket or a quote open;
- anywhere else, at the next line that starts, indented no more than the broken record was, with
  a character other than whitespace, `}`, `]` or `,`: the next line in JSON Lines, the next
  object's opening brace in pretty-printed JSON.

A record cut off before that place (a line of JSON Lines that stops after `"units":`, an object
whose closing braces are missing) is a fault where its own text stops, not where the decoder
found the next record in its way: `line 3, column 1: not valid JSON at column 96: expecting value
(the record is cut off)`; the record that follows is read.

A top-level value followed on its line by anything at all is one broken record: in JSON Lines,
`{"id": 1} x`, `{}{` or `0 0` is a line that is not JSON (values back to back are separated by a
line break, as JSON Lines and pretty-printed JSON both have them).

Bytes that are not UTF-8 make the record that holds them an error and nothing else (the text is
decoded with `surrogateescape` upstream, see `open_text`). An array still open at the end of the
input gives one error record, since the input was probably cut short. Where nothing can be
misread the reader is lenient: a missing, doubled or trailing comma between array elements.
A leading byte order mark is skipped.

Memory. The buffer holds the text of the record being decoded and at most one more line (lines
are read at most `chunk` characters at a time); consumed text is dropped, so memory does not grow
with the number of records. A record longer than the buffer is read by doubling, so decoding it
stays linear in its size.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Iterator
from typing import BinaryIO, Protocol

from compiler.inputs.records import Position, Record, expect_object

CHUNK = 1 << 16
# A decoder stops at most this far before the end of what it was given when the only fault is
# that the text goes on: a number or a literal (`-Infinity`) cut by the end of the buffer.
_MARGIN = 32
_BOM = "\ufeff"
_SPACE = re.compile(r"[ \t\n\r]*")
_LINE_SPACE = re.compile(r"[ \t\r]*")
_OUTSIDE_STRING = re.compile(r'["{}\[\],\n]')
_INSIDE_STRING = re.compile(r'["\\\n]')
_INDENT = re.compile(r"[ \t]*")
_SURROGATE = re.compile("[\udc80-\udcff]")


class Lines(Protocol):
    """What the reader needs of its input: `readline(size)`, as text files and `io.StringIO` have."""

    def readline(self, size: int = -1, /) -> str: ...


def open_text(binary: BinaryIO) -> io.TextIOWrapper:
    """A text view of a byte stream for `read_json_records`: UTF-8, bytes that are not UTF-8
    kept (as lone surrogates, which the reader reports in place), line ends normalised."""
    return io.TextIOWrapper(binary, encoding="utf-8", errors="surrogateescape")


def read_json_records(stream: Lines, chunk: int = CHUNK, follows: bool = False) -> Iterator[Record]:
    """Every record of the stream, in input order, each with its position; see the module doc.

    `follows`: the stream is the rest of an input whose first value was read elsewhere and was not
    an array (the lines read apart, `compiler.inputs.lines`), so a top-level array is a value
    unless it holds objects."""
    return _Reader(_Buffer(stream, chunk), follows).records()


def read_claim_records(stream: Lines, chunk: int = CHUNK, follows: bool = False) -> Iterator[Record]:
    """The records of `read_json_records`, where a value that is not a JSON object is an error
    record at its position (`line 4, column 1: expected a claim object, got an array`)."""
    return map(expect_object, read_json_records(stream, chunk, follows))


@functools.cache
def _resume(indent: int) -> re.Pattern[str]:
    """Where the record after a broken one outside an array may start: a line that starts, indented
    by at most `indent` characters (the broken record's), with a character other than whitespace,
    `}`, `]` or `,`."""
    return re.compile(rf"\n[ \t]{{0,{indent}}}(?=[^\s\]}},])")


@functools.cache
def _next_element(indent: int) -> re.Pattern[str]:
    """Where the element after a broken one may start in a pretty-printed array: a line that opens
    an object or an array, indented by exactly `indent` characters (the broken element's)."""
    return re.compile(rf"\n[ \t]{{{indent}}}(?=[{{\[])")


class _Buffer:
    """The unread text of a stream, read line by line, and the line and column of any place in it.

    `pos` is the first character not yet consumed; everything before it may be dropped when more
    text is read. Line numbers are kept for a `mark` that only moves forward."""

    def __init__(self, stream: Lines, chunk: int) -> None:
        self.stream, self.chunk = stream, chunk
        self.text, self.pos, self.eof = "", 0, False
        self._mark, self._line, self._line_start = 0, 1, 0
        self._started = False

    def more(self, at_least: int = 1) -> bool:
        """Append whole lines until `at_least` characters were read; False when the input ended."""
        if self.eof:
            return False
        self._compact()
        parts: list[str] = []
        got = 0
        while got < at_least:
            piece = self.stream.readline(self.chunk)
            if not piece:
                self.eof = True
                break
            if not self._started:
                self._started = True
                piece = piece.removeprefix(_BOM)
            parts.append(piece)
            got += len(piece)
        self.text += "".join(parts)
        return got > 0

    def skip_space(self) -> bool:
        """Move past whitespace; True when a character follows, False at the end of the input."""
        while True:
            match = _SPACE.match(self.text, self.pos)
            assert match is not None  # the pattern matches the empty string
            self.pos = match.end()
            if self.pos < len(self.text):
                return True
            if not self.more():
                return False

    def position(self, index: int) -> Position:
        """The position of `index` (at or after the mark), moving the mark there."""
        self._advance(index)
        return Position(self._line, index - self._line_start + 1)

    def peek(self, index: int) -> Position:
        """The position of `index` (at or after the mark), leaving the mark where it is."""
        newlines = self.text.count("\n", self._mark, index)
        if not newlines:
            return Position(self._line, index - self._line_start + 1)
        return Position(self._line + newlines, index - self.text.rfind("\n", self._mark, index))

    def _advance(self, index: int) -> None:
        newlines = self.text.count("\n", self._mark, index)
        if newlines:
            self._line += newlines
            self._line_start = self.text.rfind("\n", self._mark, index) + 1
        self._mark = index

    def _compact(self) -> None:
        if self.pos:
            self._advance(max(self._mark, self.pos))
            self.text = self.text[self.pos:]
            self._mark -= self.pos
            self._line_start -= self.pos
            self.pos = 0


class _Reader:
    def __init__(self, buffer: _Buffer, follows: bool) -> None:
        self.buffer = buffer
        self.count = 0
        self._decoder = json.JSONDecoder()
        # Whether every top-level array is a list of records: the input's first value says
        self.arrays: bool | None = False if follows else None

    def records(self) -> Iterator[Record]:
        buffer = self.buffer
        while buffer.skip_space():
            opens_array = buffer.text[buffer.pos] == "["
            if self.arrays is None:
                self.arrays = opens_array
            if opens_array and (self.arrays or self._holds_objects()):
                yield from self._array()
            else:
                yield self._top_level_value()

    def _holds_objects(self) -> bool:
        """Whether the array at the buffer's position starts with an object, or is empty."""
        buffer = self.buffer
        offset = 1
        while True:
            match = _SPACE.match(buffer.text, buffer.pos + offset)
            assert match is not None  # the pattern matches the empty string
            if match.end() < len(buffer.text):
                return buffer.text[match.end()] in "{]"
            offset = match.end() - buffer.pos
            if not buffer.more():
                return False

    def _record(self, position: Position, value: object = None, error: str | None = None) -> Record:
        self.count += 1
        return Record(self.count - 1, position, value, error)

    def _top_level_value(self) -> Record:
        buffer = self.buffer
        position = buffer.position(buffer.pos)
        resume = _resume(position.column - 1)
        decoded = self._decode(position, resume)
        if isinstance(decoded, str):
            self._resume_at_next_line(resume)
            return self._record(position, error=decoded)
        value, buffer.pos = decoded
        trailing = self._trailing_text()
        if trailing is not None:
            self._resume_at_next_line(resume)
            return self._record(position, error=f"{position}: not valid JSON{_at(position, trailing)}: unexpected "
                                                "text after the value")
        return self._record(position, value)

    def _trailing_text(self) -> Position | None:
        """Where text follows a top-level value on its own line; None when the value ends its line."""
        buffer = self.buffer
        while True:
            match = _LINE_SPACE.match(buffer.text, buffer.pos)
            assert match is not None  # the pattern matches the empty string
            if match.end() < len(buffer.text):
                char = buffer.text[match.end()]
                if char == "\n":
                    return None
                return buffer.peek(match.end())
            if not buffer.more():
                return None

    def _array(self) -> Iterator[Record]:
        buffer = self.buffer
        opened = buffer.position(buffer.pos)
        buffer.pos += 1
        while True:
            if not buffer.skip_space():
                end = buffer.peek(len(buffer.text))
                yield self._record(end, error=f"{end}: the input ends inside the array that opens at "
                                              f"{opened} (is the file cut short?)")
                return
            char = buffer.text[buffer.pos]
            if char == "]":
                buffer.pos += 1
                return
            if char == ",":
                buffer.pos += 1
                continue
            position = buffer.position(buffer.pos)
            decoded = self._decode(position, _next_element(position.column - 1))
            if isinstance(decoded, str):
                yield self._record(position, error=decoded)
                if self._skip_element(position.column - 1) != ",":
                    return
                continue
            value, buffer.pos = decoded
            yield self._record(position, value)

    def _decode(self, start: Position, resume: re.Pattern[str]) -> tuple[object, int] | str:
        """The value starting at the buffer's position (`start`) and where it ends, or what is wrong
        with it; `resume` finds where the next record would start, were this one broken.

        Reads more text while the only fault may be that the record goes on past the buffer."""
        buffer = self.buffer
        while True:
            text, start_index = buffer.text, buffer.pos
            try:
                value, end = self._decoder.raw_decode(text, start_index)
            except json.JSONDecodeError as error:
                cut = error.pos + _MARGIN >= len(text) or error.msg.startswith("Unterminated string")
                if cut and not buffer.eof:
                    buffer.more(len(text) - start_index)  # moves the text: decode again in any case
                    continue
                return self._fault(start, error.pos, error.msg, resume)
            except RecursionError:
                return f"{start}: the record nests too deeply to read"
            except ValueError as error:  # an integer with more digits than Python converts
                return f"{start}: cannot read this record: {error}"
            if end + _MARGIN >= len(text) and text[start_index] not in "{[\"" and not buffer.eof:
                buffer.more(len(text) - start_index)  # a number or literal may go on in the text not read yet
                continue
            bad = _SURROGATE.search(text, start_index, end)
            if bad is not None:
                return _not_utf8(start, buffer.peek(bad.start()), bad.group())
            return value, end

    def _fault(self, start: Position, index: int, message: str, resume: re.Pattern[str]) -> str:
        """What is wrong with the record that starts at `start` (the buffer's position), which the
        decoder found at `index`: there, or where the record's own text stops when the fault lies
        past it (at or after the line where `resume` finds the next record, or at the input's end)."""
        buffer = self.buffer
        text, first = buffer.text, buffer.pos
        char = text[index] if index < len(text) else ""
        if _SURROGATE.fullmatch(char):
            return _not_utf8(start, buffer.peek(index), char)
        following = resume.search(text, first, index + 1)
        limit = following.start() if following is not None else len(text) if buffer.eof else None
        if limit is not None:
            stop = limit
            while stop > first and text[stop - 1] in " \t\r\n":
                stop -= 1
            if index >= stop:
                if following is not None:  # the decoder read on into the next record: decode the record alone
                    try:
                        self._decoder.raw_decode(text[:limit], first)
                    except json.JSONDecodeError as alone:
                        message, char = alone.msg, ""
                return f"{start}: not valid JSON{_at(start, buffer.peek(stop))}: {_reason(message, char)} " \
                       "(the record is cut off)"
        return f"{start}: not valid JSON{_at(start, buffer.peek(index))}: {_reason(message, char)}"

    def _resume_at_next_line(self, resume: re.Pattern[str]) -> None:
        """Skip a broken record outside an array: resume at the next line that can start one."""
        buffer = self.buffer
        while True:
            match = resume.search(buffer.text, buffer.pos)
            if match is not None:
                buffer.pos = match.end()
                return
            if buffer.eof:
                buffer.pos = len(buffer.text)
                return
            # keep the last line break in view: the line after it, read in part, may start the next record
            line_break = buffer.text.rfind("\n", buffer.pos)
            buffer.pos = line_break if line_break >= 0 else max(buffer.pos, len(buffer.text) - 1)
            buffer.more()

    def _skip_element(self, indent: int) -> str:
        """Skip a broken array element: past the next `,` or `]` at the array's depth, or to the
        next line that opens an element at the broken one's indentation (`indent` characters).

        Returns "," when another element may follow, "]" at the end of the array, "" at the end
        of the input."""
        buffer = self.buffer
        depth, in_string = 0, False
        index = buffer.pos
        while True:
            text = buffer.text
            match = (_INSIDE_STRING if in_string else _OUTSIDE_STRING).search(text, index)
            if match is not None and match.group() == "\n":
                line_start = match.end()
                indented = _INDENT.match(text, line_start)
                assert indented is not None  # the pattern matches the empty string
                if indented.end() < len(text) or buffer.eof:
                    in_string = False
                    if indented.end() - line_start == indent and text[indented.end():indented.end() + 1] in ("{", "["):
                        buffer.pos = line_start
                        return ","
                    index = line_start
                    continue
            elif match is not None and not (match.group() == "\\" and match.end() >= len(text)):
                char, index = match.group(), match.end()
                if in_string:
                    if char == "\\":
                        index += 1
                    else:
                        in_string = False
                elif char == '"':
                    in_string = True
                elif char in "{[":
                    depth += 1
                elif char in "}]" and depth:
                    depth -= 1
                elif char == "]" or (char == "," and not depth):
                    buffer.pos = index
                    return char
                continue
            if buffer.eof:  # the element runs to the end of the input
                buffer.pos = len(text)
                return ""
            buffer.pos = match.start() if match is not None else len(text)
            buffer.more()
            index = buffer.pos


def _at(start: Position, where: Position) -> str:
    """Where a fault is, said after the record's start: nothing when it is there, its column on
    the same line, else its line and column."""
    if where == start:
        return ""
    return f" at column {where.column}" if where.line == start.line else f" at {where}"


def _reason(message: str, char: str) -> str:
    """The decoder's message for people; `char` is the character it stopped at."""
    if message.startswith("Invalid control character"):
        return "a string is not closed on its line" if char == "\n" else "a control character in a string"
    if message.startswith("Unterminated string"):
        return "a string is not closed"
    return message[:1].lower() + message[1:]


def _not_utf8(start: Position, where: Position, char: str) -> str:
    return f"{start}: not UTF-8 text{_at(start, where)} (byte 0x{ord(char) - 0xDC00:02X})"
