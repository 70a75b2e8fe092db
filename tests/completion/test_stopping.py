from hypothesis import given
from hypothesis import strategies as st

from server.completion.stopping import StopRule, indent_width


def test_indent_width_expands_tabs() -> None:
    assert indent_width("\t  x") == 6
    assert indent_width("    x") == 4
    assert indent_width("x") == 0


def test_single_line_stops_at_first_newline() -> None:
    rule = StopRule("single_line")
    assert rule.cut("foo(a, b)") is None
    assert rule.cut("foo(a, b)\n    more") == len("foo(a, b)")


def test_multi_line_stops_at_dedent_out_of_the_block() -> None:
    rule = StopRule("multi_line", base_indent=4)
    body = "total = 0\n    for x in xs:\n        total += x\n    return total\n"
    assert rule.cut(body) is None
    text = body + "\ndef other():\n"
    assert text[: rule.cut(text)] == body.rstrip("\n") + "\n"


def test_multi_line_dedent_seen_before_the_line_ends() -> None:
    rule = StopRule("multi_line", base_indent=4)
    assert rule.cut("x = 1\n    y = 2\nd") == len("x = 1\n    y = 2")
    # blank so far: indentation may still come
    assert rule.cut("x = 1\n  ") is None


def test_multi_line_blank_lines_do_not_end_the_block() -> None:
    rule = StopRule("multi_line", base_indent=4)
    assert rule.cut("x = 1\n\n    y = 2\n") is None


def test_multi_line_stops_at_max_lines() -> None:
    rule = StopRule("multi_line", base_indent=0, max_lines=3)
    text = "a\nb\nc\nd\ne\n"
    assert text[: rule.cut(text)] == "a\nb\nc"


@given(st.text(alphabet="ab \t\n", max_size=60), st.integers(0, 8))
def test_cut_is_stable_as_text_grows(text: str, base: int) -> None:
    """Once complete, more streamed text never changes where the suggestion ends."""
    rule = StopRule("multi_line", base_indent=base)
    cut = rule.cut(text)
    if cut is not None:
        assert rule.cut(text + "zz\n  q") == cut
        assert rule.trim(text) == text[:cut]
