"""`list_files`: the workspace's files (ignore-aware, secret files left out), optionally by glob."""

from __future__ import annotations

import asyncio
from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict, Field

from context.safety.files import list_workspace_files
from tools.sandbox import Refusal, model_safe
from tools.tool import ToolDef, ToolEnv, ToolResult

MAX_ENTRIES = 500


class ListFilesInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(default=".", description="Folder to list, relative to the workspace root.")
    glob: str | None = Field(default=None, description="Only paths matching this pattern, e.g. '*.py' or 'src/**'.")


def matches(rel: str, pattern: str) -> bool:
    """Glob on the relative path; a pattern without '/' also matches the file name alone."""
    return fnmatchcase(rel, pattern) or ("/" not in pattern and fnmatchcase(rel.rsplit("/", 1)[-1], pattern))


async def run(args: ListFilesInput, env: ToolEnv) -> ToolResult:
    folder = env.workspace.resolve(args.path, allow_root=True)
    if isinstance(folder, Refusal):
        return ToolResult.error(folder.reason)
    if folder.path.exists() and not folder.path.is_dir():
        return ToolResult.error(f"{folder.rel} is a file, not a folder (use read_file)")
    listed = await asyncio.to_thread(list_workspace_files, folder.root, extra_ignore=env.workspace.extra_ignore)
    prefix = "" if folder.rel == "." else folder.rel + "/"
    names = {rel for rel in listed if rel.startswith(prefix)}
    for proposal in env.proposals.items():
        if proposal.target.root == folder.root and proposal.target.rel.startswith(prefix):
            if proposal.is_delete:
                names.discard(proposal.target.rel)
            else:
                names.add(proposal.target.rel)
    chosen = sorted(rel for rel in names if args.glob is None or matches(rel, args.glob))
    if not chosen:
        return ToolResult(f"no files in {folder.rel}" + (f" matching {args.glob!r}" if args.glob else ""))
    shown = chosen[:MAX_ENTRIES]
    more = f"\n[{len(chosen) - MAX_ENTRIES} more; narrow with path or glob]" if len(chosen) > MAX_ENTRIES else ""
    return ToolResult(model_safe("\n".join(shown) + more, env.max_output_chars))


TOOL = ToolDef(
    name="list_files",
    description="List files of the workspace (ignored and secret files are left out), optionally filtered by glob.",
    input_model=ListFilesInput,
    run=run,
)
