"""One render of the repo map from the indexed state: personalization, ranking, then definitions
under the budget (parsed ahead on the parsing helper when one runs).

    request = MapRequest.of(1024, focus_files=[...], open_files=[...], recent_files=[...],
                            mentioned_idents=[...], model=None)     # normalised: sorted, no repeats
    text = render_map(graph, records, request, helper, is_buffer, language_of, cache)

Personalization (the teleport weights of :func:`context.pagerank.personalised_pagerank`): the focus
files FOCUS_WEIGHT, open files OPEN_WEIGHT, recently edited files RECENT_WEIGHT, and files whose stem
is a mentioned identifier (``session.py`` for ``Session``) MENTIONED_PATH_WEIGHT; a file in several
roles gets the highest. The focus files' own definitions are left out (the prompt holds them).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from context.defsworker import DefinitionsHelper
from context.mapprefetch import RenderPrefetch
from context.maprecords import FileRecord
from context.maprender import render_definitions
from context.pagerank import personalised_pagerank, ranked_definitions
from context.rank import ReferenceGraph
from context.symbols import Tag
from context.tagcache import TagCache

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


def render_map(
    graph: ReferenceGraph,
    records: Mapping[str, FileRecord],
    request: MapRequest,
    helper: DefinitionsHelper | None,
    is_buffer: Callable[[str], bool],
    language_of: Callable[[str], str | None],
    cache: TagCache | None,
) -> str:
    """The map for `request` (the caller holds the index lock)."""
    ranking = personalised_pagerank(
        graph, personalization(records.keys(), request), focus=request.focus, mentioned=request.mentioned
    )
    ranked = ranked_definitions(ranking, exclude=request.focus)
    if helper is None:

        def definitions_of(path: str, name: str) -> list[tuple[Tag, tuple[Tag, ...]]]:
            return records[path].definitions_with_chain(name)

        return render_definitions(ranked, definitions_of, request.budget, request.model)
    prefetch = RenderPrefetch(helper, records, is_buffer, language_of, cache)
    text = render_definitions(prefetch.ranked(ranked), prefetch.definitions_of, request.budget, request.model)
    prefetch.finish()
    return text
