"""The session's completion engine: :data:`ENGINE`, shared by every completion feature.

``textDocument/inlineCompletion`` and ``textDocument/completion`` both answer through
:func:`run_completion`: one engine (built on the shared provider, rebuilt when the settings
change), one cache and one type-ahead for both. Problems the user must fix (no provider, bad key,
quota) are shown once per session and kind, in the ``reported`` set the caller keeps; a spend cap
once per cap and window (completions then stop quietly until it resets).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from server.completion.engine import CompletionEngine, CompletionQuery, CompletionResult, WorkspaceSource
from server.completion.workspace_view import session_views
from server.lsp.services.container import ServiceKey
from server.lsp.services.provider import PROVIDER, provider_for
from server.lsp.services.repo_map import REPO_MAP
from server.lsp.services.tracing import TRACER
from server.models.registry import ProviderConfigError
from server.observe.suggestions import SuggestionStore

if TYPE_CHECKING:
    from server.lsp.server import OutriderServer

logger = logging.getLogger(__name__)

# Provider failures the user must fix (keys, quota, model name): said once per session and kind.
_ACTIONABLE = frozenset({"auth", "bad_request", "spend_limit"})


def _workspace_views(server: OutriderServer) -> WorkspaceSource:
    """The packer's view of the session's one map, whichever map is current at each request (the
    map is replaced when the workspace root changes; the engine is not)."""
    session = server.services.get(REPO_MAP)
    return session_views(lambda: session.current)


def _build_engine(server: OutriderServer) -> CompletionEngine:
    provider = server.services.get(PROVIDER)
    tracer = server.services.get(TRACER)
    suggestions = SuggestionStore(tracer.store) if tracer is not None and tracer.store is not None else None
    return CompletionEngine(
        provider, server.settings, tracer=tracer, workspace=_workspace_views(server), suggestions=suggestions
    )


ENGINE: ServiceKey[CompletionEngine] = ServiceKey("completion engine", _build_engine, close=CompletionEngine.close)


async def engine_for(server: OutriderServer) -> CompletionEngine:
    """The engine; the first time, the provider SDKs are imported in a thread, not on the loop."""
    if (engine := server.services.peek(ENGINE)) is not None:
        return engine
    await provider_for(server)
    return server.services.get(ENGINE)


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
    error = result.error
    if error is not None and error.kind == "spend_cap":  # once per cap and window, not per keystroke
        if error.message not in reported:
            reported.add(error.message)
            ls.show_message(f"Outrider completions paused: {error.message}", types.MessageType.Warning)
    elif error is not None and error.kind in _ACTIONABLE and error.kind not in reported:
        reported.add(error.kind)
        ls.show_message(f"Outrider completions: {error.message}", types.MessageType.Error)
    return result
