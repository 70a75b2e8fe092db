from server.agent.rebase import Region, changed_region, rebase_text

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
