"""Workspace folders: the roots from ``initialize`` and ``workspace/didChangeWorkspaceFolders``.

``server.workspace_roots`` keeps the folders as paths, in the client's order (the first one is the
primary root: its ``outrider.toml`` / ``pyproject.toml`` are read for settings). Folders that are
not ``file:`` URIs are logged and left out. A change of the primary root reloads the settings.
"""

from __future__ import annotations

from lsprotocol import types

from server.lsp.server import OutriderServer
from server.lsp.workspace_roots import folder_path


def setup(server: OutriderServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def on_did_change_workspace_folders(
        ls: OutriderServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        before = ls.primary_root
        removed = {path for folder in params.event.removed if (path := folder_path(folder.uri)) is not None}
        roots = [root for root in ls.workspace_roots if root not in removed]
        for folder in params.event.added:
            path = folder_path(folder.uri)
            if path is not None and path not in roots:
                roots.append(path)
        ls.workspace_roots = roots
        ls.events.workspace_roots_changed.publish(list(roots))
        if ls.primary_root != before:
            async with ls.updating_settings():
                await ls.reload_settings()
