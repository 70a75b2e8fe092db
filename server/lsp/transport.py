"""The read loop: bytes from the client's stream, through the framing, to the protocol.

Replaces pygls' loop (``pygls.io_.run_async``), which allocated whatever ``Content-Length`` said
(a MemoryError or OverflowError ended the process), matched only ``Content-Length: N\\r\\n``
exactly (any other spelling left the stream stuck for good) and never answered a body it could not
decode. Here the stream is read in chunks of at most :data:`CHUNK_BYTES`, framed by
:class:`~server.lsp.framing.FrameDecoder` (bounded memory, resynchronisation after a bad header)
and each frame or framing error goes to :meth:`OutriderProtocol.receive_frame`, which answers
what it cannot handle with the specification's error codes.

:func:`serve_stream` runs until the stream ends or `stop_event` is set (``exit``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import BinaryIO

from server.lsp.framing import FrameDecoder
from server.lsp.protocol import OutriderProtocol

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024

ReadChunk = Callable[[], Awaitable[bytes]]
"""Returns the next bytes of the stream (at least one), or b"" at its end."""


def stdin_chunks(stream: BinaryIO, executor: Executor | None) -> ReadChunk:
    """Blocking reads of a binary stream, each in `executor` so the event loop never waits."""
    read1 = getattr(stream, "read1", stream.read)

    def read() -> Awaitable[bytes]:
        return asyncio.get_running_loop().run_in_executor(executor, read1, CHUNK_BYTES)

    return read


def stream_chunks(reader: asyncio.StreamReader) -> ReadChunk:
    def read() -> Awaitable[bytes]:
        return reader.read(CHUNK_BYTES)

    return read


async def serve_stream(read_chunk: ReadChunk, protocol: OutriderProtocol, stop_event: threading.Event) -> None:
    decoder = FrameDecoder()
    while not stop_event.is_set():
        chunk = await read_chunk()
        if not chunk:
            break
        for item in decoder.feed(chunk):
            protocol.receive_frame(item)
            await asyncio.sleep(0)  # let the handlers it started run, as between two reads
            if stop_event.is_set():
                break
    if decoder.pending:
        logger.warning("the client's stream ended inside a message")
    if decoder.dropped_bytes:
        logger.warning("%d bytes were dropped to resynchronise after unreadable messages", decoder.dropped_bytes)
