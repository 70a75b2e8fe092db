"""The repository map the agent starts with: the workspace's most relevant definitions, ranked for
the task (the files it names and the identifiers it mentions), in the first request.

:func:`project_map` renders it with :meth:`context.repomap.index.RepoMap.render` under the
``agent.map_tokens`` budget; the map is deterministic (same workspace state and task, same
bytes), so the system prompt that carries it stays in the provider's prompt cache. Inline secrets
in signatures are masked like everything else the model sees. The session's map
is used when there is one (the editor's); otherwise the first root is indexed now, off the event
loop, in memory (a terminal run leaves no state behind).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from context.repomap.index import RepoMap
from context.safety.secrets import redact_with_count
from server.config import Settings
from tools.tool import ToolEnv

_PATH_LIKE = re.compile(r"[\w./-]+\.[A-Za-z]{1,5}\b")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
EMPTY = "(no source files indexed)"


def task_focus(repo_map: RepoMap, instruction: str, path: str | None) -> tuple[list[str], list[str]]:
    """(workspace files the task names, identifiers it mentions), sorted."""
    paths = repo_map.paths()
    named = {match.group(0).lstrip("./") for match in _PATH_LIKE.finditer(instruction)}
    if path:
        target = Path(path)
        named.add(target.resolve().relative_to(repo_map.root).as_posix() if target.is_absolute() else path)
    files = sorted(p for p in paths if p in named or any(p.endswith("/" + n) for n in named))
    return files, sorted(set(_IDENT.findall(instruction)))


async def project_map(env: ToolEnv, settings: Settings, instruction: str, path: str | None) -> str:
    """The map for the agent's first request (EMPTY when the workspace has no indexed source)."""
    if settings.agent.map_tokens <= 0:
        return EMPTY
    repo_map = env.symbols if isinstance(env.symbols, RepoMap) else None
    if repo_map is None:
        root = env.workspace.roots[0]
        repo_map = RepoMap(root, None, extra_ignore=settings.context.extra_ignore)  # writes no state
        await asyncio.to_thread(repo_map.index_sync)
    try:
        files, idents = task_focus(repo_map, instruction, path)
    except ValueError:  # a path outside the workspace
        files, idents = [], sorted(set(_IDENT.findall(instruction)))
    text = await asyncio.to_thread(
        repo_map.render,
        settings.agent.map_tokens,
        open_files=files,  # not focus_files: the agent has not read them, their definitions belong in it
        mentioned_idents=idents,
        model=settings.resolved_model(),
    )
    return redact_with_count(text.strip())[0] or EMPTY  # signatures can hold inline secrets
