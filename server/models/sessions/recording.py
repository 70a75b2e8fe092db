"""Recording: a provider wrapper that writes every request and the events the caller received to a
JSONL session (see :mod:`server.models.sessions.format`), with timings."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from server.models.sessions import format as fmt
from server.models.types import ChatRequest, FimRequest, Provider, StreamEvent

log = logging.getLogger(__name__)


def _append(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("".join(line + "\n" for line in lines))


class RecordingProvider:
    """Implements ``Provider``: passes everything through and records it."""

    def __init__(self, inner: Provider, path: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.path = path
        self._calls = 0
        self._started = False

    def supports_fim(self, model: str | None = None) -> bool:
        return self.inner.supports_fim(model)

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return self._record("chat", request, self.inner.stream(request))

    def stream_fim(self, request: FimRequest) -> AsyncIterator[StreamEvent]:
        return self._record("fim", request, self.inner.stream_fim(request))

    async def _record(
        self, api: str, request: ChatRequest | FimRequest, events: AsyncIterator[StreamEvent]
    ) -> AsyncIterator[StreamEvent]:
        self._calls += 1
        call = self._calls
        lines: list[str] = []
        if not self._started:
            self._started = True
            created = datetime.now(UTC).isoformat(timespec="seconds")
            model = str(getattr(self.inner, "model", ""))
            header = {"kind": "session", "version": fmt.VERSION, "provider": self.name, "model": model}
            header["created"] = created
            lines.append(fmt.dumps(header))
        lines.append(fmt.dumps({"kind": "request", "call": call, "api": api, "request": fmt.request_to_json(request)}))
        start = time.monotonic()
        finished = False
        try:
            async for event in events:
                t = round(time.monotonic() - start, 4)
                lines.append(fmt.dumps({"kind": "event", "call": call, "t": t, "event": fmt.event_to_json(event)}))
                yield event
            finished = True
        finally:
            if (aclose := getattr(events, "aclose", None)) is not None:
                await aclose()
            end = {"kind": "end", "call": call, "t": round(time.monotonic() - start, 4), "complete": finished}
            lines.append(fmt.dumps(end))
            if finished:
                await asyncio.to_thread(_append, self.path, lines)
            else:
                _append(self.path, lines)  # closing or cancelled: no more awaiting
