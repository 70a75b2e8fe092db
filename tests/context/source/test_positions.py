"""UTF-16 positions, line endings and clamping (context/source/positions.py, through Document)."""

from __future__ import annotations

import pytest

from context.source.document import Document
from context.source.positions import LineIndex, Position, PositionError, utf16_len, utf16_to_code_points


def test_utf16_length_counts_surrogate_pairs() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("😀") == 2
    assert utf16_len("中文") == 2
    assert utf16_len("a😀b") == 4


def test_utf16_column_inside_surrogate_pair_snaps_to_character_start() -> None:
    line = "a😀b"
    assert utf16_to_code_points(line, 1) == 1
    assert utf16_to_code_points(line, 2) == 1  # between the two halves of the emoji
    assert utf16_to_code_points(line, 3) == 2
    assert utf16_to_code_points(line, 4) == 3
    assert utf16_to_code_points(line, 99) == 3


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("a\nb\n", ["a", "b", ""]),
        ("a\r\nb\r\n", ["a", "b", ""]),
        ("a\rb\r", ["a", "b", ""]),
        ("a\r\n\rb\n\r\nc", ["a", "", "b", "", "c"]),
        ("", [""]),
    ],
)
def test_line_breaks_are_lf_crlf_and_cr(text: str, lines: list[str]) -> None:
    doc = Document("x.txt", text)
    assert [doc.line_text(i) for i in range(doc.line_count)] == lines


def test_offsets_and_positions_round_trip_with_emoji_cjk_and_crlf() -> None:
    text = "x = '😀'\r\ny = '中文'\rz = '👩‍💻'\n"
    doc = Document("a.py", text)
    for offset in range(len(text) + 1):
        pos = doc.position_at(offset)
        if text[offset - 1 : offset + 1] == "\r\n":
            continue  # between CR and LF is not a position LSP can name
        assert doc.offset_at(pos) == offset, (offset, pos)
    assert doc.position_at(text.index("'", 5)) == Position(0, 7)  # after the 2-unit emoji
    assert doc.offset_at(Position(1, 7)) == text.index("'", text.index("中"))


def test_byte_offsets_match_utf8_encoding() -> None:
    text = "é😀\r\n中x\n"
    doc = Document("a.txt", text)
    for offset in range(len(text) + 1):
        byte = doc.byte_at(offset)
        assert byte == len(text[:offset].encode("utf-8"))
        assert doc.offset_of_byte(byte) == offset


def test_character_past_line_end_clamps_to_line_end() -> None:
    doc = Document("a.txt", "ab\r\ncd")
    assert doc.offset_at(Position(0, 50)) == 2
    assert doc.offset_at(Position(1, 50)) == 6


def test_line_past_the_end_means_document_end() -> None:
    doc = Document("a.txt", "ab\ncd")
    assert doc.offset_at(Position(7, 0)) == 5
    assert doc.offset_at(Position(2, 3)) == 5


def test_negative_positions_are_errors() -> None:
    index = LineIndex("abc")
    with pytest.raises(PositionError):
        index.offset_at("abc", Position(-1, 0))
    with pytest.raises(PositionError):
        index.offset_at("abc", Position(0, -2))


def test_tree_sitter_points_with_lone_cr_count_only_lf() -> None:
    doc = Document("a.py", "a = 1\rb = 2\nc = 3\n")
    b_byte = doc.byte_at(doc.text.index("b"))
    c_byte = doc.byte_at(doc.text.index("c"))
    assert tuple(doc.point_at_byte(b_byte)) == (0, 6)
    assert tuple(doc.point_at_byte(c_byte)) == (1, 0)
