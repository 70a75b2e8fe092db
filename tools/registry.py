"""The tools the agent may use, by name (sorted, so the tool list the model sees is stable)."""

from __future__ import annotations

from typing import Any

from tools import find_symbol, git_diff, list_files, propose_edit, read_file, run_tests, search
from tools.tool import ToolDef


def all_tools() -> dict[str, ToolDef[Any]]:
    defs: list[ToolDef[Any]] = [
        find_symbol.TOOL,
        git_diff.TOOL,
        list_files.TOOL,
        propose_edit.TOOL,
        read_file.TOOL,
        run_tests.TOOL,
        search.TOOL,
    ]
    return {d.name: d for d in sorted(defs, key=lambda d: d.name)}


def tools_for(*, can_edit: bool = True, can_run_tests: bool = True) -> dict[str, ToolDef[Any]]:
    """The subset for a task: read-only tasks (explain) get no edit tool; no tests unless configured."""
    chosen = all_tools()
    if not can_edit:
        chosen.pop("propose_edit")
    if not can_run_tests:
        chosen.pop("run_tests")
    return chosen
