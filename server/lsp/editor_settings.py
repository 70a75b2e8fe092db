"""The editor layer of the settings: ``initializationOptions`` and ``workspace/configuration``.

Shared by the lifecycle feature (at ``initialize`` / ``initialized``) and the settings feature (on
``didChangeConfiguration``); the rules of the editor layer are described in
``server.lsp.features.settings``. Every function here ends by reloading every settings source.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from server.config import merge_settings
from server.lsp.convert import from_lsp_settings_section, path_to_uri

if TYPE_CHECKING:
    from server.lsp.server import OutriderServer

logger = logging.getLogger(__name__)

SECTION = "outrider"


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
