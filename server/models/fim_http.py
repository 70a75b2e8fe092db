"""Fill-in-the-middle on ``/v1/completions`` over ``httpx2`` directly: the inline-completion hot path.

Inline completion is the one call made on (nearly) every keystroke, so what it costs before the
request leaves matters. Through the ``openai`` SDK, building and sending a streamed completion took
about 2.3 ms on a pooled connection, and parsing each streamed chunk into pydantic models another
~0.3 ms (measured against the wire emulator, see ``bench/README.md``). This module speaks the same
wire protocol with the HTTP library the SDK itself uses (``httpx2``: the same connection pooling,
proxy settings from the environment, TLS and timeouts), with the URL and headers built once, and
parses the server-sent events as plain JSON: about 0.8 ms to send.

Chat requests, tools and everything else stay on the SDK. Failures map to the same typed
:class:`ErrorEvent` values as the SDK path (:func:`server.models.errors.error_from_status` /
:func:`~server.models.errors.error_from_exception`); the fault matrix runs both.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2

from server.config import TimeoutSettings
from server.models.errors import error_from_exception, error_from_status
from server.models.streaming import CallMeta
from server.models.types import ErrorEvent, Stop, StopReason, StreamEvent, TextDelta, Usage

_STOPS: dict[str, StopReason] = {"stop": "end_turn", "length": "max_tokens"}
_MAX_ERROR_BODY = 64_000
_USER_AGENT = "outrider/0.1 (fim)"


def usage_from(raw: dict[str, Any], model: str) -> Usage:
    """OpenAI usage (``prompt_tokens`` includes cached ones) -> our neutral usage."""
    details = raw.get("prompt_tokens_details") or {}
    cached = int(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0
    prompt = int(raw.get("prompt_tokens") or 0)
    return Usage(
        input_tokens=max(0, prompt - cached),
        output_tokens=int(raw.get("completion_tokens") or 0),
        cache_read_tokens=cached,
        model=model,
    )


class FimTranslator:
    """Streamed completion chunks (decoded JSON) -> neutral events."""

    def __init__(self, provider: str, model: str) -> None:
        self.provider = provider
        self.model = model
        self.usage: Usage | None = None
        self.stop: StopReason | None = None

    def feed(self, chunk: Any) -> list[StreamEvent]:
        if not isinstance(chunk, dict):
            raise ValueError(f"expected a JSON object, got {type(chunk).__name__}")
        if chunk.get("error") is not None:
            error = chunk["error"]
            message = error.get("message", "error in stream") if isinstance(error, dict) else str(error)
            return [error_from_status(200, chunk, None, str(message), self.provider)]
        if isinstance(usage := chunk.get("usage"), dict):
            self.usage = usage_from(usage, self.model)
        out: list[StreamEvent] = []
        for choice in chunk.get("choices") or ():
            if text := choice.get("text"):
                out.append(TextDelta(str(text)))
            if reason := choice.get("finish_reason"):
                self.stop = _STOPS.get(reason, "end_turn")
        return out

    def finish(self) -> list[StreamEvent]:
        usage: list[StreamEvent] = [self.usage] if self.usage else []
        if self.stop is None:
            return [*usage, ErrorEvent("connection", f"{self.provider}: stream ended without a finish reason", True)]
        return [*usage, Stop(self.stop)]


class FimHttp:
    """One kept-alive HTTP client for one endpoint's ``/completions``."""

    def __init__(self, provider: str, base_url: str, api_key: str, timeouts: TimeoutSettings) -> None:
        self.provider = provider
        self._url = httpx2.URL(base_url.rstrip("/") + "/completions")
        self._headers = httpx2.Headers(
            {
                "authorization": f"Bearer {api_key}",
                "content-type": "application/json",
                "accept": "text/event-stream",
                "user-agent": _USER_AGENT,
            }
        )
        self._client = httpx2.AsyncClient(timeout=httpx2.Timeout(timeouts.total_s, connect=timeouts.connect_s))

    async def stream(self, params: dict[str, Any], meta: CallMeta) -> AsyncIterator[StreamEvent]:
        """POST `params` (``stream`` is added) and yield neutral events; the response is always closed."""
        translator = FimTranslator(self.provider, meta.model)
        body = json.dumps({**params, "stream": True, "stream_options": {"include_usage": True}}).encode()
        try:
            request = self._client.build_request("POST", self._url, content=body, headers=self._headers)
            response = await self._client.send(request, stream=True)
        except Exception as exc:
            yield error_from_exception(exc, self.provider)
            return
        try:
            meta.request_id = response.headers.get("x-request-id")
            if response.status_code >= 400:
                yield await self._status_error(response)
                return
            async for data in _sse_data(response):
                if data == "[DONE]":
                    break
                for event in translator.feed(json.loads(data)):
                    yield event
                    if isinstance(event, ErrorEvent):
                        return
            for event in translator.finish():
                yield event
        except Exception as exc:
            yield error_from_exception(exc, self.provider)
        finally:
            await response.aclose()

    async def _status_error(self, response: httpx2.Response) -> ErrorEvent:
        raw = b""
        async for piece in response.aiter_bytes():
            raw += piece
            if len(raw) > _MAX_ERROR_BODY:
                break
        text = raw[:_MAX_ERROR_BODY].decode("utf-8", errors="replace")
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        message = str(error.get("message")) if isinstance(error, dict) and error.get("message") else text.strip()
        return error_from_status(response.status_code, body, response.headers, message or "no body", self.provider)

    async def aclose(self) -> None:
        await self._client.aclose()


async def _sse_data(response: httpx2.Response) -> AsyncIterator[str]:
    """The ``data`` of each server-sent event (multi-line data joined with newlines)."""
    lines: list[str] = []
    async for line in response.aiter_lines():
        if not line:
            if lines:
                yield "\n".join(lines)
                lines = []
        elif line.startswith("data:"):
            lines.append(line[6:] if line.startswith("data: ") else line[5:])
    if lines:
        yield "\n".join(lines)
