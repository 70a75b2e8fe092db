"""Collecting one streamed model reply into a value the loop can act on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from server.models.types import (
    ErrorEvent,
    Message,
    Part,
    Stop,
    StopReason,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCallEnd,
    ToolCallPart,
    Usage,
)


@dataclass
class Reply:
    text: str = ""
    tool_calls: list[ToolCallPart] = field(default_factory=list)
    stop: StopReason | None = None
    error: ErrorEvent | None = None

    def message(self) -> Message:
        parts: list[Part] = [TextPart(self.text)] if self.text else []
        parts.extend(self.tool_calls)
        if not parts:  # APIs refuse an empty assistant turn if the conversation goes on
            parts.append(TextPart("(empty reply)"))
        return Message("assistant", tuple(parts))


async def collect_reply(
    stream: AsyncIterator[StreamEvent],
    *,
    on_text: Callable[[str], None],
    on_usage: Callable[[Usage], object],
) -> Reply:
    """Read a whole stream. Usage is reported as it arrives (so the budget sees it even if the
    stream fails later); an error event ends the reply."""
    reply = Reply()
    chunks: list[str] = []
    try:
        async for event in stream:
            if isinstance(event, TextDelta):
                chunks.append(event.text)
                on_text(event.text)
            elif isinstance(event, ToolCallEnd):
                reply.tool_calls.append(ToolCallPart(event.id, event.name, dict(event.arguments)))
            elif isinstance(event, Usage):
                on_usage(event)
            elif isinstance(event, Stop):
                reply.stop = event.reason
            elif isinstance(event, ErrorEvent):
                reply.error = event
                break
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
    reply.text = "".join(chunks)
    return reply
