"""Editor settings: ``initializationOptions``, ``workspace/configuration``, ``didChangeConfiguration``.

The editor layer of the settings (see ``server.config``) starts as ``initializationOptions`` (an
object, or ``{"outrider": {...}}``). Clients with ``workspace/configuration`` are asked for the
section ``outrider`` after ``initialized`` and again on every ``workspace/didChangeConfiguration``;
their answer, when they have the section, *is* the editor layer from then on (as rust-analyzer
does): a setting the user removed goes back to the layers below instead of keeping its value from
start-up. A ``null`` answer (the client has no such section, e.g. Neovim configured through
``init_options`` only) keeps ``initializationOptions``. Clients without ``workspace/configuration``
push their settings in ``didChangeConfiguration`` instead: ``{"outrider": {...}}`` is laid over
``initializationOptions``, anything else is ignored. Every change reloads all sources; bad values
fall back to the layer below and are reported in one ``window/showMessage``.
"""

from __future__ import annotations

import logging

from lsprotocol import types

from server.config import merge_settings
from server.lsp.editor_settings import SECTION, pull_editor_settings
from server.lsp.server import OutriderServer

logger = logging.getLogger(__name__)


def setup(server: OutriderServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def on_did_change_configuration(ls: OutriderServer, params: types.DidChangeConfigurationParams) -> None:
        async with ls.updating_settings():
            if ls.client_supports("workspace.configuration"):
                await pull_editor_settings(ls)
                return
            pushed = params.settings.get(SECTION) if isinstance(params.settings, dict) else None
            if not isinstance(pushed, dict):
                logger.info("didChangeConfiguration without an %r object; settings unchanged", SECTION)
                return
            ls.editor_settings = merge_settings(ls.initialization_settings, pushed)
            await ls.reload_settings()
