"""Lexical retrieval (context/retrieval.py) over tests/workspaces/repomap."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from context.repomap.index import RepoMap
from context.retrieval import Retriever, completion_context, query_terms, render_snippets, terms_of
from context.tokens import count_tokens

WORKSPACE = Path(__file__).parent.parent / "workspaces" / "repomap"
IDENTS = ["ShoppingCart", "apply_tax", "format_cents", "fetchCartSummary", "Inventory", "missing_name"]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> RepoMap:
    repo_map = RepoMap(WORKSPACE, tmp_path_factory.mktemp("cache"))
    repo_map.index_sync()
    repo_map.parse_remaining_sync()  # phase 2: the LSP server runs it in the background
    return repo_map


def test_terms_split_identifiers() -> None:
    assert terms_of("fetchCartSummary") == ["fetchcartsummary", "fetch", "cart", "summary"]
    assert terms_of("apply_tax") == ["apply_tax", "apply", "tax"]
    assert terms_of("HTTPServer") == ["httpserver", "http", "server"]
    assert terms_of("x") == ["x"]
    assert query_terms("the cart total, cart!") == ["the", "cart", "total"]


def test_search_ranks_the_defining_chunk_first(indexed: RepoMap) -> None:
    results = Retriever(indexed).search("apply tax", limit=3)
    assert results[0].path == "shop/checkout.py" and results[0].name == "apply_tax"
    assert results[0].text.startswith("def apply_tax(cents: int) -> int:")
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)


def test_search_by_identifiers_and_limits(indexed: RepoMap) -> None:
    retriever = Retriever(indexed)
    results = retriever.search(["reserve"], limit=1)
    assert [(r.path, r.name, r.start_line) for r in results] == [("engine/inventory.rs", "reserve", 9)]
    assert retriever.search("zzz_nothing_matches", limit=5) == []
    assert retriever.search("cart", limit=0) == []


def test_search_is_deterministic(indexed: RepoMap) -> None:
    first = Retriever(indexed).search("cart total cents", limit=8)
    second = Retriever(indexed).search("cart total cents", limit=8)
    assert first == second and len(first) == 8


def test_search_follows_edits(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(WORKSPACE, root)
    repo_map = RepoMap(root, None)
    repo_map.index_sync()
    retriever = Retriever(repo_map)
    retriever.prepare()
    assert retriever.search("refund order", limit=5) == []
    repo_map.update_file("shop/refunds.py", "def refund_order(order_id: int) -> bool:\n    return True\n")
    hit = retriever.search("refund order", limit=1)[0]
    assert (hit.path, hit.name) == ("shop/refunds.py", "refund_order")
    repo_map.update_file("shop/refunds.py", None)  # never saved: gone again
    assert all(r.path != "shop/refunds.py" for r in retriever.search("refund order", limit=5))


def test_search_never_parses_the_repository_itself(tmp_path: Path) -> None:
    repo_map = RepoMap(WORKSPACE, tmp_path / "cache")
    repo_map.index_sync()
    retriever = Retriever(repo_map)
    assert retriever.search("apply tax", limit=3) == []  # nothing parsed yet: nothing indexed
    assert repo_map.parse_count == 0 and not retriever.complete
    repo_map.render(120)  # parses the rendered files' definitions only
    rendered = repo_map.parse_count
    assert 0 < rendered < repo_map.file_count
    assert retriever.search("apply tax", limit=3) == []
    assert repo_map.parse_count == rendered and not retriever.complete
    assert repo_map.parse_remaining_sync() == repo_map.file_count  # the background parse
    hit = retriever.search("apply tax", limit=3)[0]
    assert (hit.path, hit.name) == ("shop/checkout.py", "apply_tax")
    assert retriever.complete


def test_snippets_for_identifiers_define_the_names(indexed: RepoMap) -> None:
    snippets = Retriever(indexed).snippets_for_identifiers(["apply_tax", "missing_name"], 200)
    assert [(s.path, s.name) for s in snippets] == [("shop/checkout.py", "apply_tax")]
    assert snippets[0].render().startswith("shop/checkout.py:7-8\ndef apply_tax(")


def test_snippets_skip_excluded_files(indexed: RepoMap) -> None:
    snippets = Retriever(indexed).snippets_for_identifiers(["apply_tax"], 200, exclude_paths=["shop/checkout.py"])
    assert snippets == []


@settings(max_examples=40, deadline=None)
@given(
    idents=st.lists(st.sampled_from(IDENTS), max_size=4),
    budget=st.integers(min_value=0, max_value=500),
    model=st.sampled_from([None, "gpt-4o"]),
)
def test_budgets_are_hard(indexed: RepoMap, idents: list[str], budget: int, model: str | None) -> None:
    retriever = Retriever(indexed)
    snippets = retriever.snippets_for_identifiers(idents, budget, model=model)
    assert count_tokens(render_snippets(snippets), model) <= budget
    merged = completion_context(indexed, retriever, idents, budget, focus_files=["tools/report.py"], model=model)
    assert count_tokens(merged, model) <= budget


def test_completion_context_puts_snippets_before_the_map(indexed: RepoMap) -> None:
    text = completion_context(indexed, Retriever(indexed), ["apply_tax"], 400, focus_files=["tools/report.py"])
    assert text.index("def apply_tax(cents: int) -> int:") < text.index("Repository map")
    assert "tools/report.py" not in text


def test_snippets_prefer_the_library_definition_over_tests(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(WORKSPACE, root)
    (root / "tests").mkdir()
    (root / "tests" / "fakes.py").write_text("def format_cents(cents: int) -> str:\n    return 'fake'\n")
    (root / "shop" / "legacy.py").write_text("format_cents = None\n")
    repo_map = RepoMap(root, None)
    repo_map.index_sync()
    snippets = Retriever(repo_map).snippets_for_identifiers(["format_cents"], 400)
    assert [s.path for s in snippets] == ["shop/models.py", "shop/legacy.py"]
