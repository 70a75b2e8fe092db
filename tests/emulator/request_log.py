"""What the emulator logs about each request it received."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from tests.emulator.script import Protocol, Reply


@dataclass
class RecordedRequest:
    """One request the emulator received, and what became of its answer."""

    serial: int
    method: str
    path: str
    protocol: Protocol | None
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON (None if there was no JSON body)
    received_at: float
    reply: Reply | None = None
    outcome: str = "pending"  # complete | error | client_closed | dropped | hung | pending
    finished_at: float | None = None
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def stream(self) -> bool:
        return isinstance(self.body, dict) and bool(self.body.get("stream"))

    def to_json(self) -> dict[str, Any]:
        return {
            "serial": self.serial,
            "method": self.method,
            "path": self.path,
            "protocol": self.protocol,
            "headers": self.headers,
            "body": self.body,
            "outcome": self.outcome,
            "received_at": self.received_at,  # time.monotonic() (the same clock across processes on Linux)
            "finished_at": self.finished_at,
        }


def protocol_for(path: str) -> Protocol | None:
    path = path.split("?", 1)[0].rstrip("/")
    if path.endswith("/messages"):
        return "anthropic"
    if path.endswith("/chat/completions"):
        return "openai"
    if path.endswith("/completions"):
        return "openai_completions"
    return None
