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
import importlib
import logging
import time
from collections.abc import Sequence

from lsprotocol import types

from context.packing.pack import Section
from server.completion.engine import CompletionEngine, CompletionQuery, CompletionResult, RelatedSections
from server.completion.repo_slice import RepoSlices
from server.config import Settings
from server.lsp import gcpolicy
from server.lsp.events import DocumentEvent
from server.lsp.server import OutriderServer
from server.lsp.services import ServiceKey
from server.lsp.shared_services import REPO_MAP, TRACER
from server.models.registry import ProviderConfigError, build_provider, chain_refs

logger = logging.getLogger(__name__)

# Provider failures the user must fix (keys, quota, model name): said once per session and kind.
_ACTIONABLE = frozenset({"auth", "bad_request", "spend_limit"})


def _repo_slices(server: OutriderServer) -> RelatedSections:
    """The repo-map slice from the session's one map, whichever map is current at each request
    (the map is replaced when the workspace root changes; the engine is not)."""
    session = server.services.get(REPO_MAP)

    def related(path: str, budget_tokens: int, model: str | None) -> Sequence[Section]:
        repo_map = session.current
        return RepoSlices(repo_map)(path, budget_tokens, model) if repo_map is not None else ()

    return related


def _build_engine(server: OutriderServer) -> CompletionEngine:
    tracer = server.services.get(TRACER)
    provider = build_provider(server.settings, tracer=tracer, env=server.env)
    return CompletionEngine(provider, server.settings, tracer=tracer, related=_repo_slices(server))


ENGINE: ServiceKey[CompletionEngine] = ServiceKey("completion engine", _build_engine, close=CompletionEngine.close)

_ADAPTER_MODULES = {
    "anthropic": "server.models.anthropic_adapter",
    "openai": "server.models.openai_adapter",
    "openai-compatible": "server.models.openai_adapter",
    "replay": "server.models.replay",
}


async def engine_for(ls: OutriderServer) -> CompletionEngine:
    """The engine; the first time, the provider SDKs are imported in a thread, not on the loop."""
    if (engine := ls.services.peek(ENGINE)) is not None:
        return engine
    await asyncio.to_thread(import_provider_modules, ls.settings)
    return ls.services.get(ENGINE)


def import_provider_modules(settings: Settings) -> None:
    """Import the configured providers' SDKs (a second or more each; blocking: run it in a thread),
    so that building the engine on the event loop later does not stall the session."""
    for name in sorted({ref.provider for ref in chain_refs(settings)}):
        if (module := _ADAPTER_MODULES.get(name)) is not None:
            importlib.import_module(module)


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

    async def warm_up(_: object) -> None:
        """Import the SDKs in a thread and build the engine now, not at the first completion (which
        took 0.2-0.8 s longer than the rest: the imports, then building the provider stack)."""
        try:
            await engine_for(server)
        except ProviderConfigError as exc:  # said to the user when a completion is asked
            logger.info("completion engine not built yet: %s", exc)
        gcpolicy.freeze_long_lived()  # the SDKs' modules: later full collections skip them

    server.events.initialized.subscribe(warm_up)
    server.events.settings_changed.subscribe(warm_up)
    server.events.document_changed.subscribe(on_change)
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
        engine = await engine_for(ls)
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
