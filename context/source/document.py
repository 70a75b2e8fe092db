"""An open document: its text and a tree-sitter tree kept up to date incrementally.

The LSP layer builds text sync on this small API::

    doc = Document("src/app.py", text, version=1)            # language from the extension
    doc.apply_change(TextRange(Position(3, 4), Position(3, 4)), "x", version=2)   # incremental
    doc.apply_change(None, whole_new_text, version=3)          # full replacement
    doc.apply_changes([(range1, text1), (range2, text2)], version=4)  # one didChange, one reparse

Ranges are LSP ranges (0-based lines, UTF-16 characters; plain ``((line, ch), (line, ch))`` tuples
work too) and are clamped as the LSP specification says (see :mod:`context.source.positions`). A range
that cannot be clamped (negative numbers, start after end) raises :class:`PositionError` and
leaves the document untouched.

Each change costs one splice of the text and of its UTF-8 bytes, an update of the line index and
one ``tree.edit`` (well under a millisecond on a 5,000-line file). The incremental reparse
(``parser.parse(new, old_tree)``) runs when :attr:`Document.tree` is next read, so a burst of
keystrokes between two completion requests costs one reparse, not one each. Documents without a
grammar, or larger than `max_parse_bytes`, have `tree = None` (logged once, reason in
:attr:`Document.parse_skipped`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from tree_sitter import Point, Tree

from context.source.languages import get_parser, language_for_path
from context.source.positions import LineIndex, Position, PositionError, TextRange

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
        self._tree: Tree | None = None
        self._stale = self.language is not None  # the tree lags the text: reparse on next read
        self._parse_skipped: str | None = None

    # -- reading -----------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self._text

    @property
    def tree(self) -> Tree | None:
        """The syntax tree of the current text (reparsed incrementally here if edits are pending)."""
        if self._stale:
            self._reparse()
        return self._tree

    @tree.setter
    def tree(self, tree: Tree | None) -> None:
        self._tree = tree
        self._stale = False

    @property
    def parse_skipped(self) -> str | None:
        """Why the document has no tree although its language has a grammar (e.g. too large)."""
        if self._stale:
            self._reparse()
        return self._parse_skipped

    @parse_skipped.setter
    def parse_skipped(self, reason: str | None) -> None:
        self._parse_skipped = reason

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
        return self._text[self._lines.start(line) : self._lines.line_end(self._text, line)]

    def line_start(self, line: int) -> int:
        """Code-point offset where `line` starts (clamped)."""
        return self._lines.start(max(0, min(line, self._lines.line_count - 1)))

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
        return Point(line, byte - self._lines.byte_start(line))

    def copy(self) -> Document:
        """An independent snapshot (text, version and tree) for work off the event loop. Edits not
        parsed yet stay pending in the snapshot too, so the thread that reads its tree pays for the
        reparse (after a keystroke, tens of milliseconds on a large file in the worst case); hand
        the result back with :meth:`adopt_tree` to spare this document the same parse."""
        clone = Document.__new__(Document)
        clone.__dict__.update(self.__dict__)
        clone._lines = self._lines.copy()
        clone._tree = self._tree.copy() if self._tree is not None else None
        return clone

    def adopt_tree(self, snapshot: Document, retire: Callable[[Tree], object] | None = None) -> bool:
        """Take the tree a :meth:`copy` of this document parsed, if this document has not changed
        since and still waits for its reparse. Returns whether it did. The tree moves (copying a
        freshly parsed tree costs about as much as a small parse): the snapshot gives it up and
        would parse again if read. `retire` receives the tree it replaces (freeing a large tree
        takes up to a millisecond: a caller on a hot path can let go of it later)."""
        if not self._stale or snapshot._stale or snapshot._source is not self._source:
            return False
        if snapshot.version != self.version or snapshot.language != self.language:
            return False
        if retire is not None and self._tree is not None:
            retire(self._tree)
        self._tree, snapshot._tree = snapshot._tree, None
        snapshot._stale = snapshot.language is not None
        self._parse_skipped = snapshot._parse_skipped
        self._stale = False
        return True

    # -- changing ----------------------------------------------------------------------------------

    def apply_change(self, range_: RangeLike | None, new_text: str, version: int) -> None:
        """Replace `range_` (None: the whole document) with `new_text`, then reparse incrementally."""
        self.apply_changes([(range_, new_text)], version)

    def apply_changes(self, changes: Sequence[Change], version: int) -> None:
        """Apply the content changes of one ``didChange`` in order (the reparse waits for `tree`).

        A PositionError in any change leaves the document exactly as it was.
        """
        self._validate(changes)
        for range_, new_text in changes:
            if range_ is None:
                self._replace_all(_sanitize(new_text))
            else:
                self._splice(range_, _sanitize(new_text))
        if version <= self.version:
            log.debug("%s: version %d after %d (not increasing)", self.path, version, self.version)
        self.version = version
        self._stale = self.language is not None

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
        self._tree = None

    def _splice(self, range_: RangeLike, new_text: str) -> None:
        start_pos, end_pos = range_
        start = self.offset_at(start_pos)
        end = max(start, self.offset_at(end_pos))
        start_byte = self.byte_at(start)
        old_end_byte = self.byte_at(end)
        new_bytes = new_text.encode("utf-8")
        tree = self._tree  # possibly behind by earlier edits: tree-sitter accepts several edits per parse
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
        last_line = self._lines.line_count - 1
        lines = (min(start_pos[0], last_line), min(end_pos[0], last_line))
        self._lines.update(self._text, start, end, new_end, start_byte, byte_delta, lines)
        if tree is not None:
            newlines = new_bytes.count(b"\n")
            if newlines:
                new_end_point = Point(start_point.row + newlines, len(new_bytes) - new_bytes.rfind(b"\n") - 1)
            else:
                new_end_point = Point(start_point.row, start_point.column + len(new_bytes))
            tree.edit(start_byte, old_end_byte, start_byte + len(new_bytes), start_point, old_end_point, new_end_point)

    def _reparse(self) -> None:
        self._stale = False
        if self.language is None:
            self._tree = None
            return
        if len(self._source) > self.max_parse_bytes:
            if self._parse_skipped is None:
                log.info("%s: not parsed (%d bytes > cap of %d)", self.path, len(self._source), self.max_parse_bytes)
            self._parse_skipped = f"too large to parse ({len(self._source)} bytes > {self.max_parse_bytes})"
            self._tree = None
            return
        self._parse_skipped = None
        parser = get_parser(self.language)
        old = self._tree
        self._tree = parser.parse(self._source, old) if old is not None else parser.parse(self._source)


def _point_by_scan(source: bytes, byte: int) -> Point:
    row = source.count(b"\n", 0, byte)
    return Point(row, byte - (source.rfind(b"\n", 0, byte) + 1))


def _has_lone_cr(text: str) -> bool:
    return "\r" in text and text.count("\r") != text.count("\r\n")
