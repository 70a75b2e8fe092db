"""`search`: a regular expression over the workspace's text files (ignore-aware, capped).

Runs in a child process with a timeout (:mod:`tools.search_worker`): a thread running ``re``
cannot be stopped, and a model can write a pattern that backtracks for ever. Open buffers and
proposals are searched instead of the disk copy, so results agree with `read_file`.

With the workspace index at hand (``env.symbols`` is the session's repo map), files are searched
most relevant first: ranked by the BM25 score of their definitions for the words of the pattern
(:func:`context.retrieval.file_ranking`, open buffers included), then by path; so when matches
exceed the cap, the ones shown are from the files that matter most. Without it, by path.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from context.repomap.index import RepoMap
from context.retrieval import file_ranking
from context.safety.files import list_workspace_files
from tools.list_files import matches
from tools.process import allowed_env
from tools.sandbox import Refusal, model_safe
from tools.tool import ToolDef, ToolEnv, ToolResult

log = logging.getLogger(__name__)

MAX_MATCHES = 100
SEARCH_TIMEOUT_S = 10.0
PACKAGE_PARENT = str(Path(__file__).parent.parent)  # so the worker imports these very modules


class SearchInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(description="Python regular expression, matched line by line.")
    path: str = Field(default=".", description="Folder (or file) to search, relative to the workspace root.")
    glob: str | None = Field(default=None, description="Only files matching this pattern, e.g. '*.py'.")
    case_sensitive: bool = True


def editor_texts(env: ToolEnv, root: Path, rels: list[str]) -> dict[str, str | None]:
    """Texts that win over the disk: proposals (None: deleted), then open editor buffers."""
    texts: dict[str, str | None] = {}
    for rel in rels:
        if (doc := env.overlay(root / rel)) is not None:
            texts[rel] = doc.text
    for proposal in env.proposals.items():
        if proposal.target.root == root:
            texts[proposal.target.rel] = proposal.new_text
    return texts


def ranked_files(env: ToolEnv, root: Path, rels: list[str], pattern: str) -> list[str]:
    """`rels` most relevant first (see the module docstring); unchanged without an index."""
    repo_map = env.symbols
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]{2,}", pattern)
    if not isinstance(repo_map, RepoMap) or repo_map.root != root.resolve() or not words:
        return rels
    scores = file_ranking(repo_map, words)
    return sorted(rels, key=lambda rel: (-scores.get(rel, 0.0), rel))


async def search_in_child(request: dict[str, Any]) -> tuple[list[str], int] | str:
    """Run the search in ``python -m tools.search_worker``; a runaway pattern is killed."""
    env = allowed_env(os.environ)
    env["PYTHONPATH"] = PACKAGE_PARENT + os.pathsep + env.get("PYTHONPATH", "")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tools.search_worker",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(json.dumps(request).encode()), SEARCH_TIMEOUT_S)
    except TimeoutError:
        return (
            f"the search took longer than {SEARCH_TIMEOUT_S:g} s and was stopped; use a simpler pattern "
            "(nested repetition such as (a+)+ can take forever) or narrow path/glob"
        )
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
    if proc.returncode != 0:
        log.error("search worker failed (%s): %s", proc.returncode, err.decode(errors="replace")[-2000:])
        return f"the search failed (exit code {proc.returncode}); see the server log"
    result = json.loads(out)
    return list(result["found"]), int(result["total"])


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
    rels = await asyncio.to_thread(ranked_files, env, root, rels, args.pattern)
    texts = await asyncio.to_thread(editor_texts, env, root, rels)
    request = {
        "pattern": args.pattern,
        "flags": int(regex.flags),
        "root": str(root),
        "files": rels,
        "texts": texts,
        "limit": MAX_MATCHES,
        "max_bytes": env.max_file_bytes,
    }
    answer = await search_in_child(request)
    if isinstance(answer, str):
        return ToolResult.error(answer)
    found, total = answer
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
