"""Recorded sessions: a recording replays byte-for-byte; a changed request fails with a readable diff."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from server.config import Settings
from server.models.registry import build_provider
from server.models.sessions import format as fmt
from server.models.sessions.recording import RecordingProvider
from server.models.sessions.replay import ReplayAdapter
from server.models.types import ErrorEvent, Message, StreamEvent, ToolSpec
from tests.emulator import Emulator, Reply, ScriptedToolCall
from tests.models.conftest import chat, collect, env_for, settings_for

TOOL = ToolSpec("read_file", "Read a file", {"type": "object", "properties": {"path": {"type": "string"}}})


def _bytes(events: list[StreamEvent]) -> bytes:
    return "\n".join(fmt.dumps(fmt.event_to_json(e)) for e in events).encode()


async def _record(emulator: Emulator, path: Path) -> list[list[StreamEvent]]:
    emulator.script(
        Reply(text="Let me look.", tool_calls=(ScriptedToolCall("read_file", {"path": "a.py"}),)),
        Reply(text="All done: the bug is on line 3.", chunk_delay_s=0.01),
    )
    provider = build_provider(settings_for("anthropic", emulator), env=env_for(), record_to=path)
    assert isinstance(provider, RecordingProvider)
    first = await collect(provider.stream(chat("fix it", tools=(TOOL,))))
    second = await collect(provider.stream(chat("and now?", tools=(TOOL,))))
    return [first, second]


async def test_replay_is_byte_for_byte(emulator: Emulator, tmp_path: Path) -> None:
    session = tmp_path / "session.jsonl"
    recorded = await _record(emulator, session)
    lines = [json.loads(line) for line in session.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["kind"] == "session"
    assert [line["kind"] for line in lines].count("request") == 2
    assert "sk-ant-test" not in session.read_text(encoding="utf-8")

    settings = Settings.model_validate({"provider": "replay", "replay_session": str(session)})
    replay = build_provider(settings, env={})
    replayed = [
        await collect(replay.stream(chat("fix it", tools=(TOOL,)))),
        await collect(replay.stream(chat("and now?", tools=(TOOL,)))),
    ]
    assert [_bytes(e) for e in replayed] == [_bytes(e) for e in recorded]
    assert len(emulator.requests) == 2  # replay never touched the network


async def test_changed_request_fails_with_a_diff(emulator: Emulator, tmp_path: Path) -> None:
    session = tmp_path / "session.jsonl"
    await _record(emulator, session)
    replay = ReplayAdapter.from_file(session)
    changed = replace(chat("fix it", tools=()), messages=(Message.user("fix it please"),))
    events = await collect(replay.stream(changed))
    assert len(events) == 1 and isinstance(events[0], ErrorEvent)
    error = events[0]
    assert error.kind == "replay_mismatch"
    assert '-          "text": "fix it"' in error.message
    assert '+          "text": "fix it please"' in error.message
    assert '-      "name": "read_file"' in error.message  # the tool went missing


async def test_session_runs_out_loudly(emulator: Emulator, tmp_path: Path) -> None:
    session = tmp_path / "session.jsonl"
    await _record(emulator, session)
    replay = ReplayAdapter.from_file(session)
    for text in ("fix it", "and now?"):
        await collect(replay.stream(chat(text, tools=(TOOL,))))
    (error,) = await collect(replay.stream(chat("one more", tools=(TOOL,))))
    assert isinstance(error, ErrorEvent) and "no more calls" in error.message


async def test_realtime_replay_keeps_the_timing(emulator: Emulator, tmp_path: Path) -> None:
    session = tmp_path / "session.jsonl"
    await _record(emulator, session)
    lines = [json.loads(line) for line in session.read_text(encoding="utf-8").splitlines()]
    recorded_span = max(line["t"] for line in lines if line["kind"] == "event" and line["call"] == 2)
    fast, slow = ReplayAdapter.from_file(session), ReplayAdapter.from_file(session, realtime=True)
    for adapter in (fast, slow):
        await collect(adapter.stream(chat("fix it", tools=(TOOL,))))
    started = time.monotonic()
    await collect(fast.stream(chat("and now?", tools=(TOOL,))))
    fast_s = time.monotonic() - started
    started = time.monotonic()
    await collect(slow.stream(chat("and now?", tools=(TOOL,))))
    slow_s = time.monotonic() - started
    assert slow_s >= recorded_span * 0.9
    assert fast_s < slow_s


async def test_recording_removes_secrets(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-1234567890abcdef")
    session = tmp_path / "session.jsonl"
    emulator.script(Reply(text="ok"))
    provider = build_provider(settings_for("openai", emulator), env=env_for(), record_to=session)
    leaky = "config: token=tok-1234567890abcdef and aws AKIAABCDEFGHIJKLMNOP"
    await collect(provider.stream(chat(leaky)))
    text = session.read_text(encoding="utf-8")
    assert "tok-1234567890abcdef" not in text
    assert "AKIAABCDEFGHIJKLMNOP" not in text
    assert "config: token=" in text  # the rest of the message is kept
    replay = ReplayAdapter.from_file(session)
    events = await collect(replay.stream(chat(leaky)))  # redacted on both sides: still a match
    assert not any(isinstance(e, ErrorEvent) for e in events)
