"""`git_diff`: the working tree against HEAD, or the edits proposed so far in this run."""

from __future__ import annotations

import asyncio
import difflib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from context.gitstate import git_state
from tools.proposals import Proposal
from tools.sandbox import model_safe
from tools.tool import ToolDef, ToolEnv, ToolResult

MAX_DIFF_BYTES = 60_000


class GitDiffInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    what: Literal["working_tree", "proposed"] = Field(
        default="working_tree",
        description="'working_tree': uncommitted changes vs HEAD; 'proposed': the edits you proposed in this task.",
    )


def proposal_diff(proposal: Proposal) -> str:
    """A unified diff of one proposal (a/ and b/ paths, as git prints them)."""
    rel = proposal.target.rel
    old = (proposal.base_text or "").splitlines(keepends=True)
    new = (proposal.new_text or "").splitlines(keepends=True)
    before = "/dev/null" if proposal.is_create else f"a/{rel}"
    after = "/dev/null" if proposal.is_delete else f"b/{rel}"
    lines = difflib.unified_diff(old, new, before, after)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


async def run(args: GitDiffInput, env: ToolEnv) -> ToolResult:
    if args.what == "proposed":
        diffs = [proposal_diff(p) for p in env.proposals.items()]
        text = "".join(diffs) or "no edits proposed yet"
        return ToolResult(model_safe(text, env.max_output_chars))
    parts: list[str] = []
    for root in env.workspace.roots:
        state = await asyncio.to_thread(git_state, root)
        if state is None:
            parts.append(f"{root.name}: not a git repository")
            continue
        diff = await asyncio.to_thread(state.diff_vs_head, MAX_DIFF_BYTES)
        parts.append(diff or f"{root.name}: no uncommitted changes")
    return ToolResult(model_safe("\n".join(parts), env.max_output_chars))


TOOL = ToolDef(
    name="git_diff",
    description="Show uncommitted changes (git diff against HEAD) or the edits you have proposed so far.",
    input_model=GitDiffInput,
    run=run,
)
