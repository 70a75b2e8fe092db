"""Usage that a provider did not report, or reported wrong, is counted on our side: against the wire
emulator's ``no_usage`` and ``negative_usage`` faults and absurd numbers, through the real SDKs and
the whole provider stack; trace rows say when their tokens were estimated."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest

from context.tokens import count_tokens
from server.cli import main
from server.models.budget import Budget, Limits
from server.models.prices import PriceTable
from server.models.registry import build_provider
from server.models.types import ErrorEvent, FimRequest, Stop, TextDelta, Usage
from server.models.usage_audit import count_sent, settle
from server.observe import store as store_module
from server.observe.store import TraceFilter, TraceStore
from server.observe.tracer import open_tracer
from tests.emulator import Emulator, Reply, ScriptedUsage
from tests.models.conftest import chat, collect, env_for, settings_for

ANSWER = "The answer is forty-two, and here is why it is so."


def _usages(events: list[object]) -> list[Usage]:
    return [event for event in events if isinstance(event, Usage)]


@pytest.mark.parametrize("provider", ["openai-compatible", "openai", "anthropic"])
async def test_no_usage_is_counted_on_our_side_and_marked(emulator: Emulator, provider: str) -> None:
    emulator.script(Reply(text=ANSWER, fault="no_usage"))
    stack = build_provider(settings_for(provider, emulator), env=env_for())
    request = chat("What is the answer?")
    events = await collect(stack.stream(request))
    assert isinstance(events[-1], Stop)
    [usage] = _usages(events)
    model = usage.model
    assert usage.estimated
    assert usage.input_tokens == count_sent(request, model) > 0
    assert usage.output_tokens == count_tokens(ANSWER, model) > 0


async def test_plausible_usage_passes_unchanged(emulator: Emulator) -> None:
    emulator.script(Reply(text=ANSWER, usage=ScriptedUsage(30, 12, 0, 0)))
    stack = build_provider(settings_for("openai-compatible", emulator), env=env_for())
    [usage] = _usages(await collect(stack.stream(chat())))
    assert (usage.input_tokens, usage.output_tokens, usage.estimated) == (30, 12, False)


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_negative_usage_is_charged_by_our_count_and_logged(
    emulator: Emulator, provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The -$40 run: a server reporting negative usage must not buy a run more budget."""
    emulator.script(Reply(text=ANSWER, fault="negative_usage", usage=ScriptedUsage(2_000_000, 1_000_000, 0, 0)))
    stack = build_provider(settings_for(provider, emulator), env=env_for())
    budget = Budget(Limits(10, 10**9, 10**9, 100.0, 60.0), PriceTable())
    with caplog.at_level(logging.WARNING, logger="server.models.usage_audit"):
        events = await collect(stack.stream(chat()))
    [usage] = _usages(events)
    assert usage.estimated and usage.input_tokens > 0 and usage.output_tokens > 0
    assert budget.charge(usage) > 0 and budget.spent().cost_usd > 0
    assert any("implausible usage" in r.getMessage() and "negative" in r.getMessage() for r in caplog.records)


