"""context/source/definitions.py: definitions in a byte range, one cached top-level node at a time, must be
exactly what the plain range query over the whole tree gives (the reference below)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from context.source import definitions
from context.source.document import Document
from context.source.languages import language_for_path, supported_languages
from context.source.symbols import Tag, extract_definitions, extract_tags

WORKSPACES = Path(__file__).parents[2] / "workspaces"


def reference(doc: Document, byte_range: tuple[int, int]) -> list[Tag]:
    """What context.packing.cursor did before: every tag in the range, then the definitions named in it."""
    first, last = byte_range
    tags = extract_tags(doc.source, doc.language or "", doc.path, doc.tree, byte_range)
    return [t for t in tags if t.role == "def" and first <= t.start_byte < last]


def fast(doc: Document, byte_range: tuple[int, int]) -> list[Tag]:
    assert doc.tree is not None and doc.language is not None
    return definitions.definitions_in_range(doc.source, doc.language, doc.path, doc.tree, byte_range)


def fixture_documents() -> list[Document]:
    docs = []
    for path in sorted(WORKSPACES.rglob("*")):
        if path.is_file() and language_for_path(path) is not None:
            docs.append(Document(path.relative_to(WORKSPACES).as_posix(), path.read_text(encoding="utf-8")))
    return docs


def line_windows(doc: Document, radius: int) -> Iterator[tuple[int, int]]:
    """The byte range of `radius` lines either side of every line, as context.packing.cursor cuts it."""
    for line in range(doc.line_count):
        first = doc.byte_at(doc.line_start(max(0, line - radius)))
        after = line + radius + 1
        yield first, doc.byte_at(doc.line_start(after)) if after < doc.line_count else len(doc.source)


def test_fixtures_cover_every_language() -> None:
    assert {doc.language for doc in fixture_documents()} == set(supported_languages())


@pytest.mark.parametrize("radius", [0, 3, 80])
def test_line_windows_of_every_fixture_match_the_reference(radius: int) -> None:
    definitions.clear_cache()
    compared = 0
    for doc in fixture_documents():
        for byte_range in line_windows(doc, radius):
            assert fast(doc, byte_range) == reference(doc, byte_range), (doc.path, byte_range)
            compared += 1
    assert compared > 500


def test_every_language_reads_nodes_one_at_a_time() -> None:
    """No language falls back to the slow path for all its files (the point of the module)."""
    for language in supported_languages():
        assert definitions._node_queries(language) is not None, language


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_byte_range_matches_the_reference(data: st.DataObject) -> None:
    docs = fixture_documents()
    doc = data.draw(st.sampled_from(docs))
    size = len(doc.source)
    first = data.draw(st.integers(0, size))
    last = data.draw(st.integers(first, size + 10))
    assert fast(doc, (first, last)) == reference(doc, (first, last))


def typed(doc: Document, line: int, text: str) -> Iterator[Document]:
    """`doc` after each character of `text` typed at the end of `line`."""
    column = len(doc.line_text(line))
    for char in text:
        doc.apply_change(((line, column), (line, column)), char, doc.version + 1)
        line, column = (line + 1, 0) if char == "\n" else (line, column + 1)
        yield doc


@pytest.mark.parametrize("suffix", [".py", ".ts", ".go", ".rs", ".java", ".c", ".cpp", ".js"])
def test_typing_matches_the_reference_at_every_keystroke(suffix: str) -> None:
    """Nodes change, move and go through syntax errors: the cache must never answer for old text."""
    source = next(doc for doc in fixture_documents() if doc.path.endswith(suffix))
    doc = Document(source.path, source.text)
    for step in typed(doc, doc.line_count // 2, "\nX = foo(1, [2\nclass Late:\n  def f(self): return 3\n"):
        assert doc.tree is not None
        whole = (0, len(step.source))
        assert fast(step, whole) == reference(step, whole)


def test_a_node_moved_down_gets_its_new_positions() -> None:
    text = "def alpha():\n    return 1\n\n\nclass Beta:\n    def gamma(self):\n        pass\n"
    before = Document("m.py", text)
    moved = Document("m.py", "import os\nimport sys\n\n" + text)
    for doc in (before, moved, before, moved):
        whole = (0, len(doc.source))
        assert fast(doc, whole) == reference(doc, whole)
    assert [t.line for t in fast(moved, (0, len(moved.source)))] == [3, 7, 8]


def test_a_lone_carriage_return_counts_as_a_line_end() -> None:
    doc = Document("m.py", "import os\rdef alpha():\r    return 1\n\ndef beta():\n    pass\n")
    whole = (0, len(doc.source))
    assert fast(doc, whole) == reference(doc, whole)
    assert [(t.name, t.line) for t in fast(doc, whole)] == [("alpha", 1), ("beta", 4)]


def test_a_top_level_node_too_large_to_cache_is_queried_over_the_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(definitions, "MAX_CACHED_NODE_BYTES", 40)
    for doc in fixture_documents():
        for byte_range in line_windows(doc, 5):
            assert fast(doc, byte_range) == reference(doc, byte_range)


def test_an_inverted_range_is_refused() -> None:
    doc = fixture_documents()[0]
    with pytest.raises(ValueError, match="invalid byte range"):
        fast(doc, (5, 4))


def test_top_level_constants_come_from_the_rewritten_root_patterns() -> None:
    doc = Document("m.py", "LIMIT = 3\nname = 'x'\n\ndef f():\n    INNER = 4\n")
    found = [(t.name, t.kind) for t in fast(doc, (0, len(doc.source)))]
    assert found == [("LIMIT", "constant"), ("name", "variable"), ("f", "function")]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("(module (expression_statement) @definition.x)", "(expression_statement) @definition.x"),
        (
            '((module (a name: (identifier) @name)) (#match? @name "^[A-Z]"))',
            '((a name: (identifier) @name) (#match? @name "^[A-Z]"))',
        ),
        ("(module (a (b) @name) @definition.x @other)", "(a (b) @name) @definition.x @other"),
        ("(module (a) (b))", None),  # two children: a sibling sequence
        ("(module (a)) @definition.module", None),  # captures the root itself
        ("(module . (a))", None),  # an anchor
        ("(module field: (a))", None),
        ("(module (a)*)", None),
        ("(program (a))", None),
    ],
)
def test_root_patterns_are_rewritten_only_when_equivalent(pattern: str, expected: str | None) -> None:
    assert definitions._rewrite_rooted(pattern, "module") == expected


def test_extract_definitions_is_extract_tags_without_references() -> None:
    found = 0
    for doc in fixture_documents():
        assert doc.language is not None
        expected = [t for t in extract_tags(doc.source, doc.language, doc.path) if t.role == "def"]
        assert extract_definitions(doc.source, doc.language, doc.path) == expected
        found += len(expected)
    assert found > 100


def test_a_full_cache_drops_old_nodes_and_stays_right(monkeypatch: pytest.MonkeyPatch) -> None:
    tiny = definitions._NodeCache(max_bytes=400, max_entries=3)
    monkeypatch.setattr(definitions, "_cache", tiny)
    for doc in fixture_documents():
        for byte_range in line_windows(doc, 4):
            assert fast(doc, byte_range) == reference(doc, byte_range)
        assert len(tiny._entries) <= 3 and tiny._bytes <= 400
