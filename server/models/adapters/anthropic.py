"""Anthropic Messages through the official SDK: streaming, tool use, prompt caching.

``cache_control`` marks the stable prefix (tools, then the system prompt) and, in tool loops, the
end of the conversation so far, so each turn reads the previous turns from the cache.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx2

from server.config import TimeoutSettings
from server.models.adapters.fim_prompt import fim_as_chat
from server.models.errors import error_from_exception
from server.models.streaming import CallMeta, ToolCallAssembler
from server.models.types import (
    ChatRequest,
    ErrorEvent,
    FimRequest,
    Message,
    Stop,
    StopReason,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCallDelta,
    ToolCallPart,
    ToolCallStart,
    ToolResultPart,
    Usage,
)

log = logging.getLogger(__name__)

_CACHE = {"type": "ephemeral"}
_STOPS: dict[str, StopReason] = {
    "end_turn": "end_turn",
    "tool_use": "tool_use",
    "max_tokens": "max_tokens",
    "stop_sequence": "stop_sequence",
}


def _blocks(message: Message) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, TextPart):
            if part.text:
                blocks.append({"type": "text", "text": part.text})
        elif isinstance(part, ToolCallPart):
            blocks.append({"type": "tool_use", "id": part.id, "name": part.name, "input": part.arguments})
        elif isinstance(part, ToolResultPart):
            blocks.append(
                {
                    "type": "tool_result",
                    "tool_use_id": part.tool_call_id,
                    "content": part.content,
                    "is_error": part.is_error,
                }
            )
    return blocks or [{"type": "text", "text": "(empty)"}]


def anthropic_params(request: ChatRequest, model: str) -> dict[str, Any]:
    """The Messages API body for `request` (without ``stream``)."""
    messages: list[dict[str, Any]] = [{"role": m.role, "content": _blocks(m)} for m in request.messages]
    params: dict[str, Any] = {"model": model, "max_tokens": request.max_tokens, "messages": messages}
    if request.system:
        params["system"] = [{"type": "text", "text": request.system, "cache_control": _CACHE}]
    if request.tools:
        tools = [{"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in request.tools]
        tools[-1]["cache_control"] = _CACHE
        params["tools"] = tools
        if messages:
            messages[-1]["content"][-1]["cache_control"] = _CACHE
    # No temperature: the Messages API of the SDK we use (anthropic 2.x) has no such parameter, and
    # passing it would fail before anything is sent. A set temperature is left out (see meta.sent).
    if request.stop:
        params["stop_sequences"] = list(request.stop)
    return params


class _Translator:
    """Anthropic stream events -> neutral events, one event at a time."""

    def __init__(self, provider: str, model: str) -> None:
        self.model = model
        self.tools = ToolCallAssembler(provider)
        self.tool_index: dict[int, int] = {}  # content block index -> tool call ordinal
        self.usage: dict[str, int] = {}
        self.stop: StopReason = "end_turn"
        self.finished = False

    def _record_usage(self, usage: Any) -> None:
        for ours, theirs in (
            ("input_tokens", "input_tokens"),
            ("output_tokens", "output_tokens"),
            ("cache_read_tokens", "cache_read_input_tokens"),
            ("cache_write_tokens", "cache_creation_input_tokens"),
        ):
            value = getattr(usage, theirs, None)
            if isinstance(value, int):
                self.usage[ours] = value

    def usage_event(self) -> Usage | None:
        if not self.usage:
            return None
        u = self.usage
        return Usage(
            u.get("input_tokens", 0),
            u.get("output_tokens", 0),
            u.get("cache_read_tokens", 0),
            u.get("cache_write_tokens", 0),
            model=self.model,
        )

    def feed(self, event: Any) -> list[StreamEvent]:
        kind = event.type
        if kind == "message_start":
            self._record_usage(event.message.usage)
        elif kind == "content_block_start" and event.content_block.type == "tool_use":
            ordinal = len(self.tool_index)
            self.tool_index[event.index] = ordinal
            self.tools.start(ordinal, event.content_block.id, event.content_block.name)
            return [ToolCallStart(ordinal, event.content_block.id, event.content_block.name)]
        elif kind == "content_block_delta":
            delta = event.delta
            if delta.type == "text_delta":
                return [TextDelta(delta.text)]
            if delta.type == "input_json_delta" and event.index in self.tool_index:
                ordinal = self.tool_index[event.index]
                self.tools.add(ordinal, delta.partial_json)
                return [ToolCallDelta(ordinal, delta.partial_json)]
        elif kind == "content_block_stop" and event.index in self.tool_index:
            return [self.tools.end(self.tool_index[event.index])]
        elif kind == "message_delta":
            self._record_usage(event.usage)
            self.stop = _STOPS.get(event.delta.stop_reason or "end_turn", "end_turn")
        elif kind == "message_stop":
            self.finished = True
            usage = self.usage_event()
            return [*([usage] if usage else []), Stop(self.stop)]
        return []


class AnthropicAdapter:
    name = "anthropic"

    def __init__(self, model: str, api_key: str, base_url: str | None, timeouts: TimeoutSettings) -> None:
        self.model = model
        self._api_key = api_key
        self._base_url = base_url
        self._timeouts = timeouts
        # Built now, not on the first call: creating the client (TLS context and all) takes long
        # enough to eat into the first call's time-to-first-token budget.
        self._client: anthropic.AsyncAnthropic | None = None
        _ = self._sdk().messages  # resources load lazily: do it now as well

    def _sdk(self) -> anthropic.AsyncAnthropic:
        if self._client is None:
            timeout = httpx2.Timeout(self._timeouts.total_s, connect=self._timeouts.connect_s)
            self._client = anthropic.AsyncAnthropic(
                api_key=self._api_key, base_url=self._base_url, max_retries=0, timeout=timeout
            )
        return self._client

    async def probe(self) -> ErrorEvent | None:
        """A cheap live check (lists models; uses no tokens). None when the endpoint answers."""
        try:
            await self._sdk().models.list(limit=1)
        except Exception as exc:
            return error_from_exception(exc, self.name)
        return None

    def supports_fim(self, model: str | None = None) -> bool:
        return False

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return self.open(request, CallMeta())

    def stream_fim(self, request: FimRequest) -> AsyncIterator[StreamEvent]:
        return self.open_fim(request, CallMeta())

    def open_fim(self, request: FimRequest, meta: CallMeta) -> AsyncIterator[StreamEvent]:
        return self.open(fim_as_chat(request), meta)

    async def open(self, request: ChatRequest, meta: CallMeta) -> AsyncIterator[StreamEvent]:
        meta.model = request.model or self.model
        params = anthropic_params(request, meta.model)
        meta.sent = {"messages": len(params["messages"]), "tools": len(params.get("tools", ())), "cached_prefix": True}
        if request.temperature is not None:
            meta.sent["temperature"] = "not sent (not supported by the Messages API)"
            log.debug("anthropic: temperature %s not sent (not supported)", request.temperature)
        try:
            stream = await self._sdk().messages.create(**params, stream=True)
        except Exception as exc:
            yield error_from_exception(exc, self.name)
            return
        meta.request_id = stream.response.headers.get("request-id")
        translator = _Translator(self.name, meta.model)
        try:
            async for event in stream:
                for out in translator.feed(event):
                    yield out
                    if isinstance(out, ErrorEvent):
                        return
            if not translator.finished:
                if (usage := translator.usage_event()) is not None:
                    yield usage
                yield ErrorEvent("connection", f"{self.name}: stream ended before message_stop", retryable=True)
        except Exception as exc:
            if (usage := translator.usage_event()) is not None:
                yield usage
            yield error_from_exception(exc, self.name)
        finally:
            await stream.close()
