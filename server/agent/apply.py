"""Applying an edit plan to files on disk (the terminal frontend; the editor uses workspace/applyEdit).

Never blind: a file whose current text is not what the edit was made against is refused (the
rules are :func:`server.agent.edit_decision.decide_edit`'s, without rebasing), and
edits that need confirmation are skipped unless the caller says the user confirmed them. Each file
is written atomically (a temporary file in the same folder, then a rename). Blocking I/O: call it
in a thread from async code.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from server.agent.edit_decision import DeleteFile, Refuse, decide_edit
from server.agent.plan import EditPlan, FileEdit


@dataclass
class ApplyReport:
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "path: reason"

    @property
    def ok(self) -> bool:
        return not self.refused


def read_current_text(path: Path) -> str | None:
    """A file's text exactly as stored (no newline translation), or None when it does not exist."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.outrider-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        if mode is not None:
            Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def apply_edit(edit: FileEdit, report: ApplyReport) -> None:
    try:
        current = read_current_text(edit.path)
    except (OSError, UnicodeDecodeError) as exc:
        report.refused.append(f"{edit.rel_path}: cannot read it ({exc})")
        return
    decision = decide_edit(edit, current, rebase=False)
    if isinstance(decision, Refuse):
        report.refused.append(decision.reason)
    elif isinstance(decision, DeleteFile):
        edit.path.unlink()
        report.deleted.append(edit.rel_path)
    else:
        _write_atomically(edit.path, decision.text)
        report.written.append(edit.rel_path)


def apply_plan_to_disk(plan: EditPlan, *, confirmed: bool = False) -> ApplyReport:
    """Apply every edit that still applies; `confirmed` includes those needing confirmation."""
    report = ApplyReport()
    for edit in plan.edits:
        if edit.needs_confirmation and not confirmed:
            report.refused.append(f"{edit.rel_path}: needs confirmation ({edit.reason}); not applied")
            continue
        try:
            apply_edit(edit, report)
        except OSError as exc:
            report.refused.append(f"{edit.rel_path}: {exc}")
    return report
