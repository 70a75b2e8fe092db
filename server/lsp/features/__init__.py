"""Feature modules: each exposes ``setup(server: OutriderServer) -> None`` (see ``server.lsp.server``)."""
