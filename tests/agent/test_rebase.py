from server.agent.rebase import Region, changed_hunks, changed_region, rebase_text

BASE = "def a():\n    return 1\n\n\ndef b():\n    return 2\n"
NEW = BASE.replace("return 2", "return 20")


def test_changed_region_is_minimal() -> None:
    assert changed_region("abcdef", "abXYef") == Region(2, 4, "XY")
    assert changed_region("abc", "abc") == Region(3, 3, "")
    assert changed_region("", "new") == Region(0, 0, "new")
    assert changed_region("aaa", "aa") == Region(2, 3, "")


def test_unchanged_file_takes_the_edit() -> None:
    assert rebase_text(BASE, NEW, BASE) == NEW


def test_user_change_elsewhere_is_kept() -> None:
    current = "# header added by the user\n" + BASE
    assert rebase_text(BASE, NEW, current) == "# header added by the user\n" + NEW


def test_overlapping_change_is_refused() -> None:
    current = BASE.replace("return 2", "return 3")
    assert rebase_text(BASE, NEW, current) is None


def test_ambiguous_anchor_is_refused() -> None:
    base = "x = 1\n"
    assert rebase_text(base, "x = 2\n", "x = 1\nx = 1\n") is None


def apply_hunks(text: str, hunks: tuple[Region, ...]) -> str:
    out, at = [], 0
    for hunk in hunks:
        assert hunk.start >= at  # in order, not overlapping
        out += [text[at : hunk.start], hunk.text]
        at = hunk.end
    return "".join(out) + text[at:]


def test_changed_hunks_are_one_per_change_and_minimal() -> None:
    new = BASE.replace("return 1", "return 10").replace("return 2", "return 20")
    hunks = changed_hunks(BASE, new)
    assert [h.text for h in hunks] == ["0", "0"]
    assert apply_hunks(BASE, hunks) == new
    assert BASE[hunks[0].end : hunks[1].start] == "\n\n\ndef b():\n    return 2"  # left alone


def test_changed_hunks_cover_inserts_deletes_and_line_ends() -> None:
    cases = [
        ("a\nb\nc\n", "a\nc\n"),
        ("a\nb\n", "x\na\nb\ny\n"),
        ("a\r\nb\r\n", "a\r\nB\r\n"),
        ("no newline", "no newline\n"),
        ("", "new\n"),
        ("old\n", ""),
        ("same\n", "same\n"),
    ]
    for old, new in cases:
        assert apply_hunks(old, changed_hunks(old, new)) == new, (old, new)
    assert changed_hunks("same\n", "same\n") == ()
