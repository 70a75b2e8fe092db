"""When a streamed suggestion is complete, so the stream can be closed early.

The same rule trims a finished suggestion (from the cache or a non-streaming path), so what the user
sees does not depend on how the text arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.completion.shape import Shape

MAX_LINES = 24  # a multi-line suggestion longer than this is cut (and the stream stopped)
TAB_WIDTH = 4


def indent_width(line: str, tab_width: int = TAB_WIDTH) -> int:
    """Columns of leading whitespace, tabs expanded."""
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += tab_width - width % tab_width
        else:
            break
    return width


@dataclass(frozen=True, slots=True)
class StopRule:
    """Decides where a suggestion ends.

    ``base_indent`` is the indentation of the block the suggestion belongs to: a later line indented
    less than that has left the block (``return x`` then ``def next():``), so the suggestion ends
    before it.
    """

    shape: Shape
    base_indent: int = 0
    max_lines: int = MAX_LINES

    def cut(self, text: str) -> int | None:
        """The length of the complete suggestion within ``text``, or None while it may still grow."""
        if self.shape == "single_line":
            newline = text.find("\n")
            return None if newline < 0 else newline
        return self._cut_multi_line(text)

    def _cut_multi_line(self, text: str) -> int | None:
        start = text.find("\n") + 1  # the first line continues the cursor line: never a dedent
        if start == 0:
            return None
        lines = 1
        while True:
            end = text.find("\n", start)
            if end < 0:
                # An unfinished last line can already show a dedent once it has a non-blank character.
                tail = text[start:]
                if tail.strip() and indent_width(tail) < self.base_indent:
                    return start - 1
                return None
            line = text[start:end]
            if line.strip() and indent_width(line) < self.base_indent:
                return start - 1
            lines += 1
            if lines >= self.max_lines:
                return end
            start = end + 1

    def trim(self, text: str) -> str:
        """The complete suggestion for an already finished text."""
        length = self.cut(text)
        return text if length is None else text[:length]
