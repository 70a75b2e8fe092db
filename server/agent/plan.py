"""The result of an agent run: an edit plan that only frontends apply.

Each :class:`FileEdit` carries what it was made against (the editor's document version when the
text came from an open buffer, and always a content hash), so a frontend can check that the file
has not changed since, and rebase or refuse instead of applying blindly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tools.proposals import EditProposals, confirmation_reason, text_hash


@dataclass(frozen=True, slots=True)
class FileEdit:
    path: Path  # absolute, resolved
    rel_path: str  # relative to its workspace folder (POSIX)
    base_version: int | None  # editor version the agent read; None: read from disk
    base_hash: str  # sha256 of the text the edit was made against ('' for a new file)
    old_text: str | None  # None: the file is created
    new_text: str | None  # None: the file is deleted
    needs_confirmation: bool = False
    reason: str | None = None  # why it needs confirmation

    def still_applies_to(self, current_text: str | None) -> bool:
        """True when `current_text` is exactly what the edit was made against."""
        return text_hash(current_text) == self.base_hash


@dataclass(frozen=True, slots=True)
class EditPlan:
    edits: tuple[FileEdit, ...] = ()

    @property
    def needs_confirmation(self) -> bool:
        return any(e.needs_confirmation for e in self.edits)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(e.rel_path for e in self.edits)

    def __bool__(self) -> bool:
        return bool(self.edits)


def plan_from_proposals(proposals: EditProposals) -> EditPlan:
    items = proposals.items()
    edits = []
    for p in items:
        reason = confirmation_reason(p, len(items))
        edits.append(
            FileEdit(
                path=p.target.path,
                rel_path=p.target.rel,
                base_version=p.base_version,
                base_hash=p.base_hash,
                old_text=p.base_text,
                new_text=p.new_text,
                needs_confirmation=reason is not None,
                reason=reason,
            )
        )
    return EditPlan(tuple(edits))
