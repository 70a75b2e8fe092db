"""One render of the repo map from the indexed state: personalization, ranking, then definitions
under the budget (parsed ahead on the parsing helper when one runs).

    request = MapRequest.of(1024, focus_files=[...], open_files=[...], recent_files=[...],
                            mentioned_idents=[...], model=None)     # normalised: sorted, no repeats
    rendered = render_map(graph, records, request, helper, is_buffer, language_of, cache)  # .text
    renders = RenderCache(render)   # cached maps; renders.ready(...): without waiting (completions)

Personalization (the teleport weights of :func:`context.repomap.pagerank.personalised_pagerank`): the focus
files FOCUS_WEIGHT, open files OPEN_WEIGHT, recently edited files RECENT_WEIGHT, and files whose stem
is a mentioned identifier (``session.py`` for ``Session``) MENTIONED_PATH_WEIGHT; a file in several
roles gets the highest. The focus files' own definitions are left out (the prompt holds them).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TypeVar

from context.repomap.graph import ReferenceGraph
from context.repomap.outline import render_definitions
from context.repomap.pagerank import personalised_pagerank, ranked_definitions
from context.repomap.parse_helper import DefinitionsHelper
from context.repomap.prefetch import RenderPrefetch
from context.repomap.records import FileRecord
from context.repomap.tagcache import TagCache
from context.source.symbols import Tag

log = logging.getLogger(__name__)

FOCUS_WEIGHT = 1.0
OPEN_WEIGHT = 0.5
RECENT_WEIGHT = 0.3
MENTIONED_PATH_WEIGHT = 0.3


def _normalised(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(items)))


@dataclass(frozen=True)
class MapRequest:
    """What a render is asked (hashable: the render cache's key, with the index generation)."""

    budget: int
    focus: tuple[str, ...] = ()
    opened: tuple[str, ...] = ()
    recent: tuple[str, ...] = ()
    mentioned: tuple[str, ...] = ()
    model: str | None = None

    @classmethod
    def of(
        cls,
        budget: int,
        *,
        focus_files: Iterable[str] = (),
        open_files: Iterable[str] = (),
        recent_files: Iterable[str] = (),
        mentioned_idents: Iterable[str] = (),
        model: str | None = None,
    ) -> MapRequest:
        return cls(
            budget,
            _normalised(focus_files),
            _normalised(open_files),
            _normalised(recent_files),
            _normalised(mentioned_idents),
            model,
        )


def personalization(paths: Collection[str], request: MapRequest) -> dict[str, float]:
    """Teleport weights for the indexed `paths` (see the module docstring)."""
    weights: dict[str, float] = {}
    roles = ((request.focus, FOCUS_WEIGHT), (request.opened, OPEN_WEIGHT), (request.recent, RECENT_WEIGHT))
    for role_paths, weight in roles:
        for path in role_paths:
            if path in paths:
                weights[path] = max(weights.get(path, 0.0), weight)
    if request.mentioned:
        wanted = {name.lower() for name in request.mentioned}
        for path in sorted(paths):
            if PurePosixPath(path).stem.lower() in wanted:
                weights[path] = max(weights.get(path, 0.0), MENTIONED_PATH_WEIGHT)
    return weights


@dataclass(frozen=True)
class Rendered:
    """A rendered map, and the seconds its ranking and walk took (not loading definitions: a parse
    happens once per file, the ranking on every render; it predicts the next render's cost)."""

    text: str
    ranking_seconds: float


def render_map(
    graph: ReferenceGraph,
    records: Mapping[str, FileRecord],
    request: MapRequest,
    helper: DefinitionsHelper | None,
    is_buffer: Callable[[str], bool],
    language_of: Callable[[str], str | None],
    cache: TagCache | None,
) -> Rendered:
    """The map for `request` (the caller holds the index lock)."""
    started = time.perf_counter()
    loading = 0.0
    ranking = personalised_pagerank(
        graph, personalization(records.keys(), request), focus=request.focus, mentioned=request.mentioned
    )
    ranked = ranked_definitions(ranking, exclude=request.focus)
    prefetch = RenderPrefetch(helper, records, is_buffer, language_of, cache) if helper is not None else None

    def definitions_of(path: str, name: str) -> list[tuple[Tag, tuple[Tag, ...]]]:
        nonlocal loading
        begun = time.perf_counter()
        try:
            if prefetch is not None:
                return prefetch.definitions_of(path, name)
            return records[path].definitions_with_chain(name)
        finally:
            loading += time.perf_counter() - begun

    items = prefetch.ranked(ranked) if prefetch is not None else ranked
    text = render_definitions(items, definitions_of, request.budget, request.model)
    if prefetch is not None:
        prefetch.finish()
    return Rendered(text, time.perf_counter() - started - loading)


QUICK_RENDER_S = 0.02  # ranking slower than this: completions use the last map, refreshed in the background
QUICK_FILES = 1000  # before any render is timed: a workspace this small renders quickly
CACHE_SIZE = 32
REFRESH_PAUSE_MAX_S = 2.0


_Key = TypeVar("_Key")


def _remember(table: OrderedDict[_Key, str], key: _Key, text: str) -> None:
    table[key] = text
    table.move_to_end(key)
    if len(table) > CACHE_SIZE:
        table.popitem(last=False)


class RenderCache:
    """Rendered maps: by (index generation, request), and the latest one per request whatever the
    generation, with a background thread that renders what ``ready`` could not wait for.

    ``render(request)`` is the blocking, deterministic render it calls (it checks ``get`` and calls
    ``put`` itself). ``ready`` is for the completion path, which must not wait for a slow render on a
    large repository: it gives the current map when it is cached or quick to make (the last render's
    ranking took at most QUICK_RENDER_S, on at least half as many files as now: a render early in a
    cold index says nothing about one at its end), else at once the latest map made for the same request before the
    latest changes (or, failing that, the latest for the same budget and model; None when there is
    none), and has the current one rendered in the background (one thread; the newest request wins;
    after each render it pauses twice as long as the render took).
    """

    def __init__(self, render: Callable[[MapRequest], str]) -> None:
        self._render = render
        self._lock = threading.Lock()
        self._current: OrderedDict[tuple[int, MapRequest], str] = OrderedDict()
        self._latest: OrderedDict[MapRequest, str] = OrderedDict()
        self._last: tuple[float, int] | None = None  # the last render's ranking seconds, file count
        self._wanted: MapRequest | None = None
        self._refreshing = False

    def get(self, generation: int, request: MapRequest) -> str | None:
        with self._lock:
            text = self._current.get((generation, request))
            if text is not None:
                self._current.move_to_end((generation, request))
            return text

    def put(self, generation: int, request: MapRequest, text: str, ranking_seconds: float, file_count: int = 0) -> None:
        with self._lock:
            _remember(self._current, (generation, request), text)
            _remember(self._latest, request, text)
            self._last = (ranking_seconds, file_count)

    def forget_current(self) -> None:
        """The indexed state changed: no cached map is current (the latest ones stay)."""
        with self._lock:
            self._current.clear()

    def ready(self, generation: int, request: MapRequest, file_count: int, *, refresh: bool = True) -> str | None:
        """The map for `request` without waiting for a slow render (see the class docstring); with
        `refresh` False (the workspace is being indexed: a map now would be outdated at once, and
        rendering would hold up the indexing) nothing is rendered in the background, and a map made
        earlier is used even when a render would be quick (one is rendered only when there is none:
        a render flushes the graph, and every install after it is an incremental update)."""
        with self._lock:
            text = self._current.get((generation, request))
            if text is not None:
                return text
            last = self._last
            if last is not None and file_count <= 2 * last[1]:  # timed on about this many files
                quick = last[0] <= QUICK_RENDER_S
            else:  # untimed, or timed while far fewer files were indexed
                quick = file_count <= QUICK_FILES
            stale = self._latest.get(request)
            if stale is None:
                stale = next(
                    (
                        text
                        for other, text in reversed(self._latest.items())
                        if (other.budget, other.model) == (request.budget, request.model)
                    ),
                    None,
                )
        if quick and (refresh or stale is None):  # while indexing: a map made earlier in it, if any
            return self._render(request)
        if refresh:
            self._want(request)
        return stale

    def _want(self, request: MapRequest) -> None:
        with self._lock:
            self._wanted = request
            if self._refreshing:
                return
            self._refreshing = True
        threading.Thread(target=self._refresh, name="outrider-map-render", daemon=True).start()

    def _refresh(self) -> None:
        while True:
            with self._lock:
                request, self._wanted = self._wanted, None
                if request is None:
                    self._refreshing = False
                    return
            started = time.perf_counter()
            try:
                self._render(request)
            except Exception:
                log.exception("repo map: rendering in the background failed")
            # at most a third of a core for background renders (they hold the index lock)
            time.sleep(min(REFRESH_PAUSE_MAX_S, 2 * (time.perf_counter() - started)))
