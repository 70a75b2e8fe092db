"""Lexical definition and reference names (context/repomap/lexical.py) against tree-sitter's tags."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from context.repomap.lexical import lexical_names
from context.source.languages import language_for_path, supported_languages
from context.source.symbols import extract_tags

WORKSPACES = Path(__file__).parents[2] / "workspaces"
FIXTURES = sorted(
    path.relative_to(WORKSPACES).as_posix()
    for folder in ("multilang", "repomap")
    for path in (WORKSPACES / folder).rglob("*")
    if path.is_file() and language_for_path(path) is not None
)
# Known differences on the fixtures (file -> (names tree-sitter defines that the lexer misses,
# names the lexer calls definitions that tree-sitter does not)). ``geo::Circle c(1.0);`` in a
# function body looks like a function declaration to a line-anchored pattern.
KNOWN_DIFFERENCES: dict[str, tuple[set[str], set[str]]] = {
    "multilang/cpp/shape.cpp": (set(), {"c"}),
}


def _tree_sitter_definitions(path: str) -> set[str]:
    language = language_for_path(path)
    assert language is not None
    return {tag.name for tag in extract_tags((WORKSPACES / path).read_bytes(), language, path) if tag.role == "def"}


def test_fixtures_cover_every_language() -> None:
    assert {language_for_path(path) for path in FIXTURES} == set(supported_languages())


@pytest.mark.parametrize("path", FIXTURES)
def test_definitions_agree_with_tree_sitter(path: str) -> None:
    language = language_for_path(path)
    assert language is not None
    lexical = set(lexical_names((WORKSPACES / path).read_bytes(), language)[0])
    syntactic = _tree_sitter_definitions(path)
    missed, extra = KNOWN_DIFFERENCES.get(path, (set(), set()))
    assert syntactic - lexical == missed
    assert lexical - syntactic == extra


def test_python_definition_forms() -> None:
    source = b"""import os
LIMIT: int = 3
name = "x"
flag == 2
if LIMIT:
    hidden = 1
else:
    pass
class Cart(Base):
    async def total(self) -> int:
        def inner(): ...
        return 0
notdef = 1  # def fake(): class Fake
x := 3
"""
    defs, refs = lexical_names(source, "python")
    assert defs == {"LIMIT": 1, "name": 1, "Cart": 1, "total": 1, "inner": 1, "notdef": 1}
    assert refs["LIMIT"] == 1  # three occurrences: one definition, two references
    assert refs["Base"] == 1 and refs["os"] == 1
    assert "fake" not in refs and "Fake" not in refs  # comments (and docstrings) are prose
    assert "Cart" not in refs  # only its definition
    assert "def" not in refs and "self" not in refs  # keywords are no references
    assert "3" not in refs and "0" not in refs  # nor numbers


def test_python_docstrings_and_comments_name_nothing() -> None:
    source = (
        b'def run():\n    """Call helper_one.\n\ndef not_a_function():\n    """\n'
        b"    return helper_two()  # helper_three\n"
    )
    defs, refs = lexical_names(source, "python")
    assert defs == {"run": 1}
    assert refs == {"helper_two": 1}


def test_references_subtract_each_definition_occurrence() -> None:
    defs, refs = lexical_names(b"func Run() {}\nfunc Other() { Run(); Run() }\n", "go")
    assert defs == {"Run": 1, "Other": 1}
    assert refs == {"Run": 2}


def test_assignment_targets_and_keyword_arguments_are_not_references() -> None:
    source = (
        b"Column(primary_key=True, nullable = False)\nself.size = size\nif key == other_key or a != b:\n    n += 1\n"
    )
    defs, refs = lexical_names(source, "python")
    assert defs == {}
    assert "primary_key" not in refs and "nullable" not in refs  # keyword arguments
    assert refs["size"] == 1  # the read on the right, not the attribute written
    assert refs["key"] == 1 and refs["other_key"] == 1  # == is a comparison
    assert refs["Column"] == 1
    assert "a" not in refs and "b" not in refs and "n" not in refs  # one-character names say nothing


def test_utf8_identifiers_stay_whole() -> None:
    defs, refs = lexical_names("def caf\u00e9():\n    return caf\u00e9\n".encode(), "python")
    assert defs == {"caf\u00e9": 1}
    assert refs == {"caf\u00e9": 1}


def test_unknown_language_is_an_error() -> None:
    with pytest.raises(KeyError):
        lexical_names(b"x", "cobol")


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=400), language=st.sampled_from(supported_languages()))
def test_never_raises_on_arbitrary_bytes(data: bytes, language: str) -> None:
    defs, refs = lexical_names(data, language)
    assert all(count > 0 for count in (*defs.values(), *refs.values()))
    assert all(isinstance(name, str) and name for name in (*defs, *refs))


@settings(max_examples=100, deadline=None)
@given(
    lines=st.lists(
        st.sampled_from(
            [b"def ", b"class ", b"x = 1", b"fn ", b"func (", b"#define ", b"struct S {", b"(", b")", b"{", b"}"]
        )
        | st.binary(max_size=12),
        max_size=30,
    ),
    language=st.sampled_from(supported_languages()),
)
def test_never_raises_on_code_like_bytes(lines: list[bytes], language: str) -> None:
    defs, refs = lexical_names(b"\n".join(lines), language)
    assert all(count > 0 for count in (*defs.values(), *refs.values()))
