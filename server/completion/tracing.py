"""Trace rows for completions.

A completion that calls the model is traced by the provider layer (feature ``completion``: queue,
time to first token, total, tokens, cost); the engine adds its own part of the latency split to
that call's context summary (``debounce_ms``, ``context_ms``, the shape and what was packed). A
completion answered without a call (cache, type-ahead) gets a row of its own here, at zero cost,
so every completion shows in ``outrider traces`` and ``outrider cost`` counts them all.
"""

from __future__ import annotations

import time

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
