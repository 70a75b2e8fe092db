"""Document: incremental text sync and incremental tree-sitter reparse (context/source/document.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tree_sitter import Node

from context.source.document import Document
from context.source.languages import get_parser
from context.source.positions import LineIndex, Position, PositionError, TextRange

PIECES = [
    "def ",
    "f",
    "(x)",
    ":",
    " ",
    "    ",
    "return ",
    "x",
    " + ",
    "1",
    "\n",
    "\r\n",
    "\r",
    "😀",
    "中文",
    "é",
    "class ",
    "A",
    "'",
    '"',
    "#",
    "(",
    ")",
    "[",
    "]",
    "if ",
    "pass",
    "\t",
    "=",
]
text_st = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def reference_position(text: str, offset: int) -> Position:
    """An independent (slow) LSP position: count terminators, then UTF-16 units."""
    before = text[:offset]
    breaks = list(re.finditer(r"\r\n|\r|\n", before))
    line_start = breaks[-1].end() if breaks else 0
    return Position(len(breaks), len(before[line_start:].encode("utf-16-le")) // 2)


def addressable(text: str, offset: int) -> int:
    """LSP cannot name the point between CR and LF: step back before the CR."""
    return offset - 1 if 0 < offset < len(text) and text[offset - 1 : offset + 1] == "\r\n" else offset


def node_shape(node: Node) -> list[tuple[str, int, int, tuple[int, int], tuple[int, int]]]:
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append((n.type, n.start_byte, n.end_byte, tuple(n.start_point), tuple(n.end_point)))
        stack.extend(reversed(n.children))
    return out  # type: ignore[return-value]


@st.composite
def edit_sequences(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]]]:
    text = draw(text_st)
    length = len(text)
    edits = []
    for _ in range(draw(st.integers(1, 8))):
        a = draw(st.integers(0, length))
        b = draw(st.integers(a, length))
        new = draw(text_st)
        edits.append((a, b, new))
        length += len(new) - (b - a)
    return text, edits


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edit_sequences(), st.booleans())
def test_incremental_edits_match_string_model_and_fresh_parse(
    case: tuple[str, list[tuple[int, int, str]]], batched: bool
) -> None:
    text, edits = case
    doc = Document("t.py", text, version=1)
    model = text
    changes = []
    for a, b, new in edits:
        a, b = addressable(model, min(a, len(model))), addressable(model, min(b, len(model)))
        rng = TextRange(reference_position(model, a), reference_position(model, b))
        model = model[:a] + new + model[b:]
        if batched:
            changes.append((rng, new))
        else:
            doc.apply_change(rng, new, doc.version + 1)
            assert doc.text == model
    if batched:
        doc.apply_changes(changes, 9)
    assert doc.text == model
    assert doc.source == model.encode("utf-8")
    fresh_index = LineIndex(model)
    starts = [doc.line_start(line) for line in range(doc.line_count)]
    assert starts == fresh_index.starts
    assert [doc.byte_at(start) for start in starts] == fresh_index.byte_starts
    fresh = get_parser("python").parse(model.encode("utf-8"))
    assert doc.tree is not None
    assert str(doc.tree.root_node) == str(fresh.root_node)
    assert node_shape(doc.tree.root_node) == node_shape(fresh.root_node)


def test_full_replacement_reparses() -> None:
    doc = Document("a.py", "x = 1\n", version=1)
    doc.apply_change(None, "def g():\n    pass\n", 2)
    assert doc.version == 2
    assert doc.tree is not None
    assert doc.tree.root_node.children[0].type == "function_definition"


def test_edit_past_the_end_appends_at_document_end() -> None:
    doc = Document("a.py", "x = 1\n")
    doc.apply_change(((40, 0), (41, 3)), "y = 2\n", 2)
    assert doc.text == "x = 1\ny = 2\n"


def test_invalid_range_raises_and_leaves_document_untouched() -> None:
    doc = Document("a.py", "x = 1\ny = 2\n", version=3)
    good = (TextRange(Position(0, 0), Position(0, 1)), "z")
    with pytest.raises(PositionError, match="start is after its end"):
        doc.apply_changes([good, (((1, 2), (0, 0)), "q")], 4)
    with pytest.raises(PositionError, match="negative"):
        doc.apply_change(((0, -1), (0, 0)), "q", 4)
    assert doc.text == "x = 1\ny = 2\n"
    assert doc.version == 3


def test_lone_surrogate_in_inserted_text_becomes_replacement_character() -> None:
    doc = Document("a.py", "x = ''\n")
    doc.apply_change(((0, 5), (0, 5)), "\ud83d", 2)
    assert doc.text == "x = '\ufffd'\n"


def test_unknown_language_keeps_text_without_tree() -> None:
    doc = Document("notes.md", "# hi\n")
    doc.apply_change(((0, 4), (0, 4)), "!", 2)
    assert doc.language is None
    assert doc.tree is None
    assert doc.text == "# hi!\n"


def test_document_over_parse_cap_is_not_parsed(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO"):
        doc = Document("big.py", "x = 1\n" * 1000, max_parse_bytes=1024)
        assert doc.tree is None
    assert doc.parse_skipped is not None and "too large" in doc.parse_skipped
    assert "not parsed" in caplog.text


def test_copy_is_independent_snapshot() -> None:
    doc = Document("a.py", "x = 1\n", version=1)
    snap = doc.copy()
    doc.apply_change(((0, 4), (0, 5)), "2", 2)
    assert snap.text == "x = 1\n" and snap.version == 1
    assert doc.text == "x = 2\n"
    assert snap.tree is not None and snap.tree.root_node.text == b"x = 1\n"


def test_reparse_waits_for_the_tree_and_coalesces_edits() -> None:
    doc = Document("a.py", "x = 1\n", version=1)
    assert doc.tree is not None
    for i, char in enumerate("def f(): pass\n"):
        doc.apply_change(((1, i), (1, i)), char, 2 + i)
    assert doc._stale
    tree = doc.tree
    assert not doc._stale
    assert tree is not None and str(tree.root_node) == str(get_parser("python").parse(doc.source).root_node)


def test_a_snapshot_parses_pending_edits_and_hands_its_tree_back() -> None:
    doc = Document("a.py", "x = 1\n", version=1)
    assert doc.tree is not None
    doc.apply_change(((1, 0), (1, 0)), "def f(): pass\n", 2)
    snap = doc.copy()
    assert doc._stale and snap._stale  # copying did not parse
    assert snap.tree is not None and not snap._stale
    assert doc.adopt_tree(snap) and not doc._stale
    assert doc.tree is not None
    assert str(doc.tree.root_node) == str(get_parser("python").parse(doc.source).root_node)
    assert snap._tree is None and snap._stale  # the tree moved: the snapshot would parse again
    assert snap.tree is not None and snap.tree is not doc.tree


def test_a_tree_is_not_adopted_once_the_document_moved_on() -> None:
    doc = Document("a.py", "x = 1\n", version=1)
    snap = doc.copy()
    assert snap.tree is not None
    doc.apply_change(((0, 4), (0, 5)), "2", 2)
    assert not doc.adopt_tree(snap)
    assert doc.tree is not None and doc.tree.root_node.text == b"x = 2\n"
    fresh = doc.copy()
    assert not doc.adopt_tree(fresh)  # the snapshot has not parsed yet: nothing to take
