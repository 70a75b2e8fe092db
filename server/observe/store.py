"""The trace store: one SQLite row per model call under the state directory.

Writes never block the event loop: ``record()`` only queues the row; one background thread owns
the write connection. Reads (for ``outrider traces`` / ``outrider cost``) open their own
connection; async callers should run them with ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from server.config import state_dir
from server.models.calls import CallRecord

log = logging.getLogger(__name__)

DB_NAME = "traces.sqlite3"
_COLUMNS = (
    "started_at REAL NOT NULL",
    "day TEXT NOT NULL",
    "feature TEXT NOT NULL",
    "provider TEXT NOT NULL",
    "model TEXT NOT NULL",
    "request_id TEXT",
    "queue_s REAL",
    "ttft_s REAL",
    "total_s REAL",
    "input_tokens INTEGER",
    "output_tokens INTEGER",
    "cache_read_tokens INTEGER",
    "cache_write_tokens INTEGER",
    "cost_usd REAL",
    "usage_estimated INTEGER NOT NULL DEFAULT 0",
    "outcome TEXT NOT NULL",
    "error_kind TEXT",
    "error_message TEXT",
    "retries INTEGER",
    "tool_calls INTEGER",
    "stop_reason TEXT",
    "context TEXT",
    "prompt TEXT",
    "output TEXT",
)
_NAMES = tuple(column.split()[0] for column in _COLUMNS)
_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS calls (id INTEGER PRIMARY KEY AUTOINCREMENT, {', '.join(_COLUMNS)});"
    "CREATE INDEX IF NOT EXISTS calls_started ON calls(started_at);"
)
_STOP = object()
Write = Callable[[sqlite3.Connection], None]  # extra work for the writer thread (other tables)


def default_db_path(env: Mapping[str, str] | None = None) -> Path:
    return state_dir(env) / DB_NAME


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=5.0, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(_SCHEMA)
    _add_missing_columns(conn)
    return conn


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    """Stores written by an older version lack the newer columns: add them (old rows get defaults)."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(calls)")}
    for column in _COLUMNS:
        if column.split()[0] not in present:
            with conn:
                conn.execute(f"ALTER TABLE calls ADD COLUMN {column}")


def _row_values(call: CallRecord) -> tuple[Any, ...]:
    data = asdict(call)
    data["day"] = time.strftime("%Y-%m-%d", time.localtime(call.started_at))
    data["context"] = json.dumps(call.context, sort_keys=True, default=str)
    return tuple(data[name] for name in _NAMES)


@dataclass(frozen=True)
class TraceFilter:
    limit: int = 20
    feature: str | None = None
    provider: str | None = None
    model: str | None = None
    errors_only: bool = False
    since: float | None = None  # Unix time


class TraceStore:
    """Implements ``CallObserver``. Use ``open()``/``close()`` or as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None

    # ---- writing ---------------------------------------------------------------------------

    def open(self) -> TraceStore:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _connect(self.path).close()  # create the schema now: a broken path fails here, loudly
        self._thread = threading.Thread(target=self._writer, name="trace-store", daemon=True)
        self._thread.start()
        return self

    def record(self, call: CallRecord) -> None:
        if self._thread is None:
            raise RuntimeError("TraceStore.record() before open()")
        self._queue.put(call)

    def submit(self, write: Write) -> None:
        """Queue `write(connection)` for the writer thread, in order with the rows (other tables)."""
        if self._thread is None:
            raise RuntimeError("TraceStore.submit() before open()")
        self._queue.put(write)

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued row is written (for the CLI and tests)."""
        done = threading.Event()
        self._queue.put(done)
        if not done.wait(timeout):
            raise TimeoutError("trace store did not flush in time")

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> TraceStore:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _writer(self) -> None:
        conn = _connect(self.path)
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL keeps the file consistent; traces may lose the last rows
        insert = f"INSERT INTO calls ({', '.join(_NAMES)}) VALUES ({', '.join('?' for _ in _NAMES)})"
        try:
            while True:
                batch = [self._queue.get()]
                while len(batch) < 500:  # whatever else is waiting goes in the same transaction
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                rows = [_row_values(item) for item in batch if isinstance(item, CallRecord)]
                if rows:
                    self._write(conn, insert, rows)
                for item in batch:
                    if isinstance(item, threading.Event):
                        item.set()
                    elif callable(item):
                        self._run_write(conn, item)
                if any(item is _STOP for item in batch):
                    return
        finally:
            conn.close()

    def _write(self, conn: sqlite3.Connection, insert: str, rows: list[tuple[Any, ...]]) -> None:
        try:
            with conn:
                conn.executemany(insert, rows)
        except sqlite3.Error as exc:
            log.error("trace store %s: cannot write %d trace row(s): %s", self.path, len(rows), exc)

    def _run_write(self, conn: sqlite3.Connection, write: Write) -> None:
        try:
            with conn:
                write(conn)
        except sqlite3.Error as exc:
            log.error("trace store %s: cannot write: %s", self.path, exc)

    # ---- reading ---------------------------------------------------------------------------

    def recent(self, flt: TraceFilter) -> list[dict[str, Any]]:
        """Newest first, as plain dicts (``context`` decoded)."""
        if not self.path.exists():
            return []
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (("feature", flt.feature), ("provider", flt.provider), ("model", flt.model)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if flt.errors_only:
            clauses.append("outcome != 'ok'")
        if flt.since is not None:
            clauses.append("started_at >= ?")
            params.append(flt.since)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"SELECT * FROM calls {where} ORDER BY started_at DESC, id DESC LIMIT ?"
        conn = _connect(self.path)
        try:
            rows = conn.execute(sql, [*params, flt.limit]).fetchall()
        finally:
            conn.close()
        out = []
        for row in rows:
            item = dict(row)
            item["context"] = json.loads(item["context"] or "{}")
            item["usage_estimated"] = bool(item["usage_estimated"])
            out.append(item)
        return out

    def cost_rows(self, since: float) -> list[dict[str, Any]]:
        """Spend grouped by day, feature and model since `since` (Unix time)."""
        if not self.path.exists():
            return []
        sql = (
            "SELECT day, feature, model, COUNT(*) AS calls, SUM(outcome != 'ok') AS errors, "
            "SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, "
            "SUM(cache_read_tokens) AS cache_read_tokens, SUM(cache_write_tokens) AS cache_write_tokens, "
            "SUM(cost_usd) AS cost_usd, SUM(usage_estimated) AS estimated FROM calls WHERE started_at >= ? "
            "GROUP BY day, feature, model ORDER BY day, feature, model"
        )
        conn = _connect(self.path)
        try:
            return [dict(row) for row in conn.execute(sql, (since,)).fetchall()]
        finally:
            conn.close()

    def run_costs(self, since: float) -> list[dict[str, Any]]:
        """Spend per agent run (calls whose context carries a ``run_id``)."""
        if not self.path.exists():
            return []
        sql = (
            "SELECT json_extract(context, '$.run_id') AS run_id, MIN(day) AS day, COUNT(*) AS calls, "
            "SUM(cost_usd) AS cost_usd FROM calls WHERE started_at >= ? "
            "AND json_extract(context, '$.run_id') IS NOT NULL GROUP BY run_id ORDER BY day, run_id"
        )
        conn = _connect(self.path)
        try:
            return [dict(row) for row in conn.execute(sql, (since,)).fetchall()]
        finally:
            conn.close()
