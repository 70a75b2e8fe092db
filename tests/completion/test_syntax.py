import pytest
from tree_sitter import Parser

from context.languages import get_parser
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
