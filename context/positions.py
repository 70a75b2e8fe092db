"""Positions the way LSP counts them, and a line index that converts them quickly.

LSP positions are ``(line, character)`` with ``character`` in UTF-16 code units; lines end at
``\\r\\n``, ``\\r`` or ``\\n``. Python strings index code points and tree-sitter works in UTF-8 bytes.
:class:`LineIndex` keeps the start of every line both as a string offset and as a byte offset, and
updates both incrementally after an edit (only the edited lines are rescanned; later lines shift).

Clamping follows the LSP specification: a character past the end of its line means the end of
the line (before its terminator); a line past the last line means the end of the document. A
position inside a surrogate pair (half an emoji) snaps to the start of that character. Negative
numbers are :class:`PositionError`.
"""

from __future__ import annotations

import bisect
import itertools
import re
from typing import NamedTuple

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class PositionError(ValueError):
    """A position or range that no clamping rule can make sense of (negative, or start after end)."""


class Position(NamedTuple):
    """0-based line and UTF-16 character, as in LSP."""

    line: int
    character: int


class TextRange(NamedTuple):
    """Start and end positions (end exclusive), as in LSP."""

    start: Position
    end: Position


def utf8_len(text: str) -> int:
    """Bytes `text` takes in UTF-8."""
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def utf16_len(text: str) -> int:
    """UTF-16 code units `text` takes (2 for each character above U+FFFF)."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_to_code_points(line: str, character: int) -> int:
    """Code-point index in `line` of UTF-16 column `character`, clamped to the line; mid-pair snaps down."""
    if line.isascii():
        return min(character, len(line))
    units = 0
    for index, ch in enumerate(line):
        width = 2 if ord(ch) > 0xFFFF else 1
        if units + width > character:
            return index
        units += width
    return len(line)


class LineIndex:
    """Start offsets of every LSP line, in code points (`starts`) and in UTF-8 bytes (`byte_starts`)."""

    __slots__ = ("byte_starts", "starts")

    def __init__(self, text: str) -> None:
        self.starts: list[int] = [0]
        self.byte_starts: list[int] = [0]
        self.rebuild(text)

    def rebuild(self, text: str) -> None:
        """Index `text` from scratch."""
        starts = [0]
        starts.extend(m.end() for m in _LINE_BREAK.finditer(text))
        self.starts = starts
        if text.isascii():
            self.byte_starts = list(starts)
            return
        byte_starts = [0]
        total = 0
        for begin, end in itertools.pairwise(starts):
            total += utf8_len(text[begin:end])
            byte_starts.append(total)
        self.byte_starts = byte_starts

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line_of_offset(self, offset: int) -> int:
        """The line holding code-point `offset`."""
        return bisect.bisect_right(self.starts, offset) - 1

    def line_of_byte(self, byte: int) -> int:
        """The line holding UTF-8 byte offset `byte`."""
        return bisect.bisect_right(self.byte_starts, byte) - 1

    def line_end(self, text: str, line: int) -> int:
        """Offset of the end of `line`, before its terminator."""
        if line + 1 >= len(self.starts):
            return len(text)
        end = self.starts[line + 1]
        if text[end - 1] == "\n" and end - 2 >= self.starts[line] and text[end - 2] == "\r":
            return end - 2
        return end - 1

    def offset_at(self, text: str, position: Position | tuple[int, int]) -> int:
        """Code-point offset of an LSP position, clamped as the LSP specification says."""
        line, character = position
        if line < 0 or character < 0:
            raise PositionError(f"negative position {tuple(position)!r}")
        if line >= len(self.starts):
            return len(text)
        start = self.starts[line]
        end = self.line_end(text, line)
        return start + utf16_to_code_points(text[start:end], character)

    def position_at(self, text: str, offset: int) -> Position:
        """LSP position of a code-point offset (clamped to the document)."""
        offset = max(0, min(offset, len(text)))
        line = self.line_of_offset(offset)
        start = self.starts[line]
        offset = min(offset, self.line_end(text, line))
        return Position(line, utf16_len(text[start:offset]))

    def byte_of_offset(self, text: str, offset: int) -> int:
        """UTF-8 byte offset of a code-point offset."""
        line = self.line_of_offset(offset)
        return self.byte_starts[line] + utf8_len(text[self.starts[line] : offset])

    def offset_of_byte(self, source: bytes, byte: int) -> int:
        """Code-point offset of a UTF-8 byte offset (a byte inside a character counts as that character)."""
        byte = max(0, min(byte, len(source)))
        line = bisect.bisect_right(self.byte_starts, byte) - 1
        chunk = source[self.byte_starts[line] : byte]
        if chunk.isascii():
            return self.starts[line] + len(chunk)
        return self.starts[line] + len(chunk.decode("utf-8", errors="ignore"))

    def update(self, text: str, start: int, old_end: int, new_end: int, start_byte: int, byte_delta: int) -> None:
        """Re-index after `text[start:new_end]` replaced what was `[start:old_end]` (`text` is the new text).

        Line starts before `start` and after `old_end` cannot change (only shift); starts in between
        are rescanned, one character either side so that a ``\\r`` meeting a ``\\n`` is seen.
        """
        keep = bisect.bisect_left(self.starts, start)
        tail = bisect.bisect_right(self.starts, old_end)
        middle: list[int] = [0] if start == 0 else []
        middle_bytes: list[int] = [0] if start == 0 else []
        scan_from = max(start - 1, 0)
        last, last_byte = start, start_byte
        for match in _LINE_BREAK.finditer(text, scan_from, min(new_end + 1, len(text))):
            q = match.end()
            if q < start or q > new_end:
                continue
            last_byte += utf8_len(text[last:q])
            last = q
            middle.append(q)
            middle_bytes.append(last_byte)
        delta = new_end - old_end
        rest = self.starts[tail:]
        rest_bytes = self.byte_starts[tail:]
        if delta:
            rest = list(map(delta.__add__, rest))
        if byte_delta:
            rest_bytes = list(map(byte_delta.__add__, rest_bytes))
        self.starts[keep:] = middle + rest
        self.byte_starts[keep:] = middle_bytes + rest_bytes
