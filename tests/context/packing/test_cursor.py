"""Cursor context: scopes, imports, nearby definitions, shape, windows (context/packing/cursor.py)."""

from __future__ import annotations

from pathlib import Path

from context.packing.cursor import IMPORT_NODES, _import_nodes, _top_level_import_nodes, cursor_context, text_windows
from context.source.document import Document
from context.source.languages import language_for_path
from context.tokens import count_tokens

WORKSPACE = Path(__file__).parents[2] / "workspaces" / "multilang"


def doc_of(rel: str) -> Document:
    return Document(rel, (WORKSPACE / rel).read_text(encoding="utf-8"))


def at(doc: Document, needle: str, delta: int = 0) -> tuple[int, int]:
    """LSP position just after the first `needle` (plus `delta` characters)."""
    return tuple(doc.position_at(doc.text.index(needle) + len(needle) + delta))  # type: ignore[return-value]


def test_scope_chain_module_class_method() -> None:
    doc = doc_of("py/shapes.py")
    ctx = cursor_context(doc, at(doc, "return math.pi"))
    assert [(s.kind, s.name) for s in ctx.scopes] == [("module", "shapes.py"), ("class", "Circle"), ("method", "area")]
    method = ctx.scopes[-1]
    assert (method.start_line, method.end_line, method.signature) == (28, 29, "def area(self) -> float:")


def test_nested_function_scope_and_go_receiver_method() -> None:
    doc = doc_of("py/shapes.py")
    ctx = cursor_context(doc, at(doc, "return convert("))
    assert [s.name for s in ctx.scopes] == ["shapes.py", "total_area", "one"]
    go = doc_of("go/server.go")
    ctx = cursor_context(go, at(go, "fmt.Sprintf("))
    assert [(s.kind, s.name) for s in ctx.scopes] == [("module", "server.go"), ("method", "Address")]


def test_imports_in_scope_include_top_level_and_enclosing_before_cursor() -> None:
    text = "import os\n\ndef f():\n    import json\n    x = 1\n    import late\n\ndef g():\n    import re\n"
    doc = Document("m.py", text)
    ctx = cursor_context(doc, (4, 9))
    assert ctx.imports == ((0, "import os"), (3, "import json"))


def test_nearby_definitions_are_siblings_nearest_first() -> None:
    doc = doc_of("py/shapes.py")
    ctx = cursor_context(doc, at(doc, "return math.pi"))
    names = [t.name for t in ctx.nearby]
    assert names[0] == "area" and set(names) == {"area", "__init__", "Circle"}
    assert all(t.role == "def" for t in ctx.nearby)


def test_empty_block_is_multi_line() -> None:
    doc = Document("m.py", "def f(x):\n    \n\nprint(1)\n")
    ctx = cursor_context(doc, (1, 4))
    assert ctx.in_empty_block and not ctx.mid_expression and ctx.multi_line
    assert ctx.indentation == "    "


def test_brace_block_is_multi_line() -> None:
    doc = Document("m.ts", "function f() {\n  \n}\n")
    ctx = cursor_context(doc, (1, 2))
    assert ctx.multi_line


def test_mid_expression_is_single_line() -> None:
    doc = Document("m.py", "def f(x):\n    y = g(x, \n")
    ctx = cursor_context(doc, (1, 13))
    assert ctx.mid_expression and not ctx.multi_line
    assert ctx.line_prefix == "    y = g(x, "


def test_blank_line_inside_call_arguments_is_mid_expression() -> None:
    doc = Document("m.py", "result = compute(\n    a,\n    \n)\n")
    ctx = cursor_context(doc, (2, 4))
    assert ctx.mid_expression


def test_position_uses_utf16_columns() -> None:
    doc = Document("m.py", "s = '😀'; t = 1\n")
    ctx = cursor_context(doc, (0, 9))
    assert ctx.line_prefix == "s = '😀';"


def test_plain_text_file_has_module_scope_only() -> None:
    doc = Document("notes.txt", "hello\nworld\n")
    ctx = cursor_context(doc, (1, 2))
    assert [s.kind for s in ctx.scopes] == ["module"] and ctx.imports == () and ctx.nearby == ()


def test_text_windows_respect_budgets_and_keep_nearest_text() -> None:
    text = "".join(f"line_{i} = {i}\n" for i in range(500))
    offset = text.index("line_250")
    prefix, suffix = text_windows(text, offset, 40, 20)
    assert count_tokens(prefix) <= 40 and count_tokens(suffix) <= 20
    assert text[:offset].endswith(prefix) and text[offset:].startswith(suffix)
    assert prefix.endswith("line_249 = 249\n") and suffix.startswith("line_250")


def test_blank_line_scope_follows_indentation() -> None:
    text = "class A:\n    def m(self):\n        x = 1\n        \n    \n"
    doc = Document("m.py", text)
    assert [s.name for s in cursor_context(doc, (3, 8)).scopes] == ["m.py", "A", "m"]
    assert [s.name for s in cursor_context(doc, (4, 4)).scopes] == ["m.py", "A"]


def test_after_closing_brace_is_outside_the_function() -> None:
    doc = Document("m.js", "function f() {\n  return 1;\n}\n\n")
    assert [s.kind for s in cursor_context(doc, (3, 0)).scopes] == ["module"]
    assert [s.name for s in cursor_context(doc, (1, 2)).scopes] == ["m.js", "f"]


def _fixture_documents() -> list[Document]:
    root = Path(__file__).parents[2] / "workspaces"
    return [
        Document(path.name, path.read_text(encoding="utf-8"))
        for path in sorted(root.rglob("*"))
        if path.is_file() and language_for_path(path) is not None
    ]


def test_top_level_imports_from_the_query_are_those_of_the_scan() -> None:
    seen = 0
    for doc in _fixture_documents():
        assert doc.tree is not None and doc.language is not None
        if doc.language not in IMPORT_NODES:
            continue
        types = IMPORT_NODES[doc.language]
        found = _top_level_import_nodes(doc.tree.root_node, doc.language, types)
        expected = _import_nodes(doc.tree.root_node, types)
        assert sorted(n.byte_range for n in found) == sorted(n.byte_range for n in expected), doc.path
        seen += len(expected)
    assert seen > 20


def test_imports_stay_right_while_typing_an_import() -> None:
    doc = Document("m.py", "import os\n\n\ndef f():\n    pass\n")
    line, column = 2, 0
    for char in "from sys import path\nimport re as regex\n":
        doc.apply_change(((line, column), (line, column)), char, doc.version + 1)
        line, column = (line + 1, 0) if char == "\n" else (line, column + 1)
        assert doc.tree is not None
        types = IMPORT_NODES["python"]
        found = _top_level_import_nodes(doc.tree.root_node, "python", types)
        assert sorted(n.byte_range for n in found) == sorted(
            n.byte_range for n in _import_nodes(doc.tree.root_node, types)
        )
    assert [text for _, text in cursor_context(doc, (0, 0)).imports] == [
        "import os",
        "from sys import path",
        "import re as regex",
    ]


def test_results_reused_for_one_text_are_never_served_for_another() -> None:
    first = Document("m.py", "import os\n\ndef alpha():\n    pass\n", version=1)
    second = Document("m.py", "import sys\n\ndef beta():\n    pass\n", version=1)  # same path and version
    for doc, name, module in ((first, "alpha", "os"), (second, "beta", "sys"), (first.copy(), "alpha", "os")):
        context = cursor_context(doc, (3, 4))
        assert [tag.name for tag in context.nearby] == [name]
        assert context.imports == ((0, f"import {module}"),)
