"""Keep stdout for JSON-RPC only while the server runs over stdio.

:func:`reserved_stdio` moves the real stdin/stdout file descriptors aside for the protocol and
points fds 0 and 1 at ``/dev/null`` and stderr. After that, a stray ``print``, a C extension
writing to fd 1, or a child process that inherits our stdout (a test runner started by the agent)
all land on stderr instead of corrupting the stream, and no child can read the client's input.
Everything is restored on exit.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class RpcStreams:
    """The binary streams the JSON-RPC connection reads from and writes to."""

    reader: BinaryIO
    writer: BinaryIO


@contextlib.contextmanager
def reserved_stdio() -> Iterator[RpcStreams]:
    sys.stdout.flush()
    saved_in, saved_out = os.dup(0), os.dup(1)
    rpc_in_fd, rpc_out_fd = os.dup(0), os.dup(1)
    saved_stdout = sys.stdout
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(devnull, 0)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        with os.fdopen(rpc_in_fd, "rb") as reader, os.fdopen(rpc_out_fd, "wb") as writer:
            yield RpcStreams(reader=reader, writer=writer)
    finally:
        sys.stdout = saved_stdout
        for target, saved in ((0, saved_in), (1, saved_out)):
            with contextlib.suppress(OSError):
                os.dup2(saved, target)
            os.close(saved)
        os.close(devnull)
