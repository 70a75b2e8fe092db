"""`shutdown` while handler futures are pending: each is cancelled and shutdown still answers."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from server.lsp.server import create_server


def test_shutdown_cancels_pending_futures_that_forget_themselves() -> None:
    protocol = create_server(features=()).protocol
    futures: dict[Any, Future[Any]] = {}
    for msg_id in ("a", "b", "c"):
        future: Future[Any] = Future()
        # As OutriderProtocol._execute_handler's callback does: a finished future leaves the dict.
        future.add_done_callback(lambda done, key=msg_id: protocol._request_futures.pop(key, None))
        protocol._request_futures[msg_id] = future
        futures[msg_id] = future

    steps = protocol.lsp_shutdown(None)
    for _ in steps:  # no user handler is registered: the generator only runs to its end
        pass

    assert all(future.cancelled() for future in futures.values())
    assert protocol._request_futures == {}
    assert protocol._shutdown is True
