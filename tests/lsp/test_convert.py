"""``server/lsp/convert.py``: one place for protocol <-> domain conversions."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from lsprotocol import types

from context.source.positions import Position, TextRange
from server.lsp.convert import (
    from_lsp_position,
    from_lsp_range,
    from_lsp_settings_section,
    lsp_message_type,
    lsp_position,
    lsp_range,
    path_to_uri,
    uri_to_path,
)


def test_positions_and_ranges_round_trip() -> None:
    value = types.Range(start=types.Position(line=2, character=5), end=types.Position(line=3, character=0))
    ours = from_lsp_range(value)
    assert ours == TextRange(Position(2, 5), Position(3, 0))
    assert lsp_range(ours) == value
    assert from_lsp_position(lsp_position((7, 1))) == Position(7, 1)


def test_file_uris_map_to_paths_and_back(tmp_path: Path) -> None:
    path = tmp_path / "dir with space" / "naïve #1.py"
    uri = path_to_uri(path)
    assert uri.startswith("file://")
    assert " " not in uri and "#1" not in uri  # percent-encoded
    assert uri_to_path(uri) == path


@pytest.mark.parametrize("uri", ["untitled:Untitled-1", "vscode-notebook-cell:/a.ipynb#X1", "https://example.com/a.py"])
def test_other_schemes_have_no_path(uri: str) -> None:
    assert uri_to_path(uri) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, {}),
        ({"outrider": {"model": "m"}}, {"model": "m"}),
        ({"model": "m"}, {"model": "m"}),
        ({"outrider": "not a table"}, None),
        (["a list"], None),
        ([], {}),  # Neovim encodes an empty Lua table as []
        ({"outrider": []}, {}),
        ("text", None),
    ],
)
def test_settings_section(value: object, expected: dict[str, str] | None) -> None:
    assert from_lsp_settings_section(value) == expected


def test_message_types_follow_logging_levels() -> None:
    assert lsp_message_type(logging.ERROR) == types.MessageType.Error
    assert lsp_message_type(logging.WARNING) == types.MessageType.Warning
    assert lsp_message_type(logging.INFO) == types.MessageType.Info
    assert lsp_message_type(logging.DEBUG) == types.MessageType.Log
