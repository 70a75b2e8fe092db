"""textDocument/inlineCompletion over a real ``outrider lsp`` and the wire emulator, for both client
profiles (VS Code's and Neovim's, each declaring inline completion support as current versions do).
One server per profile for the module (see ``tests/lsp/completion_client.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from tests.emulator.server import Emulator
from tests.lsp.completion_client import (
    BODY_POSITION,
    CompletionSession,
    fresh_emulator,
    fresh_uri,
    inline_params,
    insert_text,
    launch_completion_session,
    send_with_id,
)
from tests.lsp.conftest import PROFILES, stop_client, wait_for_message

pytestmark = pytest.mark.asyncio(loop_scope="module")

BODY = "total = a + b\n    return total\n\n\ndef unrelated():\n    pass\n"
SHOWN = "    total = a + b\n    return total"
SLOW = {"text": "pass", "first_byte_delay_s": 10}  # answers only if nobody cancels it first


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=PROFILES)
async def session(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, module_emulator: Emulator
) -> AsyncIterator[CompletionSession]:
    root = tmp_path_factory.mktemp("inline")
    (root / "shapes_util.py").write_text("def polygon_area(points):\n    return 0.0\n", encoding="utf-8")
    started = await launch_completion_session(root, module_emulator, request.param, inline=True)
    yield started
    await stop_client(started.client)


async def test_inline_completion_is_advertised(session: CompletionSession) -> None:
    assert session.capabilities.inline_completion_provider is not None


async def test_suggestion_for_an_empty_body(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script({"text": BODY})
    uri = fresh_uri(session)
    result = await session.client.text_document_inline_completion_async(inline_params(uri))
    assert isinstance(result, types.InlineCompletionList)
    (item,) = result.items
    assert item.insert_text == SHOWN
    assert item.range == types.Range(start=types.Position(1, 0), end=BODY_POSITION)
    (request,) = emulator.requests
    assert request.path == "/v1/completions"
    assert request.body["prompt"].endswith("def add(a, b):\n    ")
    assert request.body["suffix"].startswith("\n\n\ndef main():")


async def test_cancel_request_answers_request_cancelled_and_closes_upstream(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script(SLOW)
    uri = fresh_uri(session)
    msg_id, answer = send_with_id(session.client, types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri))
    assert emulator.wait_until(lambda: len(emulator.requests) == 1, 10)
    session.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    with pytest.raises(JsonRpcRequestCancelled) as raised:
        await answer
    assert raised.value.code == -32800
    assert emulator.wait_finished(1, timeout=5).outcome == "client_closed"


async def test_newer_request_for_the_document_cancels_the_older(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script(SLOW, {"text": BODY})
    uri = fresh_uri(session)
    _, older = send_with_id(session.client, types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri))
    assert emulator.wait_until(lambda: len(emulator.requests) == 1, 10)
    newer = await session.client.text_document_inline_completion_async(inline_params(uri))
    with pytest.raises(JsonRpcRequestCancelled):
        await older
    assert isinstance(newer, types.InlineCompletionList)
    assert newer.items[0].insert_text == SHOWN
    assert emulator.wait_finished(1, timeout=5).outcome == "client_closed"


async def test_change_past_the_request_version_cancels_it(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script(SLOW)
    uri = fresh_uri(session)
    _, answer = send_with_id(session.client, types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri))
    assert emulator.wait_until(lambda: len(emulator.requests) == 1, 10)
    insert_text(session.client, uri, 2, BODY_POSITION, "r")
    with pytest.raises(JsonRpcRequestCancelled):
        await answer
    assert emulator.wait_finished(1, timeout=5).outcome == "client_closed"


async def test_typing_into_the_suggestion_makes_no_new_model_call(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script({"text": BODY})
    uri = fresh_uri(session)
    await session.client.text_document_inline_completion_async(inline_params(uri))
    for version, char in enumerate("tot", start=2):
        column = 4 + version - 2
        insert_text(session.client, uri, version, types.Position(1, column), char)
        result = await session.client.text_document_inline_completion_async(
            inline_params(uri, types.Position(1, column + 1))
        )
        assert isinstance(result, types.InlineCompletionList)
    assert result.items[0].insert_text == SHOWN
    assert len(emulator.requests) == 1


async def test_no_suggestion_when_the_model_breaks_the_syntax(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script({"text": "return a + b)))"})
    uri = fresh_uri(session)
    result = await session.client.text_document_inline_completion_async(inline_params(uri))
    assert isinstance(result, types.InlineCompletionList)
    assert len(result.items) == 0
    assert len(emulator.requests) == 1


async def test_unknown_document_gets_an_empty_answer_without_a_call(session: CompletionSession) -> None:
    emulator = fresh_emulator(session)
    uri = (session.root / "never_opened.py").as_uri()
    result = await session.client.text_document_inline_completion_async(inline_params(uri))
    assert isinstance(result, types.InlineCompletionList)
    assert len(result.items) == 0
    assert emulator.requests == []


async def test_repo_map_slice_reaches_the_prompt(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script({"text": "pass", "repeat": True})
    deadline = asyncio.get_running_loop().time() + 20
    while True:  # the map is indexed in the background: the slice appears once it is
        uri = fresh_uri(session)
        await session.client.text_document_inline_completion_async(inline_params(uri))
        if any("def polygon_area(points)" in request.body["prompt"] for request in emulator.requests):
            break
        assert asyncio.get_running_loop().time() < deadline, "the repo-map slice never reached the prompt"
        await asyncio.sleep(0.2)
    assert "Repository map" in emulator.requests[-1].body["prompt"]


async def test_a_misconfigured_provider_is_said_once_and_answers_empty(
    tmp_path_factory: pytest.TempPathFactory, module_emulator: Emulator
) -> None:
    broken = {"provider": "openai-compatible", "completion": {"debounce_ms": 0}}  # no base_url
    root = tmp_path_factory.mktemp("broken")
    started = await launch_completion_session(root, module_emulator, "neovim", inline=True, settings=broken)
    try:
        for _ in range(3):
            result = await started.client.text_document_inline_completion_async(inline_params(fresh_uri(started)))
            assert isinstance(result, types.InlineCompletionList)
            assert len(result.items) == 0
        message = await wait_for_message(started.client, lambda m: "completions are off" in m.message)
        assert "base_url" in message.message
        assert sum("completions are off" in m.message for m in started.client.messages) == 1
    finally:
        await stop_client(started.client)
