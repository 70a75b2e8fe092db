"""The session's repo map through LSP (``server/lsp/features/repomap.py``): indexing with a
server-initiated work-done progress, and open buffers feeding the map. One server per client
profile for the module, on a copy of ``tests/workspaces/repomap``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.lsp.conftest import (
    PROFILES,
    START_TIMEOUT_S,
    copy_workspace,
    isolated_env,
    launch_client,
    open_document,
    stop_client,
    uri_of,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOKEN = "outrider/index-1"
SOURCE_FILES = 9  # the fixture's .py (5), .ts, .js, .go and .rs files (README.md is not source)


@dataclass
class MapSession:
    client: LanguageClient
    root: Path
    created: list[str] = field(default_factory=list)  # window/workDoneProgress/create tokens, in order


async def launch_recording_client(root: Path, profile: str, home: Path, options: Any = None) -> MapSession:
    """A client that also records which progress tokens the server asked it to create."""
    client = await launch_client(env=isolated_env(home), profile=profile, initialize=False)
    session = MapSession(client, root)

    features = client.protocol.fm.features  # wrap pytest-lsp's own handler: it registers the token
    default_create = features[types.WINDOW_WORK_DONE_PROGRESS_CREATE]

    def create(params: types.WorkDoneProgressCreateParams) -> None:
        session.created.append(str(params.token))
        default_create(params)

    features[types.WINDOW_WORK_DONE_PROGRESS_CREATE] = create

    params = types.InitializeParams(
        capabilities=client_capabilities(profile),
        root_uri=uri_of(root),
        workspace_folders=[types.WorkspaceFolder(uri=uri_of(root), name=root.name)],
        initialization_options=options,
    )
    await asyncio.wait_for(client.initialize_session(params), START_TIMEOUT_S)
    return session


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=PROFILES)
async def mapped(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MapSession]:
    base = tmp_path_factory.mktemp("repomap")
    root = copy_workspace("repomap", base)
    session = await launch_recording_client(root, request.param, base / "home")
    yield session
    await stop_client(session.client)


async def progress_end(client: LanguageClient, token: str, timeout_s: float = 30.0) -> types.WorkDoneProgressEnd:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        reports = client.progress_reports.get(token, [])
        if reports and isinstance(reports[-1], types.WorkDoneProgressEnd):
            return reports[-1]
        assert asyncio.get_running_loop().time() < deadline, f"{token} did not end within {timeout_s}s: {reports}"
        await asyncio.sleep(0.02)


async def repo_map_state(client: LanguageClient, name: str | None = None) -> dict[str, Any]:
    arguments = [name] if name is not None else []
    result: dict[str, Any] | None = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="outrider.debug.repoMap", arguments=arguments)
    )
    assert result is not None, "the server has no repo map"
    return result


async def definitions_until(
    client: LanguageClient, name: str, done: Callable[[list[dict[str, Any]]], bool], timeout_s: float = 10.0
) -> list[dict[str, Any]]:
    """The map's definitions of `name` once `done(definitions)` holds (asserts it does in time)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        definitions: list[dict[str, Any]] = (await repo_map_state(client, name))["definitions"]
        if done(definitions):
            return definitions
        assert asyncio.get_running_loop().time() < deadline, f"{name}: still {definitions} after {timeout_s}s"
        await asyncio.sleep(0.05)


async def test_indexing_reports_create_begin_report_end(mapped: MapSession) -> None:
    end = await progress_end(mapped.client, TOKEN)
    assert mapped.created == [TOKEN]
    reports = mapped.client.progress_reports[TOKEN]
    begin, *middle, last = reports
    assert isinstance(begin, types.WorkDoneProgressBegin)
    assert begin.title == "Outrider: indexing" and begin.cancellable and begin.percentage == 0
    assert middle and all(isinstance(r, types.WorkDoneProgressReport) for r in middle)
    percentages = [r.percentage for r in middle if isinstance(r, types.WorkDoneProgressReport)]
    assert all(p is not None and 0 <= p <= 100 for p in percentages), percentages
    assert percentages == sorted(percentages, key=lambda p: p or 0)
    assert last is end and end.message == f"{SOURCE_FILES} files indexed"
    state = await repo_map_state(mapped.client)
    assert state["files"] == SOURCE_FILES and not state["indexing"] and not state["cancelled"]
    assert state["root"] == str(mapped.root.resolve())
    assert "checkout" in state["map"]  # the rendered map names the fixture's definitions


async def test_did_change_makes_a_new_function_visible_and_close_rereads_disk(mapped: MapSession) -> None:
    await progress_end(mapped.client, TOKEN)
    name = "brand_new_total"
    assert await definitions_until(mapped.client, name, lambda d: True) == []
    path = mapped.root / "shop" / "cart.py"
    uri = uri_of(path)
    text = path.read_text(encoding="utf-8")
    open_document(mapped.client, uri, text)
    end = types.Position(line=len(text.splitlines()), character=0)
    addition = f"\n\ndef {name}(cart):\n    return 0\n"
    mapped.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(end, end), text=addition)],
        )
    )
    found = await definitions_until(mapped.client, name, bool)
    assert [(d["path"], d["kind"]) for d in found] == [("shop/cart.py", "function")]
    assert found[0]["line"] == len(text.splitlines()) + 2
    assert path.read_text(encoding="utf-8") == text  # only the buffer changed
    mapped.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert await definitions_until(mapped.client, name, lambda d: d == []) == []  # back to the disk


async def test_a_buffer_outside_the_root_stays_out(mapped: MapSession, tmp_path: Path) -> None:
    await progress_end(mapped.client, TOKEN)
    outside = tmp_path / "elsewhere.py"
    outside.write_text("", encoding="utf-8")
    uri = uri_of(outside)
    open_document(mapped.client, uri, "def outside_only():\n    pass\n")
    await asyncio.sleep(0.6)  # past the debounce
    before = await repo_map_state(mapped.client, "outside_only")
    assert before["definitions"] == [] and before["files"] == SOURCE_FILES
    mapped.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


async def test_did_save_rereads_the_file_from_disk(mapped: MapSession) -> None:
    await progress_end(mapped.client, TOKEN)
    path = mapped.root / "tools" / "report.py"
    uri = uri_of(path)
    text = path.read_text(encoding="utf-8")
    open_document(mapped.client, uri, text + "\n\ndef only_in_buffer():\n    pass\n")
    await definitions_until(mapped.client, "only_in_buffer", bool)
    path.write_text(text + "\n\ndef only_on_disk():\n    pass\n", encoding="utf-8")
    mapped.client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    found = await definitions_until(mapped.client, "only_on_disk", bool)
    assert [d["path"] for d in found] == ["tools/report.py"]
    assert await definitions_until(mapped.client, "only_in_buffer", lambda d: True) == []
    mapped.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
