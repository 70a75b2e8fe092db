"""Unified diffs of an edit plan, and their coloured rendering with rich."""

from __future__ import annotations

import difflib

from rich.console import Console
from rich.text import Text

from server.agent.plan import EditPlan, FileEdit


def file_diff(edit: FileEdit) -> str:
    """The unified diff of one edit, `a/`/`b/` paths as git prints them ('/dev/null' for create/delete)."""
    old = (edit.old_text or "").splitlines(keepends=True)
    new = (edit.new_text or "").splitlines(keepends=True)
    before = "/dev/null" if edit.old_text is None else f"a/{edit.rel_path}"
    after = "/dev/null" if edit.new_text is None else f"b/{edit.rel_path}"
    lines = []
    for line in difflib.unified_diff(old, new, before, after):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def plan_diff(plan: EditPlan) -> str:
    """Every edit's diff, in the plan's (sorted) order."""
    return "".join(file_diff(edit) for edit in plan.edits)


def _style(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "bold"
    if line.startswith("@@"):
        return "cyan"
    if line.startswith("+"):
        return "green"
    if line.startswith("-"):
        return "red"
    return ""


def coloured_diff(diff: str) -> Text:
    text = Text()
    for line in diff.splitlines(keepends=True):
        text.append(line, style=_style(line))
    return text


def print_diff(console: Console, diff: str) -> None:
    """Print the diff (colours only when the console is a terminal)."""
    console.print(coloured_diff(diff), end="", soft_wrap=True, highlight=False, markup=False)
