"""The session's one repo map: :data:`REPO_MAP`, a :class:`SessionRepoMap` of the primary root.

The feature ``server.lsp.features.repomap`` indexes it in the background (with work-done progress)
and keeps it current from open buffers; completion and the agent only read it. It is built once per session
(not on every settings change); the feature replaces the map inside it when the primary root or
``context.extra_ignore`` changes, so readers take :attr:`SessionRepoMap.current` at each use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from context.repomap.index import IndexReport, RepoMap
from server.config import state_dir
from server.lsp.services.container import ServiceKey

if TYPE_CHECKING:
    from server.lsp.server import OutriderServer


class SessionRepoMap:
    """The session's repo map and its background indexing (see the module doc).

    ``current`` is None until a workspace root is known. ``indexing`` is the running (or last)
    indexing task; ``cancelled`` says the editor cancelled it (completions go on with what is
    indexed; the agent does not index again behind the user's back).
    """

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.current: RepoMap | None = None
        self.extra_ignore: tuple[str, ...] = ()
        self.indexing: asyncio.Task[IndexReport] | None = None
        self.parsing: asyncio.Task[int] | None = None
        """The background parse after indexing (phase 2: tags of every file into the cache; silent)."""
        self.cancelled = False
        self.watched = False
        """The editor reports file changes (``workspace/didChangeWatchedFiles``): the map stays current."""
        self.catch_ups = 0
        """Incremental re-indexes run before agent runs (only when not ``watched``)."""

    def wants_rebuild(self, root: Path | None, extra_ignore: Sequence[str]) -> bool:
        """Whether the map's inputs (root, extra ignore patterns) differ from these."""
        if root is None or self.current is None:
            return root is not None or self.current is not None
        return self.current.root != root.resolve() or self.extra_ignore != tuple(extra_ignore)

    def replace(self, root: Path | None, extra_ignore: Sequence[str]) -> RepoMap | None:
        """Stop indexing the old map and start over with a new (empty) one for `root`."""
        self.stop()
        self.extra_ignore = tuple(extra_ignore)
        self.current = RepoMap(root, self.cache_dir, extra_ignore=self.extra_ignore) if root is not None else None
        self.indexing, self.parsing, self.cancelled = None, None, False
        return self.current

    @property
    def is_indexing(self) -> bool:
        return self.indexing is not None and not self.indexing.done()

    @property
    def is_parsing(self) -> bool:
        return self.parsing is not None and not self.parsing.done()

    async def indexed(self) -> RepoMap | None:
        """The map once the running indexing (if any) has finished; cancelling the caller does not
        stop the indexing. A failed or cancelled indexing leaves the map with what it has."""
        task = self.indexing
        if task is not None and not task.done():
            await asyncio.wait([task])
        return self.current

    def stop(self) -> None:
        if self.current is not None:
            self.current.stop_indexing()
        if self.indexing is not None and not self.indexing.done():
            self.indexing.cancel()
        if self.parsing is not None and not self.parsing.done():
            self.parsing.cancel()


def _build_session_repo_map(server: OutriderServer) -> SessionRepoMap:
    return SessionRepoMap(state_dir(server.env) / "repomap")


REPO_MAP: ServiceKey[SessionRepoMap] = ServiceKey(
    "repo map", _build_session_repo_map, close=SessionRepoMap.stop, rebuild_on_settings=False
)
"""The one repo map of the session (completion's repo-map slice, the agent's ``find_symbol``)."""
