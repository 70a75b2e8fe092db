"""Budgets: an endless scripted tool loop stops at each kind of limit, overshooting by at most one call."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from server.config import AgentSettings
from server.models.budget import Budget, BudgetExceeded, Limits
from server.models.prices import PriceTable
from server.models.registry import build_provider
from server.models.types import ErrorEvent, Message, ToolCallEnd, ToolCallPart, ToolResultPart, Usage
from tests.emulator import Emulator, Reply, ScriptedToolCall, ScriptedUsage
from tests.models.conftest import chat, env_for, settings_for

PER_CALL = ScriptedUsage(input_tokens=1000, output_tokens=200, cache_read_tokens=0, cache_write_tokens=0)
LOOP = Reply(tool_calls=(ScriptedToolCall("list_files", {"path": "."}),), usage=PER_CALL, repeat=True)
# claude-sonnet-4-5: $3 in, $15 out per million -> 1000 in + 200 out = $0.006 a call
COST_PER_CALL = 0.006


async def run_endless_loop(provider: Any, budget: Budget, model: str) -> BudgetExceeded:
    """The smallest tool loop: check, call, charge every Usage, answer every tool call, repeat."""
    request = chat("keep going", budget=budget)
    for _ in range(100):
        if (exceeded := budget.begin_step()) is not None:
            return exceeded
        calls: list[ToolCallEnd] = []
        async for event in provider.stream(request):
            if isinstance(event, Usage):
                budget.charge(event, model)
            elif isinstance(event, ToolCallEnd):
                calls.append(event)
            elif isinstance(event, ErrorEvent):
                raise AssertionError(event)
        assistant = Message("assistant", tuple(ToolCallPart(c.id, c.name, c.arguments) for c in calls))
        results = Message("user", tuple(ToolResultPart(c.id, "a.py") for c in calls))
        request = replace(request, messages=(*request.messages, assistant, results))
    raise AssertionError("the budget never stopped the loop")


def _limits(**over: float) -> Limits:
    base: dict[str, Any] = {
        "max_steps": 1000,
        "max_input_tokens": 10**9,
        "max_output_tokens": 10**9,
        "max_cost_usd": 1000.0,
        "max_seconds": 1000.0,
    }
    base.update(over)
    return Limits(**base)


@pytest.mark.parametrize(
    ("limit", "value", "per_call", "spent_of"),
    [
        ("steps", 4, 1, lambda s: s.steps),
        ("input_tokens", 3500, 1000, lambda s: s.input_tokens),
        ("output_tokens", 700, 200, lambda s: s.output_tokens),
        ("cost_usd", 0.02, COST_PER_CALL, lambda s: s.cost_usd),
    ],
)
async def test_endless_loop_stops_at_each_limit(
    emulator: Emulator, limit: str, value: float, per_call: float, spent_of: Any
) -> None:
    emulator.script(LOOP)
    provider = build_provider(settings_for("anthropic", emulator), env=env_for())
    budget = Budget(_limits(**{f"max_{limit}": value}), PriceTable())
    exceeded = await run_endless_loop(provider, budget, "claude-sonnet-4-5")
    assert exceeded.limit == limit
    used = spent_of(exceeded.spent)
    assert value <= used <= value + per_call + 1e-9
    assert limit in exceeded.message and "$" in exceeded.message


async def test_endless_loop_stops_on_wall_time(emulator: Emulator) -> None:
    emulator.script(replace(LOOP, chunk_delay_s=0.02))
    provider = build_provider(settings_for("openai", emulator), env=env_for())
    budget = Budget(_limits(max_seconds=0.3), PriceTable())
    exceeded = await run_endless_loop(provider, budget, "gpt-4.1")
    assert exceeded.limit == "seconds"
    assert exceeded.spent.seconds >= 0.3
    calls = len(emulator.requests)
    assert calls == exceeded.spent.steps


async def test_retries_are_charged_and_checked(emulator: Emulator) -> None:
    """A dropped stream after message_start reported input tokens: charged, and the retry is refused."""
    dropped = Reply(text="never finished", fault="drop", after_chunks=1, usage=ScriptedUsage(3000, 0))
    emulator.script(dropped, Reply(text="too late"))
    provider = build_provider(settings_for("anthropic", emulator), env=env_for())
    budget = Budget(_limits(max_input_tokens=2000), PriceTable())
    request = chat(budget=budget)
    events = []
    async for event in provider.stream(request):
        events.append(event)
        if isinstance(event, Usage):
            budget.charge(event)
    assert budget.spent().input_tokens == 3000
    assert isinstance(events[-1], ErrorEvent) and events[-1].kind == "budget"
    assert len(emulator.requests) == 1


def test_from_settings_and_snapshot() -> None:
    now = [100.0]
    limits = Budget.from_settings(AgentSettings(max_steps=2, max_cost_usd=0.5)).limits
    budget = Budget(limits, clock=lambda: now[0])  # a fixed clock keeps the snapshot exact
    assert budget.check() is None
    cost = budget.charge(Usage(500_000, 0, 500_000, 0, model="claude-sonnet-4-5"))
    assert cost == pytest.approx(1.5 + 0.15)
    exceeded = budget.check()
    assert exceeded is not None and exceeded.limit == "cost_usd"
    assert exceeded.spent.input_tokens == 1_000_000 and exceeded.spent.cache_read_tokens == 500_000
    assert budget.remaining_output_tokens() == AgentSettings().max_output_tokens
