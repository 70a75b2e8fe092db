"""build_provider end to end: real SDKs against the emulator."""

from __future__ import annotations

from dataclasses import replace

import pytest

from server.config import Settings
from server.models.registry import ProviderConfigError, build_provider
from server.models.types import (
    ErrorEvent,
    Message,
    Stop,
    TextDelta,
    ToolCallEnd,
    ToolCallPart,
    ToolCallStart,
    ToolResultPart,
    ToolSpec,
    Usage,
)
from tests.emulator import Emulator, Reply, ScriptedToolCall, ScriptedUsage
from tests.models.conftest import chat, collect, env_for, settings_for

PROVIDERS = ["anthropic", "openai", "openai-compatible"]


@pytest.mark.parametrize("name", PROVIDERS)
async def test_text_stream_with_usage(emulator: Emulator, name: str) -> None:
    emulator.script(Reply(text="Hello, world!", usage=ScriptedUsage(11, 4, 3, 0)))
    provider = build_provider(settings_for(name, emulator), env=env_for())
    events = await collect(provider.stream(chat()))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello, world!"
    usage = [e for e in events if isinstance(e, Usage)]
    assert [(u.input_tokens, u.output_tokens, u.cache_read_tokens) for u in usage] == [(11, 4, 3)]
    assert usage[0].model == emulator.requests[0].body["model"] == settings_for(name, emulator).resolved_model()
    assert events[-1] == Stop("end_turn")


@pytest.mark.parametrize("name", PROVIDERS)
async def test_tool_call_round_trip(emulator: Emulator, name: str) -> None:
    call = ScriptedToolCall("read_file", {"path": "src/a.py", "lines": [1, 2]}, id="c1")
    emulator.script(Reply(text="Reading.", tool_calls=(call,)))
    tool = ToolSpec("read_file", "Read a file", {"type": "object", "properties": {"path": {"type": "string"}}})
    provider = build_provider(settings_for(name, emulator), env=env_for())
    history = (
        Message.user("look"),
        Message("assistant", (ToolCallPart("c0", "list_files", {}),)),
        Message("user", (ToolResultPart("c0", "a.py"),)),
    )
    events = await collect(provider.stream(replace(chat(tools=(tool,)), messages=history)))
    starts = [e for e in events if isinstance(e, ToolCallStart)]
    ends = [e for e in events if isinstance(e, ToolCallEnd)]
    assert [(s.id, s.name) for s in starts] == [("c1", "read_file")]
    assert [e.arguments for e in ends] == [{"path": "src/a.py", "lines": [1, 2]}]
    assert events[-1] == Stop("tool_use")
    body = emulator.requests[0].body
    if name == "anthropic":
        assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
        assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
        assert body["messages"][2]["content"][0]["tool_use_id"] == "c0"
    else:
        assert body["messages"][0] == {"role": "system", "content": "You are terse."}
        assert body["messages"][3] == {"role": "tool", "tool_call_id": "c0", "content": "a.py"}
        assert body["stream_options"] == {"include_usage": True}
        assert body["tools"][0]["function"]["name"] == "read_file"


async def test_invalid_tool_json_is_a_typed_error(emulator: Emulator) -> None:
    emulator.script(Reply(tool_calls=(ScriptedToolCall("edit", arguments_raw='{"path": "a.py",'),)))
    provider = build_provider(settings_for("anthropic", emulator), env=env_for())
    events = await collect(provider.stream(chat()))
    assert isinstance(events[-1], ErrorEvent)
    assert events[-1].kind == "malformed"
    assert "invalid JSON" in events[-1].message
    assert len(emulator.requests) == 1  # not retried


@pytest.mark.parametrize(
    ("values", "env", "expected"),
    [
        ({"provider": "anthropic"}, {}, "set ANTHROPIC_API_KEY"),
        ({"provider": "openai"}, {}, "set OPENAI_API_KEY"),
        ({"provider": "openai-compatible"}, {}, "no base_url"),
        ({"provider": "replay"}, {}, "replay_session"),
        ({"provider": "anthropic", "base_url": "localhost:8080"}, {"ANTHROPIC_API_KEY": "k"}, "http://"),
    ],
)
def test_misconfiguration_is_one_actionable_line(values: dict[str, str], env: dict[str, str], expected: str) -> None:
    with pytest.raises(ProviderConfigError) as info:
        build_provider(Settings.model_validate(values), env=env)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


async def test_fim_native_and_chat_fallback(emulator: Emulator) -> None:
    from server.models.types import FimRequest

    emulator.script(Reply(text="return a + b", protocol="openai_completions"), Reply(text="x = 1", protocol="openai"))
    native = build_provider(settings_for("openai-compatible", emulator, model="qwen2.5-coder:7b"), env=env_for())
    chat_only = build_provider(settings_for("openai-compatible", emulator, model="llama3.1"), env=env_for())
    assert native.supports_fim() and not chat_only.supports_fim()
    request = FimRequest(feature="completion", prefix="def add(a, b):\n    ", suffix="\n")
    got = await collect(native.stream_fim(request))
    assert "".join(e.text for e in got if isinstance(e, TextDelta)) == "return a + b"
    assert emulator.requests[0].path == "/v1/completions"
    assert emulator.requests[0].body["suffix"] == "\n"
    got = await collect(chat_only.stream_fim(request))
    assert "".join(e.text for e in got if isinstance(e, TextDelta)) == "x = 1"
    assert "<|CURSOR|>" in emulator.requests[1].body["messages"][1]["content"]
