"""The Anthropic adapter through the real SDK and the wire emulator."""

from __future__ import annotations

from server.models.adapters.anthropic import anthropic_params
from server.models.registry import build_provider
from server.models.types import ErrorEvent, Stop, TextDelta
from tests.emulator import Emulator, Reply
from tests.models.conftest import chat, collect, env_for, settings_for


def test_params_leave_out_temperature() -> None:
    params = anthropic_params(chat(temperature=0.3), "claude-sonnet-4-5")
    assert "temperature" not in params
    assert params["model"] == "claude-sonnet-4-5"


async def test_set_temperature_streams_instead_of_failing(emulator: Emulator) -> None:
    emulator.script(Reply(text="cool and calm"))
    provider = build_provider(settings_for("anthropic", emulator), env=env_for())
    events = await collect(provider.stream(chat(temperature=0.2)))
    assert not [e for e in events if isinstance(e, ErrorEvent)], events
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "cool and calm"
    assert isinstance(events[-1], Stop)
    assert len(emulator.requests) == 1
    body = emulator.requests[0].body
    assert isinstance(body, dict) and "temperature" not in body
