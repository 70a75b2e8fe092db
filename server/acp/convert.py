"""Conversions between the agent's neutral values and ACP schema objects (one prefix: ``acp_``).

ACP paths are absolute and lines 1-based; the agent works with workspace-relative POSIX paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from acp.schema import (
    Cost,
    PermissionOption,
    PlanEntry,
    StopReason,
    ToolCallLocation,
    ToolKind,
    UsageUpdate,
)

from server.agent.outcomes import BudgetExceeded, RunOutcome
from server.agent.rebase import changed_region
from server.models.budget import Limits, Spent
from tools.sandbox import Workspace, WorkspacePath

TOOL_KINDS: dict[str, ToolKind] = {
    "read_file": "read",
    "list_files": "read",
    "git_diff": "read",
    "search": "search",
    "find_symbol": "search",
    "propose_edit": "edit",
    "run_tests": "execute",
}

ALLOW_ONCE, ALLOW_ALWAYS, REJECT = "allow_once", "allow_always", "reject_once"


def acp_tool_kind(tool: str) -> ToolKind:
    """The kind a client shows an icon for; MCP and unknown tools are ``other``."""
    return TOOL_KINDS.get(tool, "other")


def acp_tool_title(tool: str, arguments: Mapping[str, Any]) -> str:
    """A short title such as ``read_file shop/cart.py`` or ``search "calc_total"``."""
    for key in ("path", "name", "pattern", "query"):
        value = arguments.get(key)
        if isinstance(value, str) and value:
            shown = f'"{value}"' if key in ("pattern", "query") else value
            return f"{tool} {shown}"[:200]
    return tool


def acp_locations(workspace: Workspace, rel_paths: tuple[str, ...]) -> list[ToolCallLocation]:
    """Absolute paths of workspace-relative files (ACP wants absolute paths)."""
    out: list[ToolCallLocation] = []
    for rel in rel_paths:
        target = workspace.resolve(rel)
        if isinstance(target, WorkspacePath):
            out.append(ToolCallLocation(path=str(target.path)))
    return out


def acp_edit_location(path: Path, old_text: str | None, new_text: str | None) -> ToolCallLocation:
    """Where an edit starts: its first changed line, 1-based as ACP counts lines."""
    start = changed_region(old_text or "", new_text or "").start
    return ToolCallLocation(path=str(path), line=(old_text or "")[:start].count("\n") + 1)


def acp_stop_reason(outcome: RunOutcome) -> StopReason:
    """An exhausted token budget is ``max_tokens``; steps, dollars and time are ``max_turn_requests``."""
    if isinstance(outcome, BudgetExceeded):
        limit = outcome.detail.limit if outcome.detail is not None else None
        return "max_tokens" if limit in ("input_tokens", "output_tokens") else "max_turn_requests"
    return "end_turn"


def acp_budget_meta(spent: Spent, limits: Limits) -> dict[str, Any]:
    """Every budget figure, spent and allowed (ACP's usage update has room for tokens and cost only)."""
    return {
        "outrider": {
            "steps": spent.steps,
            "maxSteps": limits.max_steps,
            "inputTokens": spent.input_tokens,
            "maxInputTokens": limits.max_input_tokens,
            "outputTokens": spent.output_tokens,
            "maxOutputTokens": limits.max_output_tokens,
            "costUsd": round(spent.cost_usd, 6),
            "maxCostUsd": limits.max_cost_usd,
            "seconds": round(spent.seconds, 3),
            "maxSeconds": limits.max_seconds,
        }
    }


def acp_usage(spent: Spent, limits: Limits) -> UsageUpdate:
    return UsageUpdate(
        session_update="usage_update",
        used=spent.input_tokens + spent.output_tokens,
        size=limits.max_input_tokens + limits.max_output_tokens,
        cost=Cost(amount=round(spent.cost_usd, 6), currency="USD"),
        field_meta=acp_budget_meta(spent, limits),
    )


def acp_plan_entry(step: int, tools: list[str], done: bool) -> PlanEntry:
    used = f": {', '.join(tools)}" if tools else ""
    return PlanEntry(content=f"Step {step}{used}", priority="medium", status="completed" if done else "in_progress")


def acp_permission_options(*, always: bool) -> list[PermissionOption]:
    """Allow once / always / reject; edits that must always ask get no "always"."""
    options = [PermissionOption(option_id=ALLOW_ONCE, name="Allow once", kind="allow_once")]
    if always:
        options.append(PermissionOption(option_id=ALLOW_ALWAYS, name="Always allow", kind="allow_always"))
    options.append(PermissionOption(option_id=REJECT, name="Reject", kind="reject_once"))
    return options


def path_from_uri(uri: str) -> Path | None:
    """A local path from a ``file://`` URI (or an absolute path given as is)."""
    from urllib.parse import unquote, urlparse

    if uri.startswith("/"):
        return Path(uri)
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))
