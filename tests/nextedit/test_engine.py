"""The engine with an in-process provider: prediction, validation, cache, cancellation, privacy."""

from __future__ import annotations

import asyncio
import math
from types import SimpleNamespace

import pytest

from context.source.document import Document
from server.completion.confidence import BASE
from server.config import Settings
from server.models.calls import CallRecord
from server.models.registry import build_provider
from server.models.types import ChatRequest, ErrorEvent, FimRequest
from server.nextedit.engine import NextEditEngine, NextEditQuery
from server.nextedit.prompt import CURSOR, REGION_END, REGION_START
from tests.emulator import Emulator, Reply
from tests.scripted_provider import ScriptedProvider

SOURCE = (
    "def area(width, height):\n    result = width * height\n    return result\n\n\ndef main():\n    print(area(2, 3))\n"
)
RENAMED = SOURCE.replace("def area(width,", "def area(w,")
PREDICTED = RENAMED.replace("result = width *", "result = w *")


def answer(region: str) -> list[str]:
    text = f"{REGION_START}\n{region}{REGION_END}\n"
    return [text[:20], text[20:]]


def settings(**next_edit: object) -> Settings:
    value = Settings()
    value.next_edit = value.next_edit.model_copy(update={"debounce_ms": 0, **next_edit})
    return value


Session = tuple[NextEditEngine, Document, ScriptedProvider]


def renamed_session(replies: list[list[str] | ErrorEvent], **next_edit: object) -> Session:
    provider = ScriptedProvider(replies=replies, fim=False)
    engine = NextEditEngine(provider, settings(**next_edit))
    document = Document("/w/geo.py", SOURCE, 1)
    engine.document_opened("k", "geo.py", document.text)
    document.apply_change(((0, 9), (0, 14)), "w", 2)
    engine.document_changed("k", document)
    return engine, document, provider


async def test_a_rename_predicts_the_other_use_site() -> None:
    engine, document, provider = renamed_session([answer(PREDICTED)])
    result = await engine.predict(NextEditQuery("k", document, (0, 10)))
    assert result.dropped is None and result.source == "model" and result.version == 2
    (edit,) = result.edits
    assert edit.range == ((1, 13), (1, 18)) and edit.text == "w"
    assert result.span == edit
    (request,) = provider.requests
    assert isinstance(request, ChatRequest) and request.feature == "next_edit"
    prompt = request.messages[0].text()
    assert "-def area(width, height):\n+def area(w, height):" in prompt
    assert f"def area(w{CURSOR}, height):" in prompt
    assert engine.last_prediction("k", 2) is result
    assert engine.cursor_line_replacement("k", document, 1) == ("    result = w * height", 27)
    assert engine.cursor_line_replacement("k", document, 0) is None


async def test_the_same_request_again_is_answered_from_the_cache_and_traced() -> None:
    engine, document, provider = renamed_session([answer(PREDICTED)])
    records: list[CallRecord] = []
    engine.tracer = SimpleNamespace(record=records.append)
    first = await engine.predict(NextEditQuery("k", document, (0, 10)))
    assert await engine.predict(NextEditQuery("k", document, (0, 10))) is first  # same version: same answer
    for version, text in ((3, "x"), (4, "")):  # a change, then its undo: the same request again
        document.apply_change(((6, 0), (6, 1 - len(text))), text, version)
        engine.document_changed("k", document)
    again = await engine.predict(NextEditQuery("k", document, (0, 10)))
    assert again.source == "cache" and len(again.edits) == 1 and len(provider.requests) == 1
    (record,) = records  # the model call is traced by the provider stack; the cached answer here
    assert (record.feature, record.provider, record.cost_usd) == ("next_edit", "cache", 0.0)


@pytest.mark.parametrize(
    ("rewrite", "reason"),
    [
        (RENAMED, "no change"),
        (SOURCE, "undoes the last edit"),
        (RENAMED.replace("result = width *", "result = w *(("), "would introduce syntax errors"),
        (PREDICTED.replace("return result", "return result\n" + "    pass\n" * 30), "too large"),
    ],
)
async def test_bad_predictions_are_dropped_with_a_reason(rewrite: str, reason: str) -> None:
    engine, document, _ = renamed_session([answer(rewrite)])
    result = await engine.predict(NextEditQuery("k", document, (0, 10)))
    assert result.dropped == reason and result.edits == () and result.span is None
    assert engine.last_prediction("k", 2) is None


async def test_an_answer_without_a_whole_region_is_dropped() -> None:
    engine, document, _ = renamed_session([[f"{REGION_START}\ndef area(w, height):\n"]])
    result = await engine.predict(NextEditQuery("k", document, (0, 10)))
    assert result.dropped == "no complete region in the answer"


async def test_a_provider_error_is_returned() -> None:
    engine, document, _ = renamed_session([ErrorEvent("rate_limited", "slow down")])
    result = await engine.predict(NextEditQuery("k", document, (0, 10)))
    assert result.error is not None and result.error.kind == "rate_limited" and result.edits == ()


