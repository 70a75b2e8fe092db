"""One ACP session: a workspace (the client's ``cwd``), its settings, its mode, and its turns.

A prompt turn runs the agent loop once (:func:`server.agent.session.run_agent_task`, feature name
``acp`` in traces) with the same sandbox, ignore and secret rules as the other frontends, streams
its progress as ``session/update``, then writes the accepted edits (:mod:`server.acp.edits`). Budgets
are per turn, exactly as for an LSP agent command. Cancelling the turn's task is ``session/cancel``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acp import Client, RequestError
from acp.helpers import update_current_mode
from acp.schema import PromptResponse, SessionMode, SessionModeState

from server.acp.command_consent import SessionTestCommands
from server.acp.convert import acp_stop_reason
from server.acp.edits import ClientEdits, EditPolicy
from server.acp.prompt import instruction_from_prompt, with_history
from server.acp.updates import UpdateStream
from server.agent.outcomes import Failed, Final, NeedsApproval, RunOutcome
from server.agent.reporting import outcome_message
from server.agent.session import AgentTask, build_env, run_agent_task
from server.config import Settings
from server.mcp.toolbox import McpPool, ToolGate, open_mcp_tools
from server.models.budget import Budget, Spent
from server.models.types import Provider
from tools.tool import ToolEnv

log = logging.getLogger(__name__)

ASK, AUTO = "ask", "auto"
MODES = (
    SessionMode(id=ASK, name="Ask before edits", description="Every edit asks for permission first."),
    SessionMode(
        id=AUTO,
        name="Edit automatically",
        description="Edits are written without asking; settings files and deletions still ask.",
    ),
)
HISTORY_TURNS = 3


def mode_state(current: str) -> SessionModeState:
    return SessionModeState(current_mode_id=current, available_modes=list(MODES))


@dataclass
class ClientAbilities:
    read_files: bool = False
    write_files: bool = False


@dataclass
class AcpSession:
    session_id: str
    root: Path
    settings: Settings
    provider: Provider
    client: Client
    abilities: ClientAbilities
    mode: str = ASK
    history: list[tuple[str, str]] = field(default_factory=list)
    running: asyncio.Task[PromptResponse] | None = None
    gate: ToolGate | None = None  # asks the user before an MCP tool's first use
    tests: SessionTestCommands | None = None
    mcp_pool: McpPool | None = None  # the process's MCP servers, kept between turns

    async def env(self) -> ToolEnv:
        if self.tests is None:
            self.tests = SessionTestCommands(self.client, self.session_id, self.root, self.settings)
        confirmed = await self.tests.commands()
        env = build_env(self.settings, [self.root], confirmed_test_commands=confirmed)
        if self.abilities.read_files:
            env.client_reader = self.read_from_client
        return env

    async def read_from_client(self, path: Path) -> str | None:
        """The client's text of `path` (unsaved changes included), None when it has none."""
        try:
            response = await self.client.read_text_file(session_id=self.session_id, path=str(path))
        except RequestError:
            return None
        return response.content

    async def prompt(self, blocks: list[Any]) -> PromptResponse:
        env = await self.env()
        instruction = instruction_from_prompt(env.workspace, blocks)
        if not instruction:
            raise RequestError.invalid_params({"message": "the prompt has no text"})
        limits = Budget.from_settings(self.settings.agent, self.settings.prices).limits
        updates = UpdateStream(self.client, self.session_id, env, limits)
        try:
            return await self._turn(instruction, env, updates)
        finally:
            await updates.close()

    async def _turn(self, instruction: str, env: ToolEnv, updates: UpdateStream) -> PromptResponse:
        task = AgentTask(with_history(instruction, self.history), run_tests=bool(env.test_commands))
        async with open_mcp_tools(self.settings.mcp, self.gate, updates, pool=self.mcp_pool) as extra:
            run = await run_agent_task(
                task, env, self.settings, provider=self.provider, on_event=updates, feature="acp", extra_tools=extra
            )
        outcome = run.outcome
        closing = outcome_message(outcome, run.spent)
        if isinstance(outcome, Final | NeedsApproval) and outcome.plan:
            edits = ClientEdits(
                self.client,
                self.session_id,
                updates,
                can_read=self.abilities.read_files,
                can_write=self.abilities.write_files,
            )
            policy = EditPolicy(ask_edits=self.mode == ASK, on_always=lambda: self.go_auto(updates))
            result = await edits.apply(outcome.plan, policy)
            closing = f"{closing} {result.summary()}"
        updates.message(f"\n\n{closing}")
        self.history = [*self.history, (instruction, _answer(outcome))][-HISTORY_TURNS:]
        await updates.flush()
        return PromptResponse(stop_reason=acp_stop_reason(outcome), field_meta=_outcome_meta(outcome, run.spent))

    def go_auto(self, updates: UpdateStream) -> None:
        """ "Always allow" for an edit: the session now edits automatically (the client is told)."""
        self.mode = AUTO
        updates.send(update_current_mode(AUTO))


def _answer(outcome: RunOutcome) -> str:
    return outcome.answer if isinstance(outcome, Final | NeedsApproval) else outcome.message


def _outcome_meta(outcome: RunOutcome, spent: Spent) -> dict[str, Any]:
    kind = type(outcome).__name__
    detail: dict[str, Any] = {"outcome": kind, "steps": spent.steps, "costUsd": round(spent.cost_usd, 6)}
    if isinstance(outcome, Failed):
        detail["failure"] = outcome.kind
        detail["message"] = outcome.message
    elif not isinstance(outcome, Final | NeedsApproval):
        detail["message"] = outcome.message
        if outcome.detail is not None:
            detail["limit"] = outcome.detail.limit
    return {"outrider": detail}