async def test_absurd_usage_is_reported_wrong(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    emulator.script(Reply(text=ANSWER, usage=ScriptedUsage(900_000_000, 5, 0, 0)))
    stack = build_provider(settings_for("openai", emulator), env=env_for())
    with caplog.at_level(logging.WARNING, logger="server.models.usage_audit"):
        [usage] = _usages(await collect(stack.stream(chat())))
    assert usage.estimated and usage.input_tokens < 1000
    assert any("900000000 prompt tokens" in r.getMessage() for r in caplog.records)


def test_budget_charges_negative_counts_as_zero() -> None:
    budget = Budget(Limits(10, 1000, 1000, 1.0, 60.0), PriceTable())
    cost = budget.charge(Usage(input_tokens=-5_000_000, output_tokens=-1, model="claude-sonnet-4-5"))
    assert cost == 0 and budget.spent().input_tokens == 0 and budget.spent().cost_usd == 0


def test_settle_fills_only_the_missing_part() -> None:
    request = chat("hello there")
    reported = Usage(input_tokens=0, output_tokens=7, model="gpt-4o")
    usage = settle("p", request, "gpt-4o", reported, "some text")
    assert usage.estimated and usage.output_tokens == 7 and usage.input_tokens == count_sent(request, "gpt-4o")


async def test_no_usage_budget_trips_on_our_count(emulator: Emulator) -> None:
    """Against a server that reports nothing, a token budget still runs out."""
    emulator.script(Reply(text=ANSWER, fault="no_usage", repeat=True))
    stack = build_provider(settings_for("openai-compatible", emulator), env=env_for())
    budget = Budget(Limits(100, 10**9, 40, 100.0, 60.0), PriceTable())
    calls = 0
    while budget.begin_step() is None:
        calls += 1
        for event in await collect(stack.stream(chat(budget=budget))):
            if isinstance(event, Usage):
                budget.charge(event)
        assert calls < 20, "the output budget never tripped"
    assert budget.spent().output_tokens >= 40


async def test_a_failed_attempt_before_any_answer_is_not_charged(emulator: Emulator) -> None:
    emulator.script(Reply(fault="rate_limit", retry_after=0.01), Reply(text=ANSWER, fault="no_usage"))
    stack = build_provider(settings_for("openai-compatible", emulator), env=env_for())
    events = await collect(stack.stream(chat()))
    assert len(_usages(events)) == 1 and isinstance(events[-1], Stop)


async def test_trace_rows_mark_estimated_usage(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path))
    settings = settings_for("openai-compatible", emulator, model="local-model")
    tracer = open_tracer(settings)
    assert tracer is not None
    stack = build_provider(settings, tracer=tracer, env=env_for())
    emulator.script(Reply(text=ANSWER, usage=ScriptedUsage(20, 9, 0, 0)), Reply(text=ANSWER, fault="no_usage"))
    await collect(stack.stream(chat()))
    await collect(stack.stream(chat()))
    tracer.close()

    assert main(["traces", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["usage_estimated"], r["input_tokens"] > 0) for r in rows] == [(True, True), (False, True)]
    assert main(["traces"]) == 0
    table = capsys.readouterr().out
    assert "~" in table and "counted by Outrider" in table
    assert main(["cost", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["estimated_calls"] == 1 and report["rows"][0]["estimated"] == 1


def test_an_old_trace_store_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "traces.sqlite3"
    old_columns = [c for c in store_module._COLUMNS if not c.startswith("usage_estimated")]
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE calls (id INTEGER PRIMARY KEY AUTOINCREMENT, {', '.join(old_columns)})")
        conn.execute(
            "INSERT INTO calls (started_at, day, feature, provider, model, outcome) "
            "VALUES (1.0, '1970-01-01', 'completion', 'p', 'm', 'ok')"
        )
    store = TraceStore(path).open()
    store.close()
    with sqlite3.connect(path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(calls)")}
        old = conn.execute("SELECT usage_estimated FROM calls").fetchone()
    assert "usage_estimated" in columns and old == (0,)


async def test_a_rejected_suffix_falls_back_to_chat_once(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    emulator.script(
        Reply(fault="suffix_rejected", protocol="openai_completions"),
        Reply(text="x = 1", protocol="openai"),
        Reply(text="y = 2", protocol="openai"),
    )
    settings = settings_for("openai-compatible", emulator, model="tiny-chat", completion={"fim": True})
    stack = build_provider(settings, env=env_for())
    fim = FimRequest(feature="completion", prefix="def f():\n    ", suffix="\n")
    with caplog.at_level(logging.WARNING, logger="server.models.adapters.openai"):
        first = await collect(stack.stream_fim(fim))
        second = await collect(stack.stream_fim(fim))
    assert "".join(e.text for e in first if isinstance(e, TextDelta)) == "x = 1"
    assert "".join(e.text for e in second if isinstance(e, TextDelta)) == "y = 2"
    assert not any(isinstance(e, ErrorEvent) for e in first + second)
    assert [r.protocol for r in emulator.requests] == ["openai_completions", "openai", "openai"]
    assert sum("rejects a suffix" in r.getMessage() for r in caplog.records) == 1


async def test_a_stream_closed_early_still_traces_what_it_used(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A completion cut at its line end closes the stream before the usage arrives: the trace row
    still carries our count (marked estimated)."""
    monkeypatch.setenv("OUTRIDER_HOME", str(tmp_path))
    settings = settings_for("openai-compatible", emulator, model="local-model")
    tracer = open_tracer(settings)
    assert tracer is not None
    stack = build_provider(settings, tracer=tracer, env=env_for())
    emulator.script(Reply(text=ANSWER * 4, fault="no_usage"))
    events = stack.stream(chat())
    async for event in events:
        if isinstance(event, TextDelta):
            break
    await events.aclose()  # type: ignore[attr-defined]
    tracer.close()
    [row] = TraceStore(tmp_path / "traces.sqlite3").recent(TraceFilter())
    assert row["outcome"] == "cancelled" and row["usage_estimated"], row
    assert row["input_tokens"] > 0 and row["output_tokens"] > 0, row
