"""``outrider stats``: how often suggestions were accepted, by model, by language and by confidence
band (``--json`` too), from the trace store's suggestions. Read it against
``completion.min_confidence``: a band whose suggestions are rarely accepted is worth hiding."""

from __future__ import annotations

import argparse
import json
import time

from rich.console import Console
from rich.table import Table

from server.observe.store import default_db_path
from server.observe.suggestions import acceptance_stats


def run(args: argparse.Namespace) -> int:
    stats = acceptance_stats(default_db_path(), time.time() - 86400 * max(1, args.days))
    if args.json:
        print(json.dumps({"days": args.days, **stats}, indent=2, sort_keys=True))
        return 0
    console = Console()
    if not stats["model"]:
        console.print(f"No suggestions shown in the last {args.days} day(s) (store: {default_db_path()}).")
        return 0
    for key, title in (("model", "model"), ("language", "language"), ("confidence", "confidence band")):
        table = Table(title=f"Suggestions accepted by {title} (last {args.days} days)")
        for column in (title, "shown", "accepted", "rate"):
            table.add_column(column, justify="left" if column == title else "right")
        for row in stats[key]:
            table.add_row(str(row[key]), str(row["shown"]), str(row["accepted"]), f"{row['rate'] * 100:.0f}%")
        console.print(table)
    return 0
