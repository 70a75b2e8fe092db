"""Writing a finished run's edits through the ACP client, after asking where the rules say so.

In "ask before edits" mode every file edit asks with ``session/request_permission`` (allow once,
always, reject); "always" switches the session to "edit automatically". Edits that need
confirmation (Outrider's own settings, deletions, many files) ask in every mode and never offer
"always". A rejected edit leaves its file untouched.

Accepted edits are never blind (:func:`server.agent.edit_decision.decide_edit`, shared with the
other frontends): the file's current text (the client's buffer when it offers ``fs/read_text_file``,
else the disk) must be what the agent read, or the edit must rebase cleanly onto it. Text is
written with ``fs/write_text_file`` when the client offers it, else atomically on disk as
``outrider refactor --apply`` does; deletions always happen on disk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from acp import Client, RequestError, start_tool_call, tool_diff_content, update_tool_call
from acp.schema import AllowedOutcome, ToolCallLocation, ToolCallUpdate

from server.acp.convert import ALLOW_ALWAYS, ALLOW_ONCE, acp_permission_options
from server.acp.updates import UpdateStream
from server.agent.apply import ApplyReport, apply_edit
from server.agent.edit_decision import ChangeFile, CreateFile, Refuse, decide_edit
from server.agent.plan import EditPlan, FileEdit

log = logging.getLogger(__name__)

Reader = Callable[[FileEdit], Awaitable[str | None]]


@dataclass
class EditPolicy:
    """What the session allows without asking; `ask_edits` is False in "edit automatically"."""

    ask_edits: bool = True
    on_always: Callable[[], None] = lambda: None


@dataclass
class EditsResult:
    written: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "path: reason"

    def summary(self) -> str:
        parts = []
        if self.written:
            parts.append(f"Applied: {', '.join(self.written)}.")
        if self.rejected:
            parts.append(f"Rejected (left untouched): {', '.join(self.rejected)}.")
        if self.refused:
            parts.append(f"Not applied: {'; '.join(self.refused)}.")
        return " ".join(parts) or "No edits."


class ClientEdits:
    def __init__(
        self, client: Client, session_id: str, updates: UpdateStream, *, can_read: bool, can_write: bool
    ) -> None:
        self.client, self.session_id, self.updates = client, session_id, updates
        self.can_read, self.can_write = can_read, can_write

    async def apply(self, plan: EditPlan, policy: EditPolicy) -> EditsResult:
        result = EditsResult()
        for number, edit in enumerate(plan.edits, 1):
            call_id = f"apply-{number}"
            self.updates.send(self._announce(call_id, edit))
            if not await self._allowed(call_id, edit, policy):
                result.rejected.append(edit.rel_path)
                self.updates.send(update_tool_call(call_id, status="failed", title=f"Rejected: {edit.rel_path}"))
                continue
            problem = await self._write(edit)
            if problem is None:
                result.written.append(edit.rel_path)
                self.updates.send(update_tool_call(call_id, status="completed"))
            else:
                result.refused.append(f"{edit.rel_path}: {problem}")
                self.updates.send(update_tool_call(call_id, status="failed", title=f"Not applied: {edit.rel_path}"))
        await self.updates.flush()
        return result

    def _announce(self, call_id: str, edit: FileEdit) -> object:
        verb = "Delete" if edit.new_text is None else "Create" if edit.old_text is None else "Edit"
        diff = [] if edit.new_text is None else [tool_diff_content(str(edit.path), edit.new_text, edit.old_text)]
        return start_tool_call(
            call_id,
            f"{verb} {edit.rel_path}",
            kind="delete" if edit.new_text is None else "edit",
            status="pending",
            content=diff,
            locations=[ToolCallLocation(path=str(edit.path))],
        )

    async def _allowed(self, call_id: str, edit: FileEdit, policy: EditPolicy) -> bool:
        if not edit.needs_confirmation and not policy.ask_edits:
            return True
        await self.updates.flush()  # the client sees the diff before the question
        title = f"{edit.rel_path}: {edit.reason}" if edit.reason else f"Apply the edit to {edit.rel_path}?"
        response = await self.client.request_permission(
            session_id=self.session_id,
            tool_call=ToolCallUpdate(tool_call_id=call_id, title=title),
            options=acp_permission_options(always=not edit.needs_confirmation),
        )
        outcome = response.outcome
        if not isinstance(outcome, AllowedOutcome):
            return False
        if outcome.option_id == ALLOW_ALWAYS and not edit.needs_confirmation:
            policy.ask_edits = False
            policy.on_always()
            return True
        return outcome.option_id in (ALLOW_ONCE, ALLOW_ALWAYS)

    async def _current(self, edit: FileEdit) -> str | None:
        if self.can_read:
            try:
                response = await self.client.read_text_file(session_id=self.session_id, path=str(edit.path))
                return response.content
            except RequestError:
                pass  # not open and not on disk, or the client cannot read it: ask the disk
        return await asyncio.to_thread(_read_disk, edit)

    async def _write(self, edit: FileEdit) -> str | None:
        """Write one edit as :func:`decide_edit` says; None when done, else why not."""
        if edit.new_text is None or not self.can_write:
            report = ApplyReport()
            try:
                await asyncio.to_thread(apply_edit, edit, report)
            except OSError as exc:
                return str(exc)
            return report.refused[0].split(": ", 1)[-1] if report.refused else None
        decision = decide_edit(edit, await self._current(edit))
        if isinstance(decision, Refuse):
            return decision.reason.split(": ", 1)[-1]
        assert isinstance(decision, ChangeFile | CreateFile)
        try:
            await self.client.write_text_file(session_id=self.session_id, path=str(edit.path), content=decision.text)
        except RequestError as exc:
            return f"the client did not write it ({exc})"
        return None


def _read_disk(edit: FileEdit) -> str | None:
    try:
        with edit.path.open(encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        return None
