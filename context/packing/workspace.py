"""What the packer may know about the workspace beyond the current document.

:class:`WorkspaceView` is the one object a completion's packer reads the workspace through: the
indexed paths, each file's definitions, definitions by name (the lexical index), file texts (open
buffers win), the open buffers by recency and the repository-map slice. :class:`RepoMapView` serves
it from a :class:`context.repomap.index.RepoMap`; the LSP path, ``outrider complete`` and ``outrider
context`` all build one, so the three pack the same bytes from the same state.

Reads are thread-safe (the RepoMap's are); file lines are cached by content digest.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from context.repomap.index import RepoMap
from context.source.symbols import Tag

_LINES_CACHE_FILES = 64
_MEMO_SIZE = 8192
T = TypeVar("T")


class WorkspaceView(Protocol):
    """The workspace as the completion packer sees it (paths are workspace-relative, POSIX)."""

    def relative(self, path: str) -> str | None:
        """`path` (absolute or relative) as a workspace path; None when outside the workspace."""
        ...

    def paths(self) -> frozenset[str]: ...

    def file_definitions(self, rel_path: str) -> list[Tag]: ...

    def definitions(self, name: str) -> list[Tag]: ...

    def lines(self, rel_path: str) -> list[str]:
        """The file's current lines (open buffer first), [] when unreadable."""
        ...

    def reference_file_count(self, name: str) -> int:
        """How many files use `name` (how widely known a definition is)."""
        ...

    def digest(self, rel_path: str) -> str | None:
        """The content digest of an indexed file (None when it is not indexed)."""
        ...

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per `key` (keys must capture everything the value depends on)."""
        ...

    def recent_buffers(self) -> list[tuple[str, str]]:
        """Open buffers as (path, text), most recently changed first."""
        ...

    def map_slice(self, rel_path: str | None, budget_tokens: int, model: str | None) -> str:
        """The repository map focused on `rel_path` within `budget_tokens` ('' when there is none)."""
        ...


class RepoMapView:
    """A :class:`WorkspaceView` over a RepoMap. `ready_maps`: take the repository map the way the
    completion path must (never wait for a slow render: :meth:`RepoMap.render_ready`) rather than
    rendering it now (the command line, which has the time and wants the current map)."""

    def __init__(self, repo_map: RepoMap, *, ready_maps: bool = True) -> None:
        self.repo_map = repo_map
        self.ready_maps = ready_maps
        self._lines: OrderedDict[tuple[str, str], list[str]] = OrderedDict()
        self._lock = threading.Lock()
        self._relative: dict[str, str | None] = {}
        self._memo: OrderedDict[Hashable, Any] = OrderedDict()

    def relative(self, path: str) -> str | None:
        if path in self._relative:
            return self._relative[path]
        try:
            found: str | None = Path(path).resolve().relative_to(self.repo_map.root).as_posix()
        except (ValueError, OSError):
            found = None
        if len(self._relative) > 4096:
            self._relative.clear()
        self._relative[path] = found
        return found

    def paths(self) -> frozenset[str]:
        return self.repo_map.paths()

    def file_definitions(self, rel_path: str) -> list[Tag]:
        return self.repo_map.file_definitions(rel_path)

    def definitions(self, name: str) -> list[Tag]:
        return self.repo_map.definitions(name)

    def reference_file_count(self, name: str) -> int:
        return self.repo_map.reference_file_count(name)

    def digest(self, rel_path: str) -> str | None:
        return self.repo_map.file_digest(rel_path)

    def lines(self, rel_path: str) -> list[str]:
        digest = self.repo_map.file_digest(rel_path)
        if digest is None:
            return []
        key = (rel_path, digest)
        with self._lock:
            if (cached := self._lines.get(key)) is not None:
                self._lines.move_to_end(key)
                return cached
        text = self.repo_map.source_text(rel_path)
        lines = text.splitlines() if text is not None else []
        with self._lock:
            self._lines[key] = lines
            while len(self._lines) > _LINES_CACHE_FILES:
                self._lines.popitem(last=False)
        return lines

    def recent_buffers(self) -> list[tuple[str, str]]:
        return self.repo_map.recent_buffers()

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                found: T = self._memo[key]
                return found
        value = compute()
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > _MEMO_SIZE:
                self._memo.popitem(last=False)
        return value

    def map_slice(self, rel_path: str | None, budget_tokens: int, model: str | None) -> str:
        if self.repo_map.file_count == 0 or budget_tokens <= 0:
            return ""
        focus = (rel_path,) if rel_path is not None else ()
        if self.ready_maps:
            text = self.repo_map.render_ready(budget_tokens, focus_files=focus, model=model)
        else:
            text = self.repo_map.render(budget_tokens, focus_files=focus, model=model)
        return text or ""
