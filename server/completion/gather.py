"""Everything one completion needs from the context layer, read from the document in one go
(no awaits in here, so the document cannot change half-way).

The prompt is built only from :func:`context.packing.pack.pack_completion_context` (what
``outrider context`` prints); the shape comes from its syntax-tree decision.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from tree_sitter import Parser, Tree

from context.packing.pack import PackedContext, Section, pack_completion_context
from context.packing.workspace import WorkspaceView
from context.source.document import Document
from context.source.languages import get_parser
from server.completion.cursor_shape import surroundings
from server.completion.postprocess import Surroundings
from server.completion.prompt import PromptParts
from server.completion.shape import Shape, shape_for


@dataclass(frozen=True, slots=True)
class SyntaxProbe:
    """What the syntax check needs: the parser, a copy of the tree and the text it was parsed from."""

    parser: Parser
    tree: Tree
    source: bytes
    cursor_byte: int


@dataclass(frozen=True, slots=True)
class Gathered:
    packed: PackedContext
    parts: PromptParts
    shape: Shape
    surroundings: Surroundings
    syntax: SyntaxProbe | None
    summary: dict[str, Any]  # for traces: sizes and sections of what was sent, never the text


def gather(
    document: Document,
    position: tuple[int, int],
    budget_tokens: int,
    model: str | None,
    extra: Sequence[Section] = (),
    workspace: WorkspaceView | None = None,
) -> Gathered:
    packed = pack_completion_context(document, position, budget_tokens, model, extra, workspace)
    shape = shape_for(packed.multi_line)
    offset = document.offset_at(position)
    parts = PromptParts(packed.path, packed.language, packed.prefix, packed.suffix, packed.related_blocks())
    summary: dict[str, Any] = {
        "path": packed.path,
        "language": packed.language or "",
        "budget_tokens": packed.budget,
        "context_tokens": packed.total_tokens,
        "counter": packed.counter,
        "tokens": dict(sorted(packed.tokens.items())),
        "redactions": packed.redactions,
    }
    return Gathered(packed, parts, shape, surroundings(document, offset, shape), _probe(document, offset), summary)


def _probe(document: Document, offset: int) -> SyntaxProbe | None:
    if document.tree is None or document.language is None:
        return None
    return SyntaxProbe(get_parser(document.language), document.tree.copy(), document.source, document.byte_at(offset))


class StaleRequestError(Exception):
    """The request went stale before its context was gathered; nothing was done."""


class ContextWorker:
    """Gathers context off the event loop (packing counts tokens and redacts: milliseconds of pure
    Python that would otherwise delay every other message), one job at a time, on a snapshot of the
    document. A job whose request went stale while it waited in line is skipped."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="completion-context")

    def gather(
        self,
        snapshot: Document,
        position: tuple[int, int],
        budget_tokens: int,
        model: str | None,
        stale: threading.Event,
        workspace: Callable[[], WorkspaceView | None] | None = None,
    ) -> asyncio.Future[tuple[Gathered, float]]:
        """Start gathering now (the job is handed to the worker before this returns); the future
        gives the gathered context and the milliseconds it took (not counting the wait for the
        worker). `workspace()` gives the workspace view (retrieval, open buffers, the map slice)."""

        def job() -> tuple[Gathered, float]:
            if stale.is_set():
                raise StaleRequestError
            started = time.monotonic()
            view = workspace() if workspace is not None else None
            gathered = gather(snapshot, position, budget_tokens, model, (), view)
            return gathered, (time.monotonic() - started) * 1000

        return asyncio.get_running_loop().run_in_executor(self._executor, job)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
