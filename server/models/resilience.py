"""Designed for failure: timeouts, retries with backoff, a circuit breaker and a trace row per call,
around one adapter. ``FallbackProvider`` chains several of them.

Rules: a retry happens only while nothing but usage has reached the caller (streamed text cannot be
taken back); a mid-stream failure after content is a typed error event. Usage from failed attempts
is passed on, so callers charging every Usage event charge retries too. Each attempt's usage is
checked against our own count (:mod:`server.models.usage_audit`): missing or implausible reports
are replaced by it, so a budget holds against a server that reports none. A request's ``budget`` is
checked before every attempt, and the spend caps (:mod:`server.models.caps`, shared by every
process) admit the call before its first attempt and are settled with its real cost at its end.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from server.config import RetrySettings, TimeoutSettings
from server.models.breaker import CircuitBreaker
from server.models.calls import CallObserver, CallRecord, Outcome
from server.models.caps import CapExceeded, Reservation, SpendCaps
from server.models.prices import PriceTable
from server.models.streaming import Adapter, CallMeta
from server.models.types import (
    ChatRequest,
    ErrorEvent,
    FimRequest,
    Stop,
    StreamEvent,
    TextDelta,
    ToolCallEnd,
    Usage,
)
from server.models.usage_audit import AttemptAudit

log = logging.getLogger(__name__)

Opener = Callable[[Any, CallMeta], AsyncIterator[StreamEvent]]


@dataclass
class _Call:
    """Running totals for one logical call (all its attempts)."""

    request: ChatRequest | FimRequest
    started: float = field(default_factory=time.monotonic)
    started_wall: float = field(default_factory=time.time)
    attempt_started: float = 0.0
    first_event: float | None = None
    retries: int = 0
    usage: Usage = field(default_factory=Usage)
    tool_calls: int = 0
    stop: str | None = None
    text: list[str] = field(default_factory=list)
    meta: CallMeta = field(default_factory=CallMeta)

    def add_usage(self, u: Usage) -> None:
        self.usage = self.usage.plus(u)


def backoff_delay(retry: int, settings: RetrySettings, retry_after: float | None, rng: random.Random) -> float:
    """Exponential backoff with jitter (half fixed, half random); the server's retry-after wins if longer."""
    ceiling = min(settings.backoff_max_s, settings.backoff_base_s * (2.0**retry))
    delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
    return max(delay, retry_after or 0.0)


def _prompt_text(request: ChatRequest | FimRequest) -> str:
    if isinstance(request, FimRequest):
        return json.dumps({"prefix": request.prefix, "suffix": request.suffix})
    messages = [asdict(m) for m in request.messages]
    return json.dumps({"system": request.system, "messages": messages}, sort_keys=True)


