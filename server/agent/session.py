"""Wiring one agent run from settings: workspace sandbox, tools, budget, provider, prompts.

Frontends (LSP, terminal, ACP) call :func:`run_agent_task` and render the events; they apply the
resulting edit plan themselves.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.agent.events import EventSink, ignore_events
from server.agent.loop import AgentLoop, LoopLimits
from server.agent.outcomes import RunOutcome
from server.agent.project_map import EMPTY, project_map
from server.agent.prompts import load_prompt
from server.config import Settings
from server.models.budget import Budget, Spent
from server.models.types import Provider
from tools.registry import tools_for
from tools.run_tests import display_command
from tools.sandbox import Workspace, WorkspacePath, model_safe
from tools.tool import OpenDocument, SymbolIndex, ToolDef, ToolEnv, no_overlay


@dataclass(frozen=True)
class AgentTask:
    instruction: str
    path: str | None = None  # the file the task is about (workspace-relative or absolute)
    lines: tuple[int, int] | None = None  # 1-based, inclusive
    selected_text: str | None = None
    run_tests: bool = False  # validation must include the configured tests
    can_edit: bool = True  # False for "explain": no edit tool at all


@dataclass(frozen=True)
class AgentRun:
    outcome: RunOutcome
    spent: Spent


def task_message(task: AgentTask, workspace: Workspace | None = None) -> str:
    location = ""
    if task.path:
        shown = task.path
        if workspace is not None and isinstance(target := workspace.resolve(task.path), WorkspacePath):
            shown = workspace.display(target)
        where = f" lines {task.lines[0]}-{task.lines[1]}" if task.lines else ""
        location = f"File: {shown}{where}"
        if task.selected_text:
            location += f"\nSelected code:\n```\n{model_safe(task.selected_text)}\n```"
    requirements = "The project's tests must pass after your edits." if task.run_tests else ""
    text = load_prompt("task").render(instruction=task.instruction, location=location, requirements=requirements)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def system_message(env: ToolEnv, project_map: str = EMPTY) -> str:
    # Folder names and program names only: the prompt must not depend on where things are installed
    # (prompt caches and recorded sessions rely on it).
    roots = ", ".join(r.name for r in env.workspace.roots)
    if env.test_commands:
        commands = "; ".join(f"{i}: {display_command(c)}" for i, c in enumerate(env.test_commands))
    else:
        commands = "none (run_tests is unavailable)"
    return load_prompt("system").render(workspace=roots, test_commands=commands, project_map=project_map)


def build_env(
    settings: Settings,
    roots: Sequence[Path],
    *,
    overlay: Callable[[Path], OpenDocument | None] = no_overlay,
    symbols: SymbolIndex | None = None,
    confirmed_test_commands: Sequence[Sequence[str]] = (),
    confirm_unsandboxed: Callable[[str], Awaitable[bool]] | None = None,
) -> ToolEnv:
    """The tools' environment. `confirm_unsandboxed` asks the user before tests run on proposed
    code without an OS sandbox (None: such runs are refused)."""
    commands = settings.agent.test_commands or [list(c) for c in confirmed_test_commands]
    return ToolEnv(
        Workspace(roots, extra_ignore=settings.context.extra_ignore),
        overlay=overlay,
        test_commands=tuple(tuple(c) for c in commands),
        test_timeout_s=settings.agent.test_timeout_s,
        max_file_bytes=settings.context.max_file_bytes,
        symbols=symbols,
        test_env=tuple(settings.agent.test_env),
        sandbox=settings.agent.sandbox,
        confirm_unsandboxed=confirm_unsandboxed,
    )


async def run_agent_task(
    task: AgentTask,
    env: ToolEnv,
    settings: Settings,
    *,
    provider: Provider,
    on_event: EventSink = ignore_events,
    limits: LoopLimits | None = None,
    feature: str = "agent",
    extra_tools: Mapping[str, ToolDef[Any]] | None = None,
) -> AgentRun:
    """Run one task to its outcome with the frontend's provider (built by
    :func:`server.models.registry.build_provider`). Cancel the calling task to stop it. `feature`
    names the frontend in traces; `extra_tools` (MCP tools, already gated) come after the built-in ones."""
    budget = Budget.from_settings(settings.agent, settings.prices)
    tools = tools_for(can_edit=task.can_edit, can_run_tests=bool(env.test_commands))
    for name, tool in sorted((extra_tools or {}).items()):
        tools.setdefault(name, tool)  # a built-in tool is never shadowed
    loop = AgentLoop(
        provider,
        tools,
        env,
        budget,
        system=system_message(env, await project_map(env, settings, task.instruction, task.path)),
        model=settings.resolved_model(),
        run_tests=task.run_tests and bool(env.test_commands),
        limits=limits or LoopLimits(),
        on_event=on_event,
        feature=feature,
    )
    outcome = await loop.run(task_message(task, env.workspace))
    return AgentRun(outcome, budget.spent())
