"""Garbage collection in the server: no full collection in the middle of indexing.

CPython's full collection (generation 2) walks every object the collector tracks while it holds
the interpreter lock, and no completion is answered during one; indexing a large workspace creates
objects fast enough to trigger them every few seconds (figures: bench/README.md, "Repo map at
scale").

    release = hold()                 # before indexing; automatic collection is off until released
    release()                        # idempotent
    with collections_paused(): ...   # the same, around a block
    freeze_long_lived()              # after start-up: what was imported will never be garbage

While any hold is active, automatic collection is off: reference counting still frees everything
but cycles. When the last hold ends, one collection frees the cycles made meanwhile, then what is
left is frozen (``gc.freeze``: later collections skip it; the index's records live until the next
index). A hold unfreezes first, so that a replaced repo map's cycles are collected at its end.
Both are process-wide: only the server (the process owner) uses this module.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_holds = 0
_was_enabled = True


def hold() -> Callable[[], None]:
    """Turn automatic collection off until the returned function is called (see the module docstring)."""
    global _holds, _was_enabled
    with _lock:
        if _holds == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
            gc.unfreeze()
        _holds += 1
    released = False

    def release() -> None:
        nonlocal released
        global _holds
        with _lock:
            if released:
                return
            released = True
            _holds -= 1
            if _holds:
                return
            started = time.perf_counter()
            found = gc.collect()
            gc.freeze()
            if _was_enabled:
                gc.enable()
        logger.info(
            "garbage collection resumed: %d objects collected in %.0f ms, %d frozen",
            found,
            1000 * (time.perf_counter() - started),
            gc.get_freeze_count(),
        )

    return release


@contextlib.contextmanager
def collections_paused() -> Iterator[None]:
    """:func:`hold` around a block."""
    release = hold()
    try:
        yield
    finally:
        release()


def freeze_long_lived() -> None:
    """Freeze what the process holds now (start-up: modules, the engine), unless a hold is active
    (its end freezes everything anyway)."""
    with _lock:
        if _holds == 0:
            gc.freeze()


def holding() -> bool:
    """Whether a hold is active (automatic collection is off)."""
    with _lock:
        return _holds > 0
