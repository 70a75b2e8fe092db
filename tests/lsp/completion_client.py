"""Shared by the inline-completion and completion-fallback LSP tests: ``outrider lsp`` pointed at the
wire emulator (a FIM model over the OpenAI-compatible protocol), started with a client profile that
does or does not declare inline completion support.

Servers are expensive to start, so a test module starts one per profile (module scope) with
:func:`launch_completion_session`; tests keep out of each other's way with their own document URIs
(:func:`fresh_uri`) and by clearing the emulator first (:func:`fresh_emulator`).
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

from tests.emulator.server import Emulator
from tests.lsp.conftest import REPO_ROOT, START_TIMEOUT_S, isolated_env, open_document, uri_of

SOURCE = "def add(a, b):\n    \n\n\ndef main():\n    print(add(1, 2))\n"
BODY_POSITION = types.Position(line=1, character=4)


@dataclass
class CompletionSession:
    client: LanguageClient
    capabilities: types.ServerCapabilities
    emulator: Emulator
    root: Path


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


async def launch_completion_session(
    root: Path, emulator: Emulator, profile: str, *, inline: bool, settings: dict[str, Any] | None = None
) -> CompletionSession:
    client = make_test_lsp_client()
    env = isolated_env(root / "home", {"OPENAI_API_KEY": "sk-emulator"})
    await client.start_io(sys.executable, "-m", "server.cli", "lsp", env=env, cwd=str(REPO_ROOT))
    params = types.InitializeParams(
        capabilities=capabilities(profile, inline=inline),
        root_uri=uri_of(root),
        workspace_folders=[types.WorkspaceFolder(uri=uri_of(root), name="ws")],
        initialization_options=completion_settings(emulator) if settings is None else settings,
    )
    result = await asyncio.wait_for(client.initialize_session(params), START_TIMEOUT_S)
    return CompletionSession(client, result.capabilities, emulator, root)


def fresh_emulator(session: CompletionSession) -> Emulator:
    """The session's emulator with no scripted replies and no logged requests."""
    session.emulator.clear()
    return session.emulator


def fresh_uri(session: CompletionSession, text: str = SOURCE) -> str:
    """Open a new document (its own URI: no cache or type-ahead shared with other tests)."""
    uri = uri_of(session.root / f"doc_{uuid.uuid4().hex[:8]}.py")
    open_document(session.client, uri, text)
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
