"""`read_file`: a file's current text (open editor buffers and earlier proposals win over disk)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from tools.sandbox import Refusal, model_safe
from tools.tool import ToolDef, ToolEnv, ToolResult, current_text

MAX_LINES = 400


class ReadFileInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="File path relative to the workspace root.")
    start_line: int = Field(default=1, ge=1, description="First line to show (1-based).")
    end_line: int | None = Field(default=None, ge=1, description=f"Last line to show; at most {MAX_LINES} lines.")


async def run(args: ReadFileInput, env: ToolEnv) -> ToolResult:
    target = env.workspace.resolve(args.path)
    if isinstance(target, Refusal):
        return ToolResult.error(target.reason)
    current = await current_text(env, target)
    if isinstance(current, Refusal):
        return ToolResult.error(current.reason)
    if current.text is None:
        why = " (your proposal deletes it)" if current.source == "proposal" else ""
        return ToolResult.error(f"{target.rel} does not exist{why}")
    lines = current.text.splitlines()
    total = len(lines)
    start = min(args.start_line, max(total, 1))
    end = min(args.end_line or total, total, start + MAX_LINES - 1)
    width = len(str(end))
    body = "\n".join(f"{n:>{width}}| {lines[n - 1]}" for n in range(start, end + 1))
    header = f"{target.rel} (lines {start}-{end} of {total}"
    header += ", with your proposed edits)" if current.source == "proposal" else ")"
    footer = f"\n[more: call read_file with start_line={end + 1}]" if end < total else ""
    return ToolResult(model_safe(f"{header}\n{body}{footer}", env.max_output_chars), files=(target.rel,))


TOOL = ToolDef(
    name="read_file",
    description=(
        "Read a text file of the workspace. Each line is shown as 'N| text'; the 'N| ' prefix is not part "
        "of the file. Shows your proposed edits if you made any."
    ),
    input_model=ReadFileInput,
    run=run,
)
