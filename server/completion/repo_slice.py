"""The repo-map slice of a completion prompt: the workspace's most relevant definitions for the
file being edited, as one extra section of the packed context (under the same token budget).

Rendering is cached by the map itself per indexed generation; this module only decides the path,
the share of the budget, and what to do while the map is still empty (nothing). On a large
repository a completion never waits for a render: it takes the last map made for its file and the
map is brought up to date in the background (``RepoMap.render_ready``).
"""

from __future__ import annotations

from pathlib import Path

from context.packing.pack import EXTRA_SHARE, Section
from context.repomap.index import RepoMap

TITLE = "Repository map"


class RepoSlices:
    """Callable from the context worker thread (``RepoMap`` reads are thread-safe)."""

    def __init__(self, repo_map: RepoMap) -> None:
        self.repo_map = repo_map

    def __call__(self, path: str, budget_tokens: int, model: str | None) -> tuple[Section, ...]:
        try:
            rel_path = Path(path).resolve().relative_to(self.repo_map.root).as_posix()
        except ValueError:
            rel_path = None  # a file outside the workspace: the map still helps, unfocused
        if self.repo_map.file_count == 0:
            return ()
        focus = (rel_path,) if rel_path is not None else ()
        text = self.repo_map.render_ready(int(budget_tokens * EXTRA_SHARE), focus_files=focus, model=model)
        return (Section(TITLE, text),) if text is not None and text.strip() else ()
