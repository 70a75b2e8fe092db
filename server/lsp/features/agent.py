"""``outrider.agent.run`` / ``outrider.agent.cancel``: the agent as a background task in the editor.

``outrider.agent.run {instruction, uri?, range?, runTests?, canEdit?}`` (or, from a code action,
``{action, uri, range, message?, kind?, symbol?}``: the server renders the instruction) answers with
``{"taskId", "token"}`` at once and runs the agent as a task with a work-done progress token: a report per
step (tool used, files touched, tokens and dollars so far) and the model's streamed text.
``window/workDoneProgress/cancel`` on that token, or ``outrider.agent.cancel {taskId?}``, cancels
the task. The result is one ``workspace/applyEdit`` of versioned ``TextDocumentEdit``s; edits
that need confirmation carry a change annotation (or, for clients without annotation support, are
asked about with ``window/showMessageRequest``); see :mod:`server.lsp.agent_edits`. A document
that changed since the agent read it is rebased when the changes do not overlap, else refused with
a message (:mod:`server.agent.edit_decision`, shared by every frontend): never applied blindly.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from context.repomap.index import RepoMap
from server.agent.actions import ACTIONS, action_instruction
from server.agent.consent import TestCommandConsent
from server.agent.events import AgentEvent, StepStarted, TextStreamed
from server.agent.outcomes import Final, NeedsApproval, RunOutcome
from server.agent.reporting import outcome_message, progress_line
from server.agent.session import AgentRun, AgentTask, build_env, run_agent_task
from server.config import state_dir
from server.lsp.agent_edits import apply_plan
from server.lsp.convert import from_lsp_range_json, uri_to_path
from server.lsp.mcp_gate import MessageRequestGate
from server.lsp.progress import WorkDoneProgress
from server.lsp.server import OutriderServer
from server.lsp.services.provider import provider_for
from server.lsp.services.repo_map import REPO_MAP
from server.mcp.toolbox import McpPool, open_mcp_tools
from server.models.registry import ProviderConfigError
from tools.runner_detection import detect_test_commands
from tools.tool import OpenDocument

logger = logging.getLogger(__name__)

RUN = "outrider.agent.run"
CANCEL = "outrider.agent.cancel"


async def symbols_for_run(ls: OutriderServer) -> RepoMap | None:
    """The session's repo map for `find_symbol`: after the background indexing. When the editor
    reports file changes (``watched``) the map is current already; otherwise it is brought up to
    date incrementally (unless the user cancelled indexing: then what is indexed so far)."""
    session = ls.services.get(REPO_MAP)
    repo_map = await session.indexed()
    if repo_map is not None and not session.cancelled and not session.watched:
        session.catch_ups += 1
        await repo_map.index()
    return repo_map


@dataclass
class RunningTasks:
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    mcp: McpPool = field(default_factory=McpPool)  # MCP servers kept between runs


def parse_request(ls: OutriderServer, arguments: tuple[Any, ...]) -> AgentTask:
    """The command's single argument object as an AgentTask (JSON-RPC InvalidParams if malformed):
    an ``instruction``, or a code action's ``action`` with its ``uri`` and ``range``."""
    raw = arguments[0] if arguments else None
    if not isinstance(raw, dict):
        raise JsonRpcInvalidParams.of(ValueError(f"{RUN} takes one object with an 'instruction' or an 'action'"))
    path: str | None = None
    lines: tuple[int, int] | None = None
    selected: str | None = None
    if isinstance(uri := raw.get("uri"), str):
        file_path = uri_to_path(uri)
        if file_path is None:
            raise JsonRpcInvalidParams.of(ValueError(f"not a file URI: {uri}"))
        path = str(file_path)
        document = ls.document_for(uri)
        if (selection := from_lsp_range_json(raw.get("range"))) is not None:
            lines = (selection.start.line + 1, selection.end.line + 1)
            if document is not None:
                begin, finish = document.offset_at(selection.start), document.offset_at(selection.end)
                selected = document.text[begin:finish] or None
    instruction, run_tests, can_edit = requested_instruction(ls, raw, lines[0] if lines else 1)
    return AgentTask(instruction, path, lines, selected, run_tests=run_tests, can_edit=can_edit)


