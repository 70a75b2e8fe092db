"""``textDocument/inlineCompletion`` (LSP 3.18): ghost-text suggestions from the completion engine.

The handler is thin: find the document, ask the session's completion engine
(:mod:`server.lsp.services.completion`), convert. The engine is a service built from the settings
on the session's one provider (rebuilt when they change); didChange and
didClose reach it through the session events so stale work is cancelled at once. A cancelled
request (``$/cancelRequest``, a newer request for the document, or a change past its version)
raises ``CancelledError`` out of the handler, which pygls answers with RequestCancelled (-32800).

Each shown item carries ``command`` ``outrider.suggestion.accepted(traceId)``, which the editor runs
when the user accepts it (see :mod:`server.lsp.features.explain`).

When the latest next-edit prediction (``server.lsp.features.next_edit``) is current and changes
only the cursor line, it is the answer: one item replacing that line, no model call.

Each item replaces the cursor line from its start up to the cursor with that text plus the
suggestion: a range on one line, as the specification asks, which VS Code and Neovim both
display as ghost text after the cursor.
"""

from __future__ import annotations

import logging
import time

from lsprotocol import types

from server.completion.engine import CompletionResult
from server.lsp import gcpolicy
from server.lsp.convert import lsp_command, lsp_inline_completion_item, lsp_line_replacement_item
from server.lsp.events import DocumentEvent
from server.lsp.server import OutriderServer
from server.lsp.services.completion import ENGINE, engine_for, run_completion
from server.lsp.services.next_edit import cursor_line_replacement
from server.lsp.services.suggestions import SUGGESTIONS
from server.models.registry import ProviderConfigError

logger = logging.getLogger(__name__)

ACCEPTED_COMMAND = "outrider.suggestion.accepted"  # registered by server.lsp.features.explain


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
        uri, position = params.text_document.uri, params.position
        if (replacement := cursor_line_replacement(ls, uri, position.line)) is not None:
            text, line_length = replacement
            return types.InlineCompletionList(items=[lsp_line_replacement_item(position.line, line_length, text)])
        result = await run_completion(ls, params.text_document.uri, params.position, received, reported)
        if result is None or result.text is None:
            return types.InlineCompletionList(items=[])
        if result.trace_id is not None:
            ls.services.get(SUGGESTIONS).shown(shown_details(result))
        return types.InlineCompletionList(
            items=[lsp_inline_item(ls, params.text_document.uri, params.position, result)]
        )


def shown_details(result: CompletionResult) -> dict[str, object]:
    """What ``outrider.explain`` answers for this suggestion before its trace row is written."""
    confidence = result.confidence
    return {
        "trace_id": result.trace_id,
        "model": result.model,
        "latency_ms": round(result.timings.total_ms, 3),
        "confidence": None if confidence is None else confidence.score,
        "confidence_source": None if confidence is None else confidence.source,
        "signals": [] if confidence is None else list(confidence.signals),
        "call": None,
    }


def lsp_inline_item(
    ls: OutriderServer, uri: str, position: types.Position, result: CompletionResult
) -> types.InlineCompletionItem:
    """The suggestion as an item replacing the cursor line from its start to the cursor."""
    assert result.text is not None
    document = ls.document_for(uri)
    prefix = ""
    if document is not None:
        offset = document.offset_at((position.line, position.character))
        prefix = document.line_text(position.line)[: offset - document.line_start(position.line)]
    accepted = lsp_command(ACCEPTED_COMMAND, "Outrider: suggestion accepted", result.trace_id)
    return lsp_inline_completion_item(position.line, position.character, prefix, result.text, accepted)
