"""Spend caps over time (dollars per day and month, overall and per feature; requests per minute
per feature), shared by every Outrider process of the user through the spend ledger.

Contract: the provider layer calls :meth:`SpendCaps.admit` once before every model call, next to
the run budget's check (on the event loop when no lock is held, which never waits; in a thread
when one is). It answers a :class:`Reservation` (the call's estimated cost, already
counted in every window) or a :class:`CapExceeded` saying which cap refused and when it resets.
When the call ends, :meth:`SpendCaps.settle` replaces the estimate by the real cost (in a
background thread: never on the caller's path) and raises alerts: 50%, 80% and 100% of a dollar
cap, and an hour whose spend is ``alert_rate_factor`` times the usual hourly rate. Each alert is
stored once across processes and handed to ``on_alert`` by the process that stored it.

Dollar caps do not apply to models without a known price (local models); request caps always do.
Windows are local calendar minutes, days and months; time is injected (``clock``) for tests.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, overload

from server.config import CapSettings, Settings
from server.models.prices import PriceTable
from server.models.types import ChatRequest, ErrorEvent, FimRequest, TextPart, ToolResultPart
from server.observe.ledger import Busy, Check, SpendLedger, StoredAlert, WindowKey
from server.observe.store import default_db_path

log = logging.getLogger(__name__)

Period = Literal["minute", "hour", "day", "month"]
THRESHOLDS = (50, 80, 100)
_RATE_HISTORY_S = 7 * 86400
_RATE_MIN_HOURS = 3  # hours with spend needed before "usual" means anything
_RATE_MIN_USD = 0.05  # an hour below this never alerts
_CHARS_PER_TOKEN = 3.0  # deliberately low: the estimate should not undercount


def window_bounds(period: Period, now: float) -> tuple[float, float]:
    """Start and end (Unix time) of the local-time window of `period` that contains `now`."""
    if period == "minute":
        start = now - now % 60
        return start, start + 60
    y, m, d, hh = time.localtime(now)[:4]
    if period == "hour":
        fields = [(y, m, d, hh), (y, m, d, hh + 1)]
    elif period == "day":
        fields = [(y, m, d, 0), (y, m, d + 1, 0)]
    else:
        fields = [(y, m, 1, 0), (y + 1, 1, 1, 0) if m == 12 else (y, m + 1, 1, 0)]
    start, end = (time.mktime((*f, 0, 0, 0, 0, -1)) for f in fields)
    return start, end


@dataclass(frozen=True, slots=True)
class CapRule:
    name: str  # the setting's path, e.g. "caps.daily_usd" or "caps.features.completion.requests_per_minute"
    scope: str  # "*" or a feature
    period: Period
    unit: Literal["usd", "requests"]
    limit: float

    @property
    def label(self) -> str:
        what = "spend" if self.scope == "*" else f"{self.scope} spend"
        if self.unit == "requests":
            return f"{self.scope} requests per minute ({self.limit:g})"
        return f"{what} per {self.period} (${self.limit:.2f})"


def rules_from(settings: CapSettings) -> tuple[CapRule, ...]:
    rules: list[CapRule] = []
    if settings.daily_usd is not None:
        rules.append(CapRule("caps.daily_usd", "*", "day", "usd", settings.daily_usd))
    if settings.monthly_usd is not None:
        rules.append(CapRule("caps.monthly_usd", "*", "month", "usd", settings.monthly_usd))
    for feature in sorted(settings.features):
        caps = settings.features[feature]
        base = f"caps.features.{feature}"
        if caps.daily_usd is not None:
            rules.append(CapRule(f"{base}.daily_usd", feature, "day", "usd", caps.daily_usd))
        if caps.monthly_usd is not None:
            rules.append(CapRule(f"{base}.monthly_usd", feature, "month", "usd", caps.monthly_usd))
        if caps.requests_per_minute is not None:
            rules.append(
                CapRule(f"{base}.requests_per_minute", feature, "minute", "requests", caps.requests_per_minute)
            )
    return tuple(rules)


def _clock_text(at: float, now: float) -> str:
    fmt = "%H:%M" if at - now < 86400 else "%Y-%m-%d %H:%M"
    return time.strftime(fmt, time.localtime(at))


@dataclass(frozen=True, slots=True)
class CapExceeded:
    """A cap refused a call: which one, what was used, and when its window resets."""

    rule: CapRule
    used: float
    resets_at: float  # Unix time
    now: float

    @property
    def message(self) -> str:
        return f"spend cap reached: {self.rule.label}, set by {self.rule.name}; resets at {self.resets_text}"

    @property
    def resets_text(self) -> str:
        return _clock_text(self.resets_at, self.now)

    def error_event(self) -> ErrorEvent:
        """The typed stream error frontends map (kind ``spend_cap``; retry_after_s: until the reset)."""
        return ErrorEvent("spend_cap", self.message, retry_after_s=max(0.0, self.resets_at - self.now))


@dataclass(frozen=True, slots=True)
class Reservation:
    feature: str
    started: float
    usd: float
    windows: tuple[WindowKey, ...]  # the windows the estimate was added to


@dataclass(frozen=True, slots=True)
class Alert:
    key: str
    kind: Literal["threshold", "rate", "refused"]
    message: str
    at: float


AlertSink = Callable[[Alert], None]


def stderr_alert(alert: Alert) -> None:
    """The terminal's sink: one line on stderr."""
    sys.stderr.write(f"outrider: {alert.message}\n")
    sys.stderr.flush()


