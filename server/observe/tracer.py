"""Building the call observer from settings: the SQLite store, plus OTLP export if configured."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from server.config import Settings
from server.models.calls import CallObserver, CallRecord
from server.observe.store import TraceStore, default_db_path

log = logging.getLogger(__name__)


class FanOut:
    """Implements ``CallObserver``: hands each call to several observers; one failing never stops the rest."""

    def __init__(self, observers: Sequence[CallObserver]) -> None:
        self.observers = list(observers)

    def record(self, call: CallRecord) -> None:
        for observer in self.observers:
            try:
                observer.record(call)
            except Exception:
                log.exception("trace observer %s failed", type(observer).__name__)


class Tracer(FanOut):
    """What ``build_provider(settings, tracer=...)`` takes; owns the store and the exporter."""

    def __init__(self, store: TraceStore | None, otel: CallObserver | None) -> None:
        observers: list[CallObserver] = []
        if store is not None:
            observers.append(store)
        if otel is not None:
            observers.append(otel)
        super().__init__(observers)
        self.store = store
        self.otel = otel

    def flush(self) -> None:
        if self.store is not None:
            self.store.flush()

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
        if self.otel is not None and (close := getattr(self.otel, "close", None)) is not None:
            close()


def open_tracer(settings: Settings, env: Mapping[str, str] | None = None, db_path: Path | None = None) -> Tracer | None:
    """The tracer for `settings` (None when traces are off). Creates the state directory."""
    if not settings.traces.enabled:
        return None
    store = TraceStore(db_path or default_db_path(env)).open()
    otel: CallObserver | None = None
    if settings.traces.otlp_endpoint:
        from server.observe.otel import OtelExporter, OtelUnavailable

        try:
            otel = OtelExporter(settings.traces.otlp_endpoint)
        except OtelUnavailable as exc:
            log.warning("%s; traces stay local", exc)
    return Tracer(store, otel)
