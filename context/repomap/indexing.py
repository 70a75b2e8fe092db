"""Building the repo map's lexical index: phase 1 (``index``) and phase 2 (``parse_remaining``).

:class:`Indexer` is the part of :class:`~context.repomap.index.RepoMap` that lists the workspace,
reads, hashes and lexes its files (or takes their lexical names from the
:class:`~context.repomap.tagcache.TagCache`) and installs the records in batches of BATCH_FILES into
the shared :class:`MapIndex`; on a cold start of PARALLEL_MIN_FILES or more files a lexing helper
process takes a share (:mod:`context.repomap.workers`, work stealing STEAL_FILES at a time:
:mod:`context.repomap.lex_helper`), with identical results. Both phases stop at the next batch once
`stop` is set and resume when run again; the map's contract is in :mod:`context.repomap.index`.

The index is mutated only under ``MapIndex.lock`` and only through ``install`` / ``remove``; open
buffers always win over disk. One phase 1 and one phase 2 run at a time (each has its own lock).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from context.repomap.graph import ReferenceGraph
from context.repomap.lex_helper import LexJob
from context.repomap.records import FileRecord, IndexReport, Progress, TagLoader, read_source
from context.repomap.tagcache import LexicalWrites, TagCache, content_digest
from context.repomap.workers import MapWorkers
from context.safety.files import list_workspace_files

__all__ = ["BATCH_FILES", "PARALLEL_MIN_FILES", "STEAL_FILES", "Indexer", "MapIndex"]

BATCH_FILES = 64
STEAL_FILES = 2  # files taken back from the lexing helper at a time, once this process's share is done
PARALLEL_MIN_FILES = 256

LexicalNames = tuple[dict[str, int], dict[str, int]]


@dataclass(frozen=True)
class MapIndex:
    """The map's in-memory index, shared with its owner: read and mutate it under `lock` only, and
    mutate it only through `install` and `remove`. `new_record` and `lex` build what is installed."""

    lock: threading.RLock
    records: dict[str, FileRecord]
    buffers: dict[str, str]
    graph: ReferenceGraph
    install: Callable[[FileRecord], None]
    remove: Callable[[str], None]
    new_record: Callable[[str, str, dict[str, int], dict[str, int]], FileRecord]
    lex: Callable[[str, bytes], LexicalNames]


class Indexer:
    """Phase 1 and phase 2 of a :class:`~context.repomap.index.RepoMap` (see the module docstring)."""

    def __init__(
        self,
        root: Path,
        index: MapIndex,
        cache: TagCache | None,
        loader: TagLoader,
        helpers: MapWorkers,
        *,
        workers: int,
        extra_ignore: Sequence[str],
        language: Callable[[str], str | None],
        stop: threading.Event,
    ) -> None:
        self._root = root
        self._index = index
        self._cache = cache
        self._loader = loader
        self._helpers = helpers
        self._workers = workers
        self._extra_ignore = tuple(extra_ignore)
        self._language = language
        self._stop = stop
        self._index_lock = threading.Lock()
        self._parse_lock = threading.Lock()
        self._known: set[str] = set()  # paths with a cached lexical row (any content), per index run
        self._writes = LexicalWrites(None)
        self.running = False  # phase 1 is under way

    def index(self, progress: Progress | None, before: Callable[[], None]) -> IndexReport:
        """Phase 1, blocking; `before` runs first, once no other phase 1 runs."""
        with self._index_lock:
            self._helpers.stop()
            self.running = True
            before()
            self._known = self._cache.lexical_paths() if self._cache is not None else set()
            early = self._helpers.start_lexing() if self._cold_start() else None  # it starts while git lists
            job: LexJob | None = None
            self._writes = LexicalWrites(self._cache)
            try:
                paths, gone = self._list()
                job, offloaded = self._offload(paths, early)
                early = None
                counts = Counter[str]()
                total = len(paths)
                mine = [path for path in paths if path not in offloaded] if offloaded else paths
                if progress is not None:
                    progress(0, total)
                for start in range(0, len(mine), BATCH_FILES):
                    if self._stop.is_set():
                        return IndexReport.of(total, counts, gone, complete=False)
                    self._index_batch(mine[start : start + BATCH_FILES], counts)
                    if job is not None:
                        self._install_helper_chunks(job, counts, wait=False)
                    if progress is not None:
                        progress(min(start + BATCH_FILES, len(mine)), total)
                if job is not None:
                    self._index_offloaded(job, counts)
                    job = None
                    self._helpers.start_parsing(paths)  # it warms up while we build the graph
                    if self._stop.is_set():
                        return IndexReport.of(total, counts, gone, complete=False)
                    if progress is not None:
                        progress(total, total)
                with self._index.lock:
                    self._index.graph.edge_arrays()  # settle the graph here, in the worker, not in the first render
                return IndexReport.of(total, counts, gone, complete=True)
            finally:
                self.running = False
                self._writes.close()
                for unused in (early, job):
                    if unused is not None:
                        unused.cancel()

    def _list(self) -> tuple[list[str], list[str]]:
        """The workspace's supported files, and the indexed ones that vanished (dropped here)."""
        listed = list_workspace_files(self._root, extra_ignore=self._extra_ignore)
        paths = [path for path in listed if self._language(path) is not None]
        index = self._index
        with index.lock:
            gone = sorted(set(index.records) - set(paths) - set(index.buffers))
            for path in gone:
                index.remove(path)
        if self._cache is not None:
            self._cache.delete(gone)
        return paths, gone

    def parse_remaining(self, records: Callable[[], list[FileRecord]], progress: Progress | None) -> int:
        """Phase 2, blocking: fill the tags of every record `records` gives (:meth:`TagLoader.fill_all`);
        returns how many got their tags. Stops the parsing helper when it ends."""
        try:
            with self._parse_lock:
                with self._index.lock:
                    updates = self._index.graph.pending_updates()
                updates.build()  # what the first edit would need, without the index lock
                with self._index.lock:
                    self._index.graph.prepare_updates(updates)  # O(1) unless the graph changed meanwhile
                pending = [record for record in records() if not record.parsed]
                parallel = self._workers > 1 and len(pending) >= PARALLEL_MIN_FILES
                return self._loader.fill_all(pending, self._workers if parallel else 1, self._stop.is_set, progress)
        finally:
            self._helpers.stop()

    def _cold_start(self) -> bool:
        """Nothing indexed and nothing cached: the lexing helper will have work (start it early)."""
        return self._workers > 1 and not self._index.records and not self._known

    def _offload(self, paths: list[str], early: LexJob | None) -> tuple[LexJob | None, set[str]]:
        """The helper's share of `paths` (files with no record, buffer or cached lexical names), sent to
        it; (None, empty) when too few files need lexing (the early helper is then stopped)."""
        job = early
        if self._workers > 1:
            known, index = self._known, self._index
            with index.lock:
                fresh = [p for p in paths if p not in index.records and p not in index.buffers and p not in known]
            if len(fresh) >= PARALLEL_MIN_FILES:
                job = job if job is not None else self._helpers.start_lexing()
                if job is not None:
                    return job, self._helpers.submit_lexing(job, fresh)
        if job is not None:
            job.cancel()
        return None, set()

    def _index_offloaded(self, job: LexJob, counts: Counter[str]) -> None:
        """Install the helper's results as they arrive while lexing its files here from the end of its
        list (work stealing: see :mod:`context.repomap.lex_helper`); what it did not lex (a failure, a file it
        rejected) is indexed here."""
        while not self._stop.is_set() and (stolen := job.steal(STEAL_FILES)):
            self._index_batch(stolen, counts)
            self._install_helper_chunks(job, counts, wait=False)
        self._install_helper_chunks(job, counts, wait=True)
        left = job.unanswered
        for start in range(0, len(left), BATCH_FILES):
            if self._stop.is_set():
                return
            self._index_batch(left[start : start + BATCH_FILES], counts)

    def _install_helper_chunks(self, job: LexJob, counts: Counter[str], *, wait: bool) -> None:
        index = self._index
        for chunk in job.chunks(self._stop.is_set, wait=wait):
            self._index_batch(sorted(path for path, lexed in chunk.items() if lexed is None), counts)
            done = [(path, lexed) for path, lexed in chunk.items() if lexed is not None]
            counts["parsed"] += len(done)
            self._writes.put([(path, digest, (defs, refs)) for path, (digest, defs, refs) in done])
            with index.lock:
                for path, (digest, defs, refs) in done:
                    if path not in index.buffers:
                        index.install(index.new_record(path, digest, defs, refs))

    def _index_batch(self, paths: list[str], counts: Counter[str]) -> None:
        index = self._index
        contents: dict[str, tuple[str, bytes]] = {}
        for path in paths:
            if path in index.buffers:
                counts["unchanged"] += 1
                continue
            data = read_source(os.path.join(self._root, path))  # noqa: PTH118 - a string, for every file
            if data is None:
                counts["skipped"] += 1
                with index.lock:
                    index.remove(path)
                continue
            digest = content_digest(data)
            record = index.records.get(path)
            if record is not None and record.digest == digest:
                counts["unchanged"] += 1
                continue
            contents[path] = (digest, data)
        cache = self._cache
        known = self._known
        wanted = {p: d for p, (d, _) in contents.items() if p in known}
        cached = cache.get_lexical_many(wanted) if cache is not None and wanted else {}
        fresh: list[FileRecord] = []
        lexed: list[tuple[str, str, LexicalNames]] = []
        for path, (digest, data) in sorted(contents.items()):
            names = cached.get(path)
            if names is None:
                names = index.lex(path, data)
                lexed.append((path, digest, names))
            fresh.append(index.new_record(path, digest, *names))
        counts["parsed"] += len(lexed)
        counts["cached"] += len(cached)
        self._writes.put(lexed)
        with index.lock:
            for record in fresh:
                if record.path not in index.buffers:
                    index.install(record)
