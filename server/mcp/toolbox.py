"""MCP servers' tools as agent tools, for one run (every frontend).

:func:`open_mcp_tools` starts the configured servers (``mcp.servers``, user settings only) in
parallel, each within ``start_timeout_s`` (or takes them from a :class:`McpPool`, which keeps them
between the runs of a long-lived frontend and lists their tools again), and yields their tools as
:class:`ToolDef` values named ``mcp__<server>__<tool>``. Nothing is imported or started when no
server is configured. A server that fails to start, or stops mid-run, is reported as a
:class:`ToolUnavailable` event and the run goes on without it. Every call passes the approval
gate first (:mod:`server.mcp.approvals`); results are redacted and capped like every other tool
result.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic import BaseModel, ConfigDict

from server.agent.events import EventSink, ToolUnavailable, ignore_events
from server.config import McpSettings, state_dir
from server.mcp.approvals import ApprovalRequest, ApprovalStore, RefuseAll, ToolGate
from server.mcp.connection import McpConnection, McpToolDefinition, McpUnavailable
from tools.sandbox import model_safe
from tools.tool import ToolDef, ToolEnv, ToolResult

__all__ = ["McpPool", "ToolGate", "offered_name", "open_mcp_tools"]

DESCRIPTION_CHARS = 2_000
NAME_CHARS = 64  # the providers' limit for a tool name


def offered_name(server: str, tool: str) -> str:
    """``mcp__<server>__<tool>``, reduced to the characters every provider accepts."""
    name = re.sub(r"[^A-Za-z0-9_-]", "_", f"mcp__{server}__{tool}")
    return name[:NAME_CHARS]


def arguments_model(schema: dict[str, Any]) -> type[BaseModel]:
    """A pydantic model that passes any object through and shows the server's own schema."""
    shown = dict(schema) if isinstance(schema, dict) else {}

    class McpArguments(BaseModel):
        model_config = ConfigDict(extra="allow")

        @classmethod
        def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return dict(shown)

    return McpArguments


class McpTool:
    """One offered tool: gate, call, redact and cap."""

    def __init__(
        self,
        definition: McpToolDefinition,
        name: str,
        connection: McpConnection,
        context: _RunContext,
    ) -> None:
        self.definition, self.name, self.connection, self.context = definition, name, connection, context

    def tool_def(self) -> ToolDef[Any]:
        description = f"[MCP server {self.definition.server}] " + self.definition.description
        return ToolDef(
            self.name,
            model_safe(description, DESCRIPTION_CHARS),
            arguments_model(self.definition.input_schema),
            self.run,
        )

    async def run(self, parsed: BaseModel, env: ToolEnv) -> ToolResult:
        arguments = parsed.model_dump()
        if not await self.context.allowed(self, arguments):
            return ToolResult.error(f"the user did not allow {self.name}; do not call it again in this task")
        try:
            result = await self.connection.call(self.definition.name, arguments)
        except McpUnavailable as exc:
            self.context.report(self.definition.server, str(exc))
            return ToolResult.error(f"MCP server {self.definition.server} is unavailable: {exc}")
        return ToolResult(model_safe(result.text, self.context.max_chars), is_error=result.is_error)


class _RunContext:
    def __init__(self, settings: McpSettings, gate: ToolGate, store: ApprovalStore, emit: EventSink) -> None:
        self.gate, self.store, self.emit = gate, store, emit
        self.max_chars = settings.max_result_chars
        self.reported: set[str] = set()

    def report(self, server: str, reason: str) -> None:
        if server not in self.reported:
            self.reported.add(server)
            self.emit(ToolUnavailable(f"MCP server {server}", reason))

    async def allowed(self, tool: McpTool, arguments: dict[str, Any]) -> bool:
        definition = tool.definition
        if await asyncio.to_thread(self.store.approved, definition):
            return True
        changed = await asyncio.to_thread(self.store.known_before, definition)
        decision = await self.gate.ask(ApprovalRequest(definition, tool.name, arguments, changed))
        if decision == "always":
            await asyncio.to_thread(self.store.approve, definition)
        return decision in ("once", "always")


class McpPool:
    """Servers kept running between the runs of a long-lived frontend (LSP, ACP), one per name and
    configuration; a server that stopped, or whose configuration changed, is started afresh."""

    def __init__(self) -> None:
        self._by_name: dict[str, tuple[str, McpConnection]] = {}

    async def connection(self, name: str, settings: McpSettings) -> McpConnection:
        config = settings.servers[name]
        key = config.model_dump_json() + f"|{settings.start_timeout_s}|{settings.call_timeout_s}"
        known = self._by_name.get(name)
        if known is not None and known[0] == key and known[1].alive:
            return known[1]
        connection = McpConnection(
            name, config, start_timeout_s=settings.start_timeout_s, call_timeout_s=settings.call_timeout_s
        )
        self._by_name[name] = (key, connection)
        if known is not None:
            await known[1].stop()
        return connection

    async def close(self) -> None:
        connections = [c for _, c in self._by_name.values()]
        self._by_name.clear()
        await asyncio.gather(*(c.stop() for c in connections), return_exceptions=True)


async def _start(connection: McpConnection, context: _RunContext) -> list[McpToolDefinition]:
    try:
        return await connection.start()
    except McpUnavailable as exc:
        context.report(connection.name, f"did not start: {exc}")
        return []


@asynccontextmanager
async def open_mcp_tools(
    settings: McpSettings,
    gate: ToolGate | None = None,
    emit: EventSink = ignore_events,
    *,
    store: ApprovalStore | None = None,
    pool: McpPool | None = None,
) -> AsyncIterator[dict[str, ToolDef[Any]]]:
    """The configured servers' tools for one run. The servers stop when the block ends, unless
    they come from `pool` (long-lived frontends): then they are kept, and listed again next run."""
    if not settings.servers:
        yield {}
        return
    context = _RunContext(
        settings, gate or RefuseAll(), store or ApprovalStore(state_dir() / "mcp_approvals.json"), emit
    )
    connections = [
        await pool.connection(name, settings)
        if pool is not None
        else McpConnection(
            name, config, start_timeout_s=settings.start_timeout_s, call_timeout_s=settings.call_timeout_s
        )
        for name, config in sorted(settings.servers.items())
    ]
    try:
        listed = await asyncio.gather(*(_start(c, context) for c in connections))
        tools: dict[str, ToolDef[Any]] = {}
        for connection, definitions in zip(connections, listed, strict=True):
            for definition in definitions:
                name = offered_name(connection.name, definition.name)
                if name not in tools:
                    tools[name] = McpTool(definition, name, connection, context).tool_def()
        yield dict(sorted(tools.items()))
    finally:
        if pool is None:  # a pool keeps its servers for the next run
            await asyncio.gather(*(c.stop() for c in connections), return_exceptions=True)


async def probe_servers(settings: McpSettings) -> list[tuple[str, list[str] | str]]:
    """Start each configured server, list its tools and stop it: (name, tool names or why not)."""

    async def probe(name: str) -> tuple[str, list[str] | str]:
        connection = McpConnection(
            name,
            settings.servers[name],
            start_timeout_s=settings.start_timeout_s,
            call_timeout_s=settings.call_timeout_s,
        )
        try:
            definitions = await connection.start()
        except McpUnavailable as exc:
            return name, str(exc)
        await connection.stop()
        return name, [d.name for d in definitions]

    return list(await asyncio.gather(*(probe(name) for name in sorted(settings.servers))))
