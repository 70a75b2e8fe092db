"""Server-initiated work-done progress (``window/workDoneProgress/create`` + ``$/progress``).

One helper for every long task the server runs (agent runs, repo map indexing)::

    progress = await WorkDoneProgress.create(ls, "outrider/index-1")   # nothing sent if unsupported
    progress.on_cancel(task.cancel)          # window/workDoneProgress/cancel from the editor
    progress.begin("Outrider: indexing")
    progress.report("120/800 files", 15)     # throttled: at most one report per `min_interval_s`
    progress.end("800 files indexed")

When the client does not declare ``window.workDoneProgress`` the token is None and every call is a
no-op, so callers never branch on it. Call it from the event loop thread only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:
    from server.lsp.server import OutriderServer

logger = logging.getLogger(__name__)


class WorkDoneProgress:
    """One progress token's begin / report / end (or nothing when the client has no progress support)."""

    def __init__(
        self,
        ls: OutriderServer,
        token: str | None,
        *,
        min_interval_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ls, self.token = ls, token
        self.min_interval_s = min_interval_s
        self._clock = clock
        self._last_report: float | None = None
        self._ended = False

    @classmethod
    async def create(cls, ls: OutriderServer, token: str, *, min_interval_s: float = 0.1) -> WorkDoneProgress:
        """Ask the client to create `token` (if it supports work-done progress at all)."""
        if not ls.client_supports("window.work_done_progress"):
            return cls(ls, None, min_interval_s=min_interval_s)
        await ls.work_done_progress.create_async(token)
        return cls(ls, token, min_interval_s=min_interval_s)

    def on_cancel(self, callback: Callable[[], object]) -> None:
        """Call `callback` (on the event loop) when the editor cancels this progress."""
        if self.token is None:
            return
        future: Future[Any] | None = self.ls.work_done_progress.tokens.get(self.token)
        if future is not None:
            future.add_done_callback(lambda f: callback() if f.cancelled() else None)

    def begin(self, title: str, *, cancellable: bool = True, message: str | None = None) -> None:
        if self.token is not None:
            value = types.WorkDoneProgressBegin(title=title, cancellable=cancellable, message=message, percentage=0)
            self.ls.work_done_progress.begin(self.token, value)

    def report(self, message: str | None, percentage: int | None = None, *, force: bool = False) -> bool:
        """Send a report unless one went out less than `min_interval_s` ago (`force` sends anyway).
        Returns whether it was sent."""
        if self.token is None or self._ended:
            return False
        now = self._clock()
        if not force and self._last_report is not None and now - self._last_report < self.min_interval_s:
            return False
        self._last_report = now
        value = types.WorkDoneProgressReport(message=message, percentage=percentage)
        self.ls.work_done_progress.report(self.token, value)
        return True

    def end(self, message: str) -> None:
        """The last message for this token (sent once; later calls are ignored)."""
        if self.token is None or self._ended:
            return
        self._ended = True
        self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
