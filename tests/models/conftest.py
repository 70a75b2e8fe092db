from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from server.config import Settings
from server.models.types import ChatRequest, Message, StreamEvent
from tests.emulator import Emulator

FAST = {
    "timeouts": {"connect_s": 2.0, "first_token_s": 1.0, "total_s": 5.0},
    "retry": {"max_retries": 2, "backoff_base_s": 0.01, "backoff_max_s": 0.05},
}


def settings_for(provider: str, emu: Emulator, **over: Any) -> Settings:
    base_url = emu.anthropic_base_url if provider == "anthropic" else emu.openai_base_url
    values: dict[str, Any] = {"provider": provider, "base_url": base_url, **FAST}
    values.update(over)
    return Settings.model_validate(values)


def env_for() -> dict[str, str]:
    return {"ANTHROPIC_API_KEY": "sk-ant-test", "OPENAI_API_KEY": "sk-test"}


def chat(text: str = "hi", **kw: Any) -> ChatRequest:
    return ChatRequest(feature="test", system="You are terse.", messages=(Message.user(text),), **kw)


async def collect(events: AsyncIterator[StreamEvent]) -> list[StreamEvent]:
    return [event async for event in events]
