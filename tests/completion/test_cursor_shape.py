from context.document import Document
from server.completion.cursor_shape import analyse_cursor, detect_indent_unit


def at(source: str, marker: str = "|", path: str = "m.py") -> tuple[Document, int, int]:
    index = source.index(marker)
    text = source.replace(marker, "", 1)
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return Document(path, text, version=1), line, column


def test_empty_python_function_body_is_multi_line_at_body_indent() -> None:
    cursor = analyse_cursor(*at("def f(x):\n    |\n\ndef g():\n    pass\n"))
    assert cursor.shape == "multi_line"
    assert cursor.base_indent == 4


def test_empty_javascript_block_with_closing_brace_below() -> None:
    cursor = analyse_cursor(*at("function f(x) {\n  |\n}\nfunction g() {\n  return 1;\n}\n", path="m.js"))
    assert cursor.shape == "multi_line"
    assert cursor.base_indent == 2
    assert cursor.indent_unit == "  "


def test_blank_line_inside_call_arguments_is_single_line() -> None:
    cursor = analyse_cursor(*at("x = foo(\n    1,\n    |\n)\n"))
    assert cursor.shape == "single_line"


def test_mid_line_is_single_line() -> None:
    cursor = analyse_cursor(*at("def f(x):\n    return x +| 1\n"))
    assert cursor.shape == "single_line"
    assert cursor.line_prefix == "    return x +"
    assert cursor.line_suffix == " 1"


def test_blank_line_between_statements_is_multi_line() -> None:
    cursor = analyse_cursor(*at("def f(x):\n    y = 1\n    |\n    return y\n"))
    assert cursor.shape == "multi_line"
    assert cursor.base_indent == 4
    assert cursor.following_lines == ("    return y", "")


def test_indent_unit_and_line_ending() -> None:
    document = Document("m.go", "func f() {\r\n\tx := 1\r\n}\r\n", version=1)
    assert detect_indent_unit(document) == "\t"
    assert analyse_cursor(document, 1, 1).eol == "\r\n"


def test_unindented_new_line_in_an_empty_block_gets_the_block_indent() -> None:
    cursor = analyse_cursor(*at("def f(x):\n|\n"))
    assert cursor.shape == "multi_line"
    assert cursor.base_indent == 4
