"""Test-only commands that show the server's side of the session (``OUTRIDER_LSP_DEBUG=1``).

Tests check what the server holds instead of trusting the client:

- ``outrider.debug.documentText(uri)`` -> ``{"text", "version", "language", "hasTree",
  "parseSkipped"}`` or None for a document that is not open;
- ``outrider.debug.settings()`` -> ``{"settings": <Settings as JSON>, "problems": [...]}``;
- ``outrider.debug.workspaceRoots()`` -> the roots as strings.
"""

from __future__ import annotations

from typing import Any

from server.lsp.server import OutriderServer

DOCUMENT_TEXT = "outrider.debug.documentText"
SETTINGS = "outrider.debug.settings"
WORKSPACE_ROOTS = "outrider.debug.workspaceRoots"


def setup(server: OutriderServer) -> None:
    @server.command(DOCUMENT_TEXT)
    def document_text(ls: OutriderServer, uri: str) -> dict[str, Any] | None:
        document = ls.documents.get(ls.document_key(uri))
        if document is None:
            return None
        return {
            "text": document.text,
            "version": document.version,
            "language": document.language,
            "hasTree": document.tree is not None,
            "parseSkipped": document.parse_skipped,
        }

    @server.command(SETTINGS)
    def settings(ls: OutriderServer) -> dict[str, Any]:
        return {"settings": ls.settings.model_dump(mode="json"), "problems": list(ls.settings_problems)}

    @server.command(WORKSPACE_ROOTS)
    def workspace_roots(ls: OutriderServer) -> list[str]:
        return [str(root) for root in ls.workspace_roots]
