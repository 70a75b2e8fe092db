"""Packing the completion context under a hard budget, redacted and deterministic (context/packing/pack.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from context.packing.pack import PackedContext, Section, pack_completion_context
from context.source.document import Document
from context.tokens import count_tokens

WORKSPACE = Path(__file__).parents[2] / "workspaces" / "multilang"
SECRET = "sk-ant-api03-" + "Q7x9" * 12


def big_python() -> Document:
    lines = ["import os", "from json import dumps", ""]
    for i in range(300):
        lines += [f"def func_{i}(x):", f"    return dumps(x) + str({i})", ""]
    lines += ["class Late:", "    def method(self):", "        ", ""]
    return Document("big.py", "\n".join(lines))


def pieces_tokens(packed: PackedContext) -> int:
    texts = [packed.scopes, packed.prefix, packed.suffix, *(s.text for s in packed.sections)]
    return sum(count_tokens(t, packed.model) for t in texts if t)


@pytest.mark.parametrize("budget", [16, 64, 300, 2048])
def test_total_never_exceeds_budget(budget: int) -> None:
    doc = big_python()
    packed = pack_completion_context(doc, (doc.line_count - 2, 8), budget, "gpt-4.1")
    assert packed.total_tokens <= budget
    assert pieces_tokens(packed) <= budget


def test_windows_are_contiguous_with_the_cursor() -> None:
    doc = big_python()
    offset = doc.offset_at((doc.line_count - 2, 8))
    packed = pack_completion_context(doc, (doc.line_count - 2, 8), 400)
    assert doc.text[:offset].endswith(packed.prefix)
    assert doc.text[offset:].startswith(packed.suffix)
    assert packed.prefix.endswith("    def method(self):\n        ")


def test_imports_far_above_and_scopes_are_included() -> None:
    doc = big_python()
    packed = pack_completion_context(doc, (doc.line_count - 2, 8), 400)
    sections = {s.title: s.text for s in packed.sections}
    assert sections["Imports in scope"] == "import os\nfrom json import dumps"
    assert packed.scopes == f"module big.py > class Late (lines {doc.line_count - 3}-{doc.line_count - 2})" + (
        f" > method method (lines {doc.line_count - 2}-{doc.line_count - 2})"
    )
    assert packed.multi_line


def test_imports_already_in_the_prefix_are_not_repeated() -> None:
    doc = Document("small.py", "import os\n\ndef f():\n    return os.getcwd()\n")
    packed = pack_completion_context(doc, (3, 11), 2048)
    assert all(s.title != "Imports in scope" for s in packed.sections)
    assert packed.prefix.startswith("import os\n")


def test_secrets_are_redacted_everywhere() -> None:
    text = f'API_KEY = "{SECRET}"\n\ndef f():\n    token = "{SECRET}"\n    \n'
    doc = Document("s.py", text)
    packed = pack_completion_context(doc, (4, 4), 2048, extra=[Section("Repo map", f"key {SECRET}")])
    rendered = packed.render() + json.dumps(packed.to_json())
    assert SECRET not in rendered and SECRET[:20] not in rendered
    assert packed.redactions >= 2


def test_extra_sections_compete_for_the_budget_without_pushing_out_the_code() -> None:
    doc = big_python()
    extra = [Section("Repo map", "utils.py:\n  def helper()"), Section("Huge", "x = 1\n" * 5000)]
    packed = pack_completion_context(doc, (doc.line_count - 2, 8), 1000, extra=extra)
    sections = {s.title: s.text for s in packed.sections}
    assert sections["Repo map"] == "utils.py:\n  def helper()"
    assert packed.tokens.get("Huge", 0) < packed.tokens["prefix"]
    assert packed.prefix.count("\n") >= 40
    assert any(item.startswith("Huge: ") for item in packed.dropped)
    assert packed.total_tokens <= 1000


def test_same_input_gives_identical_output() -> None:
    doc = big_python()
    a = pack_completion_context(doc, (100, 3), 700)
    b = pack_completion_context(doc.copy(), (100, 3), 700)
    assert a.render() == b.render()
    assert a.to_json_text() == b.to_json_text()


def test_render_marks_cursor_and_json_has_all_pieces() -> None:
    doc = Document("w.js", (WORKSPACE / "js" / "cart.js").read_text(encoding="utf-8"))
    packed = pack_completion_context(doc, (11, 4), 2048)
    rendered = packed.render()
    assert "  add(item) {\n    this.items.push(item);\n    <CURSOR>return this;" in rendered
    data = packed.to_json()
    assert data["prefix"] + data["suffix"] == doc.text
    assert data["total_tokens"] == sum(data["tokens"].values())


def test_zero_budget_packs_nothing() -> None:
    packed = pack_completion_context(big_python(), (5, 0), 0)
    assert packed.total_tokens == 0 and packed.prefix == "" and packed.suffix == ""
