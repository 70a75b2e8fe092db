"""Edit proposals: what the agent wants to change, kept in memory until a frontend applies it.

Each proposal remembers the text it was made against (`base_text`, with the editor's document
version when the text came from an open buffer, and a content hash otherwise), so a frontend can
refuse or rebase when the file changed since. Later reads and edits of a proposed file see the
proposed text, so the model's edits build on each other.

The permission policy lives here too: :func:`confirmation_reason` says which proposals a user must
confirm explicitly (the assistant's own configuration, files other tools execute, deletions, many
files at once; the path and content rules are in :mod:`tools.confirm_rules`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from tools.confirm_rules import changes_own_config, runs_as_program
from tools.sandbox import WorkspacePath

# More files than this in one plan and every file needs confirmation.
MANY_FILES = 8


def text_hash(text: str | None) -> str:
    """The content hash proposals are checked against ('' for a file that did not exist)."""
    if text is None:
        return ""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Proposal:
    """One file's proposed change. `new_text` None means delete; `base_text` None means create."""

    target: WorkspacePath
    base_text: str | None
    base_version: int | None
    new_text: str | None

    @property
    def base_hash(self) -> str:
        return text_hash(self.base_text)

    @property
    def is_delete(self) -> bool:
        return self.new_text is None

    @property
    def is_create(self) -> bool:
        return self.base_text is None


def confirmation_reason(proposal: Proposal, files_in_plan: int) -> str | None:
    """Why this proposal must be confirmed by the user, or None when it may be offered as is."""
    reasons: list[str] = []
    rel, base, new = proposal.target.rel, proposal.base_text, proposal.new_text
    if changes_own_config(rel, base, new):
        reasons.append("changes Outrider's own configuration or editor/CI settings")
    if runs_as_program(rel, base, new):
        reasons.append("changes a file that other tools run (build, hooks, editor or shell start-up)")
    if proposal.is_delete:
        reasons.append("deletes a file")
    if files_in_plan > MANY_FILES:
        reasons.append(f"part of an edit touching {files_in_plan} files")
    return "; ".join(reasons) or None


class EditProposals:
    """The proposals of one agent run, by resolved path; iteration is sorted (deterministic)."""

    def __init__(self) -> None:
        self._by_path: dict[Path, Proposal] = {}

    def get(self, path: Path) -> Proposal | None:
        return self._by_path.get(path)

    def propose(self, target: WorkspacePath, base_text: str | None, base_version: int | None, new: str | None) -> None:
        """Record new text for `target`. The first proposal for a file fixes its base."""
        existing = self._by_path.get(target.path)
        if existing is not None:
            self._by_path[target.path] = replace(existing, new_text=new)
        else:
            self._by_path[target.path] = Proposal(target, base_text, base_version, new)
        current = self._by_path[target.path]
        if current.new_text == current.base_text:
            del self._by_path[target.path]  # back to where it started: nothing to propose

    def drop(self, path: Path) -> None:
        self._by_path.pop(path, None)

    def items(self) -> list[Proposal]:
        return [self._by_path[p] for p in sorted(self._by_path)]

    def __len__(self) -> int:
        return len(self._by_path)
