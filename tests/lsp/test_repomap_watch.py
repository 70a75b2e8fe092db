"""The repo map kept current from file-system changes (``workspace/didChangeWatchedFiles``), and the
agent not re-indexing before a run when it is (``server/lsp/features/repomap.py``, ``agent.py``)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.agent.lsp_editor import PretendEditor, progress_end, run_agent
from tests.lsp.conftest import START_TIMEOUT_S, StartClient, open_document, uri_of

SESSION = Path(__file__).resolve().parents[1] / "agent" / "sessions" / "rename.jsonl"
AGENT_OPTIONS = {"provider": "replay", "replay_session": str(SESSION), "agent": {"test_commands": [["true"]]}}


async def start_watching_client(
    start_client: StartClient, workspace: Path, profile: str = "visual-studio-code", options: Any = None
) -> tuple[LanguageClient, list[types.Registration]]:
    """An initialized client that answers ``client/registerCapability`` and records registrations."""
    client = await start_client(initialize=False)
    registrations: list[types.Registration] = []

    def register(params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    # replaces the conftest's default handler (which only accepts), as test_repomap.py wraps create
    client.protocol.fm.features[types.CLIENT_REGISTER_CAPABILITY] = register

    params = types.InitializeParams(
        capabilities=client_capabilities(profile),
        root_uri=uri_of(workspace),
        workspace_folders=[types.WorkspaceFolder(uri=uri_of(workspace), name=workspace.name)],
        initialization_options=options,
    )
    await asyncio.wait_for(client.initialize_session(params), START_TIMEOUT_S)
    return client, registrations


async def repo_map_state(client: LanguageClient, name: str) -> dict[str, Any] | None:
    """The server's repo map and the definitions of `name` (None until the map is built)."""
    state: dict[str, Any] | None = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="outrider.debug.repoMap", arguments=[name])
    )
    return state


async def map_state(client: LanguageClient, name: str) -> dict[str, Any]:
    state = await repo_map_state(client, name)
    assert state is not None, "the repo map should exist by now"
    return state


async def wait_for_state(
    client: LanguageClient, name: str, predicate: Callable[[dict[str, Any]], bool], timeout_s: float = 10.0
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        state = await repo_map_state(client, name)
        if state is not None and predicate(state):
            return state
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"repo map never reached the expected state: {state}")
        await asyncio.sleep(0.05)


def notify(client: LanguageClient, *changes: tuple[Path, types.FileChangeType]) -> None:
    events = [types.FileEvent(uri=uri_of(path), type=kind) for path, kind in changes]
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=events))


def paths_of(state: dict[str, Any]) -> list[str]:
    return sorted(d["path"] for d in state["definitions"])


def watched_and_indexed(state: dict[str, Any]) -> bool:
    return bool(state["watched"]) and not state["indexing"]


async def test_registers_a_watcher_for_every_file(start_client: StartClient, workspace: Path) -> None:
    client, registrations = await start_watching_client(start_client, workspace)
    await wait_for_state(client, "greet", watched_and_indexed)
    [registration] = registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    options = registration.register_options
    watchers = options["watchers"] if isinstance(options, dict) else options.watchers  # type: ignore[union-attr]
    patterns = [w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in watchers]
    assert patterns == ["**/*"]


async def test_created_changed_and_deleted_files_update_the_map(start_client: StartClient, workspace: Path) -> None:
    client, _ = await start_watching_client(start_client, workspace)
    await wait_for_state(client, "watched_new_function", watched_and_indexed)

    created = workspace / "pkg" / "fresh.py"
    created.parent.mkdir()
    created.write_text("def watched_new_function():\n    return 1\n", encoding="utf-8")
    notify(client, (created.parent, types.FileChangeType.Created))  # a new directory: walked
    state = await wait_for_state(client, "watched_new_function", lambda s: bool(s["definitions"]))
    assert paths_of(state) == ["pkg/fresh.py"]

    created.write_text("def renamed_on_disk():\n    return 2\n", encoding="utf-8")
    notify(client, (created, types.FileChangeType.Changed))
    state = await wait_for_state(client, "renamed_on_disk", lambda s: bool(s["definitions"]))
    assert paths_of(state) == ["pkg/fresh.py"]
    assert (await map_state(client, "watched_new_function"))["definitions"] == []

    created.unlink()
    notify(client, (created, types.FileChangeType.Deleted))
    await wait_for_state(client, "renamed_on_disk", lambda s: s["definitions"] == [])

    nested = workspace / "gone" / "deep" / "inner.py"  # a deleted directory drops the files under it
    nested.parent.mkdir(parents=True)
    nested.write_text("def inside_gone():\n    pass\n", encoding="utf-8")
    notify(client, (nested, types.FileChangeType.Created))
    state = await wait_for_state(client, "inside_gone", lambda s: bool(s["definitions"]))
    assert paths_of(state) == ["gone/deep/inner.py"]
    shutil.rmtree(workspace / "gone")
    notify(client, (workspace / "gone", types.FileChangeType.Deleted))
    await wait_for_state(client, "inside_gone", lambda s: s["definitions"] == [])


async def test_an_open_buffer_wins_over_a_watched_change(start_client: StartClient, workspace: Path) -> None:
    client, _ = await start_watching_client(start_client, workspace)
    await wait_for_state(client, "from_buffer", watched_and_indexed)
    path = workspace / "buffered.py"
    path.write_text("def from_disk_first():\n    pass\n", encoding="utf-8")
    open_document(client, uri_of(path), "def from_buffer():\n    pass\n")
    await wait_for_state(client, "from_buffer", lambda s: bool(s["definitions"]))

    path.write_text("def from_disk_later():\n    pass\n", encoding="utf-8")
    notify(client, (path, types.FileChangeType.Changed))
    other = workspace / "other.py"  # a later change in the same batch shows the batch was handled
    other.write_text("def batch_marker():\n    pass\n", encoding="utf-8")
    notify(client, (other, types.FileChangeType.Created))
    await wait_for_state(client, "batch_marker", lambda s: bool(s["definitions"]))
    assert (await map_state(client, "from_disk_later"))["definitions"] == []
    assert paths_of(await map_state(client, "from_buffer")) == ["buffered.py"]


async def run_to_end(client: LanguageClient) -> None:
    PretendEditor(client).install()
    started = await run_agent(client, {"instruction": "Rename greet to welcome"})
    await progress_end(client, started["token"])


async def test_agent_run_does_not_reindex_when_watched(start_client: StartClient, workspace: Path) -> None:
    client, _ = await start_watching_client(start_client, workspace, options=AGENT_OPTIONS)
    await wait_for_state(client, "greet", watched_and_indexed)
    unseen = workspace / "unseen.py"  # written without a notification: a re-index would find it
    unseen.write_text("def never_reported():\n    pass\n", encoding="utf-8")
    await run_to_end(client)
    state = await map_state(client, "never_reported")
    assert state["catchUps"] == 0
    assert state["definitions"] == []


async def test_agent_run_reindexes_without_watcher_support(start_client: StartClient, workspace: Path) -> None:
    client, registrations = await start_watching_client(
        start_client, workspace, profile="neovim", options=AGENT_OPTIONS
    )
    await wait_for_state(client, "greet", lambda s: not s["indexing"])
    unseen = workspace / "unseen.py"
    unseen.write_text("def never_reported():\n    pass\n", encoding="utf-8")
    await run_to_end(client)
    state = await map_state(client, "never_reported")
    assert registrations == [] and state["watched"] is False
    assert state["catchUps"] == 1
    assert paths_of(state) == ["unseen.py"]
