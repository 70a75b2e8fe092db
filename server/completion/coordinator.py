"""One completion in flight per document: debounce, and cancellation of stale work.

A request is stale when a newer request for the same document arrives, or when the document moves
past the version the request was made for. Stale work is cancelled by cancelling the task that runs
it: the model stream it is reading is closed on the way out (``aclosing``), and the LSP layer answers
the cancelled request with RequestCancelled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Ticket:
    """A request's claim on its document."""

    document: str
    version: int
    task: asyncio.Task[object] | None
    cancel_reason: str | None = field(default=None)


class CompletionCoordinator:
    def __init__(self) -> None:
        self._inflight: dict[str, Ticket] = {}

    def inflight(self, document: str) -> Ticket | None:
        return self._inflight.get(document)

    @asynccontextmanager
    async def claim(self, document: str, version: int) -> AsyncIterator[Ticket]:
        """Cancel any older request for ``document`` and hold the slot for the current task."""
        ticket = Ticket(document, version, asyncio.current_task())
        previous = self._inflight.get(document)
        if previous is not None:
            self._cancel(previous, "superseded by a newer request")
        self._inflight[document] = ticket
        try:
            yield ticket
        finally:
            if self._inflight.get(document) is ticket:
                del self._inflight[document]

    def document_changed(self, document: str, version: int) -> None:
        """A didChange: work for an older version of the document is now useless."""
        ticket = self._inflight.get(document)
        if ticket is not None and ticket.version < version:
            self._cancel(ticket, f"document moved to version {version}")

    def document_closed(self, document: str) -> None:
        ticket = self._inflight.get(document)
        if ticket is not None:
            self._cancel(ticket, "document closed")

    def _cancel(self, ticket: Ticket, reason: str) -> None:
        if ticket.task is None or ticket.task is asyncio.current_task() or ticket.task.done():
            return
        ticket.cancel_reason = reason
        log.debug("completion for %s (version %d) cancelled: %s", ticket.document, ticket.version, reason)
        ticket.task.cancel(reason)
        if self._inflight.get(ticket.document) is ticket:
            del self._inflight[ticket.document]


async def debounce(seconds: float) -> float:
    """Wait out the debounce (cancellable); returns the seconds actually waited."""
    if seconds <= 0:
        return 0.0
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.sleep(seconds)
    return loop.time() - start
