"""textDocument/completion as the fallback for clients without inline completion (Helix, older
editors), for both client profiles as pytest-lsp ships them (neither declares inline completion)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from tests.emulator.fixtures import emulator  # noqa: F401
from tests.emulator.server import Emulator
from tests.lsp.completion_client import (
    StartCompletionClient,
    insert_text,
    open_source,
    start_completion_client,  # noqa: F401
)
from tests.lsp.conftest import PROFILES

SOURCE = "def add(a, b):\n    return a + b\n\n\ndef main():\n    total = ad\n"


def completion_params(uri: str, line: int, character: int) -> types.CompletionParams:
    return types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, character)
    )


@pytest.mark.parametrize("profile", PROFILES)
async def test_suggestion_offered_as_a_completion_item(
    start_completion_client: StartCompletionClient,  # noqa: F811
    emulator: Emulator,  # noqa: F811
    tmp_path: Path,
    profile: str,
) -> None:
    session = await start_completion_client(profile, inline=False)
    assert session.capabilities.completion_provider is not None
    client = session.client
    emulator.script({"text": "d(1, 2)\n    print(total)\n"})
    uri = open_source(client, tmp_path, text=SOURCE)
    result = await client.text_document_completion_async(completion_params(uri, 5, 14))
    assert isinstance(result, types.CompletionList)
    assert result.is_incomplete
    (item,) = result.items
    assert item.label == "add(1, 2)"
    assert item.text_edit == types.TextEdit(
        range=types.Range(start=types.Position(5, 12), end=types.Position(5, 14)), new_text="add(1, 2)"
    )
    assert item.filter_text == "add(1, 2)"
    assert len(emulator.requests) == 1


async def test_typing_on_reuses_the_suggestion(
    start_completion_client: StartCompletionClient,  # noqa: F811
    emulator: Emulator,  # noqa: F811
    tmp_path: Path,
) -> None:
    client = (await start_completion_client("neovim", inline=False)).client
    emulator.script({"text": "d(1, 2)"})
    uri = open_source(client, tmp_path, text=SOURCE)
    await client.text_document_completion_async(completion_params(uri, 5, 14))
    insert_text(client, uri, 2, types.Position(5, 14), "d")
    result = await client.text_document_completion_async(completion_params(uri, 5, 15))
    assert isinstance(result, types.CompletionList)
    assert result.items[0].text_edit is not None
    assert result.items[0].text_edit.new_text == "add(1, 2)"
    assert len(emulator.requests) == 1


async def test_clients_with_inline_completion_get_no_duplicate(
    start_completion_client: StartCompletionClient,  # noqa: F811
    emulator: Emulator,  # noqa: F811
    tmp_path: Path,
) -> None:
    client = (await start_completion_client("visual-studio-code", inline=True)).client
    emulator.script({"text": "d(1, 2)"})
    uri = open_source(client, tmp_path, text=SOURCE)
    result = await client.text_document_completion_async(completion_params(uri, 5, 14))
    assert isinstance(result, types.CompletionList)
    assert len(result.items) == 0
    assert not result.is_incomplete
    assert emulator.requests == []
