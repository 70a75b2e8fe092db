"""The session's trace store: :data:`TRACER`, one for every feature that calls a model.

The shared provider (:data:`server.lsp.services.provider.PROVIDER`) is built with it, so every
model call of the session is traced; ``None`` when the store cannot be opened (traces are off, the
session goes on).
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

from server.lsp.services.container import ServiceKey
from server.observe.tracer import Tracer, open_tracer

if TYPE_CHECKING:
    from server.lsp.server import OutriderServer

logger = logging.getLogger(__name__)


def _open_tracer(server: OutriderServer) -> Tracer | None:
    try:
        return open_tracer(server.settings, server.env)
    except (OSError, sqlite3.Error) as exc:
        logger.error("traces are off: cannot open the trace store: %s", exc)
        return None


def _close_tracer(tracer: Tracer | None) -> None:
    if tracer is not None:
        tracer.close()


TRACER: ServiceKey[Tracer | None] = ServiceKey("tracer", _open_tracer, close=_close_tracer)
"""The session's trace store (+ OTLP export): one for every feature that calls a model."""
