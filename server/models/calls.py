"""One row per model call, as the provider layer reports it to an observer (the trace store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Outcome = Literal["ok", "error", "cancelled"]


@dataclass(frozen=True, slots=True)
class CallRecord:
    feature: str
    provider: str
    model: str
    started_at: float  # Unix time
    queue_s: float  # before the attempt that answered: breaker, failed attempts, backoff
    ttft_s: float | None  # from that attempt's start to its first event
    total_s: float
    outcome: Outcome
    request_id: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    usage_estimated: bool = False  # tokens counted on our side (the provider reported none, or nonsense)
    retries: int = 0
    tool_calls: int = 0
    stop_reason: str | None = None
    error_kind: str | None = None
    error_message: str | None = None
    context: dict[str, Any] = field(default_factory=dict)  # summary of what was sent, never the text
    prompt: str | None = None  # only when traces.store_content is on
    output: str | None = None  # only when traces.store_content is on


class CallObserver(Protocol):
    """Receives every finished call. Must return quickly (the trace store queues to a thread)."""

    def record(self, call: CallRecord) -> None: ...
