"""`propose_edit`: change a file by search/replace blocks, write a whole new file, or delete one.

Nothing is written: the change becomes a proposal that the user accepts in the editor (or the
terminal). Edits apply to the file as the agent sees it now (earlier proposals included).
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from context.safety.secrets import MARKER as REDACTION_MARKER
from tools.edit_formats import EditError, SearchReplace, apply_search_replace
from tools.git_diff import proposal_diff
from tools.proposals import Proposal
from tools.sandbox import Refusal, model_safe
from tools.syntax_check import describe, new_syntax_problems
from tools.tool import ToolDef, ToolEnv, ToolResult, base_text, current_text

MAX_EDITS = 50


class Replacement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    search: str = Field(description="Exact existing lines to replace (copied from read_file, without 'N| ').")
    replace: str = Field(description="The lines that replace them.")


class ProposeEditInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="File path relative to the workspace root.")
    edits: list[Replacement] | None = Field(
        default=None, max_length=MAX_EDITS, description="Search/replace edits, applied in order."
    )
    new_content: str | None = Field(default=None, description="The complete text of a new or rewritten file.")
    delete: bool = Field(default=False, description="Delete the file.")

    @model_validator(mode="after")
    def one_kind_of_change(self) -> Self:
        chosen = sum((self.edits is not None, self.new_content is not None, self.delete))
        if chosen != 1:
            raise ValueError("give exactly one of 'edits', 'new_content' or 'delete'")
        if self.edits is not None and not self.edits:
            raise ValueError("'edits' is empty")
        return self


async def run(args: ProposeEditInput, env: ToolEnv) -> ToolResult:
    target = env.workspace.resolve(args.path)
    if isinstance(target, Refusal):
        return ToolResult.error(target.reason)
    current = await current_text(env, target)
    if isinstance(current, Refusal):
        return ToolResult.error(current.reason)
    if (problem := redaction_problem(args, current.text)) is not None:
        return ToolResult.error(f"{target.rel}: {problem}")
    new_text: str | None
    if (args.delete or args.edits is not None) and current.text is None:
        return ToolResult.error(f"{target.rel} does not exist; use new_content to create it")
    if args.delete:
        new_text = None
    elif args.edits is not None:
        applied = apply_search_replace(current.text or "", [SearchReplace(e.search, e.replace) for e in args.edits])
        if isinstance(applied, EditError):
            return ToolResult.error(f"{target.rel}: {applied.message}", files=(target.rel,))
        new_text = applied
    else:
        new_text = args.new_content
    existing = env.proposals.get(target.path)
    if existing is None:
        base = await base_text(env, target)
        if isinstance(base, Refusal):
            return ToolResult.error(base.reason)
        env.proposals.propose(target, base.text, base.version, new_text)
    else:
        env.proposals.propose(target, existing.base_text, existing.base_version, new_text)
    return ToolResult(model_safe(summary(env, target.path, new_text), env.max_output_chars), files=(target.rel,))


def redaction_problem(args: ProposeEditInput, current: str | None) -> str | None:
    """Secrets are shown to the model as a marker; an edit must never write the marker over them."""
    if REDACTION_MARKER in (current or ""):
        return None
    if any(REDACTION_MARKER in e.search for e in args.edits or ()):
        return "the search text contains a redacted secret, which the file does not; edit the lines around it instead"
    written = [*(e.replace for e in args.edits or ()), args.new_content or ""]
    if any(REDACTION_MARKER in text for text in written):
        return "the new text contains a redaction marker; keep secret values out of edits (edit around those lines)"
    return None


def summary(env: ToolEnv, path: Path, new_text: str | None) -> str:
    proposal = env.proposals.get(path)
    if proposal is None:
        return "the file is back to its original text; nothing proposed for it"
    diff = _diff_of(proposal)
    text = f"proposed (not applied yet; the user reviews it at the end):\n{diff}"
    if new_text is not None and (problems := new_syntax_problems(proposal.base_text, new_text, proposal.target.rel)):
        text += f"\nwarning: the file now has {describe(problems)}; fix them before finishing"
    return text


def _diff_of(proposal: Proposal) -> str:
    return proposal_diff(proposal) or "(no textual change)"


TOOL = ToolDef(
    name="propose_edit",
    description=(
        "Propose a change to one file: 'edits' (search/replace blocks; each search must match existing lines "
        "exactly once), 'new_content' (whole file), or 'delete'. Changes are shown to the user, not written."
    ),
    input_model=ProposeEditInput,
    run=run,
)
