"""Serving ACP on a pair of binary streams (the reserved stdin/stdout of ``outrider acp``).

One provider per session (its settings come from the session's workspace), one trace store for
the process; every model call is traced with the feature name ``acp``.
"""

from __future__ import annotations

import asyncio
from typing import Any, BinaryIO

from acp import RequestError, run_agent

from server.acp.agent import OutriderAcpAgent
from server.config import Settings

STREAM_LIMIT_BYTES = 50 * 1024 * 1024  # one JSON-RPC line may carry whole files


async def _streams(reader: BinaryIO, writer: BinaryIO) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    loop = asyncio.get_running_loop()
    stream_reader = asyncio.StreamReader(limit=STREAM_LIMIT_BYTES)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream_reader), reader)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, writer)
    return stream_reader, asyncio.StreamWriter(transport, protocol, None, loop)


async def serve(cli: dict[str, Any], reader: BinaryIO, writer: BinaryIO) -> None:
    from server.models.registry import ProviderConfigError, build_provider
    from server.observe.tracer import open_tracer

    tracers: list[Any] = []  # one trace store for the process, opened with the first session

    def provider_for(settings: Settings) -> Any:
        if not tracers:
            tracers.append(open_tracer(settings))
        tracer = tracers[0]
        try:
            return build_provider(settings, tracer=tracer)
        except ProviderConfigError as exc:
            raise RequestError.internal_error({"message": f"no model provider: {exc}"}) from exc

    stream_reader, stream_writer = await _streams(reader, writer)
    agent = OutriderAcpAgent(cli, provider_for)
    try:
        await run_agent(agent, stream_writer, stream_reader)  # type: ignore[arg-type]
    finally:
        await agent.mcp_pool.close()
        for tracer in tracers:
            if tracer is not None:
                tracer.close()
