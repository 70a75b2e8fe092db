"""Shared by the inline-completion and completion-fallback LSP tests: a server pointed at the wire
emulator (a FIM model over the OpenAI-compatible protocol), started with a client profile that does
or does not declare inline completion support."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest_asyncio
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

from tests.emulator.server import Emulator
from tests.lsp.conftest import REPO_ROOT, START_TIMEOUT_S, isolated_env, open_document, stop_client, uri_of


@dataclass
class CompletionSession:
    client: LanguageClient
    capabilities: types.ServerCapabilities


StartCompletionClient = Callable[..., Awaitable[CompletionSession]]

SOURCE = "def add(a, b):\n    \n\n\ndef main():\n    print(add(1, 2))\n"
BODY_POSITION = types.Position(line=1, character=4)


def completion_settings(emulator: Emulator, **completion: Any) -> dict[str, Any]:
    return {
        "provider": "openai-compatible",
        "base_url": emulator.openai_base_url,
        "model": "qwen2.5-coder:7b",
        "completion": {"debounce_ms": 0, **completion},
    }


def capabilities(profile: str, *, inline: bool) -> types.ClientCapabilities:
    caps = client_capabilities(profile)
    assert caps.text_document is not None
    caps.text_document.inline_completion = (
        types.InlineCompletionClientCapabilities(dynamic_registration=False) if inline else None
    )
    return caps


@pytest_asyncio.fixture
async def start_completion_client(tmp_path: Path, emulator: Emulator) -> AsyncIterator[StartCompletionClient]:
    started: list[LanguageClient] = []

    async def start(profile: str, *, inline: bool, **completion: Any) -> CompletionSession:
        client = make_test_lsp_client()
        env = isolated_env(tmp_path / f"home{len(started)}", {"OPENAI_API_KEY": "sk-emulator"})
        await client.start_io(sys.executable, "-m", "server.cli", "lsp", env=env, cwd=str(REPO_ROOT))
        started.append(client)
        params = types.InitializeParams(
            capabilities=capabilities(profile, inline=inline),
            root_uri=uri_of(tmp_path),
            workspace_folders=[types.WorkspaceFolder(uri=uri_of(tmp_path), name="ws")],
            initialization_options=completion_settings(emulator, **completion),
        )
        result = await asyncio.wait_for(client.initialize_session(params), START_TIMEOUT_S)
        return CompletionSession(client, result.capabilities)

    yield start
    for client in started:
        await stop_client(client)


def open_source(client: LanguageClient, tmp_path: Path, name: str = "calc.py", text: str = SOURCE) -> str:
    uri = uri_of(tmp_path / name)
    open_document(client, uri, text)
    return uri


def inline_params(uri: str, position: types.Position = BODY_POSITION) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=position,
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
    )


def send_with_id(client: LanguageClient, method: str, params: Any) -> tuple[str, asyncio.Future[Any]]:
    """Send a request with a known id (so a test can cancel it); the future has the raw outcome."""
    msg_id = str(uuid.uuid4())
    future = client.protocol.send_request(method, params, msg_id=msg_id)
    return msg_id, asyncio.wrap_future(future)


def insert_text(client: LanguageClient, uri: str, version: int, position: types.Position, text: str) -> None:
    """A didChange inserting `text` at `position`, as an editor sends for a keystroke."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(position, position), text=text)],
        )
    )
