"""The workspace view a completion's packer reads, for the editor session and for the command line.

:func:`session_views` follows the session's one repo map (replaced when the workspace root
changes) and keeps one :class:`~context.packing.workspace.RepoMapView` per map, so its caches
survive between requests. :func:`indexed_view` indexes a workspace now, in this thread, for
``outrider complete`` and ``outrider context``: the same index and the same view as the editor's,
so both pack the same bytes from the same files (the map rendered now rather than taken ready).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from context.packing.workspace import RepoMapView, WorkspaceView
from context.repomap.index import RepoMap
from server.config import Settings, state_dir


def session_views(current_map: Callable[[], RepoMap | None]) -> Callable[[], WorkspaceView | None]:
    """A source of views over whichever map `current_map()` gives at each request."""
    views: dict[int, RepoMapView] = {}

    def view() -> WorkspaceView | None:
        repo_map = current_map()
        if repo_map is None:
            return None
        found = views.get(id(repo_map))
        if found is None or found.repo_map is not repo_map:
            views.clear()
            found = views[id(repo_map)] = RepoMapView(repo_map)
        return found

    return view


def indexed_view(workspace: Path, settings: Settings) -> RepoMapView:
    """Index `workspace` (the editor's cache: an unchanged file is read and hashed, not lexed)."""
    repo_map = RepoMap(workspace, state_dir() / "repomap", extra_ignore=settings.context.extra_ignore)
    repo_map.index_sync()
    return RepoMapView(repo_map, ready_maps=False)
