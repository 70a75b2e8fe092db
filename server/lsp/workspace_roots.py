"""Workspace folders as paths: from ``initialize`` and from a folder URI.

Folders that are not ``file:`` URIs are logged and left out; the order is the client's (the first
is the primary root).
"""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types

from server.lsp.convert import uri_to_path

logger = logging.getLogger(__name__)


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
        path = folder_path(uri)
        if path is not None and path not in roots:
            roots.append(path)
    return roots


def folder_path(uri: str) -> Path | None:
    """The path of a workspace folder URI; None (logged) for any other scheme."""
    path = uri_to_path(uri)
    if path is None:
        logger.warning("workspace folder %s is not a file: URI; ignored", uri)
    return path
