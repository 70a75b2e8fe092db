"""OpenAI Chat Completions (and OpenAI-compatible servers: Ollama, vLLM, LM Studio, LiteLLM)
through the official SDK: streaming, tools, usage in the stream. FIM on /v1/completions, the
inline-completion hot path, goes over httpx2 directly (:mod:`server.models.adapters.fim_http`)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import openai

from server.config import TimeoutSettings
from server.models.adapters.fim_http import FimHttp, rejects_suffix
from server.models.adapters.fim_prompt import fim_as_chat, model_is_next_edit, model_supports_fim
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

_STOPS: dict[str, StopReason] = {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens"}


def _messages(message: Message) -> list[dict[str, Any]]:
    """One neutral message -> OpenAI messages (tool results become `tool` messages)."""
    out: list[dict[str, Any]] = []
    text = "".join(p.text for p in message.parts if isinstance(p, TextPart))
    if message.role == "assistant":
        calls = [
            {"id": p.id, "type": "function", "function": {"name": p.name, "arguments": json.dumps(p.arguments)}}
            for p in message.parts
            if isinstance(p, ToolCallPart)
        ]
        entry: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            entry["tool_calls"] = calls
        return [entry]
    for part in message.parts:
        if isinstance(part, ToolResultPart):
            content = f"ERROR: {part.content}" if part.is_error else part.content
            out.append({"role": "tool", "tool_call_id": part.tool_call_id, "content": content})
    if text or not out:
        out.append({"role": "user", "content": text})
    return out


def openai_params(request: ChatRequest, model: str, official: bool) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": request.system}] if request.system else []
    for message in request.messages:
        messages.extend(_messages(message))
    params: dict[str, Any] = {"model": model, "messages": messages}
    # The official API wants max_completion_tokens; compatible servers know max_tokens.
    params["max_completion_tokens" if official else "max_tokens"] = request.max_tokens
    if request.tools:
        params["tools"] = [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.input_schema},
            }
            for t in request.tools
        ]
    if request.temperature is not None:
        params["temperature"] = request.temperature
    if request.stop:
        params["stop"] = list(request.stop)
    if request.logprobs and not official:  # the official API refuses them for its reasoning models
        params["logprobs"] = True
    return params


def _usage(raw: Any, model: str) -> Usage:
    details = getattr(raw, "prompt_tokens_details", None)
    cached = int(getattr(details, "cached_tokens", 0) or 0)
    prompt = int(getattr(raw, "prompt_tokens", 0) or 0)
    return Usage(
        input_tokens=max(0, prompt - cached),
        output_tokens=int(raw.completion_tokens or 0),
        cache_read_tokens=cached,
        model=model,
    )


def _chat_logprobs(choice: Any) -> tuple[float, ...] | None:
    """Chat Completions' ``choices[].logprobs.content[].logprob`` (None when not sent)."""
    content = getattr(getattr(choice, "logprobs", None), "content", None)
    if not content:
        return None
    return tuple(float(entry.logprob) for entry in content)


class _ChatTranslator:
    def __init__(self, provider: str, model: str) -> None:
        self.model = model
        self.tools = ToolCallAssembler(provider)
        self.usage: Usage | None = None
        self.stop: StopReason | None = None

    def feed(self, chunk: Any) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        if chunk.usage is not None:
            self.usage = _usage(chunk.usage, self.model)
        for choice in chunk.choices or ():
            delta = choice.delta
            if delta is not None and delta.content:
                out.append(TextDelta(delta.content, logprobs=_chat_logprobs(choice)))
            for call in (delta.tool_calls if delta is not None else None) or ():
                if not self.tools.has(call.index):
                    name = call.function.name if call.function and call.function.name else ""
                    self.tools.start(call.index, call.id or f"call_{call.index}", name)
                    out.append(ToolCallStart(call.index, call.id or f"call_{call.index}", name))
                if call.function and call.function.arguments:
                    self.tools.add(call.index, call.function.arguments)
                    out.append(ToolCallDelta(call.index, call.function.arguments))
            if choice.finish_reason:
                self.stop = _STOPS.get(choice.finish_reason, "end_turn")
                for index in self.tools.open_indexes():
                    out.append(self.tools.end(index))
        return out

    def finish(self, provider: str) -> list[StreamEvent]:
        usage: list[StreamEvent] = [self.usage] if self.usage else []
        if self.stop is None:
            return [
                *usage,
                ErrorEvent("connection", f"{provider}: stream ended without a finish reason", retryable=True),
            ]
        return [*usage, Stop(self.stop)]