class ResilientProvider:
    """One provider with timeouts, retries, a breaker and tracing. Implements ``Provider``."""

    def __init__(
        self,
        adapter: Adapter,
        *,
        timeouts: TimeoutSettings,
        retry: RetrySettings,
        observer: CallObserver | None = None,
        prices: PriceTable | None = None,
        store_content: bool = False,
        rng: random.Random | None = None,
        caps: SpendCaps | None = None,
    ) -> None:
        self.adapter = adapter
        self.name = adapter.name
        self.model = adapter.model
        self.timeouts = timeouts
        self.retry = retry
        self.breaker = CircuitBreaker(retry.breaker_failures, retry.breaker_cooldown_s)
        self._observer = observer
        self._prices = prices or PriceTable()
        self._store_content = store_content
        self._rng = rng or random.Random()
        self.caps = caps

    def supports_fim(self, model: str | None = None) -> bool:
        return self.adapter.supports_fim(model)

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return self._run(request, self.adapter.open)

    def stream_fim(self, request: FimRequest) -> AsyncIterator[StreamEvent]:
        return self._run(request, self.adapter.open_fim)

    async def _run(self, request: ChatRequest | FimRequest, opener: Opener) -> AsyncIterator[StreamEvent]:
        call = _Call(request)
        deadline = call.started + self.timeouts.total_s
        outcome: Outcome = "cancelled"
        failure: ErrorEvent | None = None
        reservation: Reservation | None = None
        audit: AttemptAudit | None = None
        try:
            if self.caps is not None:
                admitted = await self.caps.admit(request, request.model or self.model)
                if isinstance(admitted, CapExceeded):
                    outcome, failure = "error", admitted.error_event()
                    yield failure
                    return
                reservation = admitted
            while True:
                failure = self._refusal(request)
                if failure is not None:
                    break
                call.meta = CallMeta(model=request.model or self.model)
                call.attempt_started = time.monotonic()
                call.first_event = None
                content_sent = False
                audit = AttemptAudit(self.name, request, call.meta.model)
                attempt = self._attempt(audit.wrap(opener(request, call.meta)), call, deadline)
                try:
                    async for event in attempt:
                        if isinstance(event, ErrorEvent):
                            failure = event
                            break
                        content_sent = content_sent or not isinstance(event, Usage)
                        yield event
                finally:
                    await attempt.aclose()
                if (owed := audit.leftover()) is not None:  # cut short (a timeout): charge what was used
                    call.add_usage(owed)
                    yield owed
                if failure is None:
                    self.breaker.success()
                    outcome = "ok"
                    return
                if failure.retryable:
                    self.breaker.failure()
                else:
                    self.breaker.release()
                delay = self._retry_delay(failure, call, content_sent, deadline)
                if delay is None:
                    break
                log.info("%s: %s; retry %d in %.2fs", self.name, failure.message, call.retries + 1, delay)
                call.retries += 1
                await asyncio.sleep(delay)
            outcome = "error"
            yield failure
        finally:
            if outcome == "cancelled":
                self.breaker.release()
                # Closed early (a completion cut at its line boundary): what was used still goes
                # to the trace row, though no event can carry it to the caller any more.
                if audit is not None and (used := audit.leftover()) is not None:
                    call.add_usage(used)
            cost = self._report(call, outcome, failure)
            if self.caps is not None and (cost > 0 or (reservation is not None and reservation.usd > 0)):
                self.caps.settle(reservation, request.feature, call.started_wall, cost)

    def _refusal(self, request: ChatRequest | FimRequest) -> ErrorEvent | None:
        if request.budget is not None and (exceeded := request.budget.check_attempt()) is not None:
            message = getattr(exceeded, "message", str(exceeded))
            return ErrorEvent("budget", message)
        if not self.breaker.allow():
            wait = self.breaker.retry_in()
            return ErrorEvent(
                "circuit_open", f"{self.name}: circuit open after repeated failures; retry in {wait:.0f}s"
            )
        return None

    def _retry_delay(self, failure: ErrorEvent, call: _Call, content_sent: bool, deadline: float) -> float | None:
        if not failure.retryable or content_sent or call.retries >= self.retry.max_retries:
            return None
        delay = backoff_delay(call.retries, self.retry, failure.retry_after_s, self._rng)
        if time.monotonic() + delay >= deadline:
            return None
        return delay

    async def _attempt(
        self, events: AsyncIterator[StreamEvent], call: _Call, deadline: float
    ) -> AsyncGenerator[StreamEvent, None]:
        """One attempt with the first-token and total timeouts; always closes the adapter stream."""
        try:
            while True:
                first = call.first_event is None
                remaining = deadline - time.monotonic()
                first_token_bound = first and self.timeouts.first_token_s < remaining
                limit = self.timeouts.first_token_s if first_token_bound else remaining
                try:
                    async with asyncio.timeout(max(0.0, limit)):
                        event = await anext(events)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    yield self._timeout_error(first_token_bound)
                    return
                if first:
                    call.first_event = time.monotonic()
                self._observe(call, event)
                yield event
                if isinstance(event, ErrorEvent):
                    return
        finally:
            if (aclose := getattr(events, "aclose", None)) is not None:
                await aclose()

    def _timeout_error(self, first: bool) -> ErrorEvent:
        if first:
            return ErrorEvent("timeout", f"{self.name}: no first token within {self.timeouts.first_token_s:g}s", True)
        return ErrorEvent("timeout", f"{self.name}: call exceeded the total timeout of {self.timeouts.total_s:g}s")

    @staticmethod
    def _observe(call: _Call, event: StreamEvent) -> None:
        if isinstance(event, Usage):
            call.add_usage(event)
        elif isinstance(event, TextDelta):
            call.text.append(event.text)
        elif isinstance(event, ToolCallEnd):
            call.tool_calls += 1
        elif isinstance(event, Stop):
            call.stop = event.reason

    def _report(self, call: _Call, outcome: Outcome, failure: ErrorEvent | None) -> float:
        """Hand the call's trace row to the observer; returns its cost in dollars."""
        model = call.meta.model or self.model
        u = call.usage
        cost = self._prices.cost(u, model)
        if self._observer is None:
            return cost
        now = time.monotonic()
        context = dict(sorted({**call.request.metadata, **call.meta.sent}.items()))
        record = CallRecord(
            feature=call.request.feature,
            provider=self.name,
            model=model,
            started_at=call.started_wall,
            queue_s=max(0.0, call.attempt_started - call.started),
            ttft_s=None if call.first_event is None else call.first_event - call.attempt_started,
            total_s=now - call.started,
            outcome=outcome,
            request_id=call.meta.request_id,
            input_tokens=u.input_tokens,
            output_tokens=u.output_tokens,
            cache_read_tokens=u.cache_read_tokens,
            cache_write_tokens=u.cache_write_tokens,
            cost_usd=cost,
            usage_estimated=u.estimated,
            retries=call.retries,
            tool_calls=call.tool_calls,
            stop_reason=call.stop,
            error_kind=failure.kind if failure and outcome == "error" else None,
            error_message=failure.message if failure and outcome == "error" else None,
            context=context,
            prompt=_prompt_text(call.request) if self._store_content else None,
            output="".join(call.text) if self._store_content else None,
        )
        try:
            self._observer.record(record)
        except Exception:
            log.exception("%s: the trace observer failed", self.name)
        return cost
