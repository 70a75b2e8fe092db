"""`search`: a regular expression over the workspace's text files (ignore-aware, capped).

Runs in a thread. Open buffers and proposals are searched instead of the disk copy, so results
agree with `read_file`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from context.files import Skipped, list_workspace_files, read_text_file
from tools.list_files import matches
from tools.sandbox import Refusal, model_safe
from tools.tool import ToolDef, ToolEnv, ToolResult

MAX_MATCHES = 100
MAX_LINE_CHARS = 300
SKIP_LINES_LONGER_THAN = 5_000  # minified files: not useful to the model, slow for regexes


class SearchInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(description="Python regular expression, matched line by line.")
    path: str = Field(default=".", description="Folder (or file) to search, relative to the workspace root.")
    glob: str | None = Field(default=None, description="Only files matching this pattern, e.g. '*.py'.")
    case_sensitive: bool = True


def search_files(
    root: Path,
    rels: list[str],
    regex: re.Pattern[str],
    text_of: Callable[[str], str | None],
    limit: int,
) -> tuple[list[str], int]:
    """Matches as 'path:line: text' (sorted by path, then line) and the total number found."""
    found: list[str] = []
    total = 0
    for rel in rels:
        text = text_of(rel)
        if text is None or not regex.search(text):
            continue
        for n, line in enumerate(text.splitlines(), start=1):
            if len(line) > SKIP_LINES_LONGER_THAN or not regex.search(line):
                continue
            total += 1
            if len(found) < limit:
                shown = line.strip()
                shown = shown[:MAX_LINE_CHARS] + ("..." if len(shown) > MAX_LINE_CHARS else "")
                found.append(f"{rel}:{n}: {shown}")
    return found, total


async def run(args: SearchInput, env: ToolEnv) -> ToolResult:
    try:
        regex = re.compile(args.pattern, 0 if args.case_sensitive else re.IGNORECASE)
    except re.error as exc:
        return ToolResult(f"invalid regular expression {args.pattern!r}: {exc}", is_error=True, invalid_arguments=True)
    scope = env.workspace.resolve(args.path, allow_root=True)
    if isinstance(scope, Refusal):
        return ToolResult.error(scope.reason)
    root = scope.root
    if scope.path.is_file():
        rels = [scope.rel]
    else:
        listed = await asyncio.to_thread(list_workspace_files, root, extra_ignore=env.workspace.extra_ignore)
        prefix = "" if scope.rel == "." else scope.rel + "/"
        rels = [r for r in listed if r.startswith(prefix)]
    rels = sorted(r for r in rels if args.glob is None or matches(r, args.glob))
    overrides: dict[str, str | None] = {}
    for proposal in env.proposals.items():
        if proposal.target.root == root:
            overrides[proposal.target.rel] = proposal.new_text

    def text_of(rel: str) -> str | None:
        if rel in overrides:
            return overrides[rel]
        path = root / rel
        if (doc := env.overlay(path)) is not None:
            return doc.text
        read = read_text_file(path, max_bytes=env.max_file_bytes)
        return None if isinstance(read, Skipped) else read.text

    found, total = await asyncio.to_thread(search_files, root, rels, regex, text_of, MAX_MATCHES)
    if not found:
        return ToolResult(f"no matches for {args.pattern!r} in {scope.rel}")
    more = (
        f"\n[{total - len(found)} more matches not shown; narrow the pattern, path or glob]"
        if total > len(found)
        else ""
    )
    return ToolResult(model_safe("\n".join(found) + more, env.max_output_chars))


TOOL = ToolDef(
    name="search",
    description="Search the workspace's text files with a regular expression; prints 'path:line: text' for each match.",
    input_model=SearchInput,
    run=run,
)
