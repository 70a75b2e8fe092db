"""Logging for the language server: stderr always, and ``window/logMessage`` for the editor.

Nothing here ever writes to stdout (the JSON-RPC stream). Settings ``log_level`` (default
``info``) is the threshold for stderr and, for our own packages (``server``, ``context``,
``tools``), for the editor; other libraries reach the editor from WARNING only, whatever the level
(pygls' INFO log repeats every message it sends, and sending that as a logMessage would log again,
forever). A re-entrancy guard makes sure a record produced while sending a logMessage is not sent
too. Records before ``initialize`` go to stderr only.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from typing import TYPE_CHECKING, Literal

from lsprotocol import types

from server.lsp.convert import lsp_message_type

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

LogLevel = Literal["debug", "info", "warning", "error"]

_OWN_PACKAGES = ("server", "context", "tools")
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def level_number(level: LogLevel) -> int:
    return int(logging.getLevelName(level.upper()))


class LspLogHandler(logging.Handler):
    """Sends log records to the client as ``window/logMessage`` from the server's event loop."""

    def __init__(self, server: LanguageServer, level: LogLevel = "warning") -> None:
        super().__init__()
        self._server = server
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sending = threading.local()
        self.enabled = False
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self.set_threshold(level)

    def set_threshold(self, level: LogLevel) -> None:
        """Our packages log to the editor from `level`; everything else from `level` but at least WARNING."""
        self.own_threshold = level_number(level)
        self.other_threshold = max(level_number(level), logging.WARNING)

    def attach_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start sending (call once the client has sent ``initialize``, from the server's loop)."""
        self._loop = loop
        self.enabled = True

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.enabled or getattr(self._sending, "active", False):
            return False
        own = record.name.split(".", 1)[0] in _OWN_PACKAGES
        threshold = self.own_threshold if own else self.other_threshold
        return record.levelno >= threshold

    def emit(self, record: logging.LogRecord) -> None:
        try:
            params = types.LogMessageParams(type=lsp_message_type(record.levelno), message=self.format(record))
        except Exception:
            self.handleError(record)
            return
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._send(params)
        else:
            loop.call_soon_threadsafe(self._send, params)

    def _send(self, params: types.LogMessageParams) -> None:
        self._sending.active = True
        try:
            self._server.window_log_message(params)
        except Exception as exc:  # the transport is gone: stderr still has the record
            sys.stderr.write(f"outrider: could not send a log message to the editor: {exc}\n")
        finally:
            self._sending.active = False


def configure_stderr_logging(level: LogLevel) -> logging.Handler:
    """Root logging to stderr at `level`; returns the handler (idempotent per process)."""
    root = logging.getLogger()
    root.setLevel(level_number(level))
    # pygls logs every message body at INFO: keep that for explicit debugging only.
    logging.getLogger("pygls").setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
    for handler in root.handlers:
        if getattr(handler, "outrider_stderr", False):
            handler.setLevel(level_number(level))
            return handler
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.setLevel(level_number(level))
    handler.outrider_stderr = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return handler


def apply_log_level(server_handler: LspLogHandler, level: LogLevel) -> None:
    """Apply a (new) settings ``log_level`` to both handlers."""
    configure_stderr_logging(level)
    server_handler.set_threshold(level)
