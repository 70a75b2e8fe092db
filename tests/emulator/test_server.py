"""The emulator itself, exercised through the real SDKs (no SDK internals mocked)."""

from __future__ import annotations

import time

import anthropic
import httpx2
import openai
import pytest

from tests.emulator import Emulator, Reply, ScriptedToolCall, ScriptedUsage
from tests.emulator.fixtures import EmulatorProcess


def _anthropic(emu: Emulator, **kw: object) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=emu.anthropic_base_url, api_key="k", max_retries=0, **kw)  # type: ignore[arg-type]


def _openai(base_url: str, **kw: object) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=base_url, api_key="k", max_retries=0, **kw)  # type: ignore[arg-type]


USER = [{"role": "user", "content": "hi"}]


async def test_unscripted_request_gets_a_non_retryable_error(emulator: Emulator) -> None:
    with pytest.raises(anthropic.BadRequestError, match="nothing scripted"):
        await _anthropic(emulator).messages.create(model="m", max_tokens=5, messages=USER)  # type: ignore[arg-type]
    assert emulator.requests[0].outcome == "error"


async def test_anthropic_stream_text_tool_and_usage(emulator: Emulator) -> None:
    call = ScriptedToolCall("read_file", {"path": "a.py"}, id="toolu_1")
    emulator.script(Reply(text="Hello there", tool_calls=(call,), usage=ScriptedUsage(7, 3, 2, 1)))
    stream = await _anthropic(emulator).messages.create(model="m", max_tokens=5, messages=USER, stream=True)  # type: ignore[arg-type]
    text, partial, stop = "", "", None
    async for event in stream:
        if event.type == "content_block_delta" and event.delta.type == "text_delta":
            text += event.delta.text
        elif event.type == "content_block_delta" and event.delta.type == "input_json_delta":
            partial += event.delta.partial_json
        elif event.type == "message_delta":
            stop = event.delta.stop_reason
    assert (text, partial, stop) == ("Hello there", '{"path": "a.py"}', "tool_use")
    record = emulator.requests[0]
    assert record.body["messages"] == USER
    assert "k" in (record.headers.get("x-api-key", "") + record.headers.get("authorization", ""))
    assert record.outcome == "complete"


