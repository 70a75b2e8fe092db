"""Language registry: extensions, LSP languageIds, cached grammars and per-thread parsers."""

from __future__ import annotations

import threading

import pytest

from context.source.languages import (
    LANGUAGES,
    get_language,
    get_parser,
    language_for_language_id,
    language_for_path,
    resolve_language,
    supported_languages,
)

SAMPLES = {
    "python": b"def f():\n    return 1\n",
    "javascript": b"function f() { return 1; }\n",
    "typescript": b"function f(): number { return 1; }\n",
    "tsx": b"const A = () => <div>{1}</div>;\n",
    "go": b"package p\nfunc F() int { return 1 }\n",
    "rust": b"fn f() -> i32 { 1 }\n",
    "java": b"class A { int f() { return 1; } }\n",
    "c": b"int f(void) { return 1; }\n",
    "cpp": b"namespace n { int f() { return 1; } }\n",
}


def test_all_nine_grammars_are_registered() -> None:
    assert supported_languages() == sorted(SAMPLES)
    assert set(LANGUAGES) == set(SAMPLES)


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_every_grammar_loads_and_parses_without_errors(language: str) -> None:
    tree = get_parser(language).parse(SAMPLES[language])
    assert not tree.root_node.has_error, str(tree.root_node)
    assert get_language(language) is get_language(language)


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("a/b.py", "python"),
        ("B.PY", "python"),
        ("x.pyi", "python"),
        ("app.mjs", "javascript"),
        ("view.jsx", "javascript"),
        ("m.ts", "typescript"),
        ("v.tsx", "tsx"),
        ("main.go", "go"),
        ("lib.rs", "rust"),
        ("A.java", "java"),
        ("v.h", "c"),
        ("v.hpp", "cpp"),
        ("v.cc", "cpp"),
        ("README.md", None),
        ("Makefile", None),
    ],
)
def test_language_for_path(path: str, language: str | None) -> None:
    assert language_for_path(path) == language


def test_language_ids_and_resolution() -> None:
    assert language_for_language_id("typescriptreact") == "tsx"
    assert language_for_language_id("javascriptreact") == "javascript"
    assert language_for_language_id("markdown") is None
    assert resolve_language("x.js", "typescriptreact") == "tsx"
    assert resolve_language("x.py", "plaintext") == "python"
    assert resolve_language("notes.txt", None) is None


def test_parsers_are_cached_per_thread() -> None:
    mine = get_parser("python")
    assert get_parser("python") is mine
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(get_parser("python")))
    thread.start()
    thread.join()
    assert other and other[0] is not mine


@pytest.mark.parametrize(
    "path",
    [
        "a.py",
        "pkg/mod.PY",
        "x/.bashrc",
        "x/y.",
        "a.b/c",
        "a/b/",
        "a/.",
        ".",
        "",
        "/abs/f.tsx",
        "d/arch.tar.gz",
        "..",
        "a/..",
    ],
)
def test_path_suffix_is_purepaths(path: str) -> None:
    from pathlib import PurePath

    from context.source.languages import path_suffix

    assert path_suffix(path) == PurePath(path).suffix
    assert path_suffix(PurePath(path)) == PurePath(path).suffix
