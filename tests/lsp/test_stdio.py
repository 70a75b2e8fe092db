"""Nothing but JSON-RPC reaches stdout (``server/lsp/stdio.py``), checked byte by byte."""

from __future__ import annotations

import subprocess
import sys

from tests.lsp.conftest import REPO_ROOT
from tests.lsp.raw_rpc import RawSession


def test_stray_writes_to_stdout_go_to_stderr(lsp_env: dict[str, str]) -> None:
    session = RawSession(lsp_env)
    try:
        session.initialize(capabilities={"window": {"workDoneProgress": True}})
        session.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": "untitled:noise", "languageId": "python", "version": 1, "text": "é🐍\n"}},
        )
        for garbage in (b"\xff\xfe not UTF-8", b"{not json", b"[1, 2]", b'{"jsonrpc": "2.0", "id": 99}'):
            session.send_body(garbage)  # logged and reported; the session goes on
        written = session.request(
            "workspace/executeCommand", {"command": "outrider.debug.writeStdout", "arguments": ["NOISE"]}
        )
        held = session.request(
            "workspace/executeCommand", {"command": "outrider.debug.documentText", "arguments": ["untitled:noise"]}
        )
        session.request("shutdown")
        session.notify("exit")
        # finish() parses every remaining byte of stdout as LSP frames and fails on anything else.
        code, rest, stderr = session.finish()
    finally:
        session.kill()

    assert written["result"] == "written"
    assert held["result"]["text"] == "é🐍\n"
    assert code == 0
    assert rest == []
    for line in ("print: NOISE", "fd1: NOISE", "child: NOISE"):
        assert line in stderr


def test_stdio_flag_is_accepted_as_the_default_transport(lsp_env: dict[str, str]) -> None:
    """Generic clients (vscode-languageclient's TransportKind.stdio, others) pass ``--stdio``."""
    session = RawSession(lsp_env, ["--stdio"])
    try:
        answer = session.initialize()
        session.request("shutdown")
        session.notify("exit")
        code, rest, _ = session.finish()
    finally:
        session.kill()
    assert answer["result"]["serverInfo"]["name"] == "outrider"
    assert (code, rest) == (0, [])


def test_stdio_and_tcp_together_are_refused(lsp_env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "server.cli", "lsp", "--stdio", "--tcp", "127.0.0.1:0"],
        capture_output=True,
        text=True,
        env=lsp_env,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines()[-1] == "outrider lsp: --stdio and --tcp exclude each other"
