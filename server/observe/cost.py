"""Spend reports over the trace store: the `outrider cost` table and the editor's status summary."""

from __future__ import annotations

import time
from typing import Any

from server.observe.store import TraceStore


def _start_of_day(now: float) -> float:
    return time.mktime((*time.localtime(now)[:3], 0, 0, 0, 0, 0, -1))


def cost_report(store: TraceStore, days: int, max_run_cost: float, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    start_of_today = _start_of_day(now)
    since = start_of_today - 86400 * (max(1, days) - 1)
    rows = store.cost_rows(since)
    for row in rows:
        row["cost_usd"] = round(row["cost_usd"] or 0.0, 6)
    by_day: dict[str, float] = {}
    for row in rows:
        by_day[row["day"]] = round(by_day.get(row["day"], 0.0) + row["cost_usd"], 6)
    runs = store.run_costs(since)
    for run in runs:
        run["cost_usd"] = round(run["cost_usd"] or 0.0, 6)
        run["budget_usd"] = max_run_cost
        run["budget_used"] = round(run["cost_usd"] / max_run_cost, 4) if max_run_cost else None
    return {
        "days": days,
        "since": time.strftime("%Y-%m-%d", time.localtime(since)),
        "total_usd": round(sum(by_day.values()), 6),
        "total_calls": sum(row["calls"] for row in rows),
        "estimated_calls": sum(row["estimated"] or 0 for row in rows),
        "by_day": [{"day": day, "cost_usd": by_day[day]} for day in sorted(by_day)],
        "rows": rows,
        "runs": runs,
    }


def cost_summary(store: TraceStore, now: float | None = None) -> dict[str, Any]:
    """Today's and this month's spend, and today's by feature (local time), for status displays."""
    now = time.time() if now is None else now
    today = _start_of_day(now)
    month = time.mktime((*time.localtime(now)[:2], 1, 0, 0, 0, 0, 0, -1))
    rows = store.cost_rows(min(today, month))
    today_name = time.strftime("%Y-%m-%d", time.localtime(now))
    by_feature: dict[str, float] = {}
    month_usd = today_usd = 0.0
    for row in rows:
        cost = row["cost_usd"] or 0.0
        month_usd += cost
        if row["day"] == today_name:
            today_usd += cost
            by_feature[row["feature"]] = by_feature.get(row["feature"], 0.0) + cost
    return {
        "today_usd": round(today_usd, 6),
        "month_usd": round(month_usd, 6),
        "by_feature": {name: round(by_feature[name], 6) for name in sorted(by_feature)},
    }
