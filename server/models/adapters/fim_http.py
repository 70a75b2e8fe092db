"""Fill-in-the-middle on ``/v1/completions`` without the SDK: the inline-completion hot path.

Inline completion is the one call made on (nearly) every keystroke, so what it costs before the
request leaves matters. Through the ``openai`` SDK, building and sending a streamed completion took
about 2.3 ms on a kept-alive connection, and parsing each streamed chunk into pydantic models
another ~0.3 ms (measured against the wire emulator, see ``bench/README.md``). This module speaks
the same wire protocol with the request built once per call and the server-sent events parsed as
plain JSON, over one of two clients:

* plain ``http://`` endpoints no proxy applies to (local servers: Ollama, vLLM, LM Studio,
  llama.cpp) go through :class:`server.models.adapters.http11.Http11Client`, about 0.3 ms to send;
* anything else (TLS, a proxy from the environment) goes through ``httpx2``, the HTTP library the SDK
  itself uses (same pooling, proxies, certificates and timeouts), about 0.9 ms to send.

Chat requests, tools and everything else stay on the SDK. Failures map to the same typed
:class:`ErrorEvent` values as the SDK path (:func:`server.models.errors.error_from_status` /
:func:`~server.models.errors.error_from_exception`); the fault matrix runs this path, and
``tests/models/test_http11.py`` runs both clients.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol

import httpx2

from server.config import TimeoutSettings
from server.models.adapters.http11 import Http11Client, plain_http_origin
from server.models.errors import error_from_exception, error_from_status
from server.models.streaming import CallMeta
from server.models.types import ErrorEvent, Stop, StopReason, StreamEvent, TextDelta, Usage

_STOPS: dict[str, StopReason] = {"stop": "end_turn", "length": "max_tokens"}
_MAX_ERROR_BODY = 64_000
_USER_AGENT = "outrider/0.1 (fim)"


def rejects_suffix(error: ErrorEvent) -> bool:
    """Whether a ``/completions`` error says the server (or model) takes no ``suffix``: a 4xx
    (400, 422, 501) naming it, as servers without a FIM template answer."""
    return error.status in (400, 422, 501) and "suffix" in error.message.lower()


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


def completions_logprobs(choice: dict[str, Any]) -> tuple[float, ...] | None:
    """Completions' ``choices[].logprobs.token_logprobs`` (None when not sent)."""
    raw = choice.get("logprobs")
    values = raw.get("token_logprobs") if isinstance(raw, dict) else None
    if not isinstance(values, list) or not values:
        return None
    return tuple(float(v) for v in values if isinstance(v, int | float))


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
                out.append(TextDelta(str(text), logprobs=completions_logprobs(choice)))
            if reason := choice.get("finish_reason"):
                self.stop = _STOPS.get(reason, "end_turn")
        return out

    def finish(self) -> list[StreamEvent]:
        usage: list[StreamEvent] = [self.usage] if self.usage else []
        if self.stop is None:
            return [*usage, ErrorEvent("connection", f"{self.provider}: stream ended without a finish reason", True)]
        return [*usage, Stop(self.stop)]


class _Response(Protocol):
    """What both clients' streamed responses offer (``httpx2.Response`` and ``Http11Response``)."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    def aiter_bytes(self) -> AsyncIterator[bytes]: ...
    def aiter_lines(self) -> AsyncIterator[str]: ...
    async def aclose(self) -> None: ...


class FimHttp:
    """Kept-alive connections to one endpoint's ``/completions``: plain ``http://`` origins that no
    proxy applies to (local servers) through :class:`~server.models.adapters.http11.Http11Client`, anything
    else (TLS, proxies) through ``httpx2``."""

    def __init__(
        self, provider: str, base_url: str, api_key: str, timeouts: TimeoutSettings, *, lean: bool = True
    ) -> None:
        """`lean=False` sends every request through httpx2 (the tests run both clients)."""
        self.provider = provider
        fields = {
            "authorization": f"Bearer {api_key}",
            "content-type": "application/json",
            "accept": "text/event-stream",
            "user-agent": _USER_AGENT,
        }
        origin = plain_http_origin(base_url) if lean else None
        self._lean = Http11Client(origin, timeouts.connect_s) if origin is not None else None
        self._lean_headers = tuple(fields.items())
        self._url = httpx2.URL(base_url.rstrip("/") + "/completions")
        self._headers = httpx2.Headers(fields)
        self._client = httpx2.AsyncClient(timeout=httpx2.Timeout(timeouts.total_s, connect=timeouts.connect_s))

    @property
    def lean(self) -> bool:
        """Whether requests go through the lean HTTP/1.1 client."""
        return self._lean is not None

    async def _send(self, body: bytes) -> _Response:
        if self._lean is not None:
            return await self._lean.post("/completions", self._lean_headers, body)
        request = self._client.build_request("POST", self._url, content=body, headers=self._headers)
        return await self._client.send(request, stream=True)

    async def stream(self, params: dict[str, Any], meta: CallMeta) -> AsyncIterator[StreamEvent]:
        """POST `params` (``stream`` is added) and yield neutral events; the response is always closed."""
        translator = FimTranslator(self.provider, meta.model)
        body = json.dumps({**params, "stream": True, "stream_options": {"include_usage": True}}).encode()
        try:
            response = await self._send(body)
        except Exception as exc:
            yield error_from_exception(exc, self.provider)
            return
        try:
            meta.request_id = response.headers.get("x-request-id")
            if response.status_code >= 400:
                yield await self._status_error(response)
                return
            done = False
            async for data in _sse_data(response):  # read to the body's end: the connection is reused
                done = done or data == "[DONE]"
                if done:
                    continue
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

    async def _status_error(self, response: _Response) -> ErrorEvent:
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
        if self._lean is not None:
            await self._lean.aclose()
        await self._client.aclose()


async def _sse_data(response: _Response) -> AsyncIterator[str]:
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
