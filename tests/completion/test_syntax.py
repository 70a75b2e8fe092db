import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tree_sitter import Parser, Tree

from context.source.languages import get_parser
from server.completion.syntax import check_region, error_spans, introduces_syntax_errors


@pytest.fixture
def python() -> Parser:
    return get_parser("python")


def check(parser: Parser, source: str, marker: str, insertion: str) -> bool:
    cursor = source.index(marker)
    data = source.replace(marker, "").encode()
    return introduces_syntax_errors(parser, parser.parse(data), data, len(source[:cursor].encode()), insertion)


def test_completing_an_unfinished_line_is_fine(python: Parser) -> None:
    assert not check(python, "def f(x):\n    y = foo(|\n", "|", "a, b)")


def test_an_extra_bracket_is_rejected(python: Parser) -> None:
    assert check(python, "def f(x):\n    y = foo(|\n", "|", "a, b))")


def test_a_clean_function_body_stays_clean(python: Parser) -> None:
    assert not check(python, "def f(x):\n    |\n\nz = 1\n", "|", "return x + 1")
    assert check(python, "def f(x):\n    |\n\nz = 1\n", "|", "return x +)")


def test_errors_elsewhere_do_not_count(python: Parser) -> None:
    source = "def f(x):\n    |\n    return (\n"
    assert not check(python, source, "|", "y = 2")


def test_region_is_the_top_level_definitions_around_the_cursor(python: Parser) -> None:
    source = b"import os\n\ndef f():\n    pass\n\ndef g():\n    return 1\n"
    tree = python.parse(source)
    region = check_region(tree, source, source.index(b"pass"))
    assert source[region.start : region.end] == b"def f():\n    pass\n\n"


def test_error_spans_lists_errors(python: Parser) -> None:
    assert error_spans(python.parse(b"x = 1\n").root_node) == []
    assert error_spans(python.parse(b"x = (1\n").root_node)


def _reference_region(tree: Tree, source: bytes, cursor: int) -> tuple[int, int]:
    start, end = 0, len(source)
    for child in tree.root_node.children:
        if child.start_byte <= cursor:
            start = child.start_byte
        else:
            end = child.start_byte
            break
    return source.rfind(b"\n", 0, start) + 1, end


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_region_matches_a_scan_of_the_top_level_nodes(data: st.DataObject) -> None:
    parser = get_parser("python")
    source = b"import os\n\n\ndef f():\n    pass\n\nx = (1,\n\nclass C:\n    def m(self):\n        return 1\n\n\n"
    tree = parser.parse(source)
    cursor = data.draw(st.integers(0, len(source)))
    region = check_region(tree, source, cursor)
    assert (region.start, region.end) == _reference_region(tree, source, cursor)
