"""A tiny scripted Provider (our own protocol, not an SDK mock) for pure loop tests."""

from __future__ import annotations

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


def text_reply(text: str, usage: Usage = USAGE) -> list[StreamEvent]:
    return [TextDelta(text), usage, Stop("end_turn")]


def tool_reply(*calls: tuple[str, dict[str, Any]], usage: Usage = USAGE) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    for i, (name, arguments) in enumerate(calls):
        events += [ToolCallStart(i, f"call_{i}", name), ToolCallEnd(i, f"call_{i}", name, arguments)]
    return [*events, usage, Stop("tool_use")]


class ScriptedProvider:
    """Plays `replies` in order; the last one repeats when `repeat_last` (for endless-loop tests)."""

    name = "scripted"

    def __init__(self, replies: Sequence[list[StreamEvent]], *, repeat_last: bool = False) -> None:
        self.replies = list(replies)
        self.repeat_last = repeat_last
        self.requests: list[ChatRequest] = []

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        index = len(self.requests) - 1
        if index >= len(self.replies) and not self.repeat_last:
            yield ErrorEvent("replay_mismatch", f"no scripted reply for call {index + 1}")
            return
        for event in self.replies[min(index, len(self.replies) - 1)]:
            yield event

    async def stream_fim(self, request: FimRequest) -> AsyncIterator[StreamEvent]:
        yield ErrorEvent("bad_request", "no FIM in scripted tests")

    def supports_fim(self, model: str | None = None) -> bool:
        return False
