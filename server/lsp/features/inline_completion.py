"""``textDocument/inlineCompletion`` (LSP 3.18): ghost-text suggestions from the completion engine.

The handler is thin: find the document, ask :class:`server.completion.engine.CompletionEngine`,
convert. The engine is a service built from the settings (rebuilt when they change); didChange and
didClose reach it through the session events so stale work is cancelled at once. A cancelled
request (``$/cancelRequest``, a newer request for the document, or a change past its version)
raises ``CancelledError`` out of the handler, which pygls answers with RequestCancelled (-32800).

Each item replaces the cursor line from its start up to the cursor with that text plus the
suggestion: a range on one line, as the specification asks, which VS Code and Neovim both
display as ghost text after the cursor.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from typing import Any

from lsprotocol import types

from context.repomap import RepoMap
from server.completion.engine import CompletionEngine, CompletionQuery, CompletionResult
from server.completion.repo_slice import RepoSlices
from server.config import state_dir
from server.lsp.convert import uri_to_path
from server.lsp.events import DocumentEvent
from server.lsp.server import OutriderServer
from server.lsp.services import ServiceKey
from server.models.registry import ProviderConfigError, build_provider
from server.observe.tracer import Tracer, open_tracer

logger = logging.getLogger(__name__)

# Provider failures the user must fix (keys, quota, model name): said once per session and kind.
_ACTIONABLE = frozenset({"auth", "bad_request", "spend_limit"})


def _open_tracer(server: OutriderServer) -> Tracer | None:
    try:
        return open_tracer(server.settings, server.env)
    except (OSError, sqlite3.Error) as exc:
        logger.error("traces are off: cannot open the trace store: %s", exc)
        return None


def _close_tracer(tracer: Tracer | None) -> None:
    if tracer is not None:
        tracer.close()


TRACER: ServiceKey[Tracer | None] = ServiceKey("tracer", _open_tracer, close=_close_tracer)
"""The session's trace store (+ OTLP export): one for every feature that calls a model."""


def _build_repo_map(server: OutriderServer) -> RepoMap | None:
    root = server.primary_root
    if root is None:
        return None
    repo_map = RepoMap(root, state_dir(server.env) / "repomap", extra_ignore=server.settings.context.extra_ignore)
    task = asyncio.ensure_future(repo_map.index())  # in a thread; the map serves what is indexed so far
    _background.add(task)
    task.add_done_callback(_index_finished)
    return repo_map


def _index_finished(task: asyncio.Future[Any]) -> None:
    _background.discard(task)
    if not task.cancelled() and (exc := task.exception()) is not None:
        logger.error("repo map indexing failed; completions go on without it: %s", exc)


def _stop_indexing(repo_map: RepoMap | None) -> None:
    if repo_map is not None:
        repo_map.stop_indexing()


_background: set[asyncio.Future[Any]] = set()

REPO_MAP: ServiceKey[RepoMap | None] = ServiceKey(
    "completion repo map", _build_repo_map, close=_stop_indexing, rebuild_on_settings=False
)
"""The workspace map whose slice goes into completion prompts (indexed in the background once per
session, not again on every settings change; saved files are re-read)."""


def _build_engine(server: OutriderServer) -> CompletionEngine:
    tracer = server.services.get(TRACER)
    provider = build_provider(server.settings, tracer=tracer, env=server.env)
    repo_map = server.services.get(REPO_MAP)
    related = RepoSlices(repo_map) if repo_map is not None else None
    return CompletionEngine(provider, server.settings, tracer=tracer, related=related)


ENGINE: ServiceKey[CompletionEngine] = ServiceKey("completion engine", _build_engine, close=CompletionEngine.close)


def setup(server: OutriderServer) -> None:
    reported: set[str] = set()  # problems already shown to the user (again after a settings change)
    server.events.settings_changed.subscribe(lambda _settings: reported.clear())

    def on_change(event: DocumentEvent) -> None:
        engine = server.services.peek(ENGINE)
        if engine is not None and event.version is not None:
            engine.document_changed(event.uri, event.version)

    def on_close(event: DocumentEvent) -> None:
        if (engine := server.services.peek(ENGINE)) is not None:
            engine.document_closed(event.uri)

    async def on_save(event: DocumentEvent) -> None:
        repo_map = server.services.peek(REPO_MAP)
        path = uri_to_path(event.uri)
        if repo_map is None or path is None:
            return
        try:
            rel_path = path.resolve().relative_to(repo_map.root).as_posix()
        except ValueError:
            return
        await asyncio.to_thread(repo_map.update_file, rel_path, None)

    server.events.document_changed.subscribe(on_change)
    server.events.document_saved.subscribe(on_save)
    server.events.document_closed.subscribe(on_close)

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def on_inline_completion(
        ls: OutriderServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList | None:
        received = time.monotonic()
        result = await run_completion(ls, params.text_document.uri, params.position, received, reported)
        if result is None or result.text is None:
            return types.InlineCompletionList(items=[])
        return types.InlineCompletionList(
            items=[lsp_inline_item(ls, params.text_document.uri, params.position, result)]
        )


async def run_completion(
    ls: OutriderServer, uri: str, position: types.Position, received: float, reported: set[str]
) -> CompletionResult | None:
    """One completion for an LSP request; None when completions are off or the document is unknown."""
    if not ls.settings.completion.enabled:
        return None
    document = ls.document_for(uri)
    if document is None:
        logger.warning("completion requested for %s, which is not open", uri)
        return None
    try:
        engine = ls.services.get(ENGINE)
    except ProviderConfigError as exc:
        if "config" not in reported:
            reported.add("config")
            ls.show_message(f"Outrider completions are off: {exc}", types.MessageType.Error)
            logger.warning("no completion provider: %s", exc)
        else:
            logger.debug("no completion provider: %s", exc)
        return None
    result = await engine.complete(CompletionQuery(uri, document, (position.line, position.character), received))
    if result.error is not None and result.error.kind in _ACTIONABLE and result.error.kind not in reported:
        reported.add(result.error.kind)
        ls.show_message(f"Outrider completions: {result.error.message}", types.MessageType.Error)
    return result


def line_prefix_range(ls: OutriderServer, uri: str, position: types.Position) -> tuple[types.Range, str]:
    """From the start of the cursor line to the cursor, and the text there."""
    document = ls.document_for(uri)
    line_text = document.line_text(position.line) if document is not None else ""
    offset = document.offset_at((position.line, position.character)) if document is not None else 0
    start = document.line_start(position.line) if document is not None else 0
    prefix = line_text[: offset - start]
    return types.Range(start=types.Position(position.line, 0), end=position), prefix


def lsp_inline_item(
    ls: OutriderServer, uri: str, position: types.Position, result: CompletionResult
) -> types.InlineCompletionItem:
    assert result.text is not None
    range_, prefix = line_prefix_range(ls, uri, position)
    text = prefix + result.text
    return types.InlineCompletionItem(insert_text=text, range=range_, filter_text=text)
