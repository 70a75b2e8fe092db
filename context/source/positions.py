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
    """Start offsets of every LSP line, in code points and in UTF-8 bytes.

    Edits shift every later line; to keep a keystroke O(1) instead of O(lines), the shift is
    applied lazily: entries up to index `_exact` are exact, later ones are stored minus `_shift`
    (`_byte_shift` for bytes). An edit settles only the lines between the previous edit and this
    one. Lookups by offset bisect the exact part or the shifted part, both sorted.
    """

    __slots__ = ("_byte_shift", "_bytes", "_exact", "_shift", "_starts")

    def __init__(self, text: str) -> None:
        self._starts: list[int] = [0]
        self._bytes: list[int] = [0]
        self._exact = 0
        self._shift = 0
        self._byte_shift = 0
        self.rebuild(text)

    def rebuild(self, text: str) -> None:
        """Index `text` from scratch."""
        starts = [0]
        starts.extend(m.end() for m in _LINE_BREAK.finditer(text))
        self._starts = starts
        if text.isascii():
            self._bytes = list(starts)
        else:
            byte_starts = [0]
            total = 0
            for begin, end in itertools.pairwise(starts):
                total += utf8_len(text[begin:end])
                byte_starts.append(total)
            self._bytes = byte_starts
        self._exact = len(starts) - 1
        self._shift = self._byte_shift = 0

    def copy(self) -> LineIndex:
        clone = LineIndex.__new__(LineIndex)
        clone._starts, clone._bytes = list(self._starts), list(self._bytes)
        clone._exact, clone._shift, clone._byte_shift = self._exact, self._shift, self._byte_shift
        return clone

    @property
    def starts(self) -> list[int]:
        """All line starts (code points), as a new list."""
        return [self.start(line) for line in range(len(self._starts))]

    @property
    def byte_starts(self) -> list[int]:
        """All line starts (UTF-8 bytes), as a new list."""
        return [self.byte_start(line) for line in range(len(self._bytes))]

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def start(self, line: int) -> int:
        """Code-point offset where `line` starts (0 <= line < line_count)."""
        return self._starts[line] + (self._shift if line > self._exact else 0)

    def byte_start(self, line: int) -> int:
        """Byte offset where `line` starts (0 <= line < line_count)."""
        return self._bytes[line] + (self._byte_shift if line > self._exact else 0)

    def line_of_offset(self, offset: int) -> int:
        """The line holding code-point `offset`."""
        return self._bisect(self._starts, self._shift, offset)

    def line_of_byte(self, byte: int) -> int:
        """The line holding UTF-8 byte offset `byte`."""
        return self._bisect(self._bytes, self._byte_shift, byte)

    def _bisect(self, values: list[int], shift: int, target: int) -> int:
        lazy = self._exact + 1
        if lazy < len(values) and target >= values[lazy] + shift:
            return bisect.bisect_right(values, target - shift, lazy) - 1
        return bisect.bisect_right(values, target, 0, lazy) - 1

    def line_end(self, text: str, line: int) -> int:
        """Offset of the end of `line`, before its terminator."""
        if line + 1 >= len(self._starts):
            return len(text)
        end = self.start(line + 1)
        if text[end - 1] == "\n" and end - 2 >= self.start(line) and text[end - 2] == "\r":
            return end - 2
        return end - 1

    def offset_at(self, text: str, position: Position | tuple[int, int]) -> int:
        """Code-point offset of an LSP position, clamped as the LSP specification says."""
        line, character = position
        if line < 0 or character < 0:
            raise PositionError(f"negative position {tuple(position)!r}")
        if line >= len(self._starts):
            return len(text)
        start = self.start(line)
        end = self.line_end(text, line)
        return start + utf16_to_code_points(text[start:end], character)

    def position_at(self, text: str, offset: int) -> Position:
        """LSP position of a code-point offset (clamped to the document)."""
        offset = max(0, min(offset, len(text)))
        line = self.line_of_offset(offset)
        start = self.start(line)
        offset = min(offset, self.line_end(text, line))
        return Position(line, utf16_len(text[start:offset]))

    def byte_of_offset(self, text: str, offset: int) -> int:
        """UTF-8 byte offset of a code-point offset."""
        line = self.line_of_offset(offset)
        return self.byte_start(line) + utf8_len(text[self.start(line) : offset])

    def offset_of_byte(self, source: bytes, byte: int) -> int:
        """Code-point offset of a UTF-8 byte offset (a byte inside a character counts as that character)."""
        byte = max(0, min(byte, len(source)))
        line = self.line_of_byte(byte)
        chunk = source[self.byte_start(line) : byte]
        if chunk.isascii():
            return self.start(line) + len(chunk)
        return self.start(line) + len(chunk.decode("utf-8", errors="ignore"))

    def _move_exact(self, target: int) -> None:
        """Make entries up to `target` exact (or, moving down, lazy again) under the current shifts."""
        old = self._exact
        low, high, sign = (old + 1, target + 1, 1) if target > old else (target + 1, old + 1, -1)
        if low < high:
            for values, shift in ((self._starts, self._shift), (self._bytes, self._byte_shift)):
                if shift:
                    values[low:high] = map((sign * shift).__add__, values[low:high])
        self._exact = target

    def update(
        self,
        text: str,
        start: int,
        old_end: int,
        new_end: int,
        start_byte: int,
        byte_delta: int,
        lines: tuple[int, int],
    ) -> None:
        """Re-index after `text[start:new_end]` replaced what was `[start:old_end]` (`text` is the new text).

        `lines` are the (old) lines holding `start` and `old_end`. Line starts before `start` and
        after `old_end` cannot change (only shift); starts in between are rescanned, one
        character either side so that a ``\\r`` meeting a ``\\n`` is seen.
        """
        start_line, end_line = lines
        if self._exact < end_line + 1:
            self._move_exact(min(end_line + 1, len(self._starts) - 1))
        keep = start_line + 1 if start > self._starts[start_line] else start_line
        tail = end_line + 1
        middle: list[int] = [0] if start == 0 else []
        middle_bytes: list[int] = [0] if start == 0 else []
        last, last_byte = start, start_byte
        for match in _LINE_BREAK.finditer(text, max(start - 1, 0), min(new_end + 1, len(text))):
            q = match.end()
            if start <= q <= new_end:
                last_byte += utf8_len(text[last:q])
                last = q
                middle.append(q)
                middle_bytes.append(last_byte)
        self._starts[keep:tail] = middle
        self._bytes[keep:tail] = middle_bytes
        # Entries after the rescanned ones are exact for the old text; make them lazy under the new shift.
        self._exact += len(middle) - (tail - keep)
        self._move_exact(keep + len(middle) - 1)
        self._shift += new_end - old_end
        self._byte_shift += byte_delta
