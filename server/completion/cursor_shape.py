"""The cursor's surroundings as the stop rule and the post-processor need them: the block
indentation a multi-line suggestion lives at, the document's indentation unit and line ending, and
the lines right after the cursor (to notice a suggestion repeating them).

All cheap line reads (no parsing, no token counting): this runs on every completion.
"""

from __future__ import annotations

import re

from context.source.document import Document
from server.completion.postprocess import Surroundings
from server.completion.shape import Shape
from server.completion.stopping import indent_width

_FOLLOWING_LINES = 12
_LOOK_AROUND_LINES = 50
_SAMPLE_CHARS = 6000  # each side of the cursor
# A non-blank line's indentation (a leading tab, or its leading spaces), found from the line break
# before it (a literal first character lets the regex engine skip ahead quickly).
# The rest of the line is only looked ahead at, not consumed (a third faster).
_INDENTED_LINE = re.compile(r"\n(\t| +)(?=[^\S\n]*\S)")


def surroundings(document: Document, offset: int, shape: Shape) -> Surroundings:
    """``offset`` is the cursor's code-point offset in the document."""
    position = document.position_at(offset)
    line = position.line
    text = document.line_text(line)
    column = offset - document.line_start(line)
    prefix, suffix = text[:column], text[column:]
    unit = detect_indent_unit(document, offset)
    above = _previous_non_blank(document, line)
    if shape == "multi_line" and not prefix.strip():
        base = indent_width(prefix)
        if above is not None and base <= indent_width(above) and above.rstrip().endswith((":", "{")):
            base = indent_width(above) + indent_width(unit)  # the editor did not indent the new line
    else:
        base = indent_width(text)
    last = min(line + 1 + _FOLLOWING_LINES, document.line_count)
    following = tuple(document.line_text(number) for number in range(line + 1, last))
    return Surroundings(prefix, suffix, following, shape, base, unit, _eol(document))


def _previous_non_blank(document: Document, line: int) -> str | None:
    for number in range(line - 1, max(-1, line - _LOOK_AROUND_LINES), -1):
        text = document.line_text(number)
        if text.strip():
            return text
    return None


def detect_indent_unit(document: Document, around: int = 0, window_chars: int = _SAMPLE_CHARS) -> str:
    """The indentation near `around` (a code-point offset): a tab, or the smallest step of leading
    spaces (default 4), over the non-blank lines of one slice of text (one regex pass: this runs on
    every completion)."""
    text = document.text
    start = max(0, around - window_chars)
    window = text[start : around + window_chars]
    if start > 0:
        window = window[window.find("\n") + 1 :] if "\n" in window else ""  # the first line is cut
    leads = _INDENTED_LINE.findall("\n" + window)
    tabs = leads.count("\t")
    if tabs > len(leads) - tabs:
        return "\t"
    step = min(map(len, set(leads) - {"\t"}), default=0)
    return " " * (step if 2 <= step <= 8 else 4)


def _eol(document: Document) -> str:
    return "\r\n" if "\r\n" in document.text[:4096] else "\n"
