"""Spend reports: the status summary splits today, this month and today's features (local time)."""

from __future__ import annotations

import time
from pathlib import Path

from server.models.calls import CallRecord
from server.observe.cost import cost_report, cost_summary
from server.observe.store import TraceStore


def _call(feature: str, started_at: float, cost: float) -> CallRecord:
    return CallRecord(
        feature=feature,
        provider="anthropic",
        model="claude-sonnet-4-6",
        started_at=started_at,
        queue_s=0.0,
        ttft_s=0.1,
        total_s=0.2,
        outcome="ok",
        cost_usd=cost,
    )


def test_summary_splits_today_month_and_features(tmp_path: Path) -> None:
    now = time.mktime((2026, 11, 22, 15, 0, 0, 0, 0, -1))
    day = 86400.0
    with TraceStore(tmp_path / "traces.db").open() as store:
        store.record(_call("completion", now - 60, 0.01))
        store.record(_call("completion", now - 120, 0.02))
        store.record(_call("agent", now - 3600, 0.5))
        store.record(_call("agent", now - 3 * day, 1.25))  # earlier this month
        store.record(_call("agent", now - 40 * day, 9.0))  # last month: not counted
        store.flush()
        summary = cost_summary(store, now=now)
        report = cost_report(store, days=7, max_run_cost=1.0, now=now)
    assert summary == {
        "today_usd": 0.53,
        "month_usd": 1.78,
        "by_feature": {"agent": 0.5, "completion": 0.03},
    }
    assert report["total_usd"] == 1.78
    assert [d["day"] for d in report["by_day"]] == ["2026-11-19", "2026-11-22"]


def test_summary_of_an_empty_store_is_zero(tmp_path: Path) -> None:
    assert cost_summary(TraceStore(tmp_path / "missing.db")) == {"today_usd": 0.0, "month_usd": 0.0, "by_feature": {}}
