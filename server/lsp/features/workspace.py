"""Workspace folders: the roots from ``initialize`` and ``workspace/didChangeWorkspaceFolders``.

``server.workspace_roots`` keeps the folders as paths, in the client's order (the first one is the
primary root: its ``outrider.toml`` / ``pyproject.toml`` are read for settings). Folders that are
not ``file:`` URIs are logged and left out. A change of the primary root reloads the settings.
"""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types

from server.lsp.convert import uri_to_path
from server.lsp.server import OutriderServer

logger = logging.getLogger(__name__)


def setup(server: OutriderServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def on_did_change_workspace_folders(
        ls: OutriderServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        before = ls.primary_root
        removed = {path for folder in params.event.removed if (path := _folder_path(folder.uri)) is not None}
        roots = [root for root in ls.workspace_roots if root not in removed]
        for folder in params.event.added:
            path = _folder_path(folder.uri)
            if path is not None and path not in roots:
                roots.append(path)
        ls.workspace_roots = roots
        ls.events.workspace_roots_changed.publish(list(roots))
        if ls.primary_root != before:
            async with ls.updating_settings():
                await ls.reload_settings()


def roots_from_initialize(params: types.InitializeParams) -> list[Path]:
    """The workspace folders, else ``rootUri``, else ``rootPath``; paths in the client's order."""
    if params.workspace_folders:
        uris = [folder.uri for folder in params.workspace_folders]
    elif params.root_uri:
        uris = [params.root_uri]
    elif params.root_path:
        return [Path(params.root_path)]
    else:
        return []
    roots: list[Path] = []
    for uri in uris:
        path = _folder_path(uri)
        if path is not None and path not in roots:
            roots.append(path)
    return roots


def _folder_path(uri: str) -> Path | None:
    path = uri_to_path(uri)
    if path is None:
        logger.warning("workspace folder %s is not a file: URI; ignored", uri)
    return path
