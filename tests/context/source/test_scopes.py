"""Scope kinds and names per language (context/source/scopes.py)."""

from __future__ import annotations

import pytest

from context.source.languages import get_parser
from context.source.scopes import enclosing_scopes, receiver_type


def chain_at(language: str, source: bytes, needle: bytes) -> list[tuple[str, str]]:
    tree = get_parser(language).parse(source)
    offset = source.index(needle)
    node = tree.root_node.descendant_for_byte_range(offset, offset)
    return [(kind, name) for kind, name, _ in enclosing_scopes(language, node)]


@pytest.mark.parametrize(
    ("language", "source", "needle", "chain"),
    [
        ("python", b"class A:\n    def m(self):\n        X\n", b"X", [("class", "A"), ("method", "m")]),
        ("python", b"def f():\n    def g():\n        X\n", b"X", [("function", "f"), ("function", "g")]),
        ("javascript", b"const h = () => { X; };\n", b"X", [("function", "h")]),
        ("javascript", b"class C { m() { X; } }\n", b"X", [("class", "C"), ("method", "m")]),
        ("typescript", b"namespace N { interface I { x: X } }\n", b"X", [("module", "N"), ("interface", "I")]),
        (
            "rust",
            b"impl Show for Point { fn fmt(&self) { X } }\n",
            b"X",
            [("impl", "Show for Point"), ("function", "fmt")],
        ),
        ("rust", b"mod m { fn f() { X } }\n", b"X", [("module", "m"), ("function", "f")]),
        ("java", b"class A { A() { X(); } }\n", b"X", [("class", "A"), ("method", "A")]),
        ("c", b"static int *make(void) { X; }\n", b"X", [("function", "make")]),
        (
            "cpp",
            b"namespace n { struct S { void m() {X;} }; }\n",
            b"X",
            [("module", "n"), ("class", "S"), ("method", "m")],
        ),
        ("cpp", b"void S::m() { X; }\n", b"X", [("function", "S::m")]),
        (
            "go",
            b"package p\nfunc F() { go func() {X()}() }\n",
            b"X",
            [("function", "F"), ("function", "<anonymous>")],
        ),
    ],
)
def test_enclosing_scope_chain(language: str, source: bytes, needle: bytes, chain: list[tuple[str, str]]) -> None:
    assert chain_at(language, source, needle) == chain


def test_go_receiver_type() -> None:
    source = b"package p\nfunc (s *Server) Start() {}\nfunc Plain() {}\n"
    tree = get_parser("go").parse(source)
    method, function = tree.root_node.named_children[1:]
    assert receiver_type(method) == "Server"
    assert receiver_type(function) is None
