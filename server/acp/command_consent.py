"""Test commands for an ACP session: configured ones, else ones the user confirmed for this
workspace before (shared with the editor, :class:`TestCommandConsent`), else detected ones after
asking with ``session/request_permission`` once per session ("always" is remembered for the
workspace; "once" holds for the session; reject means no test runs)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from acp import Client
from acp.schema import AllowedOutcome, ToolCallUpdate

from server.acp.convert import ALLOW_ALWAYS, ALLOW_ONCE, acp_permission_options
from server.agent.consent import TestCommandConsent
from server.config import Settings, state_dir
from tools.runner_detection import detect_test_commands

Commands = list[list[str]]


class SessionTestCommands:
    def __init__(self, client: Client, session_id: str, root: Path, settings: Settings) -> None:
        self.client, self.session_id, self.root, self.settings = client, session_id, root, settings
        self.decided: Commands | None = None

    async def commands(self) -> Commands:
        if self.settings.agent.test_commands:
            return [list(c) for c in self.settings.agent.test_commands]
        if self.decided is not None:
            return self.decided
        consent = TestCommandConsent(state_dir() / "test_commands.json")
        confirmed = await asyncio.to_thread(consent.confirmed, self.root)
        if confirmed:
            self.decided = confirmed
            return confirmed
        detected = await asyncio.to_thread(detect_test_commands, self.root)
        self.decided = await self._ask(detected, consent) if detected else []
        return self.decided

    async def _ask(self, detected: Commands, consent: TestCommandConsent) -> Commands:
        listing = "; ".join(" ".join(c) for c in detected)
        response = await self.client.request_permission(
            session_id=self.session_id,
            tool_call=ToolCallUpdate(
                tool_call_id="test-commands",
                title=f"Check edits by running the tests in {self.root.name}: {listing}",
                kind="execute",
                raw_input={"commands": detected},
            ),
            options=acp_permission_options(always=True),
        )
        outcome = response.outcome
        if not isinstance(outcome, AllowedOutcome) or outcome.option_id not in (ALLOW_ONCE, ALLOW_ALWAYS):
            return []
        if outcome.option_id == ALLOW_ALWAYS:
            await asyncio.to_thread(consent.confirm, self.root, detected)
        return detected
