from hypothesis import given, settings
from hypothesis import strategies as st

from context.source.document import Document
from server.completion.cursor_shape import detect_indent_unit, surroundings


def at(source: str, marker: str = "|", path: str = "m.py") -> tuple[Document, int]:
    index = source.index(marker)
    return Document(path, source.replace(marker, "", 1), version=1), index


def test_multi_line_base_indent_is_the_cursor_indent() -> None:
    where = surroundings(*at("def f(x):\n    |\n\ndef g():\n    pass\n"), "multi_line")
    assert where.base_indent == 4
    assert where.line_prefix == "    "
    assert where.following_lines == ("", "def g():", "    pass", "")


def test_unindented_new_line_in_an_empty_block_gets_the_block_indent() -> None:
    assert surroundings(*at("def f(x):\n|\n"), "multi_line").base_indent == 4
    assert surroundings(*at("function f() {\n|\n}\n", path="m.js"), "multi_line").base_indent == 4


def test_single_line_base_indent_is_the_line_indent() -> None:
    where = surroundings(*at("def f(x):\n    return x +| 1\n"), "single_line")
    assert where.base_indent == 4
    assert (where.line_prefix, where.line_suffix) == ("    return x +", " 1")


def test_indent_unit_and_line_ending() -> None:
    document = Document("m.go", "func f() {\r\n\tx := 1\r\n}\r\n", version=1)
    assert detect_indent_unit(document) == "\t"
    assert surroundings(document, document.offset_at((1, 1)), "single_line").eol == "\r\n"
    two = Document("m.js", "function f() {\n  return 1;\n}\n", version=1)
    assert detect_indent_unit(two) == "  "


def reference_indent_unit(document: Document, around: int, window_chars: int) -> str:
    """detect_indent_unit as first written: one pass over every indented line's lead."""
    text = document.text
    start = max(0, around - window_chars)
    window = text[start : around + window_chars]
    if start > 0:
        window = window[window.find("\n") + 1 :] if "\n" in window else ""
    tabs = spaces = step = 0
    for line in window.split("\n"):
        if not line.strip() or line[0] not in " \t":
            continue
        if line[0] == "\t":
            tabs += 1
        else:
            spaces += 1
            lead = len(line) - len(line.lstrip(" "))
            step = lead if step == 0 else min(step, lead)
    if tabs > spaces:
        return "\t"
    return " " * (step if 2 <= step <= 8 else 4)


_LINE = st.tuples(
    st.sampled_from(["", " ", "  ", "   ", "    ", "        ", " " * 12, "\t", "\t\t", " \t", "\t "]),
    st.sampled_from(["x = 1", "", "  ", "\r", "}", "é"]),
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE, max_size=60), st.integers(0, 400), st.integers(1, 200))
def test_indent_unit_matches_a_line_by_line_reading(lines: list[str], around: int, window: int) -> None:
    document = Document("m.py", "\n".join(lines), version=1)
    around = min(around, len(document.text))
    assert detect_indent_unit(document, around, window) == reference_indent_unit(document, around, window)
