"""A scratch copy of the workspace with the open buffers and the proposals applied.

Tests run there, never in the user's tree: proposals stay proposals, and whatever the tests write
is thrown away. Only listed files are copied (ignored and secret files stay behind, and files whose content is a
credential file's), so a test run cannot read a `.env` that the sandbox would refuse.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from context.safety.files import list_workspace_files
from context.safety.secret_files import is_secret_content
from tools.tool import ToolEnv

SNIFF_BYTES = 64_000


def _copy_files(root: Path, dest: Path, rels: list[str], texts: dict[str, str | None]) -> int:
    copied = 0
    for rel in rels:
        if rel in texts:
            continue
        source = root / rel
        if not source.is_file() or (source.is_symlink() and not source.resolve().is_relative_to(root)):
            continue
        if _holds_credentials(source):
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


def _holds_credentials(path: Path) -> bool:
    """A credential file under an ordinary name (a private key, ``.pgpass`` lines...)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return True  # unreadable here: do not copy it
    return is_secret_content(head.decode("utf-8", "replace"))


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