async def test_openai_stream_reports_usage_when_asked(emulator: Emulator) -> None:
    emulator.script(Reply(text="ok", usage=ScriptedUsage(input_tokens=4, output_tokens=2, cache_read_tokens=6)))
    stream = await _openai(emulator.openai_base_url).chat.completions.create(
        model="m",
        messages=USER,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    usages = [chunk.usage async for chunk in stream if chunk.usage]
    assert len(usages) == 1
    assert usages[0].prompt_tokens == 10
    assert usages[0].prompt_tokens_details is not None
    assert usages[0].prompt_tokens_details.cached_tokens == 6


async def test_stop_sequences_end_the_answer_as_real_apis_do(emulator: Emulator) -> None:
    emulator.script(Reply(text="first line\nsecond line\n", chunks=("first ", "line\nsec", "ond line\n")))
    emulator.script(Reply(text="no stop in here"))
    client = _openai(emulator.openai_base_url)
    stream = await client.completions.create(model="m", prompt="p", stop=["\n"], stream=True)
    chunks = [chunk async for chunk in stream]
    assert "".join(c.choices[0].text for c in chunks if c.choices) == "first line"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    whole = await client.chat.completions.create(model="m", messages=USER, stop="zzz")  # type: ignore[arg-type]
    assert whole.choices[0].message.content == "no stop in here"


async def test_rate_limit_carries_retry_after(emulator: Emulator) -> None:
    emulator.script(Reply(fault="rate_limit", retry_after=1.5))
    with pytest.raises(openai.RateLimitError) as info:
        await _openai(emulator.openai_base_url).chat.completions.create(model="m", messages=USER)  # type: ignore[arg-type]
    assert info.value.response.headers["retry-after"] == "1.5"


async def test_protocol_filter_and_repeat(emulator: Emulator) -> None:
    emulator.script(Reply(text="for anthropic", protocol="anthropic"), Reply(text="always", repeat=True))
    client = _openai(emulator.openai_base_url)
    for _ in range(2):
        done = await client.chat.completions.create(model="m", messages=USER)  # type: ignore[arg-type]
        assert done.choices[0].message.content == "always"
    message = await _anthropic(emulator).messages.create(model="m", max_tokens=5, messages=USER)  # type: ignore[arg-type]
    assert message.content[0].type == "text" and message.content[0].text == "for anthropic"


async def test_dropped_stream_is_an_error_for_the_client(emulator: Emulator) -> None:
    emulator.script(Reply(text="a long answer that gets cut", fault="drop", after_chunks=2))
    stream = await _anthropic(emulator).messages.create(model="m", max_tokens=5, messages=USER, stream=True)  # type: ignore[arg-type]
    seen: list[str] = []
    with pytest.raises((anthropic.APIError, httpx2.HTTPError)):
        async for event in stream:
            seen.append(event.type)
    assert "message_stop" not in seen
    assert emulator.wait_finished(1).outcome == "dropped"


async def test_closing_a_hung_stream_is_seen_promptly(emulator: Emulator) -> None:
    emulator.script(Reply(text="never sent", fault="hang"))
    client = _anthropic(emulator, timeout=0.3)
    with pytest.raises(anthropic.APITimeoutError):
        await client.messages.create(model="m", max_tokens=5, messages=USER, stream=True)  # type: ignore[arg-type]
    gave_up = time.monotonic()
    record = emulator.wait_finished(1, timeout=2)
    assert record.outcome == "hung"
    assert record.finished_at is not None and record.finished_at - gave_up < 0.5


def test_subprocess_prints_port_and_logs_requests(emulator_process: object) -> None:
    proc: EmulatorProcess = emulator_process([{"text": "from a file"}])  # type: ignore[operator]
    client = openai.OpenAI(base_url=proc.openai_base_url, api_key="k", max_retries=0)
    done = client.chat.completions.create(model="m", messages=USER)  # type: ignore[arg-type]
    assert done.choices[0].message.content == "from a file"
    deadline = time.monotonic() + 5
    while not proc.requests() and time.monotonic() < deadline:
        time.sleep(0.02)
    logged = proc.requests()
    assert [r["path"] for r in logged] == ["/v1/chat/completions"]
    assert logged[0]["body"]["model"] == "m"


async def test_non_streaming_faults(emulator: Emulator) -> None:
    emulator.script(Reply(fault="drop"), Reply(fault="malformed"), Reply(fault="overloaded"))
    client = _anthropic(emulator)
    with pytest.raises(anthropic.APIConnectionError):
        await client.messages.create(model="m", max_tokens=5, messages=USER)  # type: ignore[arg-type]
    with pytest.raises((anthropic.APIResponseValidationError, ValueError)):
        await client.messages.create(model="m", max_tokens=5, messages=USER)  # type: ignore[arg-type]
    with pytest.raises(anthropic.APIStatusError) as info:
        await client.messages.create(model="m", max_tokens=5, messages=USER)  # type: ignore[arg-type]
    assert info.value.status_code == 529
    assert emulator.outcomes(3) == ["dropped", "complete", "error"]


@pytest.mark.parametrize("keep_alive", [False, True])
async def test_keep_alive_reuses_one_connection(keep_alive: bool) -> None:
    """keep_alive: three streamed calls and one JSON call over one pooled connection; without it,
    one connection per request."""
    with Emulator(keep_alive=keep_alive) as emu:
        emu.script(Reply(text="first answer"), Reply(text="second"), Reply(text="third"), Reply(text="whole"))
        client = _openai(emu.openai_base_url)
        texts = []
        for _ in range(3):
            stream = await client.chat.completions.create(model="m", messages=USER, stream=True)  # type: ignore[arg-type]
            texts.append("".join([c.choices[0].delta.content or "" async for c in stream if c.choices]))
        whole = await client.chat.completions.create(model="m", messages=USER)  # type: ignore[arg-type]
        await client.close()
        assert texts == ["first answer", "second", "third"]
        assert whole.choices[0].message.content == "whole"
        assert emu.outcomes(4) == ["complete"] * 4
        assert emu.connections == (1 if keep_alive else 4)


async def test_keep_alive_cancelled_stream_closes_its_connection() -> None:
    with Emulator(keep_alive=True) as emu:
        emu.script(Reply(text="x" * 40, chunk_delay_s=0.05), Reply(text="after"))
        client = _openai(emu.openai_base_url)
        stream = await client.chat.completions.create(model="m", messages=USER, stream=True)  # type: ignore[arg-type]
        async for _ in stream:
            break
        await stream.close()
        assert emu.wait_finished(1).outcome == "client_closed"
        again = await client.chat.completions.create(model="m", messages=USER)  # type: ignore[arg-type]
        await client.close()
        assert again.choices[0].message.content == "after"
        assert emu.connections == 2
