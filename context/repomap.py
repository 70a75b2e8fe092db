"""The repo map: the workspace's most relevant definitions, ranked and rendered under a token budget.

API (the LSP frontend, completion and the agent's tools use exactly this)::

    repo_map = RepoMap(root, cache_dir, extra_ignore=settings.context.extra_ignore, workers=None)
    report = await repo_map.index(progress=lambda done, total: ...)   # off the loop, resumable
    repo_map.update_file("pkg/mod.py", text)       # an open buffer changed (indexed from memory)
    repo_map.update_file("pkg/mod.py", None)       # saved/closed/deleted: re-read from disk
    text = repo_map.render(1024, focus_files=["pkg/mod.py"], open_files=[...], recent_files=[...],
                           mentioned_idents=["Session"], model="claude-...")
    repo_map.definitions("Session"); repo_map.references("Session")   # list[Tag], sorted

* ``index`` lists files (``git ls-files`` through :func:`context.files.list_workspace_files`), reads
  each supported source file, and takes its tags from the SQLite :class:`~context.tagcache.TagCache`
  when the content hash matches, parsing only the rest. It runs in a worker thread and publishes
  results in batches, so ``render`` and the lookups serve whatever is indexed so far. Cancelling the
  awaiting task stops the thread at the next batch; calling ``index`` again resumes (unchanged files
  cost a read and a hash). Files that vanished are dropped. Open buffers always win over disk. A
  cold start on a large workspace (``PARALLEL_MIN_FILES`` or more files to parse) spreads parsing
  over ``workers`` processes (default: the CPU count, at most ``MAX_WORKERS``; see
  :mod:`context.parserpool`).
* ``update_file`` re-extracts one file and updates the reference graph incrementally (only the
  identifiers that file touches); it is synchronous and costs one parse of that file.
* ``render`` is deterministic: the same indexed state and arguments give the same bytes, in any
  process (everything is sorted; edge weights are integers; see :mod:`context.rank`). Its result
  never exceeds ``budget_tokens`` as counted by :func:`context.tokens.count_tokens` for ``model``
  (see :mod:`context.maprender`). The focus files' own definitions are left out (the prompt already
  holds them). Results are cached until the next change.
* All public methods are thread-safe (one re-entrant lock around the in-memory index).

``cache_dir`` is where ``tags.sqlite`` lives (the server passes ``state_dir() / "cache"``); None
means no persistent cache. ``context`` imports nothing from ``server``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from context.files import is_ignored, list_workspace_files
from context.languages import language_for_path
from context.maprender import enclosing_chain, render_definitions
from context.parserpool import ParserPool, extract_packed
from context.rank import ReferenceGraph, personalised_pagerank, ranked_definitions
from context.secrets import is_secret_file
from context.symbols import Tag
from context.tagcache import CachedTags, TagCache, content_digest, decode_rows

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

MAX_FILE_BYTES = 1_000_000
MAX_AVERAGE_LINE_BYTES = 400
MINIFIED_CHECK_BYTES = 20_000
BATCH_FILES = 64
MAX_WORKERS = 8
PARALLEL_MIN_FILES = 256
RENDER_CACHE_SIZE = 32
FOCUS_WEIGHT = 1.0
OPEN_WEIGHT = 0.5
RECENT_WEIGHT = 0.3
MENTIONED_PATH_WEIGHT = 0.3


@dataclass(frozen=True)
class IndexReport:
    """What one ``index`` run did."""

    total: int
    parsed: int
    from_cache: int
    unchanged: int
    removed: int
    skipped: int
    complete: bool


class FileRecord:
    """One file as indexed: its name counts (enough to rank) and its tags, decoded on first use."""

    __slots__ = ("_defs", "_tags", "def_counts", "digest", "path", "ref_counts", "rows")

    def __init__(self, path: str, digest: str, packed: CachedTags, tags: list[Tag] | None = None) -> None:
        self.path = path
        self.digest = digest
        self.def_counts = packed.def_counts
        self.ref_counts = packed.ref_counts
        self.rows = packed.rows
        self._tags = tags
        self._defs: list[Tag] | None = None

    @property
    def tags(self) -> list[Tag]:
        """All tags, sorted by position (decoded once; records are never mutated otherwise)."""
        if self._tags is None:
            self._tags = decode_rows(self.path, self.rows)
        return self._tags

    @property
    def defs(self) -> list[Tag]:
        if self._defs is None:
            self._defs = [tag for tag in self.tags if tag.role == "def"]
        return self._defs

    def definitions_with_chain(self, name: str) -> list[tuple[Tag, tuple[Tag, ...]]]:
        """Each definition of `name` with its enclosing definitions (outermost first, itself last)."""
        defs = self.defs
        found: list[tuple[Tag, tuple[Tag, ...]]] = []
        for i, tag in enumerate(defs):
            if tag.name == name:
                found.append((tag, (*enclosing_chain(defs, i), tag)))
        return found


def _read_source(path: Path) -> bytes | None:
    """The file's bytes, or None (with a log line) when it is too large, binary, minified or unreadable.

    Minified or generated one-liners (``jquery.js``, search indexes: files of 20 KB or more whose
    lines average over MAX_AVERAGE_LINE_BYTES) cost as much to parse as a large module and name
    nothing a person would look up; they are left out of the map.
    """
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            log.info("repo map skips %s: larger than %d bytes", path, MAX_FILE_BYTES)
            return None
        data = path.read_bytes()
    except OSError as exc:
        log.info("repo map skips %s: %s", path, exc)
        return None
    if b"\0" in data[:8192]:
        log.info("repo map skips %s: binary", path)
        return None
    if len(data) >= MINIFIED_CHECK_BYTES and len(data) > MAX_AVERAGE_LINE_BYTES * (data.count(b"\n") + 1):
        log.info("repo map skips %s: lines average over %d bytes (minified or generated)", path, MAX_AVERAGE_LINE_BYTES)
        return None
    return data


class RepoMap:
    """Tags of every supported file in a workspace, a reference graph, and ranked rendering."""

    def __init__(
        self, root: Path, cache_dir: Path | None, *, extra_ignore: Sequence[str] = (), workers: int | None = None
    ) -> None:
        self.root = root.resolve()
        self._workers = workers if workers is not None else min(os.cpu_count() or 1, MAX_WORKERS)
        self._extra_ignore = tuple(extra_ignore)
        self._cache = TagCache(cache_dir / "tags.sqlite", self.root) if cache_dir is not None else None
        self._lock = threading.RLock()
        self._index_lock = threading.Lock()
        self._stop = threading.Event()
        self._records: dict[str, FileRecord] = {}
        self._buffers: dict[str, str] = {}
        self._graph = ReferenceGraph()
        self._generation = 0
        self._renders: OrderedDict[tuple[object, ...], str] = OrderedDict()
        self._accepted: dict[str, bool] = {}

    # -- indexing -------------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        """Bumped on every change of the indexed state (cache key for callers)."""
        return self._generation

    @property
    def file_count(self) -> int:
        with self._lock:
            return len(self._records)

    async def index(self, progress: Progress | None = None) -> IndexReport:
        """Index the workspace in a worker thread (see the module docstring)."""
        self._stop.clear()
        try:
            return await asyncio.to_thread(self.index_sync, progress)
        except asyncio.CancelledError:
            self._stop.set()
            raise

    def stop_indexing(self) -> None:
        """Ask a running index to stop after the current file (it can be resumed)."""
        self._stop.set()

    def index_sync(self, progress: Progress | None = None) -> IndexReport:
        """The blocking body of :meth:`index`, for threads and the command line."""
        with self._index_lock:
            self._accepted = {}  # ignore files may have changed
            listed = list_workspace_files(self.root, extra_ignore=self._extra_ignore)
            paths = [path for path in listed if language_for_path(path) is not None]
            with self._lock:
                gone = sorted(set(self._records) - set(paths) - set(self._buffers))
                for path in gone:
                    self._remove(path)
            if self._cache is not None:
                self._cache.delete(gone)
            counts = Counter[str]()
            total = len(paths)
            if progress is not None:
                progress(0, total)
            parallel = self._workers > 1 and total - len(self._records) >= PARALLEL_MIN_FILES
            batch = BATCH_FILES * (4 if parallel else 1)
            with ParserPool(self._workers if parallel else 1) as pool:
                for start in range(0, total, batch):
                    if self._stop.is_set():
                        return self._report(total, counts, gone, complete=False)
                    self._index_batch(paths[start : start + batch], counts, pool)
                    if progress is not None:
                        progress(min(start + batch, total), total)
            with self._lock:
                self._graph.edge_arrays()  # settle the graph here, in the worker, not in the first render
            return self._report(total, counts, gone, complete=True)

    @staticmethod
    def _report(total: int, counts: Counter[str], gone: list[str], *, complete: bool) -> IndexReport:
        return IndexReport(
            total, counts["parsed"], counts["cached"], counts["unchanged"], len(gone), counts["skipped"], complete
        )

    def _index_batch(self, paths: list[str], counts: Counter[str], pool: ParserPool) -> None:
        contents: dict[str, tuple[str, bytes]] = {}
        for path in paths:
            if path in self._buffers:
                counts["unchanged"] += 1
                continue
            data = _read_source(self.root / path)
            if data is None:
                counts["skipped"] += 1
                with self._lock:
                    self._remove(path)
                continue
            digest = content_digest(data)
            record = self._records.get(path)
            if record is not None and record.digest == digest:
                counts["unchanged"] += 1
                continue
            contents[path] = (digest, data)
        cached = self._cache.get_many({p: d for p, (d, _) in contents.items()}) if self._cache else {}
        misses = sorted(path for path in contents if path not in cached)
        extracted = dict(zip(misses, pool.extract([(path, contents[path][1]) for path in misses]), strict=True))
        counts["parsed"] += len(misses)
        counts["cached"] += len(cached)
        fresh = [
            FileRecord(path, digest, cached[path] if path in cached else extracted[path])
            for path, (digest, _) in sorted(contents.items())
        ]
        if self._cache is not None:
            self._cache.put_many(
                (r.path, r.digest, CachedTags(r.def_counts, r.ref_counts, r.rows))
                for r in fresh
                if r.path not in cached
            )
        with self._lock:
            for record in fresh:
                if record.path not in self._buffers:
                    self._install(record)

    def _install(self, record: FileRecord) -> None:
        self._graph.replace_file(record.path, record.def_counts, record.ref_counts)
        self._records[record.path] = record
        self._changed()

    def _remove(self, path: str) -> None:
        if self._records.pop(path, None) is not None:
            self._graph.replace_file(path, {}, {})
            self._changed()

    def _changed(self) -> None:
        self._generation += 1
        self._renders.clear()

    # -- incremental updates --------------------------------------------------------------------

    def _accepts(self, rel_path: str) -> bool:
        """Whether the map takes this path (memoised per path: ``is_ignored`` may run git)."""
        if rel_path in self._records:
            return True
        decision = self._accepted.get(rel_path)
        if decision is None:
            decision = self._accepted[rel_path] = self._check_path(rel_path)
        return decision

    def _check_path(self, rel_path: str) -> bool:
        pure = PurePosixPath(rel_path)
        if pure.is_absolute() or ".." in pure.parts or language_for_path(rel_path) is None:
            return False
        if is_secret_file(rel_path):
            return False
        return not is_ignored(self.root, rel_path, extra_ignore=self._extra_ignore)

    def update_file(self, rel_path: str, text: str | None) -> bool:
        """Re-index one file: from `text` (an open buffer) or, with None, from disk (saved, closed or
        deleted). Returns whether the indexed state changed. Ignored and unsupported files are left out."""
        if not self._accepts(rel_path):
            return False
        if text is None:
            with self._lock:
                self._buffers.pop(rel_path, None)
            data = _read_source(self.root / rel_path)
            if data is None:
                with self._lock:
                    before = self._generation
                    self._remove(rel_path)
                    return self._generation != before
        else:
            data = text.encode("utf-8", errors="surrogatepass")
        digest = content_digest(data)
        with self._lock:
            record = self._records.get(rel_path)
            if text is not None:
                self._buffers[rel_path] = text
            if record is not None and record.digest == digest:
                return False
        packed = None
        if text is None and self._cache is not None:
            packed = self._cache.get_many({rel_path: digest}).get(rel_path)
        if packed is None:
            packed = extract_packed(rel_path, data)
            if text is None and self._cache is not None:
                self._cache.put_many([(rel_path, digest, packed)])
        with self._lock:
            if text is None and rel_path in self._buffers:
                return False
            self._install(FileRecord(rel_path, digest, packed))
        return True

    def source_text(self, rel_path: str) -> str | None:
        """The file's current text: the open buffer when there is one, else the disk (None if unreadable)."""
        with self._lock:
            if rel_path in self._buffers:
                return self._buffers[rel_path]
        data = _read_source(self.root / rel_path)
        return None if data is None else data.decode("utf-8", errors="replace")

    # -- lookups --------------------------------------------------------------------------------

    def definitions(self, name: str) -> list[Tag]:
        """Every indexed definition of `name`, sorted by path and position."""
        with self._lock:
            paths = sorted(self._graph.defines.get(name, ()))
            return [tag for path in paths for tag in self._records[path].defs if tag.name == name]

    def references(self, name: str) -> list[Tag]:
        """Every indexed reference to `name`, sorted by path and position."""
        with self._lock:
            paths = sorted(self._graph.references.get(name, ()))
            return [t for p in paths for t in self._records[p].tags if t.name == name and t.role == "ref"]

    def records(self) -> list[FileRecord]:
        """The indexed files, sorted by path (records are replaced, never mutated: safe to keep)."""
        with self._lock:
            return [self._records[path] for path in sorted(self._records)]

    # -- rendering ------------------------------------------------------------------------------

    def render(
        self,
        budget_tokens: int,
        *,
        focus_files: Iterable[str] = (),
        open_files: Iterable[str] = (),
        recent_files: Iterable[str] = (),
        mentioned_idents: Iterable[str] = (),
        model: str | None = None,
    ) -> str:
        """The map under `budget_tokens` (see the module docstring)."""
        focus = tuple(sorted(set(focus_files)))
        opened = tuple(sorted(set(open_files)))
        recent = tuple(sorted(set(recent_files)))
        mentioned = tuple(sorted(set(mentioned_idents)))
        with self._lock:
            key = (self._generation, budget_tokens, focus, opened, recent, mentioned, model)
            if (hit := self._renders.get(key)) is not None:
                self._renders.move_to_end(key)
                return hit
            personalization = self._personalization(focus, opened, recent, mentioned)
            ranking = personalised_pagerank(self._graph, personalization, focus=focus, mentioned=mentioned)
            records = self._records

            def definitions_of(path: str, name: str) -> list[tuple[Tag, tuple[Tag, ...]]]:
                return records[path].definitions_with_chain(name)

            text = render_definitions(ranked_definitions(ranking, exclude=focus), definitions_of, budget_tokens, model)
            self._renders[key] = text
            if len(self._renders) > RENDER_CACHE_SIZE:
                self._renders.popitem(last=False)
            return text

    def _personalization(
        self, focus: Sequence[str], opened: Sequence[str], recent: Sequence[str], mentioned: Sequence[str]
    ) -> dict[str, float]:
        weights: dict[str, float] = {}
        for paths, weight in ((focus, FOCUS_WEIGHT), (opened, OPEN_WEIGHT), (recent, RECENT_WEIGHT)):
            for path in paths:
                if path in self._records:
                    weights[path] = max(weights.get(path, 0.0), weight)
        if mentioned:
            wanted = {name.lower() for name in mentioned}
            for path in sorted(self._records):
                stem = PurePosixPath(path).stem.lower()
                if stem in wanted:
                    weights[path] = max(weights.get(path, 0.0), MENTIONED_PATH_WEIGHT)
        return weights
