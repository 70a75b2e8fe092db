"""The ACP agent: thin handlers for ``initialize``, ``session/new``, ``session/prompt``,
``session/cancel`` and ``session/set_mode``; the work is in :mod:`server.acp.session`.

Settings are read per session with the client's ``cwd`` as the workspace (the same layers and the
same trust rules as ``outrider lsp``); command-line flags sit on top. One provider (with its
tracer) serves every session of the process.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

from acp import PROTOCOL_VERSION, Client, RequestError
from acp.schema import (
    AgentCapabilities,
    ClientCapabilities,
    Implementation,
    InitializeResponse,
    McpCapabilities,
    NewSessionResponse,
    PromptCapabilities,
    PromptResponse,
    SetSessionModeResponse,
)

from server.acp.gate import PermissionGate
from server.acp.session import ASK, MODES, AcpSession, ClientAbilities, mode_state
from server.config import Settings, load_settings
from server.mcp.toolbox import McpPool
from server.models.types import Provider

log = logging.getLogger(__name__)

ProviderFactory = Callable[[Settings], Provider]


class OutriderAcpAgent:
    def __init__(self, cli_settings: Mapping[str, Any], provider_for: ProviderFactory) -> None:
        self.cli_settings, self.provider_for = dict(cli_settings), provider_for
        self.client: Client | None = None
        self.abilities = ClientAbilities()
        self.sessions: dict[str, AcpSession] = {}
        self.counter = itertools.count(1)
        self.mcp_pool = McpPool()

    def on_connect(self, conn: Client) -> None:
        self.client = conn

    async def initialize(
        self,
        protocol_version: int,
        client_capabilities: ClientCapabilities | None = None,
        client_info: Implementation | None = None,
        **kwargs: Any,
    ) -> InitializeResponse:
        fs = client_capabilities.fs if client_capabilities is not None else None
        self.abilities = ClientAbilities(
            read_files=bool(fs and fs.read_text_file), write_files=bool(fs and fs.write_text_file)
        )
        return InitializeResponse(
            protocol_version=min(protocol_version, PROTOCOL_VERSION),
            agent_capabilities=AgentCapabilities(
                load_session=False,
                prompt_capabilities=PromptCapabilities(image=False, audio=False, embedded_context=True),
                mcp_capabilities=McpCapabilities(http=False, sse=False),
            ),
            agent_info=Implementation(name="outrider", title="Outrider", version=version("outrider")),
        )

    async def new_session(self, cwd: str, mcp_servers: list[Any] | None = None, **kwargs: Any) -> NewSessionResponse:
        root = Path(cwd)
        if not root.is_absolute() or not await asyncio.to_thread(root.is_dir):
            raise RequestError.invalid_params({"message": f"cwd must be an existing absolute folder: {cwd}"})
        root = await asyncio.to_thread(root.resolve)
        loaded = await asyncio.to_thread(load_settings, root, cli=self.cli_settings)
        for problem in loaded.problems:
            log.warning("settings: %s", problem)
        if mcp_servers:  # servers from the client would start programs the user's settings never named
            log.warning("ignoring %d MCP server(s) sent by the client; configure mcp.servers instead", len(mcp_servers))
        assert self.client is not None
        session_id = f"outrider-{next(self.counter)}"
        session = AcpSession(
            session_id,
            root,
            loaded.settings,
            self.provider_for(loaded.settings),
            self.client,
            self.abilities,
        )
        session.gate = PermissionGate(self.client, session_id)
        session.mcp_pool = self.mcp_pool
        self.sessions[session_id] = session
        return NewSessionResponse(session_id=session_id, modes=mode_state(ASK))

    def _session(self, session_id: str) -> AcpSession:
        session = self.sessions.get(session_id)
        if session is None:
            raise RequestError.invalid_params({"message": f"unknown session {session_id}"})
        return session

    async def set_session_mode(self, session_id: str, mode_id: str, **kwargs: Any) -> SetSessionModeResponse:
        session = self._session(session_id)
        if mode_id not in {m.id for m in MODES}:
            raise RequestError.invalid_params({"message": f"unknown mode {mode_id}"})
        session.mode = mode_id
        return SetSessionModeResponse()

    async def prompt(self, session_id: str, prompt: list[Any], **kwargs: Any) -> PromptResponse:
        session = self._session(session_id)
        if session.running is not None and not session.running.done():
            raise RequestError.invalid_request({"message": "a prompt is already running in this session"})
        turn = asyncio.create_task(session.prompt(prompt), name=f"acp-turn-{session_id}")
        session.running = turn
        try:
            return await asyncio.shield(turn)
        except RequestError:
            raise
        except Exception as exc:  # tell the client, and keep the traceback in the log
            log.exception("the prompt turn failed")
            raise RequestError.internal_error({"message": f"{type(exc).__name__}: {exc}"}) from exc
        except asyncio.CancelledError:
            if not turn.cancelled():  # the connection itself is going away: stop the turn too
                turn.cancel()
                raise
            return PromptResponse(stop_reason="cancelled")
        finally:
            session.running = None

    async def cancel(self, session_id: str, **kwargs: Any) -> None:
        session = self.sessions.get(session_id)
        if session is not None and session.running is not None:
            session.running.cancel()

    async def authenticate(self, method_id: str, **kwargs: Any) -> None:
        return None
