"""A tiny in-process provider implementing our ``Provider`` protocol (no SDK involved), for engine
unit tests. Provider behaviour over the wire is tested with the emulator elsewhere."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from server.models.types import ChatRequest, ErrorEvent, FimRequest, Stop, StreamEvent, TextDelta, Usage


@dataclass
class ScriptedProvider:
    replies: list[list[str] | ErrorEvent] = field(default_factory=list)
    fim: bool = True
    chunk_delay_s: float = 0.0
    name: str = "scripted"
    requests: list[FimRequest | ChatRequest] = field(default_factory=list)
    closed: int = 0
    delivered: list[str] = field(default_factory=list)
    first_chunk: asyncio.Event = field(default_factory=asyncio.Event)

    def supports_fim(self, model: str | None = None) -> bool:
        return self.fim

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return self._serve(request)

    def stream_fim(self, request: FimRequest) -> AsyncIterator[StreamEvent]:
        return self._serve(request)

    async def _serve(self, request: FimRequest | ChatRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        reply = self.replies.pop(0) if self.replies else ErrorEvent("bad_request", "nothing scripted")
        try:
            if isinstance(reply, ErrorEvent):
                yield reply
                return
            for chunk in reply:
                if self.chunk_delay_s:
                    await asyncio.sleep(self.chunk_delay_s)
                self.delivered.append(chunk)
                self.first_chunk.set()
                yield TextDelta(chunk)
            yield Usage(input_tokens=100, output_tokens=len(reply))
            yield Stop("end_turn")
        finally:
            self.closed += 1
