"""Tags from the query files (context/source/symbols.py, context/queries/*.scm).

The golden file lists every tag of tests/workspaces/multilang. After an intended change to a
query, regenerate it and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/context/test_symbols.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from context.source.document import Document
from context.source.languages import language_for_path, supported_languages
from context.source.symbols import QUERY_DIR, Tag, extract_tags, tags_query

WORKSPACE = Path(__file__).parents[2] / "workspaces" / "multilang"
GOLDEN = Path(__file__).parents[1] / "golden" / "multilang_tags.txt"


def workspace_tags() -> list[Tag]:
    tags: list[Tag] = []
    for path in sorted(WORKSPACE.rglob("*")):
        language = language_for_path(path)
        if path.is_file() and language is not None:
            tags.extend(extract_tags(path.read_bytes(), language, path.relative_to(WORKSPACE).as_posix()))
    return tags


def render(tags: list[Tag]) -> str:
    lines = []
    for t in tags:
        where = f"{t.path}:{t.line + 1}" + (f"-{t.end_line + 1}" if t.end_line is not None else "")
        lines.append(f"{where}\t{t.role}\t{t.kind}\t{t.name}\t{t.scope or '-'}\t{t.signature}")
    return "\n".join(lines) + "\n"


def test_golden_tags_of_multilang_workspace() -> None:
    actual = render(workspace_tags())
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(actual, encoding="utf-8")
    assert GOLDEN.read_text(encoding="utf-8") == actual, "tags changed: review, then regenerate (see module doc)"


@pytest.mark.parametrize("language", supported_languages())
def test_every_language_has_a_query_with_definitions_and_references(language: str) -> None:
    assert (QUERY_DIR / f"{language}.scm").is_file()
    tags_query(language)  # compiles
    tags = [t for t in workspace_tags() if language_for_path(t.path) == language]
    assert any(t.role == "def" for t in tags), language
    assert any(t.role == "ref" for t in tags), language


def test_kinds_cover_the_common_vocabulary() -> None:
    kinds = {t.kind for t in workspace_tags() if t.role == "def"}
    assert {"function", "method", "class", "interface", "module", "constant", "type", "enum"} <= kinds


def test_output_is_sorted_and_deterministic() -> None:
    source = (WORKSPACE / "py" / "shapes.py").read_bytes()
    first = extract_tags(source, "python", "shapes.py")
    assert first == extract_tags(source, "python", "shapes.py")
    assert [t.start_byte for t in first] == sorted(t.start_byte for t in first)


def test_document_tree_gives_same_tags_as_fresh_parse() -> None:
    text = (WORKSPACE / "py" / "shapes.py").read_text(encoding="utf-8")
    doc = Document("shapes.py", text)
    doc.apply_change(((0, 0), (0, 0)), "# edited\n", 2)
    assert extract_tags(doc.source, "python", "shapes.py", doc.tree) == extract_tags(doc.source, "python", "shapes.py")


def test_method_scope_signature_and_span() -> None:
    source = b"class A:\n    @staticmethod\n    def go(x):\n        return helper(x)\n"
    tags = extract_tags(source, "python", "a.py")
    go = next(t for t in tags if t.name == "go")
    assert (go.role, go.kind, go.scope, go.line, go.end_line) == ("def", "method", "A", 2, 3)
    assert go.signature == "def go(x):"
    assert source[go.start_byte : go.end_byte] == b"go"
    helper = next(t for t in tags if t.name == "helper")
    assert (helper.role, helper.kind, helper.scope, helper.signature) == ("ref", "call", "go", "")


def test_lines_count_lone_carriage_returns_like_lsp() -> None:
    source = b"x = 1\rdef f():\r\n    pass\n"
    f = next(t for t in extract_tags(source, "python", "a.py") if t.name == "f")
    assert f.line == 1
