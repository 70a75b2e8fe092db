"""A raw JSON-RPC session with ``outrider lsp`` over pipes, parsing stdout strictly.

For the tests pytest-lsp cannot express (requests before ``initialize``, exit codes, what exactly
reaches stdout). Every byte the server writes to stdout must belong to an LSP frame
(``Content-Length`` / ``Content-Type`` headers, a blank line, a JSON-RPC 2.0 body); anything else
fails the test with the offending bytes.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 30.0


class FrameError(AssertionError):
    """Stdout held something that is not an LSP frame."""


def encode_frame(message: Mapping[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_frame(stream: IO[bytes]) -> dict[str, Any] | None:
    """One message from `stream`; None at a clean end of stream; FrameError for anything else."""
    length: int | None = None
    first = True
    while True:
        line = stream.readline()
        if not line:
            if first:
                return None
            raise FrameError("stream ended inside a header block")
        first = False
        if line == b"\r\n":
            break
        if not line.endswith(b"\r\n"):
            raise FrameError(f"header line without CRLF: {line!r}")
        name, sep, value = line[:-2].decode("ascii", "replace").partition(": ")
        if not sep:
            raise FrameError(f"not a header line: {line!r}")
        if name.lower() == "content-length" and value.isdigit():
            length = int(value)
        elif name.lower() != "content-type":
            raise FrameError(f"unexpected header: {line!r}")
    if length is None:
        raise FrameError("header block without Content-Length")
    body = stream.read(length)
    if len(body) != length:
        raise FrameError(f"body shorter than Content-Length ({len(body)} < {length})")
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FrameError(f"body is not JSON: {body[:200]!r}") from exc
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        raise FrameError(f"not a JSON-RPC 2.0 message: {body[:200]!r}")
    return message


class RawSession:
    """``python -m server.cli lsp`` with helpers to send messages and collect what comes back."""

    def __init__(self, env: Mapping[str, str], args: list[str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "lsp", *(args or [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            cwd=str(REPO_ROOT),
        )
        self._inbox: queue.Queue[dict[str, Any] | BaseException | None] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self._next_id = 0
        self._stderr_chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        while chunk := self.process.stderr.read1(65536):
            self._stderr_chunks.append(chunk)

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        try:
            while (message := read_frame(self.process.stdout)) is not None:
                self._inbox.put(message)
            self._inbox.put(None)
        except BaseException as exc:
            self._inbox.put(exc)

    def _take(self) -> dict[str, Any] | None:
        item = self._inbox.get(timeout=TIMEOUT_S)
        if isinstance(item, BaseException):
            raise item
        return item

    def send(self, message: Mapping[str, Any]) -> None:
        self.send_body(json.dumps(message).encode("utf-8"))

    def send_body(self, body: bytes) -> None:
        """One frame with any body at all (for malformed-input tests)."""
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, **({"params": params} if params is not None else {})})

    def request(self, method: str, params: Any = None) -> dict[str, Any]:
        """Send a request and return its response (notifications meanwhile go to `notifications`)."""
        self._next_id += 1
        msg_id = self._next_id
        self.send(
            {"jsonrpc": "2.0", "id": msg_id, "method": method, **({"params": params} if params is not None else {})}
        )
        while True:
            message = self._take()
            if message is None:
                raise AssertionError(f"server closed stdout before answering {method}")
            if message.get("id") == msg_id and "method" not in message:
                return message
            if "method" in message and "id" not in message:
                self.notifications.append(message)
            elif "method" in message:
                self._answer_server_request(message)

    def _answer_server_request(self, message: dict[str, Any]) -> None:
        """Requests from the server (configuration, registration): answer with null."""
        self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})

    def initialize(self, capabilities: Mapping[str, Any] | None = None, **params: Any) -> dict[str, Any]:
        response = self.request(
            "initialize", {"processId": None, "rootUri": None, "capabilities": dict(capabilities or {}), **params}
        )
        self.notify("initialized", {})
        return response

    def finish(self, timeout_s: float = TIMEOUT_S) -> tuple[int, list[dict[str, Any]], str]:
        """Close stdin, wait for exit; (exit code, remaining stdout messages, stderr)."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        code = self.process.wait(timeout=timeout_s)
        rest: list[dict[str, Any]] = []
        while (message := self._take()) is not None:
            rest.append(message)
        self._stderr_reader.join(timeout_s)
        return code, rest, b"".join(self._stderr_chunks).decode("utf-8", "replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=TIMEOUT_S)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