async def test_a_change_during_the_call_cancels_the_prediction() -> None:
    engine, document, provider = renamed_session([answer(PREDICTED)])
    provider.chunk_delay_s = 0.2
    task = asyncio.ensure_future(engine.predict(NextEditQuery("k", document, (0, 10))))
    await provider.first_chunk.wait()
    document.apply_change(((0, 10), (0, 10)), "x", 3)
    engine.document_changed("k", document)
    with pytest.raises(asyncio.CancelledError):
        await task
    assert provider.closed == 1


async def test_private_documents_are_never_sent() -> None:
    provider = ScriptedProvider(replies=[answer(PREDICTED)], fim=False)
    engine = NextEditEngine(provider, settings())
    document = Document("/w/.env", "TOKEN=1\n", 1)
    engine.document_opened("k", ".env", document.text, private=True)
    result = await engine.predict(NextEditQuery("k", document, (0, 0)))
    assert result.dropped == "private or unknown document" and provider.requests == []


async def test_next_edit_models_get_the_editable_region_format() -> None:
    engine, document, provider = renamed_session([answer(PREDICTED)], model="zed-industries/zeta")
    provider.fim = True  # an OpenAI-compatible server: raw completions
    result = await engine.predict(NextEditQuery("k", document, (0, 10)))
    assert result.format == "editable_region" and len(result.edits) == 1
    (request,) = provider.requests
    assert isinstance(request, FimRequest) and request.suffix == ""
    assert request.prefix.startswith("### Instruction:\n")
    assert 'User edited "geo.py":\n```diff\n' in request.prefix
    assert request.prefix.endswith("### Response:\n")


TWO_USES = "def f(width):\n    a = width\n    b = 1\n    return width\n"


async def test_making_one_predicted_edit_by_hand_leaves_the_others_without_a_call() -> None:
    provider = ScriptedProvider(replies=[answer(TWO_USES.replace("width", "w"))], fim=False)
    engine = NextEditEngine(provider, settings())
    document = Document("/w/f.py", TWO_USES, 1)
    engine.document_opened("k", "f.py", document.text)
    document.apply_change(((0, 6), (0, 11)), "w", 2)
    engine.document_changed("k", document)
    first = await engine.predict(NextEditQuery("k", document, (0, 7)))
    assert [edit.range for edit in first.edits] == [((1, 8), (1, 13)), ((3, 11), (3, 16))]
    document.apply_change(((1, 8), (1, 13)), "w", 3)  # the user renames the first use by hand
    engine.document_changed("k", document)
    second = await engine.predict(NextEditQuery("k", document, (1, 9)))
    assert second.source == "typeahead" and second.version == 3
    assert [(edit.range, edit.text) for edit in second.edits] == [(((3, 11), (3, 16)), "w")]
    assert len(provider.requests) == 1
    document.apply_change(((2, 8), (2, 9)), "2", 4)  # anything else ends it
    engine.document_changed("k", document)
    assert engine.last_prediction("k", 4) is None


async def test_secrets_are_redacted_and_edits_of_redacted_lines_dropped() -> None:
    source = 'def connect(url):\n    api_key = "sk-live-0123456789abcdef"\n    return url\n'
    provider = ScriptedProvider(fim=False)
    engine = NextEditEngine(provider, settings())
    document = Document("/w/client.py", source, 1)
    engine.document_opened("k", "client.py", document.text)
    document.apply_change(((0, 12), (0, 15)), "base", 2)
    engine.document_changed("k", document)
    shown = document.text.replace("sk-live-0123456789abcdef", "x")  # whatever the model saw there
    provider.replies.append(answer(shown.replace("return url", "return base")))
    result = await engine.predict(NextEditQuery("k", document, (0, 16)))
    prompt = provider.requests[0].messages[0].text()  # type: ignore[union-attr]
    assert "sk-live-0123456789abcdef" not in prompt and "api_key = " in prompt
    assert result.dropped == "touches redacted text" and result.edits == ()


@pytest.mark.parametrize("logprobs", [(-0.1, -0.2), None], ids=["logprobs", "none"])
async def test_predictions_carry_a_confidence(emulator: Emulator, logprobs: tuple[float, ...] | None) -> None:
    text = f"{REGION_START}\n{PREDICTED}{REGION_END}\n"
    emulator.script(Reply(chunks=(text[:20], text[20:]), logprobs=logprobs))
    configured = Settings.model_validate(
        {"provider": "openai-compatible", "base_url": emulator.openai_base_url, "model": "llama3.1:8b"}
    )
    configured.next_edit = configured.next_edit.model_copy(update={"debounce_ms": 0})
    engine = NextEditEngine(build_provider(configured, env={"OPENAI_API_KEY": "sk-test"}), configured)
    document = Document("/w/geo.py", SOURCE, 1)
    engine.document_opened("k", "geo.py", document.text)
    document.apply_change(((0, 9), (0, 14)), "w", 2)
    engine.document_changed("k", document)
    result = await engine.predict(NextEditQuery("k", document, (0, 10)))
    assert result.edits and result.confidence is not None
    assert emulator.requests[0].body["logprobs"] is True
    if logprobs is None:
        assert (result.confidence.source, result.confidence.score) == ("signals", BASE)
    else:
        assert result.confidence.source == "logprobs"
        assert result.confidence.score == pytest.approx(math.exp(-0.15), abs=1e-4)
    engine.close()
