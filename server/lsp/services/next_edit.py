"""The session's next-edit engine: :data:`NEXT_EDIT`, and its edit history :data:`NEXT_EDIT_HISTORY`.

``server.lsp.features.next_edit`` feeds the history from the document events and answers
``textDocument/copilotInlineEdit``; inline completion reads the engine's latest prediction
(:func:`cursor_line_replacement`) to offer an edit on the cursor line. The engine is built on the
session's one provider and rebuilt when the settings change; the history outlives that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.lsp.services.container import ServiceKey
from server.lsp.services.provider import PROVIDER, provider_for
from server.lsp.services.tracing import TRACER
from server.nextedit.engine import NextEditEngine, history_for
from server.nextedit.history import EditHistory

if TYPE_CHECKING:
    from server.lsp.server import OutriderServer

NEXT_EDIT_HISTORY: ServiceKey[EditHistory] = ServiceKey(
    "next-edit history", lambda server: history_for(server.settings), rebuild_on_settings=False
)
"""Recent edits per open document (kept across settings changes, forgotten on close)."""


def _build_next_edit(server: OutriderServer) -> NextEditEngine:
    provider = server.services.get(PROVIDER)
    history = server.services.get(NEXT_EDIT_HISTORY)
    return NextEditEngine(provider, server.settings, tracer=server.services.get(TRACER), history=history)


NEXT_EDIT: ServiceKey[NextEditEngine] = ServiceKey("next-edit engine", _build_next_edit, close=NextEditEngine.close)
"""The next-edit engine, rebuilt when the settings change (ProviderConfigError if there is no provider)."""


async def next_edit_for(server: OutriderServer) -> NextEditEngine:
    """The engine; the first time, the provider SDKs are imported in a thread, not on the loop."""
    if (engine := server.services.peek(NEXT_EDIT)) is not None:
        return engine
    await provider_for(server)
    return server.services.get(NEXT_EDIT)


def cursor_line_replacement(server: OutriderServer, uri: str, line: int) -> tuple[str, int] | None:
    """The latest next-edit prediction for the document as the new text of `line` (and the line's
    length in UTF-16), when it is current and changes that line only; never calls a model."""
    engine = server.services.peek(NEXT_EDIT)
    document = server.document_for(uri)
    if engine is None or document is None:
        return None
    return engine.cursor_line_replacement(server.document_key(uri), document, line)
