"""How one proposed file edit lands on the file as it is now: changed, created, deleted or refused.

Every frontend (the editor over LSP, the terminal, ACP) asks :func:`decide_edit` with the file's
current text (``None``: it does not exist) and what the frontend can do, then carries out the
decision in its own way. The rules:

- an edit made against exactly the current text is taken as it is;
- otherwise, when ``rebase`` is allowed, it is rebased onto the current text if it does not touch
  what changed since the agent read the file (:func:`server.agent.rebase.rebase_text`), else refused;
- a create is refused if the file exists now, a delete or change if it no longer matches or exists;
- creating or deleting files is refused when the frontend cannot do it.

A change is given as non-overlapping hunks against the current text (offsets into it, in order;
:func:`server.agent.rebase.changed_hunks`), so a frontend sends one text edit per hunk and never
rewrites what lies between two of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.agent.plan import FileEdit
from server.agent.rebase import Region, changed_hunks, rebase_text


@dataclass(frozen=True, slots=True)
class ChangeFile:
    """Replace each hunk of the current text (offsets into it, in order); `text` is the result."""

    hunks: tuple[Region, ...]
    text: str
    rebased: bool = False


@dataclass(frozen=True, slots=True)
class CreateFile:
    text: str


@dataclass(frozen=True, slots=True)
class DeleteFile:
    pass


@dataclass(frozen=True, slots=True)
class Refuse:
    reason: str  # "path: why", one line


EditDecision = ChangeFile | CreateFile | DeleteFile | Refuse


def decide_edit(
    edit: FileEdit, current: str | None, *, can_create_delete: bool = True, rebase: bool = True
) -> EditDecision:
    """What to do with `edit` given the file's `current` text (None: the file does not exist)."""
    if edit.new_text is None:
        if not can_create_delete:
            return Refuse(f"{edit.rel_path}: the editor cannot delete files")
        if not edit.still_applies_to(current):
            return Refuse(f"{edit.rel_path}: changed since the agent read it; not deleted")
        return DeleteFile()
    if edit.old_text is None:
        if current is not None:
            return Refuse(f"{edit.rel_path}: exists now; the agent meant to create it")
        if not can_create_delete:
            return Refuse(f"{edit.rel_path}: the editor cannot create files")
        return CreateFile(edit.new_text)
    if current is None:
        return Refuse(f"{edit.rel_path}: no longer exists")
    if edit.still_applies_to(current):
        return ChangeFile(changed_hunks(current, edit.new_text), edit.new_text)
    if not rebase:
        return Refuse(f"{edit.rel_path}: changed since the agent read it; not applied")
    target = rebase_text(edit.old_text, edit.new_text, current)
    if target is None:
        return Refuse(f"{edit.rel_path}: changed since the agent read it, in the same place; not applied")
    return ChangeFile(changed_hunks(current, target), target, rebased=True)
