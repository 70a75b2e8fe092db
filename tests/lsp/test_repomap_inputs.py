"""The repo map is rebuilt only when its inputs change: the primary workspace root or
``context.extra_ignore``. Another workspace folder or an unrelated setting leaves it alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import StartClient, copy_workspace, server_settings, uri_of
from tests.lsp.test_repomap import TOKEN, progress_end, repo_map_state


def folders_changed(client: LanguageClient, added: list[Path], removed: list[Path]) -> None:
    def folders(paths: list[Path]) -> list[types.WorkspaceFolder]:
        return [types.WorkspaceFolder(uri=uri_of(p), name=p.name) for p in paths]

    event = types.WorkspaceFoldersChangeEvent(added=folders(added), removed=folders(removed))
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(event=event))


async def settled(client: LanguageClient) -> None:
    """Every notification sent so far has been handled (settings pulls included)."""
    await server_settings(client)
    await asyncio.sleep(0.1)  # subscribers that wait for settled settings run after that answer


async def test_a_second_folder_keeps_the_map_and_a_new_primary_root_rebuilds_it(
    start_client: StartClient, client_profile: str, tmp_path: Path
) -> None:
    first = copy_workspace("repomap", tmp_path / "a")
    second = copy_workspace("lsp_basic", tmp_path / "b")
    client = await start_client(workspace=first, profile=client_profile)
    await progress_end(client, TOKEN)
    before = await repo_map_state(client)

    folders_changed(client, added=[second], removed=[])
    await settled(client)
    kept = await repo_map_state(client)
    assert (kept["root"], kept["generation"]) == (before["root"], before["generation"])
    assert sorted(client.progress_reports) == [TOKEN]

    folders_changed(client, added=[], removed=[first])
    end = await progress_end(client, "outrider/index-2")
    state = await repo_map_state(client, "greet")
    assert state["root"] == str(second.resolve())
    assert end.message == f"{state['files']} files indexed" and state["files"] == 2
    assert [(d["path"], d["line"]) for d in state["definitions"]] == [("hello.py", 3), ("hello.py", 11)]


async def test_extra_ignore_rebuilds_without_the_ignored_files(
    start_client: StartClient, client_profile: str, tmp_path: Path
) -> None:
    root = copy_workspace("repomap", tmp_path)
    configuration = {"outrider": {"log_level": "info"}}
    client = await start_client(workspace=root, profile=client_profile, configuration=configuration)
    await progress_end(client, TOKEN)
    assert (await repo_map_state(client))["files"] == 9

    client.set_configuration({"outrider": {"log_level": "debug"}})  # unrelated: the map stays
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await settled(client)
    assert sorted(client.progress_reports) == [TOKEN]

    client.set_configuration({"outrider": {"context": {"extra_ignore": ["web/"]}}})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    end = await progress_end(client, "outrider/index-2")
    assert end.message == "7 files indexed"  # web/src/api.ts and web/src/render.js are left out
    assert (await repo_map_state(client))["files"] == 7
