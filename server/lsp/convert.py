"""Conversions between lsprotocol types and our own plain values, in one place, one prefix.

``lsp_*`` builds an lsprotocol value from ours; ``from_lsp_*`` goes the other way. Positions are
``context.source.positions.Position`` ``(line, character)``, 0-based, ``character`` in UTF-16 code units
(the only encoding this server negotiates; see ``server.lsp.protocol``), exactly what
``context.source.document`` expects; ranges are ``context.source.positions.TextRange``.

URIs: ``file:`` URIs map to paths; any other scheme (``untitled:``, ``vscode-notebook-cell:``...)
has no path and is kept as an in-memory document keyed by its URI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls import uris

from context.source.positions import Position, TextRange


def lsp_position(position: Position | tuple[int, int]) -> types.Position:
    return types.Position(line=position[0], character=position[1])


def lsp_range(value: TextRange | tuple[tuple[int, int], tuple[int, int]]) -> types.Range:
    return types.Range(start=lsp_position(value[0]), end=lsp_position(value[1]))


def from_lsp_position(position: types.Position) -> Position:
    return Position(position.line, position.character)


def from_lsp_range(value: types.Range) -> TextRange:
    return TextRange(from_lsp_position(value.start), from_lsp_position(value.end))


def uri_to_path(uri: str) -> Path | None:
    """The file a ``file:`` URI names (percent-decoded), or None for any other scheme."""
    if uris.uri_scheme(uri) != "file":
        return None
    fs_path = uris.to_fs_path(uri)
    return Path(fs_path) if fs_path else None


def path_to_uri(path: Path) -> str:
    uri = uris.from_fs_path(str(path))
    if uri is None:
        raise ValueError(f"cannot build a file URI for {path!r}")
    return str(uri)


def from_lsp_settings_section(value: Any, section: str = "outrider") -> dict[str, Any] | None:
    """Our settings from what an editor sends: ``{"outrider": {...}}`` or the section itself.

    None when the value is not an object at all (the caller reports that). An empty list counts as
    an empty object: Lua clients (Neovim) cannot tell them apart and send ``{}`` as ``[]``.
    """
    if value is None or value == []:
        return {}
    if not isinstance(value, dict):
        return None
    inner = value.get(section)
    if isinstance(inner, dict):
        return inner
    if inner == []:
        return {}
    return value if section not in value else None


def lsp_message_type(level: int) -> types.MessageType:
    """The ``window/logMessage`` type for a :mod:`logging` level."""
    if level >= 40:
        return types.MessageType.Error
    if level >= 30:
        return types.MessageType.Warning
    if level >= 20:
        return types.MessageType.Info
    return types.MessageType.Log
