"""The spend ledger: per-window totals that every Outrider process of the user shares.

Lives in the trace database under the state directory (``$OUTRIDER_HOME``), in tables of its own
(``spend_windows``, ``spend_alerts``, ``spend_meta``); the ``calls`` table is only read, once, to
start the windows from the spend traced before the ledger existed.

Concurrency contract: :meth:`SpendLedger.reserve` checks every window and adds the reservation in
one ``BEGIN IMMEDIATE`` transaction, so processes racing at a cap are serialised by SQLite and
admit calls strictly while the total (settled spend plus reservations in flight) stays within it.
:meth:`SpendLedger.settle` later replaces a reservation by what the call really cost; a process
that dies in between leaves its reservation counted (errs on the side of the cap).

A window is ``(period, start, scope)``: period ``minute``/``hour``/``day``/``month``, start its
Unix time, scope ``*`` (all features) or a feature name. Minute windows are kept only for
request-rate caps; hour windows feed the unusual-rate alert.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

WindowKey = tuple[str, float, str]  # (period, start, scope)
# The settled windows (hour/day/month, ``*`` and the feature) of a call started at a time.
WindowsOf = Callable[[float, str], list[WindowKey]]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spend_windows (
    period TEXT NOT NULL, start REAL NOT NULL, scope TEXT NOT NULL,
    usd REAL NOT NULL DEFAULT 0, requests INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (period, start, scope)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS spend_alerts (
    key TEXT PRIMARY KEY, at REAL NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS spend_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_BUSY_TIMEOUT_MS = 10_000


class Busy:
    """:meth:`SpendLedger.reserve` without waiting found a lock held."""


BUSY = Busy()
_UPSERT = (
    "INSERT INTO spend_windows (period, start, scope, usd, requests) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (period, start, scope) DO UPDATE SET usd = usd + excluded.usd, requests = requests + excluded.requests"
)


@dataclass(frozen=True, slots=True)
class WindowUse:
    usd: float = 0.0
    requests: int = 0


@dataclass(frozen=True, slots=True)
class Check:
    """One cap to test inside the reservation: refuse when the window would pass `limit`."""

    name: str
    window: WindowKey
    limit: float
    unit: str  # "usd" or "requests"


@dataclass(frozen=True, slots=True)
class StoredAlert:
    key: str
    at: float
    kind: str
    message: str


class SpendLedger:
    """One connection per process, used under a lock (calls come from the event loop's helper
    threads and the settle thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
            self._conn = conn
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def reserve(
        self, checks: Sequence[Check], windows: Iterable[WindowKey], usd: float, at: float, *, wait: bool = True
    ) -> tuple[Check, WindowUse] | Busy | None:
        """Atomically: None and `usd` plus one request added to every window of `windows`, or
        the first check that would pass its limit (and nothing added). With ``wait=False`` it
        never waits for a lock (this process's or another's): :data:`BUSY` when one is held."""
        if not self._lock.acquire(blocking=wait):
            return BUSY
        try:
            conn = self._connection()
            if not wait:
                conn.execute("PRAGMA busy_timeout = 0")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                if wait:
                    raise
                return BUSY
            finally:
                if not wait:
                    conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            return self._reserve_in(conn, checks, windows, usd)
        finally:
            self._lock.release()

    @classmethod
    def _reserve_in(
        cls, conn: sqlite3.Connection, checks: Sequence[Check], windows: Iterable[WindowKey], usd: float
    ) -> tuple[Check, WindowUse] | None:
        """The body of :meth:`reserve`, inside its transaction."""
        try:
            for check in checks:
                used = cls._use(conn, check.window)
                if check.unit == "requests":
                    over = used.requests + 1 > check.limit
                else:
                    over = used.usd + usd > check.limit + 1e-12
                if over:
                    conn.execute("COMMIT")
                    return check, used
            conn.executemany(_UPSERT, [(*key, usd, 1) for key in sorted(set(windows))])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return None

    def settle(self, deltas: Sequence[tuple[WindowKey, float, int]]) -> None:
        """Add (usd, requests) to each window, in one transaction."""
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(_UPSERT, [(*key, usd, requests) for key, usd, requests in deltas])
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def use(self, window: WindowKey) -> WindowUse:
        with self._lock:
            return self._use(self._connection(), window)

    @staticmethod
    def _use(conn: sqlite3.Connection, window: WindowKey) -> WindowUse:
        row = conn.execute(
            "SELECT usd, requests FROM spend_windows WHERE period = ? AND start = ? AND scope = ?", window
        ).fetchone()
        return WindowUse() if row is None else WindowUse(float(row[0]), int(row[1]))

    def hourly_history(self, scope: str, since: float, before: float) -> list[float]:
        """Spend of each hour window in [since, before) that had any (oldest first)."""
        with self._lock:
            rows = self._connection().execute(
                "SELECT usd FROM spend_windows WHERE period = 'hour' AND scope = ? AND start >= ? AND start < ? "
                "AND usd > 0 ORDER BY start",
                (scope, since, before),
            )
            return [float(row[0]) for row in rows]

    def add_alert(self, alert: StoredAlert) -> bool:
        """Store an alert once across processes; True if this call stored it (so announce it)."""
        with self._lock:
            cursor = self._connection().execute(
                "INSERT OR IGNORE INTO spend_alerts (key, at, kind, message) VALUES (?, ?, ?, ?)",
                (alert.key, alert.at, alert.kind, alert.message),
            )
            return cursor.rowcount == 1

    def alerts(self, since: float) -> list[StoredAlert]:
        with self._lock:
            rows = self._connection().execute(
                "SELECT key, at, kind, message FROM spend_alerts WHERE at >= ? ORDER BY at, key", (since,)
            )
            return [StoredAlert(str(r[0]), float(r[1]), str(r[2]), str(r[3])) for r in rows]

    def seed_from_calls(self, windows_of: WindowsOf) -> None:
        """Once per database: start the day/month/hour windows from the traced calls (spend from
        before the ledger existed). Does nothing when there is no ``calls`` table."""
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                done = conn.execute("SELECT 1 FROM spend_meta WHERE name = 'seeded'").fetchone()
                has_calls = conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'calls'"
                ).fetchone()
                if done is None and has_calls is not None:
                    rows = conn.execute(
                        "SELECT started_at, feature, COALESCE(cost_usd, 0) FROM calls "
                        "WHERE started_at >= strftime('%s', 'now') - 40 * 86400"
                    ).fetchall()
                    deltas: dict[WindowKey, tuple[float, int]] = {}
                    for started, feature, cost in rows:
                        for key in windows_of(float(started), str(feature)):
                            usd, count = deltas.get(key, (0.0, 0))
                            deltas[key] = (usd + float(cost), count + 1)
                    conn.executemany(_UPSERT, [(*k, v[0], v[1]) for k, v in sorted(deltas.items())])
                conn.execute("INSERT OR IGNORE INTO spend_meta (name, value) VALUES ('seeded', '1')")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
