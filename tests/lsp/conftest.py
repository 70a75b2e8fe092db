"""Shared fixtures for LSP tests: a real ``outrider lsp`` subprocess driven by a pytest-lsp client.

Every client runs against the server as users run it (``python -m server.cli lsp`` over stdio),
with an isolated environment: ``OUTRIDER_HOME`` and ``XDG_CONFIG_HOME`` point into a temporary
directory, the outer ``OUTRIDER_*`` variables and API keys / base URLs are removed, and
``OUTRIDER_LSP_DEBUG=1`` enables the ``outrider.debug.*`` commands (see
``server/lsp/features/debug.py``) so tests can check the server's side instead of trusting the
client. Tests are parametrized over two client capability profiles, VS Code's and Neovim's
(``pytest_lsp.client_capabilities``).

Fixtures (function scope unless said otherwise):

``client_profile``
    ``"visual-studio-code"`` or ``"neovim"``; parametrizes every test that uses it.
``lsp_env``
    The environment for the server process (a dict you may add to before starting a client).
``workspace``
    A fresh copy of ``tests/workspaces/lsp_basic`` in a temporary directory (a ``Path``).
``start_client``
    ``await start_client(workspace=..., initialization_options=..., configuration=...,
    env=..., profile=..., server_args=[...], initialize=True)`` -> an initialized
    ``LanguageClient``; shut down cleanly (``shutdown`` + ``exit``) at teardown. ``configuration``
    is what the client answers to ``workspace/configuration``, e.g. ``{"outrider": {...}}``.
    ``env`` entries are added to ``lsp_env``. Use it for tests that need their own settings.
``client``
    ``await start_client(workspace=workspace, profile=client_profile)``: the everyday fixture.
``module_client``
    Module scope, parametrized over both profiles, on a copy of ``lsp_basic``; one server for
    the whole module (fast). The module must run its tests on the module's event loop::

        pytestmark = pytest.mark.asyncio(loop_scope="module")

    (without that, a module-scoped client hangs: VERIFIED.md). Tests sharing it must not depend
    on each other's state: use distinct document URIs.

Helpers: :func:`open_document`, :func:`server_document` (the text the server holds, through
``outrider.debug.documentText``), :func:`server_settings`, :func:`wait_for_message`.

Register your own client-side handlers (``workspace/applyEdit``...) on the client with
``@client.feature(...)`` before the server needs them; pytest-lsp does not provide one. Every test
client accepts ``client/registerCapability`` (as editors do; the repo map's file watcher asks for it).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import default_feature, make_test_lsp_client

from tests.emulator.server import Emulator

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKSPACES = REPO_ROOT / "tests" / "workspaces"
PROFILES = ("visual-studio-code", "neovim")
START_TIMEOUT_S = 30.0

_SCRUBBED_PREFIXES = ("OUTRIDER_",)
_SCRUBBED_SUFFIXES = ("_API_KEY", "_BASE_URL")

StartClient = Callable[..., Awaitable[LanguageClient]]


@default_feature(types.CLIENT_REGISTER_CAPABILITY)
def accept_registration(client: LanguageClient, params: types.RegistrationParams) -> None:
    """Every test client accepts dynamic registrations (pytest-lsp has no handler of its own)."""


def isolated_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The outer environment minus our variables and credentials, plus isolated state dirs."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_SCRUBBED_PREFIXES) and not key.endswith(_SCRUBBED_SUFFIXES)
    }
    (home / "state").mkdir(parents=True, exist_ok=True)
    (home / "config").mkdir(parents=True, exist_ok=True)
    env.update(
        OUTRIDER_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        OUTRIDER_LSP_DEBUG="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def copy_workspace(name: str, destination: Path) -> Path:
    target = destination / name
    shutil.copytree(WORKSPACES / name, target)
    return target


def uri_of(path: Path) -> str:
    return path.resolve().as_uri()


async def launch_client(
    *,
    env: Mapping[str, str],
    profile: str = "visual-studio-code",
    workspace: Path | None = None,
    initialization_options: Any = None,
    configuration: Mapping[str, Any] | None = None,
    server_args: list[str] | None = None,
    initialize: bool = True,
) -> LanguageClient:
    """Start ``outrider lsp`` and (by default) initialize it with the profile's capabilities."""
    client = make_test_lsp_client()
    if configuration is not None:
        client.set_configuration(dict(configuration))
    command = [sys.executable, "-m", "server.cli", "lsp", *(server_args or [])]
    await client.start_io(*command, env=dict(env), cwd=str(REPO_ROOT))
    if initialize:
        folders = [types.WorkspaceFolder(uri=uri_of(workspace), name=workspace.name)] if workspace else None
        params = types.InitializeParams(
            capabilities=client_capabilities(profile),
            client_info=types.ClientInfo(name=f"pytest-lsp ({profile})"),
            root_uri=uri_of(workspace) if workspace else None,
            workspace_folders=folders,
            initialization_options=initialization_options,
        )
        await asyncio.wait_for(client.initialize_session(params), START_TIMEOUT_S)
    return client


