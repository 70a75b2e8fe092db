from tools.edit_formats import EditError, SearchReplace, apply_one, apply_search_replace

SOURCE = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"


def test_exact_match_replaces_once() -> None:
    assert apply_one(SOURCE, SearchReplace("    return a - b\n", "    return a - b - 0\n")) == SOURCE.replace(
        "a - b\n", "a - b - 0\n"
    )


def test_ambiguous_match_is_refused_with_advice() -> None:
    result = apply_one(SOURCE, SearchReplace("(a, b):\n", "(x, y):\n"))
    assert isinstance(result, EditError)
    assert "2 times" in result.message


def test_trailing_whitespace_is_tolerated() -> None:
    result = apply_one(
        SOURCE, SearchReplace("def sub(a, b):   \n    return a - b", "def sub(a, b):\n    return -b + a")
    )
    assert isinstance(result, str)
    assert "return -b + a\n" in result
    assert result.count("def sub") == 1


def test_indentation_difference_is_reindented() -> None:
    code = "class C:\n    def f(self):\n        return 1\n"
    result = apply_one(code, SearchReplace("def f(self):\n    return 1\n", "def f(self):\n    return 2\n"))
    assert result == "class C:\n    def f(self):\n        return 2\n"


def test_crlf_file_keeps_its_line_endings() -> None:
    code = "a = 1\r\nb = 2\r\n"
    assert apply_one(code, SearchReplace("b = 2\n", "b = 3\n")) == "a = 1\r\nb = 3\r\n"


def test_no_match_shows_closest_lines() -> None:
    result = apply_one(SOURCE, SearchReplace("def sub(a, c):\n    return a - c\n", "x\n"))
    assert isinstance(result, EditError)
    assert "def sub(a, b):" in result.message
    assert "5-6" in result.message


def test_empty_search_only_creates_empty_files() -> None:
    assert apply_one("", SearchReplace("", "new\n")) == "new\n"
    assert isinstance(apply_one(SOURCE, SearchReplace("", "new\n")), EditError)


def test_blocks_apply_in_sequence_and_errors_name_the_block() -> None:
    blocks = [SearchReplace("def add", "def plus"), SearchReplace("plus(a, b)", "plus(a, b=0)")]
    assert apply_search_replace(SOURCE, blocks) == SOURCE.replace("def add(a, b)", "def plus(a, b=0)")
    failing = apply_search_replace(SOURCE, [SearchReplace("def add", "def plus"), SearchReplace("nope", "x")])
    assert isinstance(failing, EditError)
    assert failing.message.startswith("edit 2 of 2")
