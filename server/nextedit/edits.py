"""The model's rewrite of the editable region, diffed into minimal edits.

:func:`diff_to_edits` compares lines first (``difflib``), then trims each changed block to the
characters that differ, so renaming a parameter is an edit of the name, not of the line. Applying
the edits (:func:`apply_edits`) to the region gives the rewrite exactly. :func:`span_edit` joins
a prediction's edits into one replacement of the smallest span holding them all (Copilot's
protocol offers edits as alternatives, not as a sequence). Offsets are code points into the region.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace ``text[start:end]`` with ``new_text``."""

    start: int
    end: int
    new_text: str


def diff_to_edits(old: str, new: str) -> list[TextEdit]:
    """Minimal edits turning `old` into `new`, in order, not overlapping, not touching each other."""
    if old == new:
        return []
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    old_starts = _starts(old_lines)
    new_starts = _starts(new_lines)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    edits: list[TextEdit] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start, end = old_starts[a0], old_starts[a1]
        before, after = old[start:end], new[new_starts[b0] : new_starts[b1]]
        edits.extend(_trimmed(start, before, after))
    return _joined(edits)


def _starts(lines: Sequence[str]) -> list[int]:
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _trimmed(offset: int, before: str, after: str) -> list[TextEdit]:
    """The changed block without its common prefix and suffix, widened to whole words (a rename
    replaces the name, not its last letters)."""
    limit = min(len(before), len(after))
    prefix = 0
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    changed = before[prefix : len(before) - suffix] + after[prefix : len(after) - suffix]
    if changed and _is_word(changed[0]):
        while prefix > 0 and _is_word(before[prefix - 1]):
            prefix -= 1
    if changed and _is_word(changed[-1]):
        while suffix > 0 and _is_word(before[len(before) - suffix]):
            suffix -= 1
    return [TextEdit(offset + prefix, offset + len(before) - suffix, after[prefix : len(after) - suffix])]


def _joined(edits: list[TextEdit]) -> list[TextEdit]:
    joined: list[TextEdit] = []
    for edit in edits:
        if joined and joined[-1].end == edit.start:
            last = joined.pop()
            edit = TextEdit(last.start, edit.end, last.new_text + edit.new_text)
        joined.append(edit)
    return joined


def apply_edits(text: str, edits: Sequence[TextEdit]) -> str:
    """`text` with the (ordered, non-overlapping) edits applied."""
    out: list[str] = []
    at = 0
    for edit in edits:
        out.append(text[at : edit.start])
        out.append(edit.new_text)
        at = edit.end
    out.append(text[at:])
    return "".join(out)


def span_edit(text: str, edits: Sequence[TextEdit]) -> TextEdit:
    """One edit replacing the smallest span that holds every edit (same result as applying them)."""
    start, end = edits[0].start, edits[-1].end
    shifted = [TextEdit(e.start - start, e.end - start, e.new_text) for e in edits]
    return TextEdit(start, end, apply_edits(text[start:end], shifted))


def changed_lines(text: str, edits: Sequence[TextEdit]) -> int:
    """How many lines the edits remove or add (for the size cap)."""
    total = 0
    for edit in edits:
        total += max(text.count("\n", edit.start, edit.end), edit.new_text.count("\n")) + 1
    return total
