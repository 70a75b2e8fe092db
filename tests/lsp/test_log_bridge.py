"""``server/lsp/log_bridge.py``: log records reach the editor as ``window/logMessage``, never stdout."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from lsprotocol import types

from server.lsp.log_bridge import LspLogHandler


class RecordingServer:
    """Stands in for the server's ``window_log_message`` (our own interface, not an SDK)."""

    def __init__(self) -> None:
        self.sent: list[types.LogMessageParams] = []

    def window_log_message(self, params: types.LogMessageParams) -> None:
        self.sent.append(params)
        logging.getLogger("server.lsp.test").warning("logged while sending")  # must not loop


@pytest.fixture
def bridge() -> Iterator[tuple[LspLogHandler, RecordingServer]]:
    server = RecordingServer()
    handler = LspLogHandler(server, "info")  # type: ignore[arg-type]
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield handler, server
    root.removeHandler(handler)
    root.setLevel(old_level)


async def test_records_reach_the_editor_by_level_and_package(bridge: tuple[LspLogHandler, RecordingServer]) -> None:
    handler, server = bridge
    logging.getLogger("server.lsp.x").info("before initialize")  # not attached yet: stderr only
    handler.attach_loop(asyncio.get_running_loop())

    logging.getLogger("server.lsp.x").info("ours at info")
    logging.getLogger("server.lsp.x").debug("ours at debug")
    logging.getLogger("pygls.protocol").info("library at info")
    logging.getLogger("pygls.protocol").error("library at error")

    messages = [(m.type, m.message.rsplit(": ", 1)[-1]) for m in server.sent]
    assert messages == [(types.MessageType.Info, "ours at info"), (types.MessageType.Error, "library at error")]


async def test_threshold_follows_log_level_and_other_threads_are_marshalled(
    bridge: tuple[LspLogHandler, RecordingServer],
) -> None:
    handler, server = bridge
    handler.attach_loop(asyncio.get_running_loop())
    handler.set_threshold("error")
    logging.getLogger("context.x").warning("dropped")
    await asyncio.to_thread(logging.getLogger("tools.x").error, "from a thread")
    await asyncio.sleep(0)

    assert [m.message.rsplit(": ", 1)[-1] for m in server.sent] == ["from a thread"]