class OpenAIAdapter:
    def __init__(
        self,
        name: str,
        model: str,
        api_key: str,
        base_url: str | None,
        timeouts: TimeoutSettings,
        fim: bool | None = None,
    ) -> None:
        """`fim`: the user's ``completion.fim`` (None: by model name)."""
        self._fim_setting = fim
        self.name = name  # "openai" or "openai-compatible"
        self.model = model
        self._api_key = api_key
        self._base_url = base_url
        self._timeouts = timeouts
        # Built now, not on the first call: creating the client (TLS context and all) takes long
        # enough to eat into the first call's time-to-first-token budget.
        self._client: openai.AsyncOpenAI | None = None
        _ = (self._sdk().chat.completions, self._sdk().completions)  # resources load lazily: now
        # FIM goes over httpx2 directly (see server.models.adapters.fim_http); only compatible servers take it.
        self._fim: FimHttp | None = None
        self._suffix_rejected = False  # the server refused a suffix once: FIM goes through chat
        if name == "openai-compatible":
            self._fim = FimHttp(name, str(self._sdk().base_url), api_key, timeouts)

    def _sdk(self) -> openai.AsyncOpenAI:
        if self._client is None:
            timeout = httpx2.Timeout(self._timeouts.total_s, connect=self._timeouts.connect_s)
            self._client = openai.AsyncOpenAI(
                api_key=self._api_key, base_url=self._base_url, max_retries=0, timeout=timeout
            )
        return self._client

    async def probe(self) -> ErrorEvent | None:
        """A cheap live check (lists models; uses no tokens). None when the endpoint answers."""
        try:
            await self._sdk().models.list()
        except Exception as exc:
            return error_from_exception(exc, self.name)
        return None

    def supports_fim(self, model: str | None = None) -> bool:
        """Compatible servers, for models known to take a suffix (or next-edit models), or any model
        with ``completion.fim = true``; not after the server rejected a suffix."""
        if self.name != "openai-compatible" or self._suffix_rejected:
            return False
        name = model or self.model
        if self._fim_setting is not None:
            return self._fim_setting
        return model_supports_fim(name) or model_is_next_edit(name)

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return self.open(request, CallMeta())

    def stream_fim(self, request: FimRequest) -> AsyncIterator[StreamEvent]:
        return self.open_fim(request, CallMeta())

    def open(self, request: ChatRequest, meta: CallMeta) -> AsyncIterator[StreamEvent]:
        meta.model = request.model or self.model
        params = openai_params(request, meta.model, official=self.name == "openai")
        meta.sent = {"messages": len(params["messages"]), "tools": len(params.get("tools", ()))}
        translator = _ChatTranslator(self.name, meta.model)
        completions = self._sdk().chat.completions

        def create() -> Any:
            return completions.create(**params, stream=True, stream_options={"include_usage": True})

        return self._pump(create, meta, translator.feed, lambda: translator.finish(self.name))

    def open_fim(self, request: FimRequest, meta: CallMeta) -> AsyncIterator[StreamEvent]:
        """FIM on ``/completions`` with a suffix: compatible servers only (asked for FIM because the
        model is known to take a suffix, or because the user set ``completion.fim``)."""
        if self._fim is None or not self.supports_fim(request.model):
            return self.open(fim_as_chat(request), meta)
        return self._fim_or_chat(request, meta)

    async def _fim_or_chat(self, request: FimRequest, meta: CallMeta) -> AsyncIterator[StreamEvent]:
        """``/completions`` with a suffix; if the server rejects the suffix, the same request as chat,
        now and from then on (said once in the log)."""
        answered = False
        async for event in self._open_completions(request, meta):
            if not answered and isinstance(event, ErrorEvent) and rejects_suffix(event):
                self._suffix_rejected = True
                log.warning(
                    "%s: the server rejects a suffix on /completions (%s); fill-in-the-middle for %s goes "
                    "through chat from now on",
                    self.name,
                    event.message,
                    self._base_url,
                )
                async for chat_event in self.open(fim_as_chat(request), meta):
                    yield chat_event
                return
            answered = answered or not isinstance(event, Usage)
            yield event

    def _open_completions(self, request: FimRequest, meta: CallMeta) -> AsyncIterator[StreamEvent]:
        meta.model = request.model or self.model
        meta.sent = {"fim": True, "prefix_chars": len(request.prefix), "suffix_chars": len(request.suffix)}
        params: dict[str, Any] = {
            "model": meta.model,
            "prompt": request.prefix,
            "max_tokens": request.max_tokens,
        }
        if request.logprobs:
            params["logprobs"] = 1  # the completions API's form: how many alternatives per token
        if request.suffix or not model_is_next_edit(meta.model):  # next-edit models: a raw prompt, no suffix
            params["suffix"] = request.suffix
        if request.temperature is not None:
            params["temperature"] = request.temperature
        if request.stop:
            params["stop"] = list(request.stop)
        if self._fim is None:  # supports_fim() is only true for compatible servers, which have one
            raise RuntimeError(f"{self.name}: no FIM endpoint")
        return self._fim.stream(params, meta)

    async def _pump(self, create: Any, meta: CallMeta, feed: Any, finish: Any) -> AsyncIterator[StreamEvent]:
        """Open the SDK stream, translate every chunk, and always close the HTTP response."""
        try:
            stream = await create()
        except Exception as exc:
            yield error_from_exception(exc, self.name)
            return
        meta.request_id = stream.response.headers.get("x-request-id")
        try:
            async for chunk in stream:
                for event in feed(chunk):
                    yield event
                    if isinstance(event, ErrorEvent):
                        return
            for event in finish():
                yield event
        except Exception as exc:
            yield error_from_exception(exc, self.name)
        finally:
            await stream.close()
