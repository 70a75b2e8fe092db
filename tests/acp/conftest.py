"""An ACP client built on the SDK's own client side (``acp.spawn_agent_process``), driving a real
``outrider acp`` process whose provider talks to the wire emulator."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from acp import PROTOCOL_VERSION, spawn_agent_process
from acp.client.connection import ClientSideConnection
from acp.schema import (
    AllowedOutcome,
    ClientCapabilities,
    DeniedOutcome,
    FileSystemCapabilities,
    ReadTextFileResponse,
    RequestPermissionResponse,
    WriteTextFileResponse,
)

from tests.agent.task_scripts import RENAME
from tests.emulator.fixtures import REPO_ROOT, emulator  # noqa: F401

OUTRIDER = ["-c", "import sys; from server.cli import main; sys.exit(main())"]


@dataclass
class RecordingClient:
    """The editor's side: records every update; answers permission with `answer` (an option id or
    None for "cancelled"); serves fs/* from disk (like an editor with no unsaved buffers)."""

    answer: str | None = "allow_once"
    tests_answer: str | None = "reject_once"  # for the question about detected test commands
    updates: list[Any] = field(default_factory=list)
    permissions: list[Any] = field(default_factory=list)
    test_questions: list[Any] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    buffers: dict[str, str] = field(default_factory=dict)  # unsaved editor text by absolute path
    on_update: Callable[[Any], None] = lambda update: None

    async def request_permission(self, options: list[Any], session_id: str, tool_call: Any, **kw: Any) -> Any:
        if tool_call.tool_call_id == "test-commands":
            self.test_questions.append(tool_call)
            answer = self.tests_answer
        else:
            self.permissions.append((tool_call, [o.option_id for o in options]))
            answer = self.answer
        if answer is None:
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id=answer))

    async def session_update(self, session_id: str, update: Any, **kw: Any) -> None:
        self.updates.append(update)
        self.on_update(update)

    async def read_text_file(self, path: str, session_id: str, **kw: Any) -> ReadTextFileResponse:
        self.reads.append(path)
        if path in self.buffers:
            return ReadTextFileResponse(content=self.buffers[path])
        return ReadTextFileResponse(content=await asyncio.to_thread(Path(path).read_text, encoding="utf-8"))

    async def write_text_file(self, content: str, path: str, session_id: str, **kw: Any) -> WriteTextFileResponse:
        self.writes.append(path)
        await asyncio.to_thread(Path(path).write_text, content, encoding="utf-8")
        return WriteTextFileResponse()

    def kinds(self) -> list[str]:
        return [u.session_update for u in self.updates]

    def text(self) -> str:
        return "".join(u.content.text for u in self.updates if u.session_update == "agent_message_chunk")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    target = tmp_path / RENAME.workspace.name
    shutil.copytree(RENAME.workspace, target, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return target


@pytest.fixture
def agent_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_", "OUTRIDER_"))}
    env.update(
        ANTHROPIC_API_KEY="sk-ant-acp-test",
        OUTRIDER_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        PYTHONPATH=str(REPO_ROOT),
    )
    return env


def write_user_config(env: dict[str, str], text: str) -> None:
    path = Path(env["XDG_CONFIG_HOME"]) / "outrider" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@asynccontextmanager
async def acp_agent(
    client: RecordingClient, base_url: str, env: dict[str, str], *flags: str, fs: bool = True
) -> AsyncIterator[ClientSideConnection]:
    """A started and initialized `outrider acp` process, as the SDK's client connection."""
    argv = [*OUTRIDER, "acp", "--provider", "anthropic", "--base-url", base_url, *flags]
    async with spawn_agent_process(client, sys.executable, *argv, env=env, cwd=REPO_ROOT) as (conn, _process):
        capabilities = ClientCapabilities(fs=FileSystemCapabilities(read_text_file=fs, write_text_file=fs))
        await asyncio.wait_for(conn.initialize(protocol_version=PROTOCOL_VERSION, client_capabilities=capabilities), 30)
        yield conn
