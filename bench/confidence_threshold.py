"""Choose ``completion.min_confidence`` from recorded suggestions and what the user did with them.

    .venv/bin/python bench/confidence_threshold.py [--db TRACES.sqlite3] [--days N] [--keep 0.95]

Reads the ``suggestions`` table of a trace database (default: the one under ``$OUTRIDER_HOME``, the
state directory), every suggestion shown with its confidence and verdict (accepted or not), and
prints for each candidate threshold: the share of suggestions still shown, the acceptance rate of
those, the share of accepted suggestions kept and of unaccepted ones hidden. The recommended
threshold is the highest one that keeps at least ``--keep`` of the accepted suggestions (hiding
bad suggestions must not cost many good ones). Run it with ``completion.min_confidence = 0`` for a
while first, so that low-confidence suggestions were shown and judged too.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.observe.store import default_db_path

THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(19))


def judged(db: Path, since: float) -> list[tuple[float, bool]]:
    """(confidence, accepted) of every shown suggestion with a confidence since `since`."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT confidence, verdict = 'accepted' FROM suggestions "
            "WHERE shown = 1 AND confidence IS NOT NULL AND created_at >= ? ORDER BY created_at",
            (since,),
        ).fetchall()
    return [(float(confidence), bool(accepted)) for confidence, accepted in rows]


def sweep(samples: list[tuple[float, bool]], keep: float) -> tuple[list[dict[str, float]], float]:
    accepted = sum(1 for _, ok in samples if ok)
    rejected = len(samples) - accepted
    rows: list[dict[str, float]] = []
    best = 0.0
    for threshold in THRESHOLDS:
        shown = [ok for score, ok in samples if score >= threshold]
        kept = sum(shown)
        row = {
            "threshold": threshold,
            "shown": len(shown) / len(samples),
            "acceptance": kept / len(shown) if shown else 0.0,
            "accepted_kept": kept / accepted if accepted else 1.0,
            "rejected_hidden": (rejected - (len(shown) - kept)) / rejected if rejected else 0.0,
        }
        rows.append(row)
        if row["accepted_kept"] >= keep:
            best = threshold
    return rows, best


def main(args: argparse.Namespace) -> int:
    db = Path(args.db) if args.db else default_db_path()
    samples = judged(db, time.time() - 86400 * args.days) if db.exists() else []
    if not samples:
        print(f"no judged suggestions in {db}; use Outrider with completion.min_confidence = 0 first")
        return 1
    rows, best = sweep(samples, args.keep)
    accepted = sum(1 for _, ok in samples if ok)
    print(f"{len(samples)} suggestions shown, {accepted} accepted ({db})")
    print(f"{'threshold':>9} {'shown':>7} {'acceptance':>10} {'accepted kept':>13} {'rejected hidden':>15}")
    for row in rows:
        print(
            f"{row['threshold']:>9.2f} {row['shown']:>7.0%} {row['acceptance']:>10.0%} "
            f"{row['accepted_kept']:>13.0%} {row['rejected_hidden']:>15.0%}"
        )
    print(f"recommended completion.min_confidence: {best:.2f} (keeps >= {args.keep:.0%} of accepted suggestions)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="trace database (default: the one in the state directory)")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--keep", type=float, default=0.95, help="share of accepted suggestions to keep")
    sys.exit(main(parser.parse_args()))
