"""Diff to minimal edits; the property: applying the edits to the region gives the model's rewrite."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from server.nextedit.edits import TextEdit, apply_edits, diff_to_edits, span_edit

LINES = st.lists(st.sampled_from(["def f(a):", "    return a", "", "x = f(1)", "    pass", "y", "é ü"]), max_size=12)


def text_of(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


@given(LINES, LINES)
def test_applying_the_edits_gives_the_rewrite(old: list[str], new: list[str]) -> None:
    before, after = text_of(old), text_of(new)
    edits = diff_to_edits(before, after)
    assert apply_edits(before, edits) == after
    for first, second in itertools.pairwise(edits):
        assert first.end < second.start  # ordered, not touching
    if edits:
        assert apply_edits(before, [span_edit(before, edits)]) == after


@given(st.text(alphabet="ab\n _(", max_size=40), st.text(alphabet="ab\n _(", max_size=40))
def test_any_text_round_trips(before: str, after: str) -> None:
    assert apply_edits(before, diff_to_edits(before, after)) == after


def test_a_rename_is_an_edit_of_the_whole_name_only() -> None:
    before = "def area(width, height):\n    return width * height\n"
    after = "def area(width, height):\n    return w * height\n"
    (edit,) = diff_to_edits(before, after)
    assert before[edit.start : edit.end] == "width" and edit.new_text == "w"
    assert edit.start == before.index("width *")


def test_two_use_sites_are_two_edits_and_one_span() -> None:
    before = "def f(w):\n    a = width\n    b = 1\n    return width\n"
    after = "def f(w):\n    a = w\n    b = 1\n    return w\n"
    edits = diff_to_edits(before, after)
    assert [before[e.start : e.end] for e in edits] == ["width", "width"]
    span = span_edit(before, edits)
    assert span == TextEdit(before.index("width"), before.rindex("width") + 5, "w\n    b = 1\n    return w")


def test_no_change_is_no_edit() -> None:
    assert diff_to_edits("a\n", "a\n") == []
