import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from context.packing.workspace import RepoMapView
from context.repomap.index import RepoMap
from context.source.document import Document
from server.completion.engine import CompletionEngine, CompletionQuery
from server.config import Settings
from server.models.calls import CallRecord
from server.models.types import ChatRequest, ErrorEvent, FimRequest, Stop, StreamEvent, TextDelta, Usage
from tests.scripted_provider import ScriptedProvider

SOURCE = "def add(a, b):\n    \n\n\ndef main():\n    print(add(1, 2))\n"


def settings(**completion: object) -> Settings:
    return Settings.model_validate({"completion": {"debounce_ms": 0, **completion}})


def engine_with(*replies: list[str] | ErrorEvent, fim: bool = True, **completion: object) -> CompletionEngine:
    return CompletionEngine(ScriptedProvider(list(replies), fim=fim), settings(**completion))


def provider_of(engine: CompletionEngine) -> ScriptedProvider:
    assert isinstance(engine.provider, ScriptedProvider)
    return engine.provider


async def test_multi_line_body_is_suggested_and_the_stream_stops_at_the_dedent() -> None:
    engine = engine_with(["return a", " + b\n", "\n\ndef", " other():\n", "    pass\n", "never sent"])
    document = Document("calc.py", SOURCE, version=1)
    result = await engine.complete(CompletionQuery("calc", document, (1, 4)))
    assert result.text == "return a + b"
    assert result.source == "model"
    assert result.shape == "multi_line"
    assert result.stopped_early
    provider = provider_of(engine)
    assert provider.closed == 1
    assert "never sent" not in provider.delivered


async def test_fim_request_carries_prefix_and_suffix() -> None:
    engine = engine_with(["return a + b"])
    await engine.complete(CompletionQuery("calc", Document("calc.py", SOURCE, version=1), (1, 4)))
    request = provider_of(engine).requests[0]
    assert isinstance(request, FimRequest)
    assert request.feature == "completion"
    assert request.prefix.endswith("def add(a, b):\n    ")
    assert request.suffix.startswith("\n\n\ndef main():")
    assert "Path: calc.py" in request.prefix


async def test_chat_models_get_a_chat_prompt_with_a_cursor_marker() -> None:
    engine = engine_with(["```python\nreturn a + b\n```"], fim=False)
    result = await engine.complete(CompletionQuery("calc", Document("calc.py", SOURCE, version=1), (1, 4)))
    request = provider_of(engine).requests[0]
    assert isinstance(request, ChatRequest)
    assert "def add(a, b):\n    <CURSOR>\n" in request.messages[0].text()
    assert result.text == "return a + b"


async def test_single_line_mid_expression() -> None:
    source = "def main():\n    print(add(\n"
    engine = engine_with(["1, 2))\n", "    more()"])
    result = await engine.complete(CompletionQuery("m", Document("m.py", source, version=1), (1, 14)))
    assert result.shape == "single_line"
    assert result.text == "1, 2))"
    request = provider_of(engine).requests[0]
    assert isinstance(request, FimRequest) and request.stop == ("\n",)


async def test_syntax_breaking_suggestion_is_dropped() -> None:
    engine = engine_with(["return a + b)))"])
    result = await engine.complete(CompletionQuery("calc", Document("calc.py", SOURCE, version=1), (1, 4)))
    assert result.text is None
    assert result.dropped == "would introduce syntax errors"


async def test_same_context_is_answered_from_the_cache() -> None:
    engine = engine_with(["return a + b"])
    document = Document("calc.py", SOURCE, version=1)
    first = await engine.complete(CompletionQuery("calc", document, (1, 4)))
    engine.typeahead.forget("calc")
    second = await engine.complete(CompletionQuery("calc", document, (1, 4)))
    assert (first.source, second.source) == ("model", "cache")
    assert second.text == first.text
    assert len(provider_of(engine).requests) == 1


async def test_typing_the_suggestion_reuses_it_without_a_model_call() -> None:
    engine = engine_with(["return a + b"])
    document = Document("calc.py", SOURCE, version=1)
    await engine.complete(CompletionQuery("calc", document, (1, 4)))
    for version, char in enumerate("ret", start=2):
        column = 4 + version - 2
        document.apply_change(((1, column), (1, column)), char, version)
        result = await engine.complete(CompletionQuery("calc", document, (1, column + 1)))
        assert result.source == "typeahead"
    assert result.text == "urn a + b"
    assert len(provider_of(engine).requests) == 1


async def test_provider_error_is_reported_not_raised() -> None:
    engine = engine_with(ErrorEvent("rate_limited", "slow down", retryable=True, status=429))
    result = await engine.complete(CompletionQuery("calc", Document("calc.py", SOURCE, version=1), (1, 4)))
    assert result.text is None
    assert result.error is not None and result.error.kind == "rate_limited"