def estimate_tokens(request: ChatRequest | FimRequest) -> int:
    if isinstance(request, FimRequest):
        chars = len(request.prefix) + len(request.suffix)
    else:
        chars = len(request.system)
        for message in request.messages:
            for part in message.parts:
                chars += len(part.text) if isinstance(part, TextPart) else 0
                chars += len(part.content) if isinstance(part, ToolResultPart) else 0
    return int(chars / _CHARS_PER_TOKEN) + 1


class SpendCaps:
    """The cap gate of one process. Thread-safe; ``close()`` stops its settle thread."""

    def __init__(
        self,
        rules: tuple[CapRule, ...],
        ledger: SpendLedger,
        prices: PriceTable | None = None,
        *,
        clock: Callable[[], float] = time.time,
        on_alert: AlertSink | None = stderr_alert,
        rate_factor: float = 4.0,
    ) -> None:
        self.rules = rules
        self.ledger = ledger
        self.prices = prices or PriceTable()
        self.clock = clock
        self.on_alert = on_alert
        self.rate_factor = rate_factor
        self._queue: queue.Queue[tuple[Reservation | None, str, float, float] | threading.Event | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._seeded = False

    @classmethod
    def from_settings(
        cls, settings: CapSettings, ledger: SpendLedger, prices: PriceTable, on_alert: AlertSink | None = stderr_alert
    ) -> SpendCaps:
        return cls(rules_from(settings), ledger, prices, on_alert=on_alert, rate_factor=settings.alert_rate_factor)

    @classmethod
    def open(
        cls, settings: Settings, env: Mapping[str, str] | None = None, on_alert: AlertSink | None = stderr_alert
    ) -> SpendCaps:
        """The caps of `settings` over the ledger in the state directory (opened on first use)."""
        ledger = SpendLedger(default_db_path(env))
        return cls.from_settings(settings.caps, ledger, PriceTable(settings.prices), on_alert)

    def is_priced(self, model: str) -> bool:
        return self.prices.price_for(model) is not None

    def rules_for(self, feature: str) -> tuple[CapRule, ...]:
        return tuple(rule for rule in self.rules if rule.scope in ("*", feature))

    def estimate_usd(self, request: ChatRequest | FimRequest, model: str) -> float:
        price = self.prices.price_for(model)
        if price is None:
            return 0.0
        return (estimate_tokens(request) * price.input + request.max_tokens * price.output) / 1_000_000

    async def admit(self, request: ChatRequest | FimRequest, model: str) -> Reservation | CapExceeded | None:
        """Before a model call: None when no cap covers the feature, else a reservation or a refusal."""
        rules = self.rules_for(request.feature)
        if not rules:
            return None
        usd, priced = self.estimate_usd(request, model), self.is_priced(model)
        if self._seeded and self.ledger.is_open:  # a lock-free moment costs one local transaction
            admitted = self.reserve(request.feature, usd, priced, rules, wait=False)
            if not isinstance(admitted, Busy):
                return admitted
        return await asyncio.to_thread(self.reserve, request.feature, usd, priced, rules)

    @overload
    def reserve(
        self, feature: str, usd: float, priced: bool, rules: tuple[CapRule, ...] | None = None
    ) -> Reservation | CapExceeded: ...

    @overload
    def reserve(
        self, feature: str, usd: float, priced: bool, rules: tuple[CapRule, ...] | None, wait: bool
    ) -> Reservation | CapExceeded | Busy: ...

    def reserve(
        self, feature: str, usd: float, priced: bool, rules: tuple[CapRule, ...] | None = None, wait: bool = True
    ) -> Reservation | CapExceeded | Busy:
        """Check and reserve atomically across processes (SQLite). ``wait=False`` never waits for
        a lock (:class:`Busy` then), so the event loop may call it; otherwise run it in a thread."""
        self._seed()
        now = self.clock()
        rules = self.rules_for(feature) if rules is None else rules
        applicable = [rule for rule in rules if priced or rule.unit == "requests"]
        checks = [Check(rule.name, self._window(rule, now), rule.limit, rule.unit) for rule in applicable]
        windows = tuple(sorted({check.window for check in checks}))
        if not checks:  # an unpriced model under dollar caps only: nothing to hold
            return Reservation(feature, now, 0.0, ())
        refused = self.ledger.reserve(checks, windows, usd, now, wait=wait)
        if isinstance(refused, Busy):
            return refused
        if refused is None:
            return Reservation(feature, now, usd, windows)
        check, used = refused
        rule = next(rule for rule in applicable if rule.name == check.name)
        used_value = used.requests if rule.unit == "requests" else used.usd
        exceeded = CapExceeded(rule, used_value, window_bounds(rule.period, now)[1], now)
        self._store_alert(Alert(f"{rule.name}@{check.window[1]:.0f}:refused", "refused", exceeded.message, now), False)
        return exceeded

    @staticmethod
    def _window(rule: CapRule, now: float) -> WindowKey:
        return (rule.period, window_bounds(rule.period, now)[0], rule.scope)

    def settled_windows(self, started: float, feature: str) -> list[WindowKey]:
        """The windows every call is counted in when it ends (whether or not a cap covers it)."""
        out: list[WindowKey] = []
        for period in ("hour", "day", "month"):
            start = window_bounds(period, started)[0]
            out += [(period, start, "*"), (period, start, feature)]
        return out

    # ---- settling (background thread) --------------------------------------------------------

    def settle(self, reservation: Reservation | None, feature: str, started: float, usd: float) -> None:
        """After a call: its real cost replaces the reservation. Returns at once."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._settler, name="spend-ledger", daemon=True)
            self._thread.start()
        self._queue.put((reservation, feature, started, usd))

    def flush(self, timeout: float = 5.0) -> None:
        if self._thread is None:
            return
        done = threading.Event()
        self._queue.put(done)
        if not done.wait(timeout):
            raise TimeoutError("spend ledger did not settle in time")

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None
        self.ledger.close()

    def _settler(self) -> None:
        while (item := self._queue.get()) is not None:
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                self._settle_now(*item)
            except Exception:
                log.exception("spend ledger: cannot settle a call")

    def _settle_now(self, reservation: Reservation | None, feature: str, started: float, usd: float) -> None:
        self._seed()
        reserved = set(reservation.windows) if reservation is not None else set()
        deltas: list[tuple[WindowKey, float, int]] = []
        for key in sorted(reserved | set(self.settled_windows(started, feature))):
            if key in reserved:
                assert reservation is not None
                deltas.append((key, usd - reservation.usd, 0))
            else:
                deltas.append((key, usd, 1))
        self.ledger.settle(deltas)
        if usd > 0:
            self._threshold_alerts(feature, started)
            self._rate_alert(started)

    def _threshold_alerts(self, feature: str, started: float) -> None:
        now = self.clock()
        for rule in self.rules_for(feature):
            if rule.unit != "usd" or rule.limit <= 0:
                continue
            window = self._window(rule, started)
            used = self.ledger.use(window).usd
            for pct in reversed(THRESHOLDS):
                if used * 100 >= pct * rule.limit:
                    resets = _clock_text(window_bounds(rule.period, started)[1], now)
                    message = f"{rule.label} is {pct}% used (${used:.2f}); resets at {resets}"
                    self._store_alert(Alert(f"{rule.name}@{window[1]:.0f}:{pct}", "threshold", message, now), True)
                    break

    def _rate_alert(self, started: float) -> None:
        hour = window_bounds("hour", started)[0]
        history = self.ledger.hourly_history("*", hour - _RATE_HISTORY_S, hour)
        if len(history) < _RATE_MIN_HOURS:
            return
        usual = sum(history) / len(history)
        current = self.ledger.use(("hour", hour, "*")).usd
        if current >= _RATE_MIN_USD and current > self.rate_factor * usual:
            message = f"unusual spend: ${current:.2f} this hour, {current / usual:.1f}x the usual hourly ${usual:.2f}"
            self._store_alert(Alert(f"rate@{hour:.0f}", "rate", message, self.clock()), True)

    def _store_alert(self, alert: Alert, announce: bool) -> None:
        stored = self.ledger.add_alert(StoredAlert(alert.key, alert.at, alert.kind, alert.message))
        if stored and announce and self.on_alert is not None:
            try:
                self.on_alert(alert)
            except Exception:
                log.exception("spend alert sink failed")

    def _seed(self) -> None:
        if not self._seeded:
            self._seeded = True
            self.ledger.seed_from_calls(self.settled_windows)

    # ---- reading ---------------------------------------------------------------------------

    def status(self) -> list[dict[str, object]]:
        """Each cap, what its current window used, and when it resets (for ``outrider cost``)."""
        now = self.clock()
        out: list[dict[str, object]] = []
        for rule in self.rules:
            use = self.ledger.use(self._window(rule, now))
            used = use.requests if rule.unit == "requests" else round(use.usd, 6)
            out.append(
                {
                    "cap": rule.name,
                    "label": rule.label,
                    "unit": rule.unit,
                    "limit": rule.limit,
                    "used": used,
                    "fraction": round(used / rule.limit, 4) if rule.limit else None,
                    "resets_at": window_bounds(rule.period, now)[1],
                }
            )
        return out
