"""Recent edits per document, as small unified diffs: what the next-edit model is shown.

The LSP layer calls :meth:`EditHistory.open`, :meth:`~EditHistory.change` (with the document's new
text after every ``didChange``) and :meth:`~EditHistory.close`. Edits are coalesced: a change on
the lines the current burst touched (or next to them), within ``coalesce_s`` of the previous
change, extends the burst, so typing a word on one line is one edit. Anything else closes the burst
and starts a new one. The history is bounded (``max_edits`` and ``max_bytes`` of diff text, oldest
dropped first) and forgotten on close. Private documents (ignored or secret files) are never
recorded: a document opened as not known yet (``private=None``, while the caller checks in a
thread) records in memory but shows nothing until :meth:`EditHistory.set_private` says it may,
and forgets everything if it may not. Diffs are redacted (:func:`context.safety.redact`) when they are made.

Line numbers of the edits are kept in the current text's coordinates (moved by later edits above
them), so the region choice can grow to the lines the user just touched.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from context.safety import redact
from server.nextedit.textspan import changed_span, line_bounds

_CONTEXT_LINES = 1


@dataclass(frozen=True, slots=True)
class RecordedEdit:
    """One coalesced edit: a unified diff (redacted) and the lines it left, ``[start, end)``, 0-based
    in the current text (``start == end`` for a deletion)."""

    diff: str
    lines: tuple[int, int]


@dataclass(slots=True)
class _Burst:
    before: str  # the whole text before the burst started
    lines: tuple[int, int]
    last_at: float


@dataclass(slots=True)
class _DocumentHistory:
    path: str
    text: str
    private: bool | None  # None: not known yet
    edits: deque[RecordedEdit] = field(default_factory=deque)
    burst: _Burst | None = None
    before_last: str | None = None  # the text before the most recent finished edit


class EditHistory:
    def __init__(
        self,
        *,
        max_edits: int = 8,
        max_bytes: int = 4096,
        coalesce_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_edits = max_edits
        self.max_bytes = max_bytes
        self.coalesce_s = coalesce_s
        self._clock = clock
        self._docs: dict[str, _DocumentHistory] = {}

    def open(self, key: str, path: str, text: str, *, private: bool | None = False) -> None:
        """Start (or restart) the history of a document; a private one records nothing."""
        self._docs[key] = _DocumentHistory(path, text, private)

    def set_private(self, key: str, private: bool) -> None:
        """Whether a document opened with ``private=None`` is private (then all it recorded goes)."""
        doc = self._docs.get(key)
        if doc is None:
            return
        doc.private = private
        if private:
            doc.edits.clear()
            doc.burst, doc.before_last = None, None

    def close(self, key: str) -> None:
        self._docs.pop(key, None)

    def path(self, key: str) -> str | None:
        """The path the document is shown under (relative to the workspace)."""
        doc = self._docs.get(key)
        return doc.path if doc is not None else None

    def is_private(self, key: str) -> bool:
        doc = self._docs.get(key)
        return doc is None or doc.private is not False

    def change(self, key: str, text: str) -> None:
        """The document's text after a change (one ``didChange``)."""
        doc = self._docs.get(key)
        if doc is None or doc.private:
            return
        span = changed_span(doc.text, text)
        if span is None:
            return
        now = self._clock()
        first_line = doc.text.count("\n", 0, span.start)
        delta = text.count("\n", span.start, span.new_end) - doc.text.count("\n", span.start, span.old_end)
        burst = doc.burst
        changed = (first_line, doc.text.count("\n", 0, span.old_end))  # old text, inclusive
        if burst is not None and (now - burst.last_at > self.coalesce_s or not _near(burst.lines, changed)):
            self._finish(doc)
            burst = None
        self._shift(doc, first_line, delta)
        if burst is None:
            doc.burst = _Burst(doc.text, changed, now)
        else:
            burst.last_at = now
        doc.text = text
        self._update_burst(doc)

    def edits(self, key: str) -> tuple[RecordedEdit, ...]:
        """Finished edits and the burst in progress, oldest first, within the bounds."""
        doc = self._docs.get(key)
        if doc is None or doc.private is not False:
            return ()
        items = list(doc.edits)
        if doc.burst is not None:
            items.append(_recorded(doc.path, doc.burst.before, doc.text))
        return tuple(_bounded(items, self.max_edits, self.max_bytes))

    def text_before_last_edit(self, key: str) -> str | None:
        """The whole text before the user's most recent edit (the burst in progress, if any)."""
        doc = self._docs.get(key)
        if doc is None or doc.private is not False:
            return None
        return doc.burst.before if doc.burst is not None else doc.before_last

    def _update_burst(self, doc: _DocumentHistory) -> None:
        burst = doc.burst
        assert burst is not None
        span = changed_span(burst.before, doc.text)
        if span is None:  # the burst undid itself
            doc.burst = None
            return
        start, end = line_bounds(doc.text, span.start, span.new_end)
        burst.lines = (doc.text.count("\n", 0, start), doc.text.count("\n", 0, end))

    def _finish(self, doc: _DocumentHistory) -> None:
        burst = doc.burst
        doc.burst = None
        if burst is None:
            return
        doc.edits.append(_recorded(doc.path, burst.before, doc.text))
        doc.before_last = burst.before
        kept = _bounded(list(doc.edits), self.max_edits, self.max_bytes)
        doc.edits = deque(kept)

    @staticmethod
    def _shift(doc: _DocumentHistory, line: int, delta: int) -> None:
        if delta == 0:
            return
        doc.edits = deque(
            replace(edit, lines=(edit.lines[0] + delta, edit.lines[1] + delta)) if edit.lines[0] > line else edit
            for edit in doc.edits
        )