async def test_a_newer_request_cancels_the_older_and_closes_its_stream() -> None:
    slow = ScriptedProvider([["return", " a", " + b"] * 50, ["return a - b"]], chunk_delay_s=0.02)
    engine = CompletionEngine(slow, settings())
    document = Document("calc.py", SOURCE, version=1)
    first = asyncio.create_task(engine.complete(CompletionQuery("calc", document, (1, 4))))
    provider = provider_of(engine)
    await asyncio.wait_for(provider.first_chunk.wait(), 5)
    second = await engine.complete(CompletionQuery("calc", document, (1, 4)))
    with pytest.raises(asyncio.CancelledError):
        await first
    assert provider.closed == 1  # the cancelled one; the answered one is read to its end after the answer
    await engine.settle()
    assert provider.closed == 2
    assert second.text == "return a - b"


async def test_the_answer_goes_out_before_its_stream_is_read_to_the_end() -> None:
    class SlowTail(ScriptedProvider):
        """Ends with a Stop, then takes long to end the stream (a trailing keep-alive, say)."""

        async def stream_fim(self, request: FimRequest) -> AsyncIterator[StreamEvent]:
            self.requests.append(request)
            try:
                yield TextDelta("return a + b")
                yield Stop("end_turn")
                await asyncio.sleep(0.5)
                yield Usage(input_tokens=3, output_tokens=4)
            finally:
                self.closed += 1

    provider = SlowTail([])
    engine = CompletionEngine(provider, settings())
    started = time.monotonic()
    result = await engine.complete(CompletionQuery("calc", Document("calc.py", SOURCE, version=1), (1, 4)))
    assert result.text == "return a + b"
    assert time.monotonic() - started < 0.4
    assert provider.closed == 0
    await engine.settle()
    assert provider.closed == 1


async def test_a_change_past_the_version_cancels_the_request() -> None:
    engine = CompletionEngine(ScriptedProvider([["x"] * 100], chunk_delay_s=0.02), settings())
    document = Document("calc.py", SOURCE, version=1)
    task = asyncio.create_task(engine.complete(CompletionQuery("calc", document, (1, 4))))
    provider = provider_of(engine)
    await asyncio.wait_for(provider.first_chunk.wait(), 5)
    document.apply_change(((1, 4), (1, 4)), "r", 2)
    engine.document_changed("calc", 2)
    with pytest.raises(asyncio.CancelledError):
        await task
    assert provider.closed == 1


async def test_debounce_lets_a_burst_make_one_call() -> None:
    engine = CompletionEngine(ScriptedProvider([["return a + b"]]), settings(debounce_ms=50))
    document = Document("calc.py", SOURCE, version=1)
    tasks = [asyncio.create_task(engine.complete(CompletionQuery("calc", document, (1, 4)))) for _ in range(5)]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert sum(isinstance(r, asyncio.CancelledError) for r in results) == 4
    assert len(provider_of(engine).requests) == 1


async def test_recorder_sees_the_latency_split() -> None:
    seen = []
    engine = CompletionEngine(ScriptedProvider([["return a + b"]]), settings(), recorder=lambda q, r: seen.append(r))
    await engine.complete(CompletionQuery("calc", Document("calc.py", SOURCE, version=1), (1, 4)))
    (result,) = seen
    timings = result.timings
    assert timings.first_token_ms is not None and timings.total_ms >= timings.first_token_ms
    assert timings.upstream_called_at is not None and timings.upstream_done_at is not None
    assert result.usage is not None and result.usage.input_tokens == 100


async def test_answers_without_a_model_call_are_traced_too() -> None:
    rows: list[CallRecord] = []

    class Rows:
        def record(self, call: CallRecord) -> None:
            rows.append(call)

    engine = CompletionEngine(ScriptedProvider([["return a + b"]]), settings(), tracer=Rows())
    document = Document("calc.py", SOURCE, version=1)
    await engine.complete(CompletionQuery("calc", document, (1, 4)))
    assert rows == []  # a model call is traced by the provider layer, not here
    document.apply_change(((1, 4), (1, 4)), "r", 2)
    await engine.complete(CompletionQuery("calc", document, (1, 5)))
    (row,) = rows
    assert (row.feature, row.provider, row.cost_usd, row.outcome) == ("completion", "typeahead", 0.0, "ok")


async def test_definitions_from_the_workspace_reach_the_prompt(tmp_path: Path) -> None:
    (tmp_path / "util.py").write_text('def helper(x: int) -> int:\n    """Double it."""\n    return 2 * x\n')
    source = "from util import helper\n\n\ndef add(a, b):\n    \n"
    (tmp_path / "calc.py").write_text(source)
    repo_map = RepoMap(tmp_path, None)
    repo_map.index_sync()
    views: list[RepoMapView] = []

    def workspace() -> RepoMapView:
        views.append(RepoMapView(repo_map))
        return views[-1]

    engine = CompletionEngine(ScriptedProvider([["return a + b"]]), settings(), workspace=workspace)
    await engine.complete(CompletionQuery("calc", Document(str(tmp_path / "calc.py"), source, version=1), (4, 4)))
    request = provider_of(engine).requests[0]
    assert isinstance(request, FimRequest)
    assert "def helper(x: int) -> int:  # Double it." in request.prefix
    assert len(views) == 1


async def test_plain_text_without_a_grammar_still_completes() -> None:
    engine = engine_with(["the end."])
    document = Document("notes.txt", "Once upon a time\n", version=1)
    assert document.tree is None
    result = await engine.complete(CompletionQuery("notes", document, (0, 16)))
    assert result.text == "the end."
