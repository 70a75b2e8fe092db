from context.document import Document
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