def requested_instruction(ls: OutriderServer, raw: dict[str, Any], line: int) -> tuple[str, bool, bool]:
    """(instruction, run tests, can edit): as given, or rendered here for a code action's ``action``."""
    action = raw.get("action")
    if isinstance(action, str) and action in ACTIONS and isinstance(uri := raw.get("uri"), str):
        fields = {key: str(raw.get(key, "")) for key in ("message", "kind", "symbol")}
        rendered = action_instruction(action, display_path(ls, uri), line, **fields)
        return rendered.instruction, rendered.run_tests, rendered.can_edit
    instruction = raw.get("instruction")
    if not isinstance(instruction, str) or not instruction.strip():
        message = f"{RUN} takes an 'instruction', or an 'action' ({', '.join(ACTIONS)}) with a 'uri'"
        raise JsonRpcInvalidParams.of(ValueError(message))
    return instruction.strip(), bool(raw.get("runTests", False)), bool(raw.get("canEdit", True))


def display_path(ls: OutriderServer, uri: str) -> str:
    """Workspace-relative when inside a folder (prompts never carry machine-specific paths)."""
    path = uri_to_path(uri)
    if path is None:
        return uri
    for root in ls.workspace_roots:
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return path.name


def overlay_for(ls: OutriderServer) -> Callable[[Path], OpenDocument | None]:
    """Open editor buffers by resolved path: unsaved text wins over disk."""
    resolved: dict[tuple[str, ...], dict[Path, str]] = {}

    def overlay(path: Path) -> OpenDocument | None:
        keys = tuple(ls.documents.paths())
        by_path = resolved.get(keys)
        if by_path is None:  # the set of open documents changed: resolve their paths once
            resolved.clear()
            by_path = resolved[keys] = {Path(key).resolve(): key for key in keys}
        key = by_path.get(path)
        document = ls.documents.get(key) if key is not None else None
        return None if document is None else OpenDocument(document.text, document.version)

    return overlay


def setup(server: OutriderServer) -> None:
    running = RunningTasks()

    @server.command(RUN)
    async def run_agent(ls: OutriderServer, *arguments: Any) -> dict[str, Any]:
        task = parse_request(ls, arguments)
        task_id = f"agent-{next(running.counter)}"
        work_done = await WorkDoneProgress.create(ls, f"outrider/{task_id}")
        job = asyncio.create_task(drive(ls, task, work_done, running.mcp), name=task_id)
        running.tasks[task_id] = job
        job.add_done_callback(lambda _: running.tasks.pop(task_id, None))
        work_done.on_cancel(job.cancel)
        return {"taskId": task_id, "token": work_done.token}

    @server.command(CANCEL)
    def cancel_agent(ls: OutriderServer, *arguments: Any) -> dict[str, Any]:
        wanted = arguments[0].get("taskId") if arguments and isinstance(arguments[0], dict) else None
        chosen = sorted(t for t in running.tasks if wanted is None or t == wanted)
        for task_id in chosen:
            running.tasks[task_id].cancel()
        return {"cancelled": chosen}


class Progress:
    """Work-done progress for one run (or nothing when the client has no progress support)."""

    TEXT_INTERVAL_S = 0.1  # streamed text is reported at most this often (every step event is)

    def __init__(self, work_done: WorkDoneProgress, max_steps: int) -> None:
        self.work_done, self.max_steps, self.streamed = work_done, max_steps, ""
        self.last_text_report = 0.0

    def begin(self, title: str) -> None:
        self.work_done.begin(title)

    def on_event(self, event: AgentEvent) -> None:
        if isinstance(event, StepStarted):
            self.streamed = ""
        if isinstance(event, TextStreamed):
            self.streamed += event.text
            now = time.monotonic()
            if now - self.last_text_report < self.TEXT_INTERVAL_S:
                return
            self.last_text_report = now
        line = progress_line(event, self.max_steps, self.streamed)
        if line is None:
            return
        step = getattr(event, "step", None)
        percentage = min(99, int(step * 100 / self.max_steps)) if isinstance(step, int) else None
        self.work_done.report(line, percentage, force=True)  # text is throttled above; steps never are

    def end(self, message: str) -> None:
        self.work_done.end(message)


