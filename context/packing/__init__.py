"""One completion's context under a hard token budget: the cursor's view, retrieval, packing.

Public surface: :func:`pack_completion_context` (the one function behind the LSP path, ``outrider
complete``, ``outrider context`` and next-edit) returning a :class:`PackedContext` of
:class:`Section` s; pass it a :class:`WorkspaceView` (:class:`RepoMapView` over the session's repo
map) for cursor-aware retrieval, open-buffer snippets and the repository-map slice.
:func:`cursor_context` (scopes, imports and nearby definitions at a position) and
:func:`code_windows` (prefix and suffix cut to budgets, secrets redacted as whole regions).
"""

from context.packing.code_windows import code_windows
from context.packing.cursor import CursorContext, cursor_context
from context.packing.pack import PackedContext, Section, pack_completion_context
from context.packing.workspace import RepoMapView, WorkspaceView

__all__ = [
    "CursorContext",
    "PackedContext",
    "RepoMapView",
    "Section",
    "WorkspaceView",
    "code_windows",
    "cursor_context",
    "pack_completion_context",
]
