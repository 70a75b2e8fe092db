"""Replay: serve a recorded session back, call by call, and fail loudly (a ``replay_mismatch``
error event carrying a unified diff) when the project asks something materially different."""

from __future__ import annotations

import asyncio
import difflib
import json
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.models.sessions import format as fmt
from server.models.streaming import CallMeta
from server.models.types import ChatRequest, ErrorEvent, FimRequest, StreamEvent

log = logging.getLogger(__name__)


class SessionFormatError(ValueError):
    """The session file is not a readable recorded session."""


@dataclass(frozen=True)
class RecordedCall:
    call: int
    api: str
    request: dict[str, Any]
    events: tuple[tuple[float, dict[str, Any]], ...]  # (seconds since the request, event)


def parse_session(lines: list[str], source: str = "session") -> tuple[dict[str, Any], list[RecordedCall]]:
    header: dict[str, Any] = {}
    calls: dict[int, dict[str, Any]] = {}
    order: list[int] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            kind = obj["kind"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SessionFormatError(f"{source}:{number}: not a session line ({exc})") from exc
        if kind == "session":
            header = obj
        elif kind == "request":
            calls[obj["call"]] = {"api": obj.get("api", "chat"), "request": obj["request"], "events": []}
            order.append(obj["call"])
        elif kind == "event":
            if obj["call"] not in calls:
                raise SessionFormatError(f"{source}:{number}: event for unknown call {obj['call']}")
            calls[obj["call"]]["events"].append((float(obj.get("t", 0.0)), obj["event"]))
    recorded = [RecordedCall(n, calls[n]["api"], calls[n]["request"], tuple(calls[n]["events"])) for n in order]
    return header, recorded


def request_diff(recorded: Mapping[str, Any], actual: Mapping[str, Any]) -> str:
    """A unified diff of the material fields, pretty-printed (empty when they agree)."""
    want = json.dumps(fmt.material(recorded), indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    got = json.dumps(fmt.material(actual), indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    return "\n".join(difflib.unified_diff(want, got, "recorded", "requested", lineterm=""))


class ReplayAdapter:
    """Serves recorded calls in order. `realtime` keeps the recorded timing; else as fast as possible."""

    name = "replay"

    def __init__(self, calls: list[RecordedCall], *, realtime: bool = False, model: str = "replay") -> None:
        self.model = model
        self.calls = calls
        self.realtime = realtime
        self._next = 0

    @classmethod
    def from_file(cls, path: Path, *, realtime: bool = False) -> ReplayAdapter:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise SessionFormatError(f"cannot read session {path}: {exc}") from exc
        header, calls = parse_session(lines, str(path))
        model = str(header.get("model") or "replay")
        return cls(calls, realtime=realtime, model=model)

    @property
    def remaining(self) -> int:
        return len(self.calls) - self._next

    def supports_fim(self, model: str | None = None) -> bool:
        return True

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return self.open(request, CallMeta())

    def stream_fim(self, request: FimRequest) -> AsyncIterator[StreamEvent]:
        return self.open_fim(request, CallMeta())

    def open_fim(self, request: FimRequest, meta: CallMeta) -> AsyncIterator[StreamEvent]:
        return self._serve("fim", request, meta)

    def open(self, request: ChatRequest, meta: CallMeta) -> AsyncIterator[StreamEvent]:
        return self._serve("chat", request, meta)

    async def _serve(self, api: str, request: ChatRequest | FimRequest, meta: CallMeta) -> AsyncIterator[StreamEvent]:
        meta.model = self.model
        if self._next >= len(self.calls):
            message = f"replay: the session has no more calls ({len(self.calls)} recorded); the project asked another"
            log.error(message)
            yield ErrorEvent("replay_mismatch", message)
            return
        recorded = self.calls[self._next]
        actual = fmt.request_to_json(request)
        diff = request_diff(recorded.request, actual)
        if recorded.api != api or diff:
            message = f"replay: call {recorded.call} differs from the recording ({recorded.api} vs {api}):\n{diff}"
            log.error(message)
            yield ErrorEvent("replay_mismatch", message)
            return
        self._next += 1
        meta.request_id = f"replay-{recorded.call}"
        start = time.monotonic()
        for t, data in recorded.events:
            if self.realtime and (wait := t - (time.monotonic() - start)) > 0:
                await asyncio.sleep(wait)
            yield fmt.event_from_json(data)
