"""A scratch copy of the workspace with the open buffers and the proposals applied.

Tests run there, never in the user's tree: proposals stay proposals, and whatever the tests write
is thrown away. Only listed files are copied (ignored and secret files stay behind), so a test run
cannot read a `.env` that the sandbox would refuse.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from context.safety.files import list_workspace_files
from tools.tool import ToolEnv


def _copy_files(root: Path, dest: Path, rels: list[str], texts: dict[str, str | None]) -> int:
    copied = 0
    for rel in rels:
        if rel in texts:
            continue
        source = root / rel
        if not source.is_file() or (source.is_symlink() and not source.resolve().is_relative_to(root)):
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied += 1
    for rel, text in sorted(texts.items()):
        if text is None:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="")
        copied += 1
    return copied


async def materialise(env: ToolEnv, dest: Path) -> int:
    """Copy the first workspace folder into `dest` as the agent sees it; returns the number of files."""
    root = env.workspace.roots[0]
    rels = await asyncio.to_thread(list_workspace_files, root, extra_ignore=env.workspace.extra_ignore)
    texts: dict[str, str | None] = {}
    for rel in rels:
        if (doc := env.overlay(root / rel)) is not None:
            texts[rel] = doc.text
    for proposal in env.proposals.items():
        if proposal.target.root == root:
            texts[proposal.target.rel] = proposal.new_text
    return await asyncio.to_thread(_copy_files, root, dest, rels, texts)
