from collections.abc import AsyncIterator

from server.agent.reply import collect_reply
from server.models.types import (
    ErrorEvent,
    Stop,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCallEnd,
    ToolCallPart,
    ToolCallStart,
    Usage,
)


async def stream(*events: StreamEvent) -> AsyncIterator[StreamEvent]:
    for event in events:
        yield event


async def test_text_tool_calls_and_usage_are_collected() -> None:
    texts: list[str] = []
    usages: list[Usage] = []
    reply = await collect_reply(
        stream(
            TextDelta("Let me "),
            TextDelta("look."),
            ToolCallStart(0, "c1", "read_file"),
            ToolCallEnd(0, "c1", "read_file", {"path": "a.py"}),
            Usage(10, 2),
            Stop("tool_use"),
        ),
        on_text=texts.append,
        on_usage=usages.append,
    )
    assert reply.text == "Let me look." and texts == ["Let me ", "look."]
    assert reply.stop == "tool_use" and usages == [Usage(10, 2)]
    assert reply.message().parts == (TextPart("Let me look."), ToolCallPart("c1", "read_file", {"path": "a.py"}))


async def test_error_ends_the_reply_and_usage_before_it_still_counts() -> None:
    usages: list[Usage] = []
    reply = await collect_reply(
        stream(Usage(5, 0), ErrorEvent("connection", "dropped"), TextDelta("never")),
        on_text=lambda t: None,
        on_usage=usages.append,
    )
    assert reply.error is not None and reply.error.kind == "connection"
    assert reply.text == "" and usages == [Usage(5, 0)]


async def test_empty_reply_is_never_an_empty_message() -> None:
    reply = await collect_reply(stream(Stop("end_turn")), on_text=lambda t: None, on_usage=lambda u: None)
    assert reply.message().parts == (TextPart("(empty reply)"),)
