"""The session's spend caps: :data:`CAPS`, the one cap gate of the process.

The shared provider (:data:`server.lsp.services.provider.PROVIDER`) is built with it, so every
model call of the session is admitted by the caps shared with the user's other Outrider processes
(see :mod:`server.models.caps`). Its alerts (50/80/100% of a cap, an unusual hourly rate) become
``window/showMessage`` warnings. Rebuilt when the settings change.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from server.lsp.services.container import ServiceKey
from server.models.caps import Alert, SpendCaps

if TYPE_CHECKING:
    from server.lsp.server import OutriderServer

logger = logging.getLogger(__name__)


def _open_caps(server: OutriderServer) -> SpendCaps:
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:  # built outside the session's loop (tests): alerts go to the log
        loop = None

    def show(alert: Alert) -> None:  # called from the ledger's thread
        if loop is None or loop.is_closed():
            logger.warning("%s", alert.message)
            return
        loop.call_soon_threadsafe(server.show_message, f"Outrider: {alert.message}", types.MessageType.Warning)

    return SpendCaps.open(server.settings, server.env, on_alert=show)


CAPS: ServiceKey[SpendCaps] = ServiceKey("spend caps", _open_caps, close=SpendCaps.close)
"""The session's spend caps: every model call of the session goes through them."""
