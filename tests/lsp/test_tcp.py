"""``outrider lsp --tcp HOST:PORT`` serves the same protocol over a socket."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

from tests.lsp.raw_rpc import REPO_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def connect_client(port: int, process: asyncio.subprocess.Process, timeout_s: float = 30.0) -> LanguageClient:
    """A client connected once the server listens (its first connection is the session)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        client = make_test_lsp_client()
        try:
            await client.start_tcp("127.0.0.1", port)
            return client
        except OSError:
            await client.stop()
            if process.returncode is not None or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


async def test_tcp_session(lsp_env: dict[str, str], workspace: Path) -> None:
    root = str(workspace)  # a real directory already (tmp_path copy)
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *["-m", "server.cli", "lsp", "--tcp", f"127.0.0.1:{port}"],
        env=lsp_env,
        cwd=str(REPO_ROOT),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        client = await connect_client(port, process)
        try:
            result = await client.initialize_session(
                types.InitializeParams(
                    capabilities=client_capabilities("visual-studio-code"), root_uri=workspace.as_uri()
                )
            )
            roots = await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="outrider.debug.workspaceRoots", arguments=[])
            )
            await client.shutdown_async(None)
            client.exit(None)
            stdout, _ = await asyncio.wait_for(process.communicate(), 30)
        finally:
            await client.stop()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert result.capabilities.text_document_sync is not None
    assert roots == [root]
    assert process.returncode == 0
    assert stdout == b""
