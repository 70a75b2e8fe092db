"""A small, lazily built service container: shared objects features reach without globals.

A feature declares a key next to the code that needs it, with the factory that builds it::

    ENGINE = ServiceKey("completion engine", build_engine, close=CompletionEngine.close)

    engine = server.services.get(ENGINE)   # built on first use, then cached

Services built from settings are dropped when the settings change (``rebuild_on_settings=True``,
the default), so the next ``get`` builds them again from the new values; ``close`` (if given) runs
on the old instance. Nothing is built at import time or at server start.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from server.lsp.server import OutriderServer

T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class ServiceKey(Generic[T]):
    """Names one service and says how to build (and close) it. Compared by identity."""

    name: str
    factory: Callable[[OutriderServer], T]
    close: Callable[[T], Any] | None = None
    rebuild_on_settings: bool = True


class Services:
    """The container itself; one per server."""

    def __init__(self, server: OutriderServer) -> None:
        self._server = server
        self._instances: dict[ServiceKey[Any], Any] = {}

    def get(self, key: ServiceKey[T]) -> T:
        if key in self._instances:
            value: T = self._instances[key]
            return value
        logger.debug("building service %r", key.name)
        built = key.factory(self._server)
        self._instances[key] = built
        return built

    def peek(self, key: ServiceKey[T]) -> T | None:
        """The instance if already built; never builds."""
        value: T | None = self._instances.get(key)
        return value

    def drop(self, *, settings_changed_only: bool = False) -> None:
        """Forget built services (all, or those built from settings), closing them."""
        for key in sorted(self._instances, key=lambda k: k.name):
            if settings_changed_only and not key.rebuild_on_settings:
                continue
            instance = self._instances.pop(key)
            if key.close is not None:
                self._close(key, instance)

    def _close(self, key: ServiceKey[Any], instance: Any) -> None:
        assert key.close is not None
        try:
            result = key.close(instance)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                task.add_done_callback(lambda t: _log_close_failure(key, t))
        except Exception:
            logger.exception("closing service %r failed", key.name)


def _log_close_failure(key: ServiceKey[Any], task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        logger.error("closing service %r failed: %s", key.name, exc)
