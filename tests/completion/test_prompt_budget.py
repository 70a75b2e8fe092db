"""The whole completion request stays within the context budget, under the counter in use, for any
budget (hypothesis): the packer counts every line as the prompt shows it and reserves the framing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from context.packing.pack import framing_text
from context.packing.workspace import RepoMapView
from context.repomap.index import RepoMap
from context.source.document import Document
from context.tokens import count_tokens
from server.completion.gather import gather
from server.completion.prompt import chat_request, fim_request

FIXTURE = Path(__file__).parents[1] / "workspaces" / "retrieval"
MODELS = ("gpt-4o", "qwen2.5-coder:7b", "claude-sonnet-4-5", "deepseek-coder")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[RepoMapView, Document]:
    root = tmp_path_factory.mktemp("budget") / "ws"
    shutil.copytree(FIXTURE, root)
    repo_map = RepoMap(root, None, workers=1)
    repo_map.index_sync()
    path = root / "shop" / "orders" / "service.py"
    return RepoMapView(repo_map, ready_maps=False), Document(str(path), path.read_text(encoding="utf-8"))


@settings(max_examples=60, deadline=None)  # budgets from the smallest the settings allow (64)
@given(budget=st.integers(64, 1500), model=st.sampled_from(MODELS), line=st.integers(0, 20), column=st.integers(0, 12))
def test_no_request_exceeds_its_budget(
    workspace: tuple[RepoMapView, Document], budget: int, model: str, line: int, column: int
) -> None:
    view, document = workspace
    gathered = gather(document, (line, column), budget, model, workspace=view)
    assert gathered.packed.total_tokens <= budget
    if count_tokens(framing_text(document.path, document.language), model) > budget:
        packed = gathered.packed  # a path longer than the budget: nothing else is sent
        assert (packed.prefix, packed.suffix, packed.sections, packed.scopes) == ("", "", (), "")
        return
    shape = gathered.shape
    fim = fim_request(gathered.parts, shape, max_tokens=64, model=model, metadata={})
    assert count_tokens(fim.prefix, model) + count_tokens(fim.suffix, model) <= budget
    chat = chat_request(gathered.parts, shape, max_tokens=64, model=model, metadata={})
    assert count_tokens(chat.messages[0].text(), model) <= budget
