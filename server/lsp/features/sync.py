"""Text sync placeholder (replaced below)."""

from __future__ import annotations

from server.lsp.server import OutriderServer


def setup(server: OutriderServer) -> None:
    return None
