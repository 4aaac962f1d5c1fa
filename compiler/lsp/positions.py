"""Places in a text as the language server protocol counts them: a line from 0 and a character
offset in UTF-16 code units (the protocol's default), beside the compiler's character offsets.
"""

from __future__ import annotations

from bisect import bisect_right


class Lines:
    """Where each line of a text starts, for turning offsets into positions and back."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        index = text.find("\n")
        while index >= 0:
            starts.append(index + 1)
            index = text.find("\n", index + 1)
        self.starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        """(line, UTF-16 character) of a character offset, both from 0."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        return line, _utf16(self.text[start:offset])

    def offset(self, line: int, character: int) -> int:
        """The character offset of a (line, UTF-16 character) position; past the end of a line is
        its end, past the last line the end of the text."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[line]
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        units = 0
        for index in range(start, end):
            if units >= character:
                return index
            units += 2 if ord(self.text[index]) > 0xFFFF else 1
        return end

    def line_text(self, line: int) -> str:
        if not 0 <= line < len(self.starts):
            return ""
        start = self.starts[line]
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]


def _utf16(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)
