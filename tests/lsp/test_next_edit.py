"""textDocument/copilotInlineEdit over a real ``outrider lsp`` and the wire emulator (a chat model over
the OpenAI-compatible protocol), for both client profiles. One server per profile for the module."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcRequestCancelled

from tests.emulator.server import Emulator
from tests.lsp.completion_client import (
    CompletionSession,
    fresh_emulator,
    inline_params,
    launch_completion_session,
    send_with_id,
)
from tests.lsp.conftest import PROFILES, open_document, stop_client, uri_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

METHOD = "textDocument/copilotInlineEdit"
SOURCE = (
    "def area(width, height):\n    result = width * height\n    return result\n\n\ndef main():\n    print(area(2, 3))\n"
)
RENAMED = SOURCE.replace("def area(width,", "def area(w,")
PREDICTED = RENAMED.replace("result = width *", "result = w *")
REPLY = {"text": f"<|editable_region_start|>\n{PREDICTED}<|editable_region_end|>\n"}
SLOW = {**REPLY, "first_byte_delay_s": 10}


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=PROFILES)
async def session(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, module_emulator: Emulator
) -> AsyncIterator[CompletionSession]:
    root = tmp_path_factory.mktemp("next-edit")
    (root / ".outriderignore").write_text("private_*.py\n", encoding="utf-8")
    settings = {
        "provider": "openai-compatible",
        "base_url": module_emulator.openai_base_url,
        "model": "gpt-4.1-mini",
        "completion": {"debounce_ms": 0},
        "next_edit": {"debounce_ms": 0},
    }
    started = await launch_completion_session(root, module_emulator, request.param, inline=True, settings=settings)
    yield started
    await stop_client(started.client)


def renamed_document(session: CompletionSession, prefix: str = "geo") -> str:
    """A new document at version 1, then the parameter renamed (version 2), as an editor sends it."""
    uri = uri_of(session.root / f"{prefix}_{uuid.uuid4().hex[:8]}.py")
    open_document(session.client, uri, SOURCE)
    session.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(0, 9), types.Position(0, 14)), text="w"
                )
            ],
        )
    )
    return uri


def edit_params(uri: str, version: int, line: int = 0, character: int = 10) -> dict[str, Any]:
    return {"textDocument": {"uri": uri, "version": version}, "position": {"line": line, "character": character}}


async def request_edit(session: CompletionSession, params: dict[str, Any]) -> Any:
    _, answer = send_with_id(session.client, METHOD, params)
    return await answer


async def test_a_rename_gives_the_edit_at_the_other_use_site(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script(REPLY)
    uri = renamed_document(session)
    result = await request_edit(session, edit_params(uri, 2))
    (edit,) = result.edits
    assert edit.text == "w"
    assert edit.textDocument.uri == uri and edit.textDocument.version == 2
    assert (edit.range.start.line, edit.range.start.character) == (1, 13)
    assert (edit.range.end.line, edit.range.end.character) == (1, 18)
    assert edit.command.command == "outrider.nextEdit.accepted"
    (request,) = emulator.requests
    assert request.path == "/v1/chat/completions"
    prompt = request.body["messages"][-1]["content"]
    assert "-def area(width, height):\n+def area(w, height):" in prompt
    assert str(session.root) not in prompt  # the file is named relative to the workspace


async def test_the_prediction_is_offered_as_ghost_text_on_its_line(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script(REPLY)
    uri = renamed_document(session)
    await request_edit(session, edit_params(uri, 2))
    result = await session.client.text_document_inline_completion_async(inline_params(uri, types.Position(1, 4)))
    assert isinstance(result, types.InlineCompletionList)
    (item,) = result.items
    assert item.insert_text == "    result = w * height"
    assert item.range == types.Range(types.Position(1, 0), types.Position(1, 27))
    assert len(emulator.requests) == 1  # no completion call: the prediction answered


async def test_a_request_for_an_older_version_gets_no_edit(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script(REPLY)
    uri = renamed_document(session)
    result = await request_edit(session, edit_params(uri, 1))
    assert list(result.edits) == []
    assert emulator.requests == []


async def test_a_change_during_the_prediction_makes_it_stale(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script(SLOW)
    uri = renamed_document(session)
    _, answer = send_with_id(session.client, METHOD, edit_params(uri, 2))
    assert emulator.wait_until(lambda: len(emulator.requests) == 1, 10)
    session.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(0, 10), types.Position(0, 10)), text="x"
                )
            ],
        )
    )
    with pytest.raises(JsonRpcRequestCancelled) as raised:
        await answer
    assert raised.value.code == -32800
    assert emulator.wait_finished(1, timeout=5).outcome == "client_closed"


async def test_cancel_request_answers_request_cancelled(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script(SLOW)
    uri = renamed_document(session)
    msg_id, answer = send_with_id(session.client, METHOD, edit_params(uri, 2))
    assert emulator.wait_until(lambda: len(emulator.requests) == 1, 10)
    session.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    with pytest.raises(JsonRpcRequestCancelled) as raised:
        await answer
    assert raised.value.code == -32800
    assert emulator.wait_finished(1, timeout=5).outcome == "client_closed"


async def test_an_ignored_file_is_never_sent(session: CompletionSession) -> None:
    emulator = fresh_emulator(session).script(REPLY)
    uri = renamed_document(session, prefix="private")
    result = await request_edit(session, edit_params(uri, 2))
    assert list(result.edits) == []
    assert emulator.requests == []


async def test_params_of_another_shape_are_invalid_params(session: CompletionSession) -> None:
    fresh_emulator(session)
    with pytest.raises(JsonRpcInvalidParams) as raised:
        await request_edit(session, {"textDocument": {"uri": "file:///x.py"}, "position": {"line": -1}})
    assert raised.value.code == -32602
