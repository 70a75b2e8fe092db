"""Phase 2 of the session's repo map (``server/lsp/features/repomap.py``): after indexing ends, every
file's tags are parsed in the background, silently (no progress token), and the debug state shows it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import PROFILES, copy_workspace, stop_client
from tests.lsp.test_repomap import SOURCE_FILES, TOKEN, launch_recording_client, progress_end, repo_map_state


async def brief_state(client: LanguageClient) -> dict[str, Any]:
    result: dict[str, Any] = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="outrider.debug.repoMap", arguments=[{"brief": True}])
    )
    return result


@pytest.mark.parametrize("profile", PROFILES)
async def test_background_parse_follows_indexing_silently(profile: str, tmp_path: Path) -> None:
    root = copy_workspace("repomap", tmp_path)
    session = await launch_recording_client(root, profile, tmp_path / "home")
    client = session.client
    try:
        end = await progress_end(client, TOKEN)
        assert end.message == f"{SOURCE_FILES} files indexed"
        deadline = asyncio.get_running_loop().time() + 30.0
        while (brief := await brief_state(client))["parsing"]:
            assert "map" not in brief  # polling renders nothing
            assert asyncio.get_running_loop().time() < deadline, f"still parsing: {brief}"
            await asyncio.sleep(0.05)
        state = await repo_map_state(client)
        assert state["map"] and "map" not in brief
        assert state["parsedFiles"] == SOURCE_FILES  # every file has its tags
        assert state["parses"] >= SOURCE_FILES  # empty cache: each parsed (a render may race phase 2 to one)
        assert session.created == [TOKEN]  # phase 2 asked for no progress token
        # collection was held through both phases (server/lsp/gcpolicy.py), and is back, the rest frozen
        collection = state["garbageCollection"]
        assert (collection["holding"], collection["enabled"]) == (False, True)
        assert collection["frozen"] > 10_000
        assert all(
            isinstance(r, types.WorkDoneProgressBegin | types.WorkDoneProgressReport | types.WorkDoneProgressEnd)
            for r in client.progress_reports[TOKEN]
        )
    finally:
        await stop_client(client)
