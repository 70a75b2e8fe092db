from server.completion.postprocess import (
    Surroundings,
    convert_indentation,
    dedupe_following_lines,
    dedupe_line_suffix,
    postprocess,
    strip_fences,
    visible_text,
)


def where(**overrides: object) -> Surroundings:
    values: dict[str, object] = {
        "line_prefix": "    ",
        "line_suffix": "",
        "following_lines": (),
        "shape": "multi_line",
        "base_indent": 4,
    }
    values.update(overrides)
    return Surroundings(**values)  # type: ignore[arg-type]


def test_strip_fences() -> None:
    assert strip_fences("```python\nreturn x\n```") == "return x"
    assert strip_fences("return x") == "return x"


def test_visible_text_hides_an_unfinished_fence() -> None:
    assert visible_text("```py") == ""
    assert visible_text("```py\nreturn") == "return"
    assert visible_text("return x") == "return x"


def test_line_suffix_overlap_is_removed() -> None:
    assert dedupe_line_suffix('"hi")', ")") == '"hi"'
    assert dedupe_line_suffix("a, b):", "):") == "a, b"
    assert dedupe_line_suffix("a, b", ")") == "a, b"
    assert dedupe_line_suffix("a, b)", "") == "a, b)"


def test_following_lines_repeated_by_the_model_are_cut() -> None:
    text = "total = sum(xs)\n    return total\n\ndef other():"
    assert dedupe_following_lines(text, ("", "def other():", "    pass")) == "total = sum(xs)\n    return total"


def test_single_matching_line_below_only_cut_when_everything_after_matches() -> None:
    text = "x = 1\n    y = 2"
    assert dedupe_following_lines(text, ("    z = 3",)) == text


def test_indentation_follows_the_document() -> None:
    assert convert_indentation("a\n    b\n        c", "\t") == "a\n\tb\n\t\tc"
    assert convert_indentation("a\n\tb", "    ") == "a\n    b"
    assert convert_indentation("\tfirst stays", "    ") == "\tfirst stays"


def test_postprocess_trims_to_the_enclosing_block() -> None:
    raw = "total = sum(xs)\n    return total\n\ndef unrelated():\n    pass\n"
    assert postprocess(raw, where()) == "total = sum(xs)\n    return total"


def test_postprocess_single_line_dedupes_the_closing_bracket() -> None:
    out = postprocess('"hello")\nprint(2)', where(line_prefix="    print(", line_suffix=")", shape="single_line"))
    assert out == '"hello"'


def test_postprocess_empty_answer_is_none() -> None:
    assert postprocess("   \n", where()) is None
    assert postprocess(")", where(line_prefix="f(", line_suffix=")", shape="single_line")) is None


def test_postprocess_uses_the_document_line_ending() -> None:
    out = postprocess("a = 1\n    b = 2", where(eol="\r\n"))
    assert out == "a = 1\r\n    b = 2"


def test_postprocess_does_not_indent_twice() -> None:
    assert postprocess("    return x", where(shape="single_line")) == "return x"
