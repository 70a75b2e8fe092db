"""Pieces every adapter shares: call metadata and assembling streamed tool-call arguments."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

from server.models.types import ChatRequest, ErrorEvent, FimRequest, StreamEvent, ToolCallEnd


@dataclass
class CallMeta:
    """What an adapter learns about one attempt besides its events (for traces)."""

    request_id: str | None = None
    model: str = ""
    sent: dict[str, object] = field(default_factory=dict)  # summary of the request as sent


class Adapter(Protocol):
    """A vendor adapter: the Provider operations plus the metadata channel used by the wrappers."""

    name: str  # provider name: "anthropic", "openai", "openai-compatible", "replay"
    model: str  # the configured default model

    def open(self, request: ChatRequest, meta: CallMeta) -> AsyncIterator[StreamEvent]: ...

    def open_fim(self, request: FimRequest, meta: CallMeta) -> AsyncIterator[StreamEvent]: ...

    def supports_fim(self, model: str | None = None) -> bool: ...


@dataclass
class _PendingCall:
    id: str
    name: str
    fragments: list[str] = field(default_factory=list)


class ToolCallAssembler:
    """Collects argument fragments per tool call and parses them when the call ends."""

    def __init__(self, provider: str) -> None:
        self._provider = provider
        self._calls: dict[int, _PendingCall] = {}

    def start(self, index: int, call_id: str, name: str) -> None:
        self._calls[index] = _PendingCall(call_id, name)

    def has(self, index: int) -> bool:
        return index in self._calls

    def add(self, index: int, fragment: str) -> None:
        self._calls[index].fragments.append(fragment)

    def open_indexes(self) -> list[int]:
        return sorted(self._calls)

    def end(self, index: int) -> ToolCallEnd | ErrorEvent:
        call = self._calls.pop(index)
        text = "".join(call.fragments).strip()
        try:
            arguments = json.loads(text) if text else {}
        except ValueError as exc:
            return ErrorEvent(
                "malformed",
                f"{self._provider}: tool call {call.name!r} has invalid JSON arguments ({exc}): {text[:200]}",
            )
        if not isinstance(arguments, dict):
            return ErrorEvent("malformed", f"{self._provider}: tool call {call.name!r} arguments are not a JSON object")
        return ToolCallEnd(index=index, id=call.id, name=call.name, arguments=arguments)
