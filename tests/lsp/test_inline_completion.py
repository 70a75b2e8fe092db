"""textDocument/inlineCompletion over a real ``outrider lsp`` and the wire emulator, for both client
profiles (VS Code's and Neovim's, each declaring inline completion support as current versions do)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from tests.emulator.fixtures import emulator  # noqa: F401
from tests.emulator.server import Emulator
from tests.lsp.completion_client import (
    BODY_POSITION,
    StartCompletionClient,
    inline_params,
    insert_text,
    open_source,
    send_with_id,
    start_completion_client,  # noqa: F401
)
from tests.lsp.conftest import PROFILES

BODY = "total = a + b\n    return total\n\n\ndef unrelated():\n    pass\n"


@pytest.mark.parametrize("profile", PROFILES)
async def test_suggestion_for_an_empty_body(
    start_completion_client: StartCompletionClient,  # noqa: F811
    emulator: Emulator,  # noqa: F811
    tmp_path: Path,
    profile: str,
) -> None:
    session = await start_completion_client(profile, inline=True)
    client = session.client
    assert session.capabilities.inline_completion_provider is not None
    emulator.script({"text": BODY})
    uri = open_source(client, tmp_path)
    result = await client.text_document_inline_completion_async(inline_params(uri))
    assert isinstance(result, types.InlineCompletionList)
    (item,) = result.items
    assert item.insert_text == "    total = a + b\n    return total"
    assert item.range == types.Range(start=types.Position(1, 0), end=BODY_POSITION)
    (request,) = emulator.requests
    assert request.path == "/v1/completions"
    assert request.body["prompt"].endswith("def add(a, b):\n    ")
    assert request.body["suffix"].startswith("\n\n\ndef main():")


@pytest.mark.parametrize("profile", PROFILES)
async def test_cancel_request_answers_request_cancelled_and_closes_upstream(
    start_completion_client: StartCompletionClient,  # noqa: F811
    emulator: Emulator,  # noqa: F811
    tmp_path: Path,
    profile: str,
) -> None:
    client = (await start_completion_client(profile, inline=True)).client
    emulator.script({"text": "x = 1\n" * 200, "chunk_delay_s": 0.05})
    uri = open_source(client, tmp_path)
    msg_id, answer = send_with_id(client, types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri))
    assert emulator.wait_until(lambda: len(emulator.requests) == 1, 10)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    with pytest.raises(JsonRpcRequestCancelled) as raised:
        await answer
    assert raised.value.code == -32800
    record = emulator.wait_finished(1, timeout=5)
    assert record.outcome == "client_closed"


async def test_newer_request_for_the_document_cancels_the_older(
    start_completion_client: StartCompletionClient,  # noqa: F811
    emulator: Emulator,  # noqa: F811
    tmp_path: Path,
) -> None:
    client = (await start_completion_client("neovim", inline=True)).client
    emulator.script({"text": "x = 1\n" * 200, "chunk_delay_s": 0.05}, {"text": BODY})
    uri = open_source(client, tmp_path)
    _, older = send_with_id(client, types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri))
    assert emulator.wait_until(lambda: len(emulator.requests) == 1, 10)
    newer = await client.text_document_inline_completion_async(inline_params(uri))
    with pytest.raises(JsonRpcRequestCancelled):
        await older
    assert isinstance(newer, types.InlineCompletionList)
    assert newer.items[0].insert_text == "    total = a + b\n    return total"
    assert emulator.wait_finished(1, timeout=5).outcome == "client_closed"


async def test_change_past_the_request_version_cancels_it(
    start_completion_client: StartCompletionClient,  # noqa: F811
    emulator: Emulator,  # noqa: F811
    tmp_path: Path,
) -> None:
    client = (await start_completion_client("visual-studio-code", inline=True)).client
    emulator.script({"text": "x = 1\n" * 200, "chunk_delay_s": 0.05})
    uri = open_source(client, tmp_path)
    _, answer = send_with_id(client, types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri))
    assert emulator.wait_until(lambda: len(emulator.requests) == 1, 10)
    insert_text(client, uri, 2, BODY_POSITION, "r")
    with pytest.raises(JsonRpcRequestCancelled):
        await answer
    assert emulator.wait_finished(1, timeout=5).outcome == "client_closed"


async def test_typing_into_the_suggestion_makes_no_new_model_call(
    start_completion_client: StartCompletionClient,  # noqa: F811
    emulator: Emulator,  # noqa: F811
    tmp_path: Path,
) -> None:
    client = (await start_completion_client("neovim", inline=True)).client
    emulator.script({"text": BODY})
    uri = open_source(client, tmp_path)
    await client.text_document_inline_completion_async(inline_params(uri))
    for version, char in enumerate("tot", start=2):
        column = 4 + version - 2
        insert_text(client, uri, version, types.Position(1, column), char)
        result = await client.text_document_inline_completion_async(inline_params(uri, types.Position(1, column + 1)))
        assert isinstance(result, types.InlineCompletionList)
    assert result.items[0].insert_text == "    total = a + b\n    return total"
    assert len(emulator.requests) == 1


async def test_no_suggestion_when_the_model_breaks_the_syntax(
    start_completion_client: StartCompletionClient,  # noqa: F811
    emulator: Emulator,  # noqa: F811
    tmp_path: Path,
) -> None:
    client = (await start_completion_client("visual-studio-code", inline=True)).client
    emulator.script({"text": "return a + b)))"})
    uri = open_source(client, tmp_path)
    result = await client.text_document_inline_completion_async(inline_params(uri))
    assert isinstance(result, types.InlineCompletionList)
    assert len(result.items) == 0
    assert len(emulator.requests) == 1
