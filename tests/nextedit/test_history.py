"""Edit history: coalescing, bounds, line tracking, private documents, close."""

from __future__ import annotations

from server.nextedit.history import EditHistory

TEXT = "def area(width, height):\n    return width * height\n\n\ndef main():\n    print(area(2, 3))\n"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def typed(history: EditHistory, key: str, text: str, at: int, word: str) -> str:
    """Type `word` at offset `at` one character at a time (one change each, as an editor sends)."""
    for i, char in enumerate(word):
        text = text[: at + i] + char + text[at + i :]
        history.change(key, text)
    return text


def test_typing_a_word_on_one_line_is_one_edit() -> None:
    history = EditHistory()
    history.open("k", "geo.py", TEXT)
    text = typed(history, "k", TEXT, TEXT.index("width"), "rect_")
    (edit,) = history.edits("k")
    assert "-def area(width, height):\n+def area(rect_width, height):\n" in edit.diff
    assert edit.diff.startswith("--- a/geo.py\n+++ b/geo.py\n@@ -1,2 +1,2 @@\n")
    assert edit.lines == (0, 1)
    assert history.text_before_last_edit("k") == TEXT
    assert text.startswith("def area(rect_width")


def test_an_edit_on_another_line_starts_a_new_edit_and_moves_older_ones() -> None:
    history = EditHistory()
    history.open("k", "geo.py", TEXT)
    text = typed(history, "k", TEXT, TEXT.index("print"), "x = 1\n    ")  # line 5 grows a line
    first = text
    typed(history, "k", text, 0, "# top\n")  # a line above everything
    older, newer = history.edits("k")
    assert "+    x = 1" in older.diff
    assert older.lines == (6, 8)  # moved down by the line added above
    assert newer.lines == (0, 1)
    assert history.text_before_last_edit("k") == first


def test_a_pause_longer_than_the_window_splits_a_burst() -> None:
    clock = Clock()
    history = EditHistory(coalesce_s=2.0, clock=clock)
    history.open("k", "geo.py", TEXT)
    text = typed(history, "k", TEXT, 4, "big_")
    clock.now = 5.0
    typed(history, "k", text, 8, "x")
    assert len(history.edits("k")) == 2


def test_bounds_keep_the_newest_edits() -> None:
    clock = Clock()
    history = EditHistory(max_edits=3, max_bytes=10_000, clock=clock)
    history.open("k", "geo.py", TEXT)
    text = TEXT
    for n in range(6):
        clock.now += 10
        text = typed(history, "k", text, 0, f"# {n}\n")
    edits = history.edits("k")
    assert len(edits) == 3
    assert "+# 5" in edits[-1].diff and "+# 3" in edits[0].diff
    small = EditHistory(max_edits=50, max_bytes=200, clock=clock)
    small.open("k", "geo.py", TEXT)
    text = TEXT
    for n in range(6):
        clock.now += 10
        text = typed(small, "k", text, 0, f"# {n}\n")
    assert sum(len(e.diff) for e in small.edits("k")) <= 200
    assert "+# 5" in small.edits("k")[-1].diff


def test_undoing_a_burst_leaves_no_edit() -> None:
    history = EditHistory()
    history.open("k", "geo.py", TEXT)
    history.change("k", TEXT.replace("width", "w", 1))
    history.change("k", TEXT)
    assert history.edits("k") == ()


def test_private_documents_record_nothing_and_close_forgets() -> None:
    history = EditHistory()
    history.open("secret", ".env", "TOKEN=1\n", private=True)
    history.change("secret", "TOKEN=2\n")
    assert history.edits("secret") == () and history.is_private("secret")
    assert history.text_before_last_edit("secret") is None
    history.open("k", "geo.py", TEXT)
    history.change("k", TEXT + "x\n")
    history.close("k")
    assert history.edits("k") == () and history.is_private("k")


def test_diffs_are_redacted() -> None:
    history = EditHistory()
    history.open("k", "conf.py", "x = 1\n")
    history.change("k", 'x = 1\napi_key = "sk-live-0123456789abcdef"\n')
    (edit,) = history.edits("k")
    assert "sk-live-0123456789abcdef" not in edit.diff
    assert "+api_key = " in edit.diff


def test_a_document_not_known_yet_shows_nothing_until_allowed_and_forgets_if_private() -> None:
    history = EditHistory()
    history.open("k", "geo.py", TEXT, private=None)
    history.change("k", TEXT.replace("width", "w", 1))
    assert history.edits("k") == () and history.is_private("k")
    history.set_private("k", False)
    assert len(history.edits("k")) == 1
    history.open("s", "keys.py", TEXT, private=None)
    history.change("s", TEXT.replace("width", "w", 1))
    history.set_private("s", True)
    history.change("s", TEXT)
    assert history.edits("s") == () and history.text_before_last_edit("s") is None
