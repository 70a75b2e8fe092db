"""Type-ahead for next edits: the user makes one of the predicted edits by hand, the rest still holds.

After a prediction of several edits (a rename at three uses, say), a change that is exactly one of
them leaves the others predicted, moved by the change: :func:`remaining_after` finds them without a
model call. Any other change ends it. Offsets are code points.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.nextedit.edits import TextEdit


@dataclass(frozen=True, slots=True)
class Predicted:
    """Edits predicted for one text of a document."""

    text: str
    edits: tuple[TextEdit, ...]


def remaining_after(predicted: Predicted, new_text: str) -> Predicted | None:
    """The edits still to make when `new_text` is `predicted.text` with one of them made; else None
    (also when none remain)."""
    old = predicted.text
    for index, edit in enumerate(predicted.edits):
        delta = len(edit.new_text) - (edit.end - edit.start)
        if len(new_text) != len(old) + delta:
            continue
        made = edit.start + len(edit.new_text)
        if new_text[edit.start : made] != edit.new_text:
            continue
        if new_text[: edit.start] != old[: edit.start] or new_text[made:] != old[edit.end :]:
            continue
        rest = predicted.edits[:index] + tuple(
            TextEdit(e.start + delta, e.end + delta, e.new_text) for e in predicted.edits[index + 1 :]
        )
        return Predicted(new_text, rest) if rest else None
    return None
