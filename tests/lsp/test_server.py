"""``server/lsp/server.py``, ``events.py``, ``services/``: the composition root and session state."""

from __future__ import annotations

import asyncio
import types as pytypes
from pathlib import Path

import pytest

from server.config import LoadedSettings, Settings
from server.lsp.events import Event
from server.lsp.server import DEFAULT_FEATURES, OutriderServer, create_server
from server.lsp.services.container import ServiceKey


def feature_module(name: str, calls: list[str]) -> pytypes.ModuleType:
    module = pytypes.ModuleType(name)

    def setup(server: OutriderServer) -> None:
        calls.append(name)

    module.setup = setup  # type: ignore[attr-defined]
    return module


def test_create_server_calls_each_feature_setup_in_order() -> None:
    calls: list[str] = []
    server = create_server([feature_module("first", calls), feature_module("second", calls)], env={})
    assert calls == ["first", "second"]
    assert server.feature_names == ["first", "second"]


def test_default_features_include_the_core_and_import_by_path() -> None:
    server = create_server(env={})
    for core in ("lifecycle", "settings", "workspace", "sync"):
        assert f"server.lsp.features.{core}" in DEFAULT_FEATURES
        assert f"server.lsp.features.{core}" in server.feature_names


def test_a_broken_feature_is_left_out_and_recorded() -> None:
    calls: list[str] = []
    server = create_server([pytypes.ModuleType("broken_feature"), feature_module("working", calls)], env={})
    assert server.feature_names == ["working"]
    assert "has no setup" in server.failed_features["broken_feature"]
    assert calls == ["working"]


def test_a_broken_core_feature_stops_the_server() -> None:
    with pytest.raises(TypeError, match="has no setup"):
        create_server([pytypes.ModuleType("server.lsp.features.sync")], env={})


def test_services_are_built_lazily_once_and_dropped_on_settings_change() -> None:
    server = create_server([], env={})
    built: list[int] = []
    closed: list[int] = []
    key: ServiceKey[int] = ServiceKey("counter", lambda s: built.append(1) or len(built), close=closed.append)
    assert server.services.peek(key) is None
    assert server.services.get(key) == 1
    assert server.services.get(key) == 1
    assert built == [1]

    server.apply_settings(LoadedSettings(Settings(model="other")))

    assert closed == [1]
    assert server.services.peek(key) is None
    assert server.services.get(key) == 2


def test_settings_subscribers_are_isolated_from_each_other() -> None:
    server = create_server([], env={})
    seen: list[str | None] = []

    def broken(settings: Settings) -> None:
        raise RuntimeError("boom")

    server.events.settings_changed.subscribe(broken)
    server.events.settings_changed.subscribe(lambda s: seen.append(s.model))
    server.apply_settings(LoadedSettings(Settings(model="m1")))
    server.apply_settings(LoadedSettings(Settings(model="m1")))  # unchanged: no event

    assert seen == ["m1"]


async def test_async_subscribers_run_as_tasks() -> None:
    event: Event[int] = Event("numbers")
    got: list[int] = []

    async def record(value: int) -> None:
        got.append(value)

    event.subscribe(record)
    event.publish(3)
    for _ in range(3):
        if got:
            break
        await asyncio.sleep(0)
    assert got == [3]


def test_document_key_uses_paths_for_file_uris() -> None:
    server = create_server([], env={})
    assert server.document_key("file:///tmp/a%20b.py") == "/tmp/a b.py"
    assert server.document_key("untitled:Untitled-1") == "untitled:Untitled-1"


def test_completion_and_the_agent_share_one_provider_stack(tmp_path: Path) -> None:
    from server.lsp.services.completion import ENGINE, engine_for
    from server.lsp.services.provider import PROVIDER, provider_for

    server = create_server(env={"OUTRIDER_HOME": str(tmp_path)})
    server.settings = Settings(provider="openai-compatible", base_url="http://127.0.0.1:9/v1")

    async def both() -> tuple[object, object]:
        return (await engine_for(server)).provider, await provider_for(server)

    engine_provider, agent_provider = asyncio.run(both())
    assert engine_provider is agent_provider is server.services.get(PROVIDER)
    server.services.drop(settings_changed_only=True)  # a settings change: both are built again, still one
    assert server.services.peek(ENGINE) is None and server.services.peek(PROVIDER) is None
    rebuilt_engine, rebuilt_agent = asyncio.run(both())
    assert rebuilt_engine is rebuilt_agent is not agent_provider
    server.services.drop()
