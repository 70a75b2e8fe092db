"""Cancellation closes the upstream stream; the circuit breaker opens and half-opens; backoff."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from server.config import RetrySettings
from server.models.breaker import CircuitBreaker
from server.models.registry import build_provider
from server.models.resilience import backoff_delay
from server.models.types import ErrorEvent, Stop, TextDelta
from tests.emulator import Emulator, Reply
from tests.models.conftest import chat, collect, env_for, settings_for

LONG = Reply(text="x" * 400, chunk_delay_s=0.05)  # 50 chunks, 2.5 s in all


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
async def test_closing_the_iterator_closes_the_upstream_stream(emulator: Emulator, provider: str) -> None:
    emulator.script(LONG)
    stack = build_provider(settings_for(provider, emulator), env=env_for())
    events = stack.stream(chat())
    first = await anext(events)
    assert isinstance(first, TextDelta)
    closed_at = time.monotonic()
    await events.aclose()  # type: ignore[attr-defined]
    record = emulator.wait_finished(1, timeout=2)
    assert record.outcome == "client_closed"
    assert record.finished_at is not None and record.finished_at - closed_at < 0.5


async def test_cancelling_the_task_closes_the_upstream_stream(emulator: Emulator) -> None:
    emulator.script(LONG)
    stack = build_provider(settings_for("anthropic", emulator), env=env_for())
    got_first = asyncio.Event()

    async def consume() -> None:
        async for _ in stack.stream(chat()):
            got_first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(got_first.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    record = emulator.wait_finished(1, timeout=2)
    assert record.outcome == "client_closed"


async def test_breaker_opens_then_half_opens(emulator: Emulator) -> None:
    settings = settings_for(
        "openai",
        emulator,
        retry={"max_retries": 0, "breaker_failures": 2, "breaker_cooldown_s": 0.3, "backoff_base_s": 0.01},
    )
    stack = build_provider(settings, env=env_for())
    emulator.script(Reply(fault="server_error"), Reply(fault="server_error"), Reply(text="back"))
    for _ in range(2):
        (error,) = await collect(stack.stream(chat()))
        assert isinstance(error, ErrorEvent) and error.kind == "server_error"
    (refused,) = await collect(stack.stream(chat()))
    assert isinstance(refused, ErrorEvent) and refused.kind == "circuit_open"
    assert len(emulator.requests) == 2  # refused without a request
    await asyncio.sleep(0.35)
    events = await collect(stack.stream(chat()))
    assert events[-1] == Stop("end_turn")
    assert len(emulator.requests) == 3


def test_breaker_half_open_allows_one_trial_and_reopens_on_failure() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures_to_open=1, cooldown_s=10, clock=lambda: now[0])
    breaker.failure()
    assert breaker.state == "open" and not breaker.allow()
    now[0] = 10.0
    assert breaker.state == "half_open"
    assert breaker.allow() and not breaker.allow()  # one trial at a time
    breaker.failure()
    assert breaker.state == "open" and breaker.retry_in() == 10.0
    now[0] = 20.0
    assert breaker.allow()
    breaker.success()
    assert breaker.state == "closed"


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    settings = RetrySettings(backoff_base_s=1.0, backoff_max_s=8.0)
    rng = random.Random(7)
    delays = [backoff_delay(n, settings, None, rng) for n in range(6)]
    for n, delay in enumerate(delays):
        ceiling = min(8.0, 2.0**n)
        assert ceiling / 2 <= delay <= ceiling
    assert backoff_delay(0, settings, 30.0, rng) == 30.0


async def test_retry_after_is_waited(emulator: Emulator) -> None:
    emulator.script(Reply(fault="rate_limit", retry_after=0.3), Reply(text="ok"))
    stack = build_provider(settings_for("anthropic", emulator), env=env_for())
    await collect(stack.stream(chat()))
    first, second = emulator.requests
    assert second.received_at - first.received_at >= 0.3
