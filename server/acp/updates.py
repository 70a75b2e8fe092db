"""``session/update`` notifications for one prompt turn, from the agent loop's events.

The loop's event sink is synchronous; updates are queued and sent in order by one task, so a slow
client never blocks the loop and the order on the wire is the order of events. :meth:`flush` waits
until everything queued is sent (before the turn's response).

What is sent: the model's text as message chunks; each tool call as ``tool_call`` (kind, title,
status ``in_progress``) then ``tool_call_update`` (``completed``/``failed``, the files it touched as
absolute locations, and for ``propose_edit`` the proposed change as a diff); a plan with one entry
per step; the budget as ``usage_update`` (tokens and dollars, every limit in ``_meta``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from acp import (
    Client,
    start_tool_call,
    text_block,
    tool_content,
    tool_diff_content,
    update_agent_message_text,
    update_plan,
    update_tool_call,
)

from server.acp.convert import (
    acp_edit_location,
    acp_locations,
    acp_plan_entry,
    acp_tool_kind,
    acp_tool_title,
    acp_usage,
)
from server.agent.events import (
    AgentEvent,
    RunFinished,
    StepStarted,
    TextStreamed,
    ToolFinished,
    ToolStarted,
    ToolUnavailable,
    ValidationFailed,
)
from server.models.budget import Limits
from tools.sandbox import WorkspacePath
from tools.tool import ToolEnv

log = logging.getLogger(__name__)

RESULT_PREVIEW_CHARS = 2_000  # of a tool result, shown in the client's tool call


class UpdateStream:
    def __init__(self, client: Client, session_id: str, env: ToolEnv, limits: Limits) -> None:
        self.client, self.session_id, self.env, self.limits = client, session_id, env, limits
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.sender = asyncio.create_task(self._send_all(), name=f"acp-updates-{session_id}")
        self.steps: list[tuple[int, list[str]]] = []

    async def _send_all(self) -> None:
        while True:
            update = await self.queue.get()
            try:
                await self.client.session_update(session_id=self.session_id, update=update)
            except Exception:  # a client that drops one update must not end the turn
                log.exception("session/update failed")
            finally:
                self.queue.task_done()

    def send(self, update: Any) -> None:
        self.queue.put_nowait(update)

    async def flush(self) -> None:
        await self.queue.join()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.flush(), 5.0)
        self.sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.sender

    def message(self, text: str) -> None:
        self.send(update_agent_message_text(text))

    def __call__(self, event: AgentEvent) -> None:
        """The loop's event sink."""
        if isinstance(event, TextStreamed):
            self.message(event.text)
        elif isinstance(event, StepStarted):
            self.steps.append((event.step, []))
            self._plan(finished=False)
            self.send(acp_usage(event.spent, self.limits))
        elif isinstance(event, ToolStarted):
            if self.steps:
                self.steps[-1][1].append(event.tool)
            title = acp_tool_title(event.tool, event.arguments)
            kind = acp_tool_kind(event.tool)
            self.send(
                start_tool_call(event.call_id, title, kind=kind, status="in_progress", raw_input=dict(event.arguments))
            )
        elif isinstance(event, ToolFinished):
            self._tool_finished(event)
        elif isinstance(event, ToolUnavailable):
            self.message(f"\n\n({event.source} is unavailable: {event.reason}; going on without it)\n\n")
        elif isinstance(event, ValidationFailed):
            self.message(f"\n\n(Checking the edits found {len(event.problems)} problem(s); fixing them.)\n\n")
        elif isinstance(event, RunFinished):
            self._plan(finished=True)
            self.send(acp_usage(event.spent, self.limits))

    def _tool_finished(self, event: ToolFinished) -> None:
        content: list[Any] = []
        locations = acp_locations(self.env.workspace, event.files)
        if event.tool == "propose_edit":
            diffs, locations = self._diffs(event.files), self._edit_locations(event.files) or locations
            content.extend(diffs)
        if event.result:
            content.append(tool_content(text_block(event.result[:RESULT_PREVIEW_CHARS])))
        self.send(
            update_tool_call(
                event.call_id,
                status="failed" if event.is_error else "completed",
                locations=locations,
                content=content or None,
            )
        )
        self.send(acp_usage(event.spent, self.limits))

    def _diffs(self, rel_paths: tuple[str, ...]) -> list[Any]:
        out: list[Any] = []
        for rel in rel_paths:
            target = self.env.workspace.resolve(rel)
            if not isinstance(target, WorkspacePath):
                continue
            proposal = self.env.proposals.get(target.path)
            if proposal is not None and proposal.new_text is not None:
                out.append(tool_diff_content(str(target.path), proposal.new_text, proposal.base_text))
        return out

    def _edit_locations(self, rel_paths: tuple[str, ...]) -> list[Any]:
        out: list[Any] = []
        for rel in rel_paths:
            target = self.env.workspace.resolve(rel)
            proposal = self.env.proposals.get(target.path) if isinstance(target, WorkspacePath) else None
            if proposal is not None:
                out.append(acp_edit_location(proposal.target.path, proposal.base_text, proposal.new_text))
        return out

    def _plan(self, *, finished: bool) -> None:
        last = len(self.steps) - 1
        entries = [acp_plan_entry(step, tools, finished or i < last) for i, (step, tools) in enumerate(self.steps)]
        if entries:
            self.send(update_plan(entries))
