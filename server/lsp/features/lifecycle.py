"""``initialize``, ``initialized`` and ``shutdown``: session start and end.

The protocol rules (errors before ``initialize`` and after ``shutdown``, exit codes) live in
``server.lsp.protocol``; this feature fills the session state. On ``initialize``: the workspace
roots, the editor's ``initializationOptions`` and every other settings source (problems become one
``window/showMessage``). On ``initialized``: the ``workspace/configuration`` section ``outrider``
is pulled when the client supports it, then ``server.events.initialized`` is published. On
``shutdown``: ``server.events.shutting_down`` is published and services are closed.
"""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types

from server.lsp.editor_settings import pull_editor_settings, settings_from_initialization_options
from server.lsp.log_bridge import apply_log_level
from server.lsp.server import OutriderServer
from server.lsp.workspace_roots import roots_from_initialize

logger = logging.getLogger(__name__)


def setup(server: OutriderServer) -> None:
    @server.feature(types.INITIALIZE)
    async def on_initialize(ls: OutriderServer, params: types.InitializeParams) -> None:
        ls.log_handler.attach_loop(asyncio.get_running_loop())
        logging.getLogger().addHandler(ls.log_handler)
        ls.workspace_roots = roots_from_initialize(params) or ls.workspace_roots
        ls.initialization_settings = settings_from_initialization_options(ls, params.initialization_options)
        ls.editor_settings = dict(ls.initialization_settings)
        await ls.reload_settings()
        apply_log_level(ls.log_handler, ls.settings.log_level)
        client = params.client_info.name if params.client_info else "unknown client"
        logger.info("initialized for %s; workspace roots: %s", client, [str(r) for r in ls.workspace_roots])

    @server.feature(types.INITIALIZED)
    async def on_initialized(ls: OutriderServer, params: types.InitializedParams) -> None:
        if ls.failed_features:
            reasons = "; ".join(f"{name} ({reason})" for name, reason in sorted(ls.failed_features.items()))
            ls.show_message(f"Outrider: these features failed to load and are off: {reasons}", types.MessageType.Error)
        async with ls.updating_settings():
            await pull_editor_settings(ls)
        ls.events.initialized.publish(None)

    @server.feature(types.SHUTDOWN)
    def on_shutdown(ls: OutriderServer, params: None) -> None:
        ls.events.shutting_down.publish(None)
        ls.services.drop()
        logging.getLogger().removeHandler(ls.log_handler)
