"""Session events features subscribe to, so that no two features fight over one LSP method.

pygls lets one handler own each method (``textDocument/didChange``, ``initialized``...). The core
features own them and re-publish what happened as events; any feature subscribes in its
``setup(server)``::

    server.events.document_changed.subscribe(on_change)     # def on_change(event: DocumentEvent)
    server.events.settings_changed.subscribe(on_settings)   # def on_settings(settings: Settings)

A subscriber may be a plain function or a coroutine function (run as a task). A failing
subscriber is logged with its traceback (which reaches the editor as a logMessage) and never
stops the others or the handler that published.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from context.source.document import Document
    from server.config import Settings

T = TypeVar("T")
Subscriber = Callable[[T], Awaitable[None] | None]
logger = logging.getLogger(__name__)


class Event(Generic[T]):
    """One kind of event: an ordered list of subscribers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._subscribers: list[Subscriber[T]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def subscribe(self, callback: Subscriber[T]) -> None:
        self._subscribers.append(callback)

    def publish(self, value: T) -> None:
        """Call every subscriber in order; coroutines are started as tasks."""
        for callback in list(self._subscribers):
            try:
                result = callback(value)
            except Exception:
                logger.exception("%s subscriber %s failed", self.name, _name_of(callback))
                continue
            if inspect.isawaitable(result):
                self._start(callback, result)

    def _start(self, callback: Subscriber[T], awaitable: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await awaitable
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("%s subscriber %s failed", self.name, _name_of(callback))

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _name_of(callback: Callable[..., Any]) -> str:
    return getattr(callback, "__qualname__", repr(callback))


@dataclass(frozen=True)
class DocumentEvent:
    """A document was opened, changed, saved or closed. `document` is None after close."""

    uri: str
    document: Document | None
    version: int | None


@dataclass
class SessionEvents:
    """Every event of one server session."""

    initialized: Event[None] = field(default_factory=lambda: Event("initialized"))
    settings_changed: Event[Settings] = field(default_factory=lambda: Event("settings_changed"))
    workspace_roots_changed: Event[list[Path]] = field(default_factory=lambda: Event("workspace_roots_changed"))
    document_opened: Event[DocumentEvent] = field(default_factory=lambda: Event("document_opened"))
    document_changed: Event[DocumentEvent] = field(default_factory=lambda: Event("document_changed"))
    document_saved: Event[DocumentEvent] = field(default_factory=lambda: Event("document_saved"))
    document_closed: Event[DocumentEvent] = field(default_factory=lambda: Event("document_closed"))
    shutting_down: Event[None] = field(default_factory=lambda: Event("shutting_down"))
