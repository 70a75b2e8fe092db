"""Bringing an edit made against one text onto the text the file has now.

An edit plan records the text each file had when the agent read it. If the user typed since, the
edit is rebased when its changes do not touch what the user changed: each changed hunk of the edit
must occur exactly once in the current text, with the same context on both sides (40 characters),
in the same order. Otherwise it is refused: never applied blindly.

:func:`changed_hunks` gives the change from one text to another as separate hunks (line-based
``difflib`` opcodes, each trimmed to its differing characters), so a frontend can send one text edit
per hunk: what lies between two hunks is never rewritten, and undo is as precise as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

CONTEXT_CHARS = 40  # context on each side that must still match


@dataclass(frozen=True, slots=True)
class Region:
    """Replace old[start:end] with `text`."""

    start: int
    end: int
    text: str


def changed_region(old: str, new: str) -> Region:
    """The smallest single region that turns `old` into `new`."""
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    return Region(prefix, len(old) - suffix, new[prefix : len(new) - suffix])


def changed_hunks(old: str, new: str) -> tuple[Region, ...]:
    """The regions of `old` to replace to get `new`, in order, non-overlapping (offsets into `old`)."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    old_starts, new_starts = _line_starts(old_lines), _line_starts(new_lines)
    hunks = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start, end = old_starts[i1], old_starts[i2]
        inner = changed_region(old[start:end], new[new_starts[j1] : new_starts[j2]])
        hunks.append(Region(start + inner.start, start + inner.end, inner.text))
    return tuple(hunks)


def _line_starts(lines: list[str]) -> list[int]:
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts


def rebase_text(base: str, new: str, current: str) -> str | None:
    """`new` re-made on top of `current`, or None when the edit and the user's change overlap.

    Each hunk of the edit is placed on its own: its removed text with its context on both sides must
    occur exactly once in `current`, after the previous hunk."""
    if current == base:
        return new
    out: list[str] = []
    at = 0
    for hunk in changed_hunks(base, new):
        before = base[max(0, hunk.start - CONTEXT_CHARS) : hunk.start]
        removed = base[hunk.start : hunk.end]
        after = base[hunk.end : hunk.end + CONTEXT_CHARS]
        anchor = before + removed + after
        if not anchor or current.count(anchor) != 1:
            return None
        where = current.index(anchor) + len(before)
        if where < at:
            return None
        out += [current[at:where], hunk.text]
        at = where + len(removed)
    return "".join(out) + current[at:]
