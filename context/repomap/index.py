"""The repo map: the workspace's most relevant definitions, ranked and rendered under a token budget.

API (the LSP frontend, completion and the agent's tools use exactly this)::

    repo_map = RepoMap(root, cache_dir, extra_ignore=settings.context.extra_ignore, workers=None)
    report = await repo_map.index(progress=lambda done, total: ...)   # off the loop, resumable
    repo_map.update_file("pkg/mod.py", text)       # an open buffer changed (indexed from memory)
    repo_map.update_file("pkg/mod.py", None)       # saved/closed/deleted: re-read from disk
    text = repo_map.render(1024, focus_files=["pkg/mod.py"], open_files=[...], recent_files=[...],
                           mentioned_idents=["Session"], model="claude-...")
    text = repo_map.render_ready(512, focus_files=["pkg/mod.py"])  # completions: never waits long
    repo_map.definitions("Session"); repo_map.references("Session")   # list[Tag], sorted
    await repo_map.parse_remaining()    # phase 2, in the background: every file's tags into the cache

Ranking inputs are lexical, for every file, always; syntax trees are parsed on demand and cached.

* ``index`` (phase 1, in a worker thread; :mod:`context.repomap.indexing`) lists files
  (:func:`context.safety.files.list_workspace_files`),
  reads and hashes each supported source file and takes its lexical name counts
  (:func:`context.repomap.lexical.lexical_names`) from the :class:`~context.repomap.tagcache.TagCache`
  when the content hash matches, lexing only the rest, into the
  :class:`~context.repomap.graph.ReferenceGraph`. No file is parsed. On a cold start of
  PARALLEL_MIN_FILES or more files, helper processes share the work (:mod:`context.repomap.workers`;
  results identical). Results are published in batches: ``render`` and the lookups serve whatever is
  indexed so far. Cancelling stops at the next batch; ``index`` again resumes. Files that vanished
  are dropped. Open buffers always win over disk.
* Tags (tree-sitter) are loaded per file on first use, definitions alone more cheaply
  (:mod:`context.repomap.records`); ``render`` loads only the files it shows. ``parse_remaining`` (phase
  2) fills every record's tags in the background, over ``workers`` niced processes when
  PARALLEL_MIN_FILES or more need parsing (default: the CPU count, at most MAX_WORKERS); stopped like
  ``index``; then the parsing helper stops. ``parse_count`` counts parses in this process.
* ``definitions(name)`` / ``references(name)``: the candidate files come from the lexical index
  (files that define / mention `name`), then their tags are filtered (``role == "def"`` / ``"ref"``
  and the exact name), so the answers are the same whether or not phase 2 has run. A definition
  tree-sitter finds but the lexer does not is not ranked or listed; a lexical definition tree-sitter
  does not confirm (a ``def`` in a docstring) is ranked but renders nothing.
* ``update_file`` re-lexes one file and updates the reference graph incrementally (only the
  identifiers that file touches), synchronously; its tags are loaded again on next use.
* ``render`` (:mod:`context.repomap.render`) is deterministic: the same indexed state and arguments
  give the same bytes, in any process, whatever is cached or parsed already and whoever parsed it
  (ranking depends only on the lexical names, the text only on the rendered files' tags; everything
  is sorted; edge weights are integers: :mod:`context.repomap.graph`). It never exceeds ``budget_tokens`` as
  counted by :func:`context.tokens.count_tokens` for ``model`` (:mod:`context.repomap.outline`). Results
  are cached until the next change; ``render_ready`` may give the last one (see RenderCache).
* All public methods are thread-safe (one re-entrant lock around the in-memory index).

``cache_dir`` is where ``tags.sqlite`` lives (the server passes ``state_dir() / "cache"``); None
means no persistent cache. ``context`` imports nothing from ``server``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from context.repomap.graph import ReferenceGraph
from context.repomap.indexing import Indexer, MapIndex
from context.repomap.lexical import safe_lexical_names
from context.repomap.records import FileRecord, IndexReport, Progress, TagLoader, read_source
from context.repomap.render import MapRequest, RenderCache, render_map
from context.repomap.tagcache import TagCache, content_digest
from context.repomap.workers import MapWorkers
from context.safety.files import is_ignored
from context.source.languages import language_for_path
from context.source.symbols import Tag

__all__ = ["FileRecord", "IndexReport", "Progress", "RepoMap"]

log = logging.getLogger(__name__)

_T = TypeVar("_T")

MAX_WORKERS = 8


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
        self._stop = threading.Event()
        self._records: dict[str, FileRecord] = {}
        self._buffers: dict[str, str] = {}  # open buffers, least recently changed first
        self._paths: tuple[int, frozenset[str]] = (-1, frozenset())
        self._graph = ReferenceGraph()
        self._generation = 0
        self._renders = RenderCache(self._render)
        self._accepted: dict[str, bool] = {}
        self._language = functools.cache(language_for_path)  # asked several times per file by a cold index
        self._loader = TagLoader(self.root, self._cache, self._buffer_text)
        self.helpers = MapWorkers(self.root, self._language)
        index = MapIndex(
            lock=self._lock,
            records=self._records,
            buffers=self._buffers,
            graph=self._graph,
            install=self._install,
            remove=self._remove,
            new_record=self._new_record,
            lex=self._lex,
        )
        self._indexer = Indexer(
            self.root,
            index,
            self._cache,
            self._loader,
            self.helpers,
            workers=self._workers,
            extra_ignore=self._extra_ignore,
            language=self._language,
            stop=self._stop,
        )

    # -- indexing -------------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        """Bumped on every change of the indexed state (cache key for callers)."""
        return self._generation

    @property
    def parse_count(self) -> int:
        """How many files were parsed with tree-sitter so far (on demand or by ``parse_remaining``)."""
        return self._loader.parses

    @property
    def file_count(self) -> int:
        return len(self._records)  # no lock: the completion path asks, and a render may hold it

    async def index(self, progress: Progress | None = None) -> IndexReport:
        """Index the workspace in a worker thread (see the module docstring)."""
        return await self._in_thread(self.index_sync, progress)

    async def _in_thread(self, body: Callable[[Progress | None], _T], progress: Progress | None) -> _T:
        """Run `body` in a worker thread; cancelling the caller stops it at its next batch."""
        self._stop.clear()
        try:
            return await asyncio.to_thread(body, progress)
        except asyncio.CancelledError:
            self._stop.set()
            raise

    def stop_indexing(self) -> None:
        """Ask a running index or background parse to stop after the current batch (both resume)."""
        self._stop.set()

    def index_sync(self, progress: Progress | None = None) -> IndexReport:
        """The blocking body of :meth:`index`, for threads and the command line."""
        return self._indexer.index(progress, before=self._forget_acceptance)

    async def parse_remaining(self, progress: Progress | None = None) -> int:
        """Phase 2: fill every record's tags in a worker thread (see the module docstring)."""
        return await self._in_thread(self.parse_remaining_sync, progress)

    def parse_remaining_sync(self, progress: Progress | None = None) -> int:
        """The blocking body of :meth:`parse_remaining` (:meth:`TagLoader.fill_all`); returns how many
        records got their tags. Runs beside ``index`` (a replaced record's tags are simply not used)
        and renders (which use the parsing helper until this ends)."""
        return self._indexer.parse_remaining(self.records, progress)

    def _lex(self, path: str, data: bytes) -> tuple[dict[str, int], dict[str, int]]:
        language = self._language(path)
        return safe_lexical_names(data, language) if language is not None else ({}, {})

    def _new_record(self, path: str, digest: str, defs: dict[str, int], refs: dict[str, int]) -> FileRecord:
        return FileRecord(path, digest, defs, refs, self._loader.load_rows, self._loader.load_defs)

    def _buffer_text(self, rel_path: str) -> str | None:
        with self._lock:
            return self._buffers.get(rel_path)

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
        self._renders.forget_current()

    # -- incremental updates --------------------------------------------------------------------

    def _forget_acceptance(self) -> None:
        self._accepted = {}  # ignore files may have changed

    def _accepts(self, rel_path: str) -> bool:
        """Whether the map takes this path (memoised per path: ``is_ignored`` may run git)."""
        if rel_path in self._records:
            return True
        decision = self._accepted.get(rel_path)
        if decision is None:  # is_ignored also refuses paths outside the root and secret files
            decision = language_for_path(rel_path) is not None and not is_ignored(
                self.root, rel_path, extra_ignore=self._extra_ignore
            )
            self._accepted[rel_path] = decision
        return decision

    def update_file(self, rel_path: str, text: str | None) -> bool:
        """Re-index one file: from `text` (an open buffer) or, with None, from disk (saved, closed or
        deleted). Returns whether the indexed state changed. Ignored and unsupported files are left out."""
        if not self._accepts(rel_path):
            return False
        if text is None:
            with self._lock:
                self._buffers.pop(rel_path, None)
            data = read_source(self.root / rel_path)
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
                self._buffers.pop(rel_path, None)  # re-inserted: the most recently changed is last
                self._buffers[rel_path] = text
            if record is not None and record.digest == digest:
                return False
        def_counts, ref_counts = self._lex(rel_path, data)
        with self._lock:
            if text is None and rel_path in self._buffers:
                return False
            self._install(self._new_record(rel_path, digest, def_counts, ref_counts))
        return True

    def source_text(self, rel_path: str) -> str | None:
        """The file's current text: the open buffer when there is one, else the disk (None if unreadable)."""
        with self._lock:
            if rel_path in self._buffers:
                return self._buffers[rel_path]
        data = read_source(self.root / rel_path)
        return None if data is None else data.decode("utf-8", errors="replace")

    # -- lookups --------------------------------------------------------------------------------

    def definitions(self, name: str) -> list[Tag]:
        """Every definition of `name` in the files the lexical index says define it, sorted by path
        and position (their tags are loaded as needed, outside the index lock)."""
        with self._lock:
            records = [self._records[path] for path in self._graph.definers(name)]
        return [tag for record in records for tag in record.defs if tag.name == name]

    def references(self, name: str) -> list[Tag]:
        """Every reference tag to `name` in the files the lexical index says mention it, sorted."""
        with self._lock:
            records = [self._records[path] for path, _ in self._graph.referencers(name)]
        return [tag for record in records for tag in record.tags if tag.name == name and tag.role == "ref"]

    def paths(self) -> frozenset[str]:
        """The indexed paths (one set per indexed generation: cheap to ask on every completion)."""
        with self._lock:
            if self._paths[0] != self._generation:
                self._paths = (self._generation, frozenset(self._records))
            return self._paths[1]

    def file_definitions(self, rel_path: str) -> list[Tag]:
        """The definitions of one indexed file, in file order ([] when it is not indexed)."""
        with self._lock:
            record = self._records.get(rel_path)
        return list(record.defs) if record is not None else []

    def reference_file_count(self, name: str) -> int:
        """How many indexed files reference `name` (lexically): how widely a name is used."""
        with self._lock:
            return self._graph.reference_file_count(name)

    def file_digest(self, rel_path: str) -> str | None:
        """The content digest of an indexed file (None when it is not indexed)."""
        with self._lock:
            record = self._records.get(rel_path)
        return record.digest if record is not None else None

    def recent_buffers(self) -> list[tuple[str, str]]:
        """The open buffers as (path, text), the most recently changed first."""
        with self._lock:
            return [(path, self._buffers[path]) for path in reversed(self._buffers)]

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
        """The map under `budget_tokens` (see the module docstring and :mod:`context.repomap.render`)."""
        return self._render(
            MapRequest.of(
                budget_tokens,
                focus_files=focus_files,
                open_files=open_files,
                recent_files=recent_files,
                mentioned_idents=mentioned_idents,
                model=model,
            )
        )

    def render_ready(
        self, budget_tokens: int, *, focus_files: Iterable[str] = (), model: str | None = None
    ) -> str | None:
        """The completion path's map: never waits for a slow render (:meth:`RenderCache.ready`)."""
        request = MapRequest.of(budget_tokens, focus_files=focus_files, model=model)
        return self._renders.ready(self._generation, request, len(self._records), refresh=not self._indexer.running)

    def _render(self, request: MapRequest) -> str:
        with self._lock:
            generation = self._generation
            if (hit := self._renders.get(generation, request)) is not None:
                return hit
            helper, is_buffer = self.helpers.parsing, self._buffers.__contains__
            rendered = render_map(self._graph, self._records, request, helper, is_buffer, self._language, self._cache)
            self._renders.put(generation, request, rendered.text, rendered.ranking_seconds, len(self._records))
            return rendered.text
