"""Settings through LSP (``server/lsp/features/settings.py``): every source, in order, never a crash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types

from tests.lsp.conftest import (
    StartClient,
    copy_workspace,
    open_document,
    server_document,
    server_settings,
    wait_for_message,
)
from tests.lsp.raw_rpc import RawSession


def is_settings_warning(message: types.ShowMessageParams) -> bool:
    return message.type == types.MessageType.Warning and message.message.startswith("Outrider settings:")


async def test_initialization_options_then_workspace_configuration(
    start_client: StartClient, workspace: Path, client_profile: str
) -> None:
    client = await start_client(
        workspace=workspace,
        profile=client_profile,
        initialization_options={"outrider": {"model": "init-model", "completion": {"debounce_ms": 10}}},
        configuration={"outrider": {"model": "config-model", "agent": {"max_steps": 7}}},
    )

    settings = (await server_settings(client))["settings"]

    # the editor's answer is the editor layer: initializationOptions only served until it came
    assert settings["model"] == "config-model"
    assert settings["completion"]["debounce_ms"] == 75  # not in the answer: the default
    assert settings["agent"]["max_steps"] == 7
    assert client.messages == []

    client.set_configuration({"outrider": {"model": "changed-model"}})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    settings = (await server_settings(client))["settings"]
    assert settings["model"] == "changed-model"
    assert settings["agent"]["max_steps"] == 25  # removed in the editor: back to the default


async def test_a_client_without_the_section_keeps_the_initialization_options(
    start_client: StartClient, workspace: Path, client_profile: str
) -> None:
    client = await start_client(
        workspace=workspace,
        profile=client_profile,
        initialization_options={"outrider": {"model": "init-model", "completion": {"debounce_ms": 10}}},
        configuration=None,
    )
    settings = (await server_settings(client))["settings"]
    assert settings["model"] == "init-model"
    assert settings["completion"]["debounce_ms"] == 10
    assert client.messages == []


async def test_workspace_folder_change_rereads_the_workspace_file(
    start_client: StartClient, workspace: Path, tmp_path: Path, client_profile: str
) -> None:
    client = await start_client(workspace=workspace, profile=client_profile)
    other = copy_workspace("lsp_untrusted", tmp_path)
    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=other.as_uri(), name=other.name)],
                removed=[types.WorkspaceFolder(uri=workspace.as_uri(), name=workspace.name)],
            )
        )
    )

    settings = (await server_settings(client))["settings"]
    roots = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="outrider.debug.workspaceRoots", arguments=[])
    )

    assert roots == [str(other)]
    assert settings["model"] == "workspace-model"
    await wait_for_message(client, lambda m: is_settings_warning(m) and "'base_url'" in m.message)


async def test_invalid_settings_show_one_message_and_keep_the_valid_ones(
    start_client: StartClient, workspace: Path, client_profile: str
) -> None:
    client = await start_client(
        workspace=workspace,
        profile=client_profile,
        initialization_options={
            "provider": "no-such-provider",
            "completion": {"debounce_ms": -1},
            "context": {"max_file_bytes": 4096},
            "unknown_key": True,
        },
    )

    state = await server_settings(client)
    message = await wait_for_message(client, is_settings_warning)

    assert state["settings"]["provider"] == "anthropic"
    assert state["settings"]["completion"]["debounce_ms"] == 75
    assert state["settings"]["context"]["max_file_bytes"] == 4096
    for key in ("provider", "completion.debounce_ms", "unknown_key"):
        assert f"'{key}'" in message.message
    assert len([m for m in client.messages if is_settings_warning(m)]) == 1

    # The valid key took effect: a document over the new size cap is kept without a tree.
    uri = (workspace / "big.py").as_uri()
    open_document(client, uri, "x = 1\n" * 1000)
    held = await server_document(client, uri)
    assert held is not None
    assert held["hasTree"] is False
    assert "too large" in held["parseSkipped"]


async def test_sources_in_order_and_untrusted_workspace_keys_ignored(
    start_client: StartClient, tmp_path: Path, lsp_env: dict[str, str], client_profile: str
) -> None:
    user_config = Path(lsp_env["XDG_CONFIG_HOME"]) / "outrider" / "config.toml"
    user_config.parent.mkdir(parents=True)
    user_config.write_text('provider = "openai"\nmodel = "user-model"\nlog_level = "warning"\n[agent]\nmax_steps = 3\n')
    root = copy_workspace("lsp_untrusted", tmp_path)
    client = await start_client(workspace=root, profile=client_profile, env={"OUTRIDER_LOG_LEVEL": "error"})

    settings = (await server_settings(client))["settings"]
    message = await wait_for_message(client, is_settings_warning)

    assert settings["provider"] == "openai"  # the user file; the workspace may not change it
    assert settings["base_url"] is None  # nor this
    assert settings["model"] == "workspace-model"  # the workspace file over the user file
    assert settings["agent"]["max_steps"] == 3  # the user file over the defaults
    assert settings["completion"]["debounce_ms"] == 120  # the workspace file
    assert settings["log_level"] == "error"  # the environment over the user file
    assert "'base_url' can only be set in your user config" in message.message
    assert "'provider' can only be set in your user config" in message.message


@pytest.fixture
def raw_session(lsp_env: dict[str, str]) -> Iterator[RawSession]:
    raw = RawSession(lsp_env, ["--model", "cli-model"])
    yield raw
    raw.kill()


def test_pushed_configuration_without_workspace_configuration_support(raw_session: RawSession) -> None:
    raw_session.initialize(initializationOptions={"outrider": {"completion": {"debounce_ms": 5}}})
    raw_session.notify(
        "workspace/didChangeConfiguration",
        {"settings": {"outrider": {"completion": {"max_tokens": 64}, "model": "pushed-model"}}},
    )
    raw_session.notify("workspace/didChangeConfiguration", {"settings": {"python": {"anything": 1}}})

    result = raw_session.request("workspace/executeCommand", {"command": "outrider.debug.settings"})["result"]

    settings = result["settings"]
    assert settings["completion"]["max_tokens"] == 64
    assert settings["completion"]["debounce_ms"] == 5
    assert settings["model"] == "cli-model"  # command-line flags are the top layer
    raw_session.request("shutdown")
    raw_session.notify("exit")
    assert raw_session.finish()[0] == 0


async def test_an_empty_lua_table_is_an_empty_section(
    start_client: StartClient, workspace: Path, client_profile: str
) -> None:
    """Neovim answers ``settings = { outrider = {} }`` (the plugin's default) with ``[]``: no warning."""
    client = await start_client(workspace=workspace, profile=client_profile, configuration={"outrider": []})
    settings = (await server_settings(client))["settings"]
    assert settings["completion"]["debounce_ms"] == 75
    assert not any(is_settings_warning(m) for m in client.messages)
