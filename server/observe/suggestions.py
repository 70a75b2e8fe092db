"""Suggestions in the trace store: confidence and the user's verdict per trace id, the explanation
of one suggestion, and acceptance statistics.

Table ``suggestions`` (its own, beside ``calls``; joined by ``calls.context -> trace_id``). Writes
go through the store's writer thread (:meth:`TraceStore.submit`), so they never block the event
loop and a verdict is written after the suggestion it is about. Reads open their own connection:
async callers run them in a thread.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server.completion.confidence import confidence_band
from server.completion.tracing import SuggestionRecord, Verdict
from server.observe.store import TraceStore

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS suggestions (trace_id TEXT PRIMARY KEY, created_at REAL NOT NULL, "
    "feature TEXT NOT NULL, model TEXT NOT NULL, language TEXT NOT NULL, confidence REAL, "
    "confidence_source TEXT, signals TEXT NOT NULL, shown INTEGER NOT NULL, dropped TEXT, latency_ms REAL, "
    "verdict TEXT, verdict_at REAL);"
    "CREATE INDEX IF NOT EXISTS suggestions_created ON suggestions(created_at);"
)


def _ensure(conn: sqlite3.Connection) -> None:
    conn.executescript(_SCHEMA)


class SuggestionStore:
    """Implements ``SuggestionLog`` over a trace store."""

    def __init__(self, store: TraceStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._clock = clock

    def suggested(self, record: SuggestionRecord) -> None:
        values = (
            record.trace_id,
            record.created_at,
            record.feature,
            record.model,
            record.language,
            record.confidence,
            record.confidence_source,
            json.dumps(list(record.signals)),
            int(record.shown),
            record.dropped,
            record.latency_ms,
        )

        def write(conn: sqlite3.Connection) -> None:
            _ensure(conn)
            conn.execute(
                "INSERT OR REPLACE INTO suggestions (trace_id, created_at, feature, model, language, confidence, "
                "confidence_source, signals, shown, dropped, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )

        self.store.submit(write)

    def verdict(self, trace_id: str, verdict: Verdict) -> None:
        """The user accepted or rejected a suggestion; an acceptance is never overwritten by a rejection."""
        at = self._clock()

        def write(conn: sqlite3.Connection) -> None:
            _ensure(conn)
            conn.execute(
                "UPDATE suggestions SET verdict = ?, verdict_at = ? WHERE trace_id = ? "
                "AND (verdict IS NULL OR verdict != 'accepted')",
                (verdict, at, trace_id),
            )

        self.store.submit(write)


def _read(path: Path, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    conn = sqlite3.connect(path, timeout=5.0)
    conn.row_factory = sqlite3.Row
    try:
        _ensure(conn)
        return [dict(row) for row in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def explain(path: Path, trace_id: str) -> dict[str, Any] | None:
    """Everything traced about one suggestion: its model call (model, latency, tokens, cost) and
    its confidence and verdict. None when the trace id is unknown."""
    rows = _read(path, "SELECT * FROM suggestions WHERE trace_id = ?", (trace_id,))
    if not rows:
        return None
    out = rows[0]
    out["signals"] = json.loads(out["signals"] or "[]")
    out["shown"] = bool(out["shown"])
    calls = _read(
        path,
        "SELECT provider, model, request_id, total_s, ttft_s, input_tokens, output_tokens, cost_usd, outcome, "
        "stop_reason FROM calls WHERE json_extract(context, '$.trace_id') = ? AND started_at >= ? "
        "ORDER BY id DESC LIMIT 1",
        (trace_id, out["created_at"] - 3600),
    )
    out["call"] = calls[0] if calls else None
    return out


def acceptance_stats(path: Path, since: float) -> dict[str, list[dict[str, Any]]]:
    """Suggestions shown and accepted since `since`, by model, by language and by confidence band."""
    rows = _read(
        path,
        "SELECT model, language, confidence, verdict FROM suggestions WHERE shown = 1 AND created_at >= ?",
        (since,),
    )
    groups: dict[str, dict[str, list[int]]] = {"model": {}, "language": {}, "confidence": {}}
    for row in rows:
        band = "unknown" if row["confidence"] is None else confidence_band(float(row["confidence"]))
        for key, value in (("model", row["model"]), ("language", row["language"] or "-"), ("confidence", band)):
            counts = groups[key].setdefault(str(value), [0, 0])
            counts[0] += 1
            counts[1] += row["verdict"] == "accepted"
    return {
        key: [
            {key: name, "shown": shown, "accepted": accepted, "rate": round(accepted / shown, 4)}
            for name, (shown, accepted) in sorted(table.items())
        ]
        for key, table in groups.items()
    }
