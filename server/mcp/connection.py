"""One MCP server for the length of an agent run: started, its tools listed, called, stopped.

The official SDK (``mcp``) is imported here only, and only when a server is configured. Its client
runs inside anyio task groups that must be entered and left by one task, so each server gets its
own runner task that owns the connection; a server that crashes ends that task, never the run.
Every wait has a limit: starting and listing (``start_timeout_s``), each call (``call_timeout_s``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from dataclasses import dataclass
from typing import Any, TextIO

from server.config import McpServer

log = logging.getLogger(__name__)


class McpUnavailable(Exception):
    """The server did not start, did not list its tools in time, or stopped."""


@dataclass(frozen=True)
class McpToolDefinition:
    """A tool as the server describes it (untrusted text: it is gated and redacted before use)."""

    server: str
    name: str
    description: str
    input_schema: dict[str, Any]
    annotations: dict[str, Any]


@dataclass(frozen=True)
class McpCallResult:
    text: str
    is_error: bool


def _describe(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _errlog() -> TextIO:
    """Where a server's stderr goes: ours, if it is a real file (not a test's capture), else fd 2."""
    for stream in (sys.stderr, sys.__stderr__):
        try:
            if stream is not None:
                stream.fileno()
                return stream
        except (AttributeError, OSError, ValueError):
            continue
    return open(os.devnull, "w")  # lives as long as the server process


def _connection_closed(exc: BaseException) -> bool:
    from mcp_types import CONNECTION_CLOSED

    error = getattr(exc, "error", None)
    return getattr(error, "code", None) == CONNECTION_CLOSED


def result_text(result: Any) -> str:
    """Text blocks joined; other blocks named; structured content as JSON when there is no text."""
    parts: list[str] = []
    for block in getattr(result, "content", None) or []:
        kind = getattr(block, "type", "unknown")
        if kind == "text":
            parts.append(str(block.text))
        elif kind == "resource" and hasattr(block.resource, "text"):
            parts.append(str(block.resource.text))
        else:
            parts.append(f"[{kind} content omitted]")
    structured = getattr(result, "structured_content", None)
    if not parts and structured is not None:
        parts.append(json.dumps(structured, sort_keys=True, default=str))
    return "\n".join(parts)


class McpConnection:
    def __init__(self, name: str, config: McpServer, *, start_timeout_s: float, call_timeout_s: float) -> None:
        self.name, self.config = name, config
        self.start_timeout_s, self.call_timeout_s = start_timeout_s, call_timeout_s
        self.session: Any = None
        self.error: str | None = None
        self._ready: asyncio.Future[list[McpToolDefinition]] | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def alive(self) -> bool:
        running = self._task is not None and not self._task.done() and not self._stop.is_set()
        return running and self.session is not None

    async def start(self) -> list[McpToolDefinition]:
        """Start the server (or, when it runs already, ask again) and list its tools; raises
        McpUnavailable (the server is stopped then)."""
        if self.alive:
            try:
                return await asyncio.wait_for(self._list(self.session), self.start_timeout_s)
            except Exception as exc:
                self.error = f"listing its tools again failed: {_describe(exc)}"
                await self.stop()
                raise McpUnavailable(self.error) from exc
        self._ready = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._run(), name=f"mcp-{self.name}")
        waiting: set[asyncio.Future[Any]] = {self._ready, self._task}
        await asyncio.wait(waiting, timeout=self.start_timeout_s, return_when="FIRST_COMPLETED")
        if self._ready.done() and not self._ready.cancelled() and self._ready.exception() is None:
            return self._ready.result()
        reason = self.error or f"no tool list within {self.start_timeout_s:g}s"
        await self.stop()
        raise McpUnavailable(reason)

    async def _run(self) -> None:
        try:
            async with self._transport() as (read, write):
                from mcp import ClientSession

                async with ClientSession(read, write) as session:
                    await session.initialize()
                    tools = await self._list(session)
                    self.session = session
                    assert self._ready is not None
                    self._ready.set_result(tools)
                    await self._stop.wait()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # the server's failure ends this task only
            self.error = _describe(exc)
            log.warning("MCP server %s stopped: %s", self.name, self.error)
        finally:
            self.session = None
            if self._ready is not None and not self._ready.done():
                self._ready.set_exception(McpUnavailable(self.error or "stopped"))

    def _transport(self) -> contextlib.AbstractAsyncContextManager[Any]:
        if self.config.url is not None:
            from mcp.client.streamable_http import streamable_http_client

            return streamable_http_client(self.config.url)
        from mcp import StdioServerParameters, stdio_client

        assert self.config.command is not None
        params = StdioServerParameters(command=self.config.command, args=list(self.config.args), env=self.config.env)
        return stdio_client(params, errlog=_errlog())

    async def _list(self, session: Any) -> list[McpToolDefinition]:
        out: list[McpToolDefinition] = []
        cursor: str | None = None
        for _ in range(100):  # pages
            from mcp_types import PaginatedRequestParams

            listed = await session.list_tools(params=PaginatedRequestParams(cursor=cursor) if cursor else None)
            for tool in listed.tools:
                annotations = tool.annotations.model_dump(exclude_none=True) if tool.annotations else {}
                out.append(
                    McpToolDefinition(self.name, tool.name, tool.description or "", tool.input_schema, annotations)
                )
            cursor = listed.next_cursor
            if not cursor:
                break
        return sorted(out, key=lambda t: t.name)

    async def call(self, tool: str, arguments: dict[str, Any]) -> McpCallResult:
        """Call a tool; raises McpUnavailable when the server is gone or does not answer in time."""
        if not self.alive:
            raise McpUnavailable(self.error or "not running")
        assert self._task is not None
        call = asyncio.ensure_future(self.session.call_tool(tool, arguments))
        done, _ = await asyncio.wait({call, self._task}, timeout=self.call_timeout_s, return_when="FIRST_COMPLETED")
        if call not in done:
            call.cancel()
            with contextlib.suppress(BaseException):
                await call
            if self._task.done():
                raise McpUnavailable(f"the server stopped during the call ({self.error or 'exited'})")
            raise McpUnavailable(f"no answer within {self.call_timeout_s:g}s")
        try:
            result = call.result()
        except Exception as exc:
            if not self.alive or _connection_closed(exc):
                self.error = self.error or "the connection closed"
                self._stop.set()  # the runner ends; every later call is refused at once
                raise McpUnavailable(f"the server stopped during the call ({self.error})") from exc
            return McpCallResult(f"the MCP call failed: {_describe(exc)}", True)
        return McpCallResult(result_text(result), bool(getattr(result, "is_error", False)))

    async def stop(self) -> None:
        self._stop.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), 5.0)
        except (TimeoutError, asyncio.CancelledError, Exception):
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
