"""Trace rows for completions.

A completion that calls the model is traced by the provider layer (feature ``completion``: queue,
time to first token, total, tokens, cost); the engine adds its own part of the latency split to
that call's context summary (``debounce_ms``, ``context_ms``, the shape and what was packed). A
completion answered without a call (cache, type-ahead) gets a row of its own here, at zero cost,
so every completion shows in ``outrider traces`` and ``outrider cost`` counts them all.

Every model answer also gets a :class:`SuggestionRecord` under its trace id (the ``trace_id`` in
the call row's context): confidence, whether it was shown, and later the user's verdict.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal, Protocol

from server.models.calls import CallRecord

FEATURE = "completion"


def local_answer_record(
    *, source: str, model: str, total_s: float, debounce_ms: float, context_ms: float, shape: str
) -> CallRecord:
    """The row for a completion answered from the cache or by type-ahead (no model call)."""
    return CallRecord(
        feature=FEATURE,
        provider=source,
        model=model,
        started_at=time.time() - total_s,
        queue_s=0.0,
        ttft_s=None,
        total_s=total_s,
        outcome="ok",
        context={
            "source": source,
            "shape": shape,
            "debounce_ms": round(debounce_ms, 3),
            "context_ms": round(context_ms, 3),
        },
    )


Verdict = Literal["accepted", "rejected"]


@dataclass(frozen=True, slots=True)
class SuggestionRecord:
    """One model answer offered (or held back) as a suggestion; joined to its call by trace id."""

    trace_id: str
    created_at: float  # Unix time
    feature: str
    model: str
    language: str
    confidence: float | None
    confidence_source: str | None  # "logprobs" or "signals"
    signals: tuple[str, ...]
    shown: bool
    dropped: str | None  # why it was not shown
    latency_ms: float


class SuggestionLog(Protocol):
    """Where suggestions and the user's verdicts go (the trace store's suggestions table)."""

    def suggested(self, record: SuggestionRecord) -> None: ...

    def verdict(self, trace_id: str, verdict: Verdict) -> None: ...
