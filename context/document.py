"""An open document: its text and a tree-sitter tree kept up to date incrementally.

The LSP layer builds text sync on this small API::

    doc = Document("src/app.py", text, version=1)            # language from the extension
    doc.apply_change(TextRange(Position(3, 4), Position(3, 4)), "x", version=2)   # incremental
    doc.apply_change(None, whole_new_text, version=3)          # full replacement
    doc.apply_changes([(range1, text1), (range2, text2)], version=4)  # one didChange, one reparse

Ranges are LSP ranges (0-based lines, UTF-16 characters; plain ``((line, ch), (line, ch))`` tuples
work too) and are clamped as the LSP specification says (see :mod:`context.positions`). A range
that cannot be clamped (negative numbers, start after end) raises :class:`PositionError` and
leaves the document untouched.

Each change costs one splice of the text and of its UTF-8 bytes, an update of the line index and
one ``tree.edit``; the reparse (``parser.parse(new, old_tree)``) happens once per call. Documents
without a grammar, or larger than `max_parse_bytes`, keep `tree = None` (logged once).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from tree_sitter import Point, Tree

from context.languages import get_parser, language_for_path
from context.positions import LineIndex, Position, PositionError, TextRange

__all__ = ["DEFAULT_MAX_PARSE_BYTES", "Change", "Document", "Position", "PositionError", "TextRange"]

log = logging.getLogger(__name__)

DEFAULT_MAX_PARSE_BYTES = 2_000_000

RangeLike = TextRange | tuple[tuple[int, int], tuple[int, int]]
Change = tuple[RangeLike | None, str]


def _sanitize(text: str) -> str:
    """Text safe to encode as UTF-8: lone surrogates (from a client splitting a pair) become U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


