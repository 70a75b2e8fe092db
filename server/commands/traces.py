"""``outrider traces``: recent model calls from the local trace store (``--json`` for machines)."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from server.observe.store import TraceFilter, TraceStore, default_db_path


def _fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}ms" if value < 10 else f"{value:.1f}s"


def render_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title=f"Recent model calls ({len(rows)})")
    for name in ("time", "feature", "provider/model", "outcome"):
        table.add_column(name)
    for name in ("queue", "ttft", "total", "in/out/cached", "cost", "retries", "tools"):
        table.add_column(name, justify="right")
    for row in rows:
        when = time.strftime("%m-%d %H:%M:%S", time.localtime(row["started_at"]))
        outcome = row["outcome"] if row["outcome"] == "ok" else f"{row['outcome']}: {row['error_kind'] or ''}"
        tokens = f"{row['input_tokens']}/{row['output_tokens']}/{row['cache_read_tokens']}"
        if row["usage_estimated"]:
            tokens = f"~{tokens}"  # counted on our side: the provider reported none (or nonsense)
        table.add_row(
            when,
            row["feature"],
            f"{row['provider']}/{row['model']}",
            outcome,
            _fmt_s(row["queue_s"]),
            _fmt_s(row["ttft_s"]),
            _fmt_s(row["total_s"]),
            tokens,
            f"${row['cost_usd']:.4f}",
            str(row["retries"]),
            str(row["tool_calls"]),
        )
    return table


def run(args: argparse.Namespace) -> int:
    flt = TraceFilter(
        limit=max(1, args.limit),
        feature=args.feature,
        provider=getattr(args, "trace_provider", None),
        model=getattr(args, "trace_model", None),
        errors_only=bool(args.errors),
    )
    rows = TraceStore(default_db_path()).recent(flt)
    if args.json:
        print(json.dumps(rows, indent=2, sort_keys=True))
        return 0
    console = Console()
    if not rows:
        console.print(f"No traced model calls yet (store: {default_db_path()}).")
        return 0
    console.print(render_table(rows))
    if any(row["usage_estimated"] for row in rows):
        console.print("~ tokens counted by Outrider: the provider reported no usage (or implausible usage)")
    return 0
