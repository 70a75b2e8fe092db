"""Nothing but JSON-RPC reaches stdout (``server/lsp/stdio.py``), checked byte by byte."""

from __future__ import annotations

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
