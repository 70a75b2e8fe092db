"""``server/lsp/convert.py``: one place for protocol <-> domain conversions."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from lsprotocol import types

from context.source.positions import Position, TextRange
from server.agent.rebase import changed_hunks
from server.lsp.convert import (
    from_lsp_position,
    from_lsp_range,
    from_lsp_range_json,
    from_lsp_settings_section,
    lsp_hunk_edits,
    lsp_message_type,
    lsp_position,
    lsp_range,
    lsp_range_json,
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


def test_hunks_become_one_text_edit_each_in_utf16_positions() -> None:
    current = "é😀x = 1\nkeep\ny = 2\n"
    edits = lsp_hunk_edits(current, changed_hunks(current, "é😀x = 10\nkeep\ny = 20\n"), "note")
    assert [(e.range, e.new_text) for e in edits] == [
        (lsp_range(((0, 8), (0, 8))), "0"),  # é is one UTF-16 unit, 😀 two
        (lsp_range(((2, 5), (2, 5))), "0"),
    ]
    assert all(isinstance(e, types.AnnotatedTextEdit) and e.annotation_id == "note" for e in edits)
    assert not any(isinstance(e, types.AnnotatedTextEdit) for e in lsp_hunk_edits(current, changed_hunks(current, "")))


def test_range_json_round_trips_and_rejects_garbage() -> None:
    value = lsp_range(((1, 2), (3, 4)))
    assert from_lsp_range_json(lsp_range_json(value)) == TextRange(Position(1, 2), Position(3, 4))
    assert from_lsp_range_json({"start": {"line": "x"}, "end": {}}) is None
    assert from_lsp_range_json([1, 2]) is None
