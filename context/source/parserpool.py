"""Tag extraction for many files at once: in worker processes for a large batch, else in this thread.

Parsing is CPU-bound C code that holds the GIL, so threads do not help; the repo map's background
parse of a large repository (no tag cache yet) is spread over processes instead. Workers are started with ``spawn``
(safe next to the server's threads), their stdout is pointed at /dev/null before anything runs
(stdout is the JSON-RPC stream in the server), and they return packed tags (name counts and
marshalled rows, see :mod:`context.repomap.tagcache`), which are cheap to send back. Results are identical
to :func:`extract_packed` in-process, in the order asked.

    with ParserPool(workers) as pool:          # workers <= 1: no processes at all
        packed = pool.extract([(path, data), ...])
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType

from context.repomap.tagcache import CachedTags, pack
from context.source.languages import language_for_path
from context.source.symbols import extract_tags

log = logging.getLogger(__name__)

CHUNK_FILES = 8


def extract_packed(path: str, data: bytes) -> CachedTags:
    """The file's tags, packed; a file whose extraction fails is logged and indexed without tags."""
    language = language_for_path(path)
    if language is None:
        return pack([])
    try:
        return pack(extract_tags(data, language, path))
    except Exception:
        log.exception("tag extraction failed for %s; indexing it without tags", path)
        return pack([])


def _extract_pair(item: tuple[str, bytes]) -> CachedTags:
    return extract_packed(*item)


def _start_worker(nice: int) -> None:
    """Point stdout at /dev/null (it is the JSON-RPC stream in the server); lower the priority."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    if nice > 0:
        try:
            os.nice(nice)
        except OSError as exc:
            log.info("parser worker keeps its priority: %s", exc)


class ParserPool:
    """Extract tags in `workers` processes (created lazily, on the first batch that needs them), each
    run at `nice` (added niceness: the repo map's background parse yields to the editor's work)."""

    def __init__(self, workers: int, *, nice: int = 0) -> None:
        self._workers = workers
        self._nice = nice
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def extract(self, items: Sequence[tuple[str, bytes]]) -> list[CachedTags]:
        """Packed tags for each (path, bytes), in order."""
        if self._workers <= 1 or len(items) < 2:
            return [extract_packed(path, data) for path, data in items]
        if self._executor is None:
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                self._workers, mp_context=context, initializer=_start_worker, initargs=(self._nice,)
            )
        chunk = max(1, min(CHUNK_FILES, len(items) // self._workers))
        return list(self._executor.map(_extract_pair, items, chunksize=chunk))