def _near(lines: tuple[int, int], changed: tuple[int, int]) -> bool:
    """A change on the burst's lines, or on the line just above or below them, continues it.
    `lines` is ``[start, end)``; `changed` the first and last line the change touched."""
    start, end = lines
    return changed[0] <= max(end, start + 1) and changed[1] >= start - 1


def _recorded(path: str, before: str, after: str) -> RecordedEdit:
    span = changed_span(before, after)
    if span is None:
        return RecordedEdit("", (0, 0))
    old_start, old_end = line_bounds(before, span.start, span.old_end)
    new_start, new_end = line_bounds(after, span.start, span.new_end)
    old_lines = before[old_start:old_end].splitlines()
    new_lines = after[new_start:new_end].splitlines()
    first = before.count("\n", 0, old_start)
    new_first = after.count("\n", 0, new_start)
    context_above = _lines_before(before, old_start)
    context_below = _lines_after(before, old_end)
    header = (
        f"--- a/{path}\n+++ b/{path}\n"
        f"@@ -{first + 1 - len(context_above)},{len(old_lines) + len(context_above) + len(context_below)} "
        f"+{new_first + 1 - len(context_above)},{len(new_lines) + len(context_above) + len(context_below)} @@\n"
    )
    body = [f" {line}" for line in context_above]
    body += [f"-{line}" for line in old_lines] + [f"+{line}" for line in new_lines]
    body += [f" {line}" for line in context_below]
    return RecordedEdit(redact(header + "\n".join(body) + "\n"), (new_first, new_first + len(new_lines)))


def _lines_before(text: str, at: int) -> list[str]:
    """Up to ``_CONTEXT_LINES`` whole lines ending just before `at` (a line start)."""
    start = at
    for _ in range(_CONTEXT_LINES):
        if start <= 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    return text[start:at].splitlines()


def _lines_after(text: str, at: int) -> list[str]:
    """Up to ``_CONTEXT_LINES`` whole lines starting at `at` (a line start)."""
    end = at
    for _ in range(_CONTEXT_LINES):
        if end >= len(text):
            break
        newline = text.find("\n", end)
        end = len(text) if newline < 0 else newline + 1
    return text[at:end].splitlines()


def _bounded(items: list[RecordedEdit], max_edits: int, max_bytes: int) -> list[RecordedEdit]:
    """The newest edits that fit both bounds (the newest is kept even when it alone is too big)."""
    kept: list[RecordedEdit] = []
    size = 0
    for edit in reversed(items):
        if kept and (len(kept) >= max_edits or size + len(edit.diff) > max_bytes):
            break
        kept.append(edit)
        size += len(edit.diff)
    kept.reverse()
    return kept
