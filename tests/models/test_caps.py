"""Spend caps: windows and resets with injected time, reservations, alerts, the provider gate."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.config import CapSettings, FeatureCaps, ModelPrice
from server.models.caps import Alert, CapExceeded, Reservation, SpendCaps, rules_from, window_bounds
from server.models.prices import PriceTable
from server.models.registry import build_provider
from server.models.types import ErrorEvent, FimRequest, Stop
from server.observe.ledger import Busy, SpendLedger
from tests.emulator import Emulator, Reply
from tests.models.conftest import collect, env_for, settings_for

# 2026-12-08 23:59:30 UTC, a Tuesday
T0 = 1796774370.0


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_caps(tmp_path: Path, clock: Clock, alerts: list[Alert] | None = None, **settings: Any) -> SpendCaps:
    sink = alerts.append if alerts is not None else None
    return SpendCaps(
        rules_from(CapSettings.model_validate(settings)),
        SpendLedger(tmp_path / "traces.sqlite3"),
        PriceTable({"priced": ModelPrice(input=1.0, output=1.0)}),
        clock=clock,
        on_alert=sink,
    )


def test_window_bounds_in_local_time() -> None:
    assert window_bounds("minute", T0) == (T0 - 30, T0 + 30)
    day_start, day_end = window_bounds("day", T0)
    assert time.strftime("%Y-%m-%d %H:%M", time.gmtime(day_start)) == "2026-12-08 00:00"
    assert day_end - day_start == 86400
    month_start, month_end = window_bounds("month", T0)
    assert time.strftime("%Y-%m-%d", time.gmtime(month_start)) == "2026-12-01"
    assert time.strftime("%Y-%m-%d", time.gmtime(month_end)) == "2027-01-01"  # December rolls the year
    hour_start, hour_end = window_bounds("hour", T0)
    assert (hour_start, hour_end) == (T0 - 3570, T0 + 30)


def test_daily_cap_refuses_then_resets_at_midnight(tmp_path: Path) -> None:
    clock = Clock()
    caps = make_caps(tmp_path, clock, daily_usd=1.0)
    assert isinstance(caps.reserve("completion", 0.6, priced=True), Reservation)
    refused = caps.reserve("completion", 0.6, priced=True)  # 1.2 would pass 1.0
    assert isinstance(refused, CapExceeded)
    assert refused.rule.name == "caps.daily_usd"
    assert refused.resets_at == window_bounds("day", T0)[1]
    assert "caps.daily_usd" in refused.message and "resets at 00:00" in refused.message
    event = refused.error_event()
    assert event.kind == "spend_cap" and event.retry_after_s == pytest.approx(30.0)
    assert isinstance(caps.reserve("completion", 0.4, priced=True), Reservation)  # exactly to the cap
    clock.now += 31  # the next day
    assert isinstance(caps.reserve("completion", 0.6, priced=True), Reservation)


def test_feature_caps_leave_other_features_alone(tmp_path: Path) -> None:
    caps = make_caps(tmp_path, Clock(), features={"completion": {"daily_usd": 0.5}})
    assert isinstance(caps.reserve("completion", 0.5, priced=True), Reservation)
    assert isinstance(caps.reserve("completion", 0.01, priced=True), CapExceeded)
    assert isinstance(caps.reserve("agent", 5.0, priced=True), Reservation)


def test_requests_per_minute_apply_to_unpriced_models(tmp_path: Path) -> None:
    clock = Clock(T0 - 20)  # 23:59:10
    caps = make_caps(tmp_path, clock, daily_usd=0.0, features={"completion": FeatureCaps(requests_per_minute=2)})
    for _ in range(2):  # a local model: the $0 daily cap does not apply, the request cap does
        assert isinstance(caps.reserve("completion", 0.0, priced=False), Reservation)
    refused = caps.reserve("completion", 0.0, priced=False)
    assert isinstance(refused, CapExceeded)
    assert refused.rule.unit == "requests" and refused.used == 2
    assert refused.resets_at == T0 + 30
    clock.now = T0 + 31
    assert isinstance(caps.reserve("completion", 0.0, priced=False), Reservation)
    assert isinstance(caps.reserve("completion", 0.01, priced=True), CapExceeded)  # priced: the $0 cap holds


def test_settle_replaces_the_estimate(tmp_path: Path) -> None:
    caps = make_caps(tmp_path, Clock(), daily_usd=1.0)
    reservation = caps.reserve("agent", 0.9, priced=True)
    assert isinstance(reservation, Reservation)
    caps.settle(reservation, "agent", T0, 0.1)
    caps.flush()
    assert isinstance(caps.reserve("agent", 0.85, priced=True), Reservation)
    [status] = caps.status()
    assert status["used"] == pytest.approx(0.95)
    assert status["resets_at"] == window_bounds("day", T0)[1]
    caps.close()


def test_threshold_alerts_once_across_processes(tmp_path: Path) -> None:
    alerts_a: list[Alert] = []
    alerts_b: list[Alert] = []
    a = make_caps(tmp_path, Clock(), alerts_a, monthly_usd=10.0)
    b = make_caps(tmp_path, Clock(), alerts_b, monthly_usd=10.0)  # another process, same ledger
    for caps, usd in ((a, 4.0), (b, 2.0), (a, 0.5), (b, 2.0), (a, 2.0)):
        caps.settle(None, "agent", T0, usd)
        caps.flush()
    announced = [alert.message for alert in alerts_a + alerts_b]
    assert [m.split(" is ")[1].split("%")[0] for m in sorted(announced)] == ["100", "50", "80"]
    assert len(alerts_a) + len(alerts_b) == 3
    assert any("resets at 2027-01-01 00:00" in m for m in announced)
    a.close()
    b.close()


def test_unusual_hourly_rate_alerts(tmp_path: Path) -> None:
    alerts: list[Alert] = []
    clock = Clock()
    caps = make_caps(tmp_path, clock, alerts)
    for hours_ago in (30, 20, 10, 5):  # the usual: $0.10 an hour
        caps.settle(None, "completion", T0 - hours_ago * 3600, 0.10)
    caps.flush()
    assert alerts == []
    caps.settle(None, "completion", T0, 0.30)  # 3x: not unusual at the default factor 4
    caps.flush()
    assert alerts == []
    caps.settle(None, "completion", T0, 0.20)  # 5x
    caps.settle(None, "completion", T0, 0.20)  # still the same hour: no second alert
    caps.flush()
    assert [alert.kind for alert in alerts] == ["rate"]
    assert "5.0x the usual hourly $0.10" in alerts[0].message
    caps.close()


async def test_provider_refuses_before_the_request_leaves(emulator: Emulator, tmp_path: Path) -> None:
    emulator.script(Reply(text="ok", repeat=True))
    settings = settings_for("openai-compatible", emulator, model="qwen2.5-coder:7b")
    caps = make_caps(tmp_path, Clock(time.time()), features={"completion": {"requests_per_minute": 1}})
    caps.clock = time.time
    stack = build_provider(settings, env=env_for(), caps=caps)
    request = FimRequest(feature="completion", prefix="def f():\n    ", suffix="")
    first = await collect(stack.stream_fim(request))
    assert first[-1] == Stop("end_turn")
    second = await collect(stack.stream_fim(request))
    assert len(second) == 1 and isinstance(second[0], ErrorEvent)
    assert second[0].kind == "spend_cap" and "requests_per_minute" in second[0].message
    assert len(emulator.requests) == 1
    caps.close()


def test_the_non_waiting_reservation_never_waits_for_a_lock(tmp_path: Path) -> None:
    caps = make_caps(tmp_path, Clock(), daily_usd=1.0)
    assert isinstance(caps.reserve("agent", 0.1, priced=True), Reservation)  # opens and seeds the ledger
    other = sqlite3.connect(tmp_path / "traces.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    started = time.monotonic()
    assert isinstance(caps.reserve("agent", 0.1, priced=True, rules=None, wait=False), Busy)
    assert time.monotonic() - started < 1.0  # it did not wait out the busy timeout
    other.execute("COMMIT")
    other.close()
    assert isinstance(caps.reserve("agent", 0.1, priced=True, rules=None, wait=False), Reservation)
    [status] = caps.status()
    assert status["used"] == pytest.approx(0.2)
    caps.close()


async def test_a_stack_built_without_a_gate_still_holds_the_caps(emulator: Emulator, tmp_path: Path) -> None:
    emulator.script(Reply(text="ok", repeat=True))
    capped = {"caps": {"features": {"completion": {"requests_per_minute": 1}}}}
    settings = settings_for("openai-compatible", emulator, model="qwen2.5-coder:7b", **capped)
    stack = build_provider(settings, env={**env_for(), "OUTRIDER_HOME": str(tmp_path)})  # e.g. a new frontend
    request = FimRequest(feature="completion", prefix="def f():\n    ", suffix="")
    assert (await collect(stack.stream_fim(request)))[-1] == Stop("end_turn")
    refused = (await collect(stack.stream_fim(request)))[-1]
    assert isinstance(refused, ErrorEvent) and refused.kind == "spend_cap"
    assert (tmp_path / "traces.sqlite3").exists()  # the ledger of that environment's state directory
