"""Bringing an edit made against one text onto the text the file has now.

An edit plan records the text each file had when the agent read it. If the user typed since, the
edit is rebased when its change does not touch what the user changed: the changed region of the
edit (between the longest common prefix and suffix of old and new) must occur exactly once in the
current text, with the same context on both sides. Otherwise it is refused: never applied blindly.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def rebase_text(base: str, new: str, current: str) -> str | None:
    """`new` re-made on top of `current`, or None when the edit and the user's change overlap."""
    if current == base:
        return new
    region = changed_region(base, new)
    before = base[max(0, region.start - CONTEXT_CHARS) : region.start]
    removed = base[region.start : region.end]
    after = base[region.end : region.end + CONTEXT_CHARS]
    anchor = before + removed + after
    if not anchor or current.count(anchor) != 1:
        return None
    at = current.index(anchor) + len(before)
    return current[:at] + region.text + current[at + len(removed) :]