async def drive(
    ls: OutriderServer, task: AgentTask, work_done: WorkDoneProgress, mcp_pool: McpPool | None = None
) -> None:
    settings = await ls.settings_settled()
    progress = Progress(work_done, settings.agent.max_steps)
    progress.begin(f"Outrider: {task.instruction[:60]}")
    if ls.limits_refusal is not None:
        message = f"Outrider: {ls.limits_refusal}"
        ls.show_message(message, types.MessageType.Error)
        progress.end(message)
        return
    try:
        provider = await provider_for(ls)
        roots = ls.workspace_roots or ([Path(task.path).parent] if task.path else [])
        if not roots:
            message = "Outrider: open a folder (workspace) first; the agent only works inside one."
            ls.show_message(message, types.MessageType.Error)
            progress.end(message)
            return
        confirmed = [] if settings.agent.test_commands else await confirmed_test_commands(ls, roots[0], task)
        repo_map = await symbols_for_run(ls)
        env = build_env(
            settings,
            roots,
            overlay=overlay_for(ls),
            symbols=repo_map,
            confirmed_test_commands=confirmed,
            confirm_unsandboxed=lambda question: ask_yes_no(ls, question),
        )
        gate = MessageRequestGate(ls)
        async with open_mcp_tools(settings.mcp, gate, progress.on_event, pool=mcp_pool) as mcp_tools:
            run = await run_agent_task(
                task, env, settings, provider=provider, on_event=progress.on_event, extra_tools=mcp_tools
            )
        message = await finish(ls, run)
    except asyncio.CancelledError:
        progress.end("Cancelled")
        ls.show_message("Outrider: the agent task was cancelled; nothing was applied.", types.MessageType.Info)
        raise
    except ProviderConfigError as exc:
        message = f"Outrider: no model provider: {exc}"
        ls.show_message(message, types.MessageType.Error)
    except Exception as exc:  # a background task: log it and tell the user, never hide it
        logger.exception("agent task failed")
        message = f"Outrider: the agent task failed: {type(exc).__name__}: {exc}"
        ls.show_message(message, types.MessageType.Error)
    progress.end(message)


async def confirmed_test_commands(ls: OutriderServer, root: Path, task: AgentTask) -> list[list[str]]:
    """Test commands the user allowed for `root`; asked once (when a task needs tests) if detected."""
    consent = TestCommandConsent(state_dir(ls.env) / "test_commands.json")
    confirmed = await asyncio.to_thread(consent.confirmed, root)
    if confirmed or not task.run_tests:
        return confirmed
    detected = await asyncio.to_thread(detect_test_commands, root)
    if not detected:
        return []
    listing = "; ".join(" ".join(c) for c in detected)
    allow, deny = types.MessageActionItem(title="Allow"), types.MessageActionItem(title="Not now")
    answer = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message=f"Outrider can check its edits by running the tests in {root.name}: {listing}. Allow?",
            actions=[allow, deny],
        )
    )
    if answer is None or answer.title != allow.title:
        return []
    await asyncio.to_thread(consent.confirm, root, detected)
    return detected


async def ask_yes_no(ls: OutriderServer, question: str) -> bool:
    """Ask the user (window/showMessageRequest); only an explicit "Run" is a yes."""
    run, skip = types.MessageActionItem(title="Run"), types.MessageActionItem(title="Don't run")
    answer = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Warning, message=f"Outrider: {question}", actions=[run, skip]
        )
    )
    return answer is not None and answer.title == run.title


async def finish(ls: OutriderServer, run: AgentRun) -> str:
    """Apply a finished run's edits (asking where needed) and say what happened."""
    outcome: RunOutcome = run.outcome
    message = outcome_message(outcome, run.spent)
    if not isinstance(outcome, Final | NeedsApproval):
        ls.show_message(message, types.MessageType.Warning)
        return message
    answer = outcome.answer.strip()
    if outcome.plan:
        applied = await apply_plan(ls, outcome.plan)
        message = f"{message} {applied}"
    if answer:
        ls.show_message(f"Outrider: {answer}", types.MessageType.Info)
    return message
