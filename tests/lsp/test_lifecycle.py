"""Lifecycle per the specification, over raw JSON-RPC (``server/lsp/protocol.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lsp.raw_rpc import RawSession

SERVER_NOT_INITIALIZED = -32002
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602


@pytest.fixture
def session(lsp_env: dict[str, str]) -> Iterator[RawSession]:
    raw = RawSession(lsp_env)
    yield raw
    raw.kill()


def debug_document(session: RawSession, uri: str) -> object:
    response = session.request(
        "workspace/executeCommand", {"command": "outrider.debug.documentText", "arguments": [uri]}
    )
    return response["result"]


def test_request_rules_from_before_initialize_to_after_shutdown(session: RawSession) -> None:
    early = session.request("workspace/executeCommand", {"command": "outrider.debug.workspaceRoots"})
    assert early["error"]["code"] == SERVER_NOT_INITIALIZED
    uri = "untitled:early"
    session.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": "x = 1\n"}},
    )

    broken = session.request("initialize", {"processId": None, "capabilities": 5})
    assert broken["error"]["code"] == INVALID_PARAMS  # and the session is still not initialized:
    still_early = session.request("workspace/executeCommand", {"command": "outrider.debug.workspaceRoots"})
    assert still_early["error"]["code"] == SERVER_NOT_INITIALIZED

    # Neovim offers utf-8 first; the document layer counts UTF-16 units, so the server picks utf-16.
    capabilities = {"general": {"positionEncodings": ["utf-8", "utf-16", "utf-32"]}}
    response = session.request("initialize", {"processId": None, "rootUri": None, "capabilities": capabilities})
    session.notify("initialized", {})

    assert response["result"]["capabilities"]["positionEncoding"] == "utf-16"
    assert response["result"]["capabilities"]["textDocumentSync"]["change"] == 2  # incremental
    assert debug_document(session, uri) is None  # the didOpen before initialize was dropped
    second = session.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    assert second["error"]["code"] == INVALID_REQUEST

    bad = session.request("textDocument/hover", {"textDocument": "not an object", "position": 3})
    assert bad["error"]["code"] == INVALID_PARAMS
    assert "textDocument/hover" in bad["error"]["message"]
    roots = session.request("workspace/executeCommand", {"command": "outrider.debug.workspaceRoots"})
    assert roots["result"] == []  # still serving

    assert session.request("shutdown")["result"] is None
    late = session.request("workspace/executeCommand", {"command": "outrider.debug.workspaceRoots"})
    assert late["error"]["code"] == INVALID_REQUEST
    session.notify("exit")

    code, rest, stderr = session.finish()
    assert code == 0, stderr
    assert rest == []


def test_exit_without_shutdown_returns_one(session: RawSession) -> None:
    session.initialize()
    session.notify("exit")
    code, _, stderr = session.finish()
    assert code == 1, stderr
    assert "exit received (exit code 1)" in stderr
    assert "Traceback" not in stderr


def test_exit_before_initialize_returns_one(session: RawSession) -> None:
    session.notify("exit")
    code, _, stderr = session.finish()
    assert code == 1, stderr
    assert "exit received (exit code 1)" in stderr
    assert "Traceback" not in stderr
