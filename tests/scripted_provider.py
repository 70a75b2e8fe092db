"""A tiny in-process provider implementing our ``Provider`` protocol (no SDK involved), for unit
tests of the completion engine and the agent loop. Provider behaviour over the wire is tested with
the emulator (tests/emulator) instead.

Each reply is one call's answer: text chunks (``["return", " a"]``, then usage and a stop), a list
of stream events (:func:`text_reply`, :func:`tool_reply`), or an :class:`ErrorEvent`. A call past
the script gets a ``replay_mismatch`` error, or the last reply again with ``repeat_last``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from server.models.types import (
    ChatRequest,
    ErrorEvent,
    FimRequest,
    Stop,
    StreamEvent,
    TextDelta,
    ToolCallEnd,
    ToolCallStart,
    Usage,
)

USAGE = Usage(100, 10)
Reply = Sequence[str] | Sequence[StreamEvent] | ErrorEvent


def text_reply(text: str, usage: Usage = USAGE) -> list[StreamEvent]:
    return [TextDelta(text), usage, Stop("end_turn")]


def tool_reply(*calls: tuple[str, dict[str, Any]], usage: Usage = USAGE) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    for i, (name, arguments) in enumerate(calls):
        events += [ToolCallStart(i, f"call_{i}", name), ToolCallEnd(i, f"call_{i}", name, arguments)]
    return [*events, usage, Stop("tool_use")]


def _events(reply: Reply) -> list[StreamEvent]:
    if isinstance(reply, ErrorEvent):
        return [reply]
    if all(isinstance(chunk, str) for chunk in reply):
        chunks = [TextDelta(str(chunk)) for chunk in reply]
        return [*chunks, Usage(input_tokens=100, output_tokens=len(chunks)), Stop("end_turn")]
    return [event for event in reply if not isinstance(event, str)]


class ScriptedProvider:
    """Plays `replies` in order. ``requests`` holds what was asked, ``delivered`` the text chunks
    sent, ``closed`` how many streams were closed, ``first_chunk`` is set at the first text."""

    name = "scripted"

    def __init__(
        self, replies: Sequence[Reply] = (), *, fim: bool = True, chunk_delay_s: float = 0.0, repeat_last: bool = False
    ) -> None:
        self.replies = list(replies)
        self.fim = fim
        self.chunk_delay_s = chunk_delay_s
        self.repeat_last = repeat_last
        self.requests: list[ChatRequest | FimRequest] = []
        self.delivered: list[str] = []
        self.closed = 0
        self.first_chunk = asyncio.Event()

    def supports_fim(self, model: str | None = None) -> bool:
        return self.fim

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return self._serve(request)

    def stream_fim(self, request: FimRequest) -> AsyncIterator[StreamEvent]:
        return self._serve(request)

    async def _serve(self, request: ChatRequest | FimRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        index = len(self.requests) - 1
        try:
            if index >= len(self.replies) and not (self.repeat_last and self.replies):
                yield ErrorEvent("replay_mismatch", f"no scripted reply for call {index + 1}")
                return
            for event in _events(self.replies[min(index, len(self.replies) - 1)]):
                if isinstance(event, TextDelta):
                    if self.chunk_delay_s:
                        await asyncio.sleep(self.chunk_delay_s)
                    self.delivered.append(event.text)
                    self.first_chunk.set()
                yield event
        finally:
            self.closed += 1