class Document:
    """Text plus syntax tree of one file. `path` is a filesystem path (no URIs here)."""

    def __init__(
        self,
        path: str,
        text: str,
        version: int = 0,
        language: str | None = None,
        *,
        max_parse_bytes: int = DEFAULT_MAX_PARSE_BYTES,
    ) -> None:
        self.path = path
        self.language = language if language is not None else language_for_path(path)
        self.version = version
        self.max_parse_bytes = max_parse_bytes
        self._text = _sanitize(text)
        self._source = self._text.encode("utf-8")
        self._lines = LineIndex(self._text)
        self._lone_cr = _has_lone_cr(self._text)
        self.tree: Tree | None = None
        self.parse_skipped: str | None = None
        self._parse(incremental=False)

    # -- reading -----------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self._text

    @property
    def source(self) -> bytes:
        """The text as UTF-8 bytes (what the tree's byte offsets index)."""
        return self._source

    @property
    def line_count(self) -> int:
        return self._lines.line_count

    def line_text(self, line: int) -> str:
        """Line `line` without its terminator ('' past the end)."""
        if line < 0 or line >= self._lines.line_count:
            return ""
        return self._text[self._lines.starts[line] : self._lines.line_end(self._text, line)]

    def line_start(self, line: int) -> int:
        """Code-point offset where `line` starts (clamped)."""
        starts = self._lines.starts
        return starts[max(0, min(line, len(starts) - 1))]

    def offset_at(self, position: Position | tuple[int, int]) -> int:
        """Code-point offset of an LSP position (clamped; PositionError if negative)."""
        return self._lines.offset_at(self._text, position)

    def position_at(self, offset: int) -> Position:
        """LSP position (UTF-16) of a code-point offset."""
        return self._lines.position_at(self._text, offset)

    def byte_at(self, offset: int) -> int:
        """UTF-8 byte offset of a code-point offset."""
        return self._lines.byte_of_offset(self._text, max(0, min(offset, len(self._text))))

    def offset_of_byte(self, byte: int) -> int:
        """Code-point offset of a UTF-8 byte offset (such as a tree node's `start_byte`)."""
        return self._lines.offset_of_byte(self._source, byte)

    def point_at_byte(self, byte: int) -> Point:
        """tree-sitter point (row counts ``\\n`` only; column in bytes) of a byte offset."""
        if self._lone_cr:  # a lone "\r" ends an LSP line but not a tree-sitter row
            return _point_by_scan(self._source, byte)
        line = self._lines.line_of_byte(byte)
        return Point(line, byte - self._lines.byte_starts[line])

    def copy(self) -> Document:
        """An independent snapshot (text, version and tree) for work off the event loop."""
        clone = Document.__new__(Document)
        clone.__dict__.update(self.__dict__)
        clone._lines = LineIndex.__new__(LineIndex)
        clone._lines.starts = list(self._lines.starts)
        clone._lines.byte_starts = list(self._lines.byte_starts)
        clone.tree = self.tree.copy() if self.tree is not None else None
        return clone

    # -- changing ----------------------------------------------------------------------------------

    def apply_change(self, range_: RangeLike | None, new_text: str, version: int) -> None:
        """Replace `range_` (None: the whole document) with `new_text`, then reparse incrementally."""
        self.apply_changes([(range_, new_text)], version)

    def apply_changes(self, changes: Sequence[Change], version: int) -> None:
        """Apply the content changes of one ``didChange`` in order, with one reparse at the end.

        A PositionError in any change leaves the document exactly as it was.
        """
        self._validate(changes)
        full = False
        for range_, new_text in changes:
            if range_ is None:
                self._replace_all(_sanitize(new_text))
                full = True
            else:
                self._splice(range_, _sanitize(new_text))
        if version <= self.version:
            log.debug("%s: version %d after %d (not increasing)", self.path, version, self.version)
        self.version = version
        self._parse(incremental=not full)

    def _validate(self, changes: Sequence[Change]) -> None:
        for range_, _ in changes:
            if range_ is None:
                continue
            (sl, sc), (el, ec) = range_
            if min(sl, sc, el, ec) < 0:
                raise PositionError(f"{self.path}: negative position in range {range_!r}")
            if (sl, sc) > (el, ec):
                raise PositionError(f"{self.path}: range start is after its end: {range_!r}")

    def _replace_all(self, text: str) -> None:
        self._text = text
        self._source = text.encode("utf-8")
        self._lines.rebuild(text)
        self._lone_cr = _has_lone_cr(text)
        self.tree = None

    def _splice(self, range_: RangeLike, new_text: str) -> None:
        start_pos, end_pos = range_
        start = self.offset_at(start_pos)
        end = max(start, self.offset_at(end_pos))
        start_byte = self.byte_at(start)
        old_end_byte = self.byte_at(end)
        new_bytes = new_text.encode("utf-8")
        tree = self.tree
        if tree is not None:
            start_point = self.point_at_byte(start_byte)
            old_end_point = self.point_at_byte(old_end_byte)
        old_source = self._source
        if "\r" in new_text or (start > 0 and self._text[start - 1] == "\r"):
            self._lone_cr = True  # may have made a lone "\r" (conservative; exact again on rebuild)
        self._text = self._text[:start] + new_text + self._text[end:]
        self._source = old_source[:start_byte] + new_bytes + old_source[old_end_byte:]
        new_end = start + len(new_text)
        byte_delta = len(new_bytes) - (old_end_byte - start_byte)
        self._lines.update(self._text, start, end, new_end, start_byte, byte_delta)
        if tree is not None:
            newlines = new_bytes.count(b"\n")
            if newlines:
                new_end_point = Point(start_point.row + newlines, len(new_bytes) - new_bytes.rfind(b"\n") - 1)
            else:
                new_end_point = Point(start_point.row, start_point.column + len(new_bytes))
            tree.edit(start_byte, old_end_byte, start_byte + len(new_bytes), start_point, old_end_point, new_end_point)

    def _parse(self, *, incremental: bool) -> None:
        if self.language is None:
            self.tree = None
            return
        if len(self._source) > self.max_parse_bytes:
            if self.parse_skipped is None:
                log.info("%s: not parsed (%d bytes > cap of %d)", self.path, len(self._source), self.max_parse_bytes)
            self.parse_skipped = f"too large to parse ({len(self._source)} bytes > {self.max_parse_bytes})"
            self.tree = None
            return
        self.parse_skipped = None
        parser = get_parser(self.language)
        old = self.tree if incremental else None
        self.tree = parser.parse(self._source, old) if old is not None else parser.parse(self._source)


def _point_by_scan(source: bytes, byte: int) -> Point:
    row = source.count(b"\n", 0, byte)
    return Point(row, byte - (source.rfind(b"\n", 0, byte) + 1))


def _has_lone_cr(text: str) -> bool:
    return "\r" in text and text.count("\r") != text.count("\r\n")