async def stop_client(client: LanguageClient) -> None:
    try:
        if not client.stopped:
            await asyncio.wait_for(client.shutdown_session(), START_TIMEOUT_S)
    finally:
        await client.stop()


@pytest.fixture(params=PROFILES)
def client_profile(request: pytest.FixtureRequest) -> str:
    profile: str = request.param
    return profile


@pytest.fixture
def lsp_env(tmp_path: Path) -> dict[str, str]:
    return isolated_env(tmp_path / "home")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return copy_workspace("lsp_basic", tmp_path)


@pytest_asyncio.fixture
async def start_client(lsp_env: dict[str, str]) -> AsyncIterator[StartClient]:
    started: list[LanguageClient] = []

    async def start(*, env: Mapping[str, str] | None = None, **kwargs: Any) -> LanguageClient:
        client = await launch_client(env={**lsp_env, **(env or {})}, **kwargs)
        started.append(client)
        return client

    yield start
    for client in started:
        await stop_client(client)


@pytest_asyncio.fixture
async def client(start_client: StartClient, workspace: Path, client_profile: str) -> LanguageClient:
    return await start_client(workspace=workspace, profile=client_profile)


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=PROFILES)
async def module_client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LanguageClient]:
    base = tmp_path_factory.mktemp("lsp-module")
    root = copy_workspace("lsp_basic", base)
    client = await launch_client(env=isolated_env(base / "home"), profile=request.param, workspace=root)
    yield client
    await stop_client(client)


# -- helpers ---------------------------------------------------------------------------------------


def open_document(client: LanguageClient, uri: str, text: str, language_id: str = "python", version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language_id, version=version, text=text)
        )
    )


async def server_document(client: LanguageClient, uri: str) -> dict[str, Any] | None:
    """What the server holds for `uri` (text, version, language, hasTree, parseSkipped), or None.

    A request after the notifications we sent: the server handles messages in order, so the
    answer reflects every earlier didOpen/didChange.
    """
    result: dict[str, Any] | None = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="outrider.debug.documentText", arguments=[uri])
    )
    return result


async def server_settings(client: LanguageClient) -> dict[str, Any]:
    """``{"settings": ..., "problems": [...]}`` as the server has them now."""
    result: dict[str, Any] = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="outrider.debug.settings", arguments=[])
    )
    return result


async def wait_for_message(
    client: LanguageClient, predicate: Callable[[types.ShowMessageParams], bool], timeout_s: float = 10.0
) -> types.ShowMessageParams:
    """The first ``window/showMessage`` (already received or still to come) matching `predicate`."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        for message in client.messages:
            if predicate(message):
                return message
        if asyncio.get_running_loop().time() > deadline:
            shown = [m.message for m in client.messages]
            raise AssertionError(f"no matching window/showMessage within {timeout_s}s; got {shown}")
        await asyncio.sleep(0.02)


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[Emulator]:
    """One wire emulator for a test module's module-scoped sessions (scripted per test)."""
    with Emulator() as emulator:
        yield emulator
