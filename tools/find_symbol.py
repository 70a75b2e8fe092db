"""`find_symbol`: where a name is defined and used, from the workspace index (the session's repo
map: open buffers included) or, without one, a scan with the context layer's tag queries.

Definitions outside test code come first, then by path. When nothing is defined under the exact
name and the index is at hand, the definitions closest to it by BM25 over the index are offered
(:func:`context.retrieval.retriever_for`): a misspelt or half-remembered name still leads somewhere.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from context.repomap.index import RepoMap
from context.retrieval import retriever_for
from context.safety.files import Skipped, list_workspace_files, read_text_file
from context.source.languages import language_for_path
from context.source.symbols import Tag, extract_tags
from tools.sandbox import model_safe
from tools.tool import ToolDef, ToolEnv, ToolResult

MAX_RESULTS = 60
SIMILAR = 8
_TEST_PATH = re.compile(r"(^|/)(tests?|testing|__tests__)/|(^|/)test_[^/]*$|_test\.[a-z]+$|\.(spec|test)\.[a-z]+$")


class FindSymbolInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Exact identifier, e.g. 'parse_config'.")
    kind: Literal["definitions", "references", "both"] = "both"


def scan_tags(root: Path, rels: Sequence[str], name: str, max_bytes: int) -> list[Tag]:
    """Tags named `name` in the given files (used until a repo map is available)."""
    needle = name.encode("utf-8")
    tags: list[Tag] = []
    for rel in rels:
        language = language_for_path(rel)
        if language is None:
            continue
        read = read_text_file(root / rel, max_bytes=max_bytes)
        if isinstance(read, Skipped):
            continue
        source = read.text.encode("utf-8", "surrogatepass")
        if needle not in source:
            continue
        tags.extend(t for t in extract_tags(source, language, rel) if t.name == name)
    return tags


def render_tag(tag: Any) -> str:
    where = f"{tag.path}:{tag.line + 1}"
    scope = f" (in {tag.scope})" if getattr(tag, "scope", None) else ""
    signature = getattr(tag, "signature", "") if tag.role == "def" else ""
    return f"{where}: {tag.kind}{scope}" + (f": {signature}" if signature else "")


async def run(args: FindSymbolInput, env: ToolEnv) -> ToolResult:
    if env.symbols is not None:
        defs = list(env.symbols.definitions(args.name))
        refs = list(env.symbols.references(args.name))
    else:
        root = env.workspace.roots[0]
        rels = await asyncio.to_thread(list_workspace_files, root, extra_ignore=env.workspace.extra_ignore)
        tags = await asyncio.to_thread(scan_tags, root, rels, args.name, env.max_file_bytes)
        defs = [t for t in tags if t.role == "def"]
        refs = [t for t in tags if t.role == "ref"]
    sections: list[str] = []
    for title, wanted, items in (("definitions", "references", defs), ("references", "definitions", refs)):
        if args.kind == wanted:
            continue
        ordered = sorted(items, key=lambda t: (bool(_TEST_PATH.search(t.path)), t.path, t.line))
        lines = [render_tag(t) for t in ordered[:MAX_RESULTS]]
        if len(ordered) > MAX_RESULTS:
            lines.append(f"[{len(ordered) - MAX_RESULTS} more]")
        sections.append(f"{title} of {args.name} ({len(ordered)}):\n" + ("\n".join(lines) or "(none)"))
    if not defs and args.kind != "references" and isinstance(env.symbols, RepoMap):
        similar = await asyncio.to_thread(retriever_for(env.symbols).search, args.name, SIMILAR)
        if similar:
            lines = [f"{s.path}:{s.start_line + 1}: {s.kind} {s.name}" for s in similar]
            sections.append("closest definitions by name (BM25 over the index):\n" + "\n".join(lines))
    return ToolResult(model_safe("\n\n".join(sections), env.max_output_chars))


TOOL = ToolDef(
    name="find_symbol",
    description="Find where an identifier is defined and where it is referenced in the workspace.",
    input_model=FindSymbolInput,
    run=run,
)
