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
from typing import Any

from lsprotocol import types

from server.config import merge_settings
from server.lsp.convert import from_lsp_settings_section, path_to_uri
from server.lsp.server import OutriderServer

logger = logging.getLogger(__name__)

SECTION = "outrider"


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


def settings_from_initialization_options(server: OutriderServer, options: Any) -> dict[str, Any]:
    section = from_lsp_settings_section(options, SECTION)
    if section is None:
        server.show_message(
            "Outrider settings: initializationOptions must be an object of settings; ignored",
            types.MessageType.Warning,
        )
        return {}
    return section


async def pull_editor_settings(server: OutriderServer) -> None:
    """Ask the client for the ``outrider`` section (if it can answer) and reload every source."""
    if not server.client_supports("workspace.configuration"):
        return
    scope = path_to_uri(server.primary_root) if server.primary_root else None
    params = types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION, scope_uri=scope)])
    try:
        answer = await server.workspace_configuration_async(params)
    except Exception as exc:
        logger.warning("workspace/configuration failed (%s); keeping the current settings", exc)
        return
    value = answer[0] if isinstance(answer, (list, tuple)) and answer else None
    if value is None:  # no such section in the client: initializationOptions stay the editor layer
        server.editor_settings = merge_settings(server.initialization_settings, {})
        await server.reload_settings()
        return
    section = from_lsp_settings_section(value, SECTION)
    if section is None:
        server.show_message(
            f"Outrider settings: the editor's {SECTION!r} configuration is not an object; ignored",
            types.MessageType.Warning,
        )
        section = merge_settings(server.initialization_settings, {})
    server.editor_settings = merge_settings({}, section)
    await server.reload_settings()
