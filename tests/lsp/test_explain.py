"""Confidence through LSP: the threshold filters suggestions, each shown item carries the accept
hook, ``outrider.explain`` answers for the last suggestion, verdicts reach the trace; and a spend
cap pauses completions with one message, not one per keystroke. Both client profiles."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from lsprotocol import types

from tests.emulator.server import Emulator
from tests.lsp.completion_client import (
    CompletionSession,
    completion_settings,
    fresh_emulator,
    fresh_uri,
    inline_params,
    launch_completion_session,
)
from tests.lsp.conftest import PROFILES, stop_client, wait_for_message

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHUNKS = ("total", " = a", " + b")
SURE = {"chunks": CHUNKS, "logprobs": [-0.05, -0.1, -0.05]}  # about 0.94
UNSURE = {"chunks": CHUNKS, "logprobs": [-1.5, -2.0, -1.0]}  # about 0.22


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=PROFILES)
async def session(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, module_emulator: Emulator
) -> AsyncIterator[CompletionSession]:
    root = tmp_path_factory.mktemp("explain")
    settings = completion_settings(module_emulator, min_confidence=0.5)
    started = await launch_completion_session(root, module_emulator, request.param, inline=True, settings=settings)
    yield started
    await stop_client(started.client)


async def _execute(session: CompletionSession, command: str, *args: object) -> object:
    params = types.ExecuteCommandParams(command=command, arguments=list(args))
    return await session.client.workspace_execute_command_async(params)


async def test_unsure_suggestions_are_not_shown(session: CompletionSession) -> None:
    fresh_emulator(session).script(UNSURE)
    result = await session.client.text_document_inline_completion_async(inline_params(fresh_uri(session)))
    assert isinstance(result, types.InlineCompletionList) and len(result.items) == 0
    assert len(session.emulator.requests) == 1  # the model answered; the server held it back


async def test_shown_suggestion_is_explained_and_its_acceptance_traced(session: CompletionSession) -> None:
    fresh_emulator(session).script(SURE)
    result = await session.client.text_document_inline_completion_async(inline_params(fresh_uri(session)))
    assert isinstance(result, types.InlineCompletionList)
    (item,) = result.items
    assert item.command is not None and item.command.command == "outrider.suggestion.accepted"
    assert item.command.arguments is not None
    (trace_id,) = item.command.arguments

    explained = await _execute(session, "outrider.explain")
    assert isinstance(explained, dict)
    assert explained["trace_id"] == trace_id and explained["model"] == "qwen2.5-coder:7b"
    assert explained["confidence"] == pytest.approx(0.9355, abs=1e-3)
    assert explained["confidence_source"] == "logprobs" and explained["shown"] is True
    assert explained["call"]["provider"] == "openai-compatible" and explained["call"]["cost_usd"] == 0.0
    assert explained["latency_ms"] > 0 and explained["verdict"] is None

    await _execute(session, item.command.command, *item.command.arguments)  # what the editor runs on accept
    explained = await _execute(session, "outrider.explain", trace_id)
    assert isinstance(explained, dict) and explained["verdict"] == "accepted"


async def test_explain_with_an_unknown_id_answers_none(session: CompletionSession) -> None:
    assert await _execute(session, "outrider.explain", "no-such-trace") is None


async def test_spend_cap_pauses_completions_with_one_message(
    session: CompletionSession, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("capped")
    settings = completion_settings(session.emulator)
    settings["caps"] = {"features": {"completion": {"requests_per_minute": 1}}}
    profile = "neovim" if "neovim" in str(session.root) else "visual-studio-code"
    capped = await launch_completion_session(root, session.emulator, profile, inline=True, settings=settings)
    try:
        fresh_emulator(capped).script({"text": "total = a + b", "repeat": True})
        answers = [  # a new document each time: no cache or type-ahead answers
            await capped.client.text_document_inline_completion_async(inline_params(fresh_uri(capped)))
            for _ in range(4)
        ]
        counts = [len(a.items) if isinstance(a, types.InlineCompletionList) else 0 for a in answers]
        assert counts[0] == 1 and len(capped.emulator.requests) in (1, 2)  # 2 only across a minute boundary
        message = await wait_for_message(capped.client, lambda m: "spend cap" in m.message)
        assert "caps.features.completion.requests_per_minute" in message.message and "resets at" in message.message
        assert message.type == types.MessageType.Warning
        assert sum("spend cap" in m.message for m in capped.client.messages) == 1
    finally:
        await stop_client(capped.client)
