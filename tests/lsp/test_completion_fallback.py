"""textDocument/completion as the fallback for clients without inline completion (Helix, older
editors), for both client profiles as pytest-lsp ships them (neither declares inline completion),
and no duplicate work for clients that do declare it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from lsprotocol import types

from tests.emulator.server import Emulator
from tests.lsp.completion_client import (
    CompletionSession,
    fresh_emulator,
    fresh_uri,
    insert_text,
    launch_completion_session,
)
from tests.lsp.conftest import PROFILES, stop_client

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOURCE = "def add(a, b):\n    return a + b\n\n\ndef main():\n    total = ad\n"


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=PROFILES)
async def session(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, module_emulator: Emulator
) -> AsyncIterator[CompletionSession]:
    root = tmp_path_factory.mktemp("fallback")
    started = await launch_completion_session(root, module_emulator, request.param, inline=False)
    yield started
    await stop_client(started.client)


def completion_params(uri: str, line: int, character: int) -> types.CompletionParams:
    return types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, character)
    )


async def test_suggestion_offered_as_a_completion_item(session: CompletionSession) -> None:
    assert session.capabilities.completion_provider is not None
    emulator = fresh_emulator(session).script({"text": "d(1, 2)\n    print(total)\n"})
    uri = fresh_uri(session, SOURCE)
    result = await session.client.text_document_completion_async(completion_params(uri, 5, 14))
    assert isinstance(result, types.CompletionList)
    assert result.is_incomplete
    (item,) = result.items
    assert item.label == "add(1, 2)"
    assert item.text_edit == types.TextEdit(
        range=types.Range(start=types.Position(5, 12), end=types.Position(5, 14)), new_text="add(1, 2)"
    )
    assert item.filter_text == "add(1, 2)"
    assert len(emulator.requests) == 1


async def test_typing_on_reuses_the_suggestion(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script({"text": "d(1, 2)"})
    uri = fresh_uri(session, SOURCE)
    await session.client.text_document_completion_async(completion_params(uri, 5, 14))
    insert_text(session.client, uri, 2, types.Position(5, 14), "d")
    result = await session.client.text_document_completion_async(completion_params(uri, 5, 15))
    assert isinstance(result, types.CompletionList)
    assert result.items[0].text_edit is not None
    assert result.items[0].text_edit.new_text == "add(1, 2)"
    assert len(emulator.requests) == 1


async def test_clients_with_inline_completion_get_no_duplicate(
    tmp_path_factory: pytest.TempPathFactory, module_emulator: Emulator
) -> None:
    inline = await launch_completion_session(
        tmp_path_factory.mktemp("inline"), module_emulator, "visual-studio-code", inline=True
    )
    try:
        emulator = fresh_emulator(inline).script({"text": "d(1, 2)"})
        uri = fresh_uri(inline, SOURCE)
        result = await inline.client.text_document_completion_async(completion_params(uri, 5, 14))
        assert isinstance(result, types.CompletionList)
        assert len(result.items) == 0
        assert not result.is_incomplete
        assert emulator.requests == []
    finally:
        await stop_client(inline.client)
