"""``outrider cost``: spend by day, feature and model, with per-run budget use, each spend cap with
its use and reset time, and the spend alerts raised (``--json`` too)."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from server.config import Settings, load_settings
from server.models.caps import SpendCaps
from server.observe.cost import cost_report
from server.observe.store import TraceStore, default_db_path


def _render(report: dict[str, Any], console: Console) -> None:
    table = Table(title=f"Spend since {report['since']}: ${report['total_usd']:.4f} in {report['total_calls']} calls")
    for name in ("day", "feature", "model", "calls", "errors", "estimated", "input", "output", "cached", "cost"):
        table.add_column(name, justify="right" if name not in ("day", "feature", "model") else "left")
    for row in report["rows"]:
        table.add_row(
            row["day"],
            row["feature"],
            row["model"],
            str(row["calls"]),
            str(row["errors"]),
            str(row["estimated"] or 0),
            str(row["input_tokens"]),
            str(row["output_tokens"]),
            str(row["cache_read_tokens"]),
            f"${row['cost_usd']:.4f}",
        )
    console.print(table)
    if any(row["estimated"] for row in report["rows"]):
        console.print("estimated: calls whose tokens Outrider counted (the provider reported none, or nonsense)")
    if report["runs"]:
        runs = Table(title="Agent runs against their budget")
        for name in ("run", "day", "calls", "cost", "budget used"):
            runs.add_column(name)
        for run in report["runs"]:
            used = "-" if run["budget_used"] is None else f"{run['budget_used'] * 100:.0f}% of ${run['budget_usd']:.2f}"
            runs.add_row(str(run["run_id"]), run["day"], str(run["calls"]), f"${run['cost_usd']:.4f}", used)
        console.print(runs)


def caps_report(settings: Settings, days: int) -> dict[str, Any]:
    """Each cap with its use and reset time, and the alerts of the last `days` days."""
    if not default_db_path().exists():
        return {"caps": [], "alerts": []}
    caps = SpendCaps.open(settings, on_alert=None)
    try:
        since = time.time() - 86400 * max(1, days)
        return {"caps": caps.status(), "alerts": [asdict(alert) for alert in caps.ledger.alerts(since)]}
    finally:
        caps.close()


def _render_caps(report: dict[str, Any], console: Console) -> None:
    if report["caps"]:
        table = Table(title="Spend caps")
        for name in ("cap", "limit", "used", "resets"):
            table.add_column(name)
        for cap in report["caps"]:
            money = cap["unit"] == "usd"
            limit = f"${cap['limit']:.2f}" if money else f"{cap['limit']:g} requests"
            used = f"${cap['used']:.4f}" if money else str(cap["used"])
            share = f" ({cap['fraction'] * 100:.0f}%)" if cap["fraction"] is not None else ""
            resets = time.strftime("%Y-%m-%d %H:%M", time.localtime(cap["resets_at"]))
            table.add_row(cap["cap"], limit, used + share, resets)
        console.print(table)
    for alert in report["alerts"]:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(alert["at"]))
        console.print(f"alert {when} ({alert['kind']}): {alert['message']}")


def run(args: argparse.Namespace) -> int:
    settings = load_settings().settings
    report = cost_report(TraceStore(default_db_path()), args.days, settings.agent.max_cost_usd)
    report.update(caps_report(settings, args.days))
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
        return 0
    console = Console()
    if not report["rows"]:
        console.print(f"No traced model calls in the last {args.days} day(s) (store: {default_db_path()}).")
    else:
        _render(report, console)
    _render_caps(report, console)
    return 0
