"""The wire-protocol emulator: a local HTTP server speaking Anthropic Messages and OpenAI Chat
Completions / Completions, answering from a script, with injectable faults. See ``script.py``
for the reply format. The real SDKs talk to it through their base URLs::

    with Emulator() as emu:
        emu.script(Reply(text="hello"))
        client = anthropic.AsyncAnthropic(base_url=emu.anthropic_base_url, api_key="test")
        ...
        assert emu.requests[0].body["model"] == "claude-sonnet-4-5"

Every request is logged (``requests``) with what happened to its response (``outcome``:
``complete``, ``error``, ``client_closed``, ``dropped``, ``hung``), so tests can assert that a
cancelled call closed its connection.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.emulator import wire
from tests.emulator.request_log import RecordedRequest, protocol_for
from tests.emulator.script import Protocol, Reply, load_script


class _ClientGone(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    _chunked = False  # the streamed response in progress uses chunked transfer encoding
    arrived_at = 0.0  # time.monotonic() when the current request had fully arrived (before parsing it)

    def handle(self) -> None:
        try:
            super().handle()
        except ConnectionError:
            pass  # a kept-alive connection the client reset or dropped between requests

    def setup(self) -> None:
        super().setup()
        self.server.emulator._connected()

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: stdout/stderr belong to the tests

    # ---- plumbing --------------------------------------------------------------------------

    def _read_body(self) -> Any:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.arrived_at = time.monotonic()  # parsing the body is the emulator's time, not the client's
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return {"_unparsed": raw.decode("utf-8", "replace")}

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(body).encode(), headers)

    def _send_raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        if not self.server.keep_alive:
            self.send_header("connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        self.close_connection = not self.server.keep_alive

    def _wait(self, seconds: float | None) -> None:
        """Sleep, but notice promptly when the client goes away or the emulator stops."""
        deadline = None if seconds is None else time.monotonic() + seconds
        while True:
            if self.server.stopping.is_set():
                raise _ClientGone("emulator stopping")
            remaining = 0.05 if deadline is None else min(0.05, deadline - time.monotonic())
            if remaining <= 0:
                return
            readable, _, _ = select.select([self.connection], [], [], remaining)
            if readable:
                try:
                    peek = self.connection.recv(1, socket.MSG_PEEK)
                except OSError as exc:
                    raise _ClientGone(str(exc)) from exc
                if not peek:
                    raise _ClientGone("client closed the connection")
                time.sleep(remaining)

    def _write(self, frame: bytes) -> None:
        """Send part of a streamed body (one chunk when the response is chunked)."""
        if self._chunked:
            if not frame:
                return  # a zero-length chunk would end the body
            frame = b"%x\r\n%s\r\n" % (len(frame), frame)
        try:
            self.wfile.write(frame)
            self.wfile.flush()
        except OSError as exc:
            raise _ClientGone(str(exc)) from exc

    def _abort_connection(self) -> None:
        """Cut the connection with a TCP reset (a dropped stream, as networks drop them)."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    # ---- requests --------------------------------------------------------------------------

    def do_GET(self) -> None:
        self.arrived_at = time.monotonic()
        route = self.path.split("?", 1)[0].rstrip("/")
        if route == "/_emulator/requests":  # ?since=N: only requests after the first N
            query = parse_qs(self.path.partition("?")[2])
            since = int(query.get("since", ["0"])[0])
            self._send_json(200, [r.to_json() for r in self.server.emulator.requests[since:]])
            return
        record = self.server.emulator._record(self, None)
        if route.endswith("/models"):
            self._send_json(200, {"object": "list", "data": [{"id": "emulated", "object": "model"}]})
            record.outcome = "complete"
        else:
            self._send_json(404, {"error": {"message": f"emulator: no route GET {self.path}"}})
            record.outcome = "error"
        record.finished_at = time.monotonic()
        record.done.set()

    def do_POST(self) -> None:
        body = self._read_body()
        if self.path.startswith("/_emulator/script"):
            self.server.emulator.script(*load_script(body))
            self._send_json(200, {"queued": len(self.server.emulator.pending())})
            return
        emulator = self.server.emulator
        record = emulator._record(self, body)
        try:
            self._answer(record)
        except _ClientGone:
            record.outcome = "hung" if record.outcome == "hung" else "client_closed"
            self.close_connection = True
        finally:
            if record.outcome == "pending":
                record.outcome = "complete"
            record.finished_at = time.monotonic()
            record.done.set()

    def _answer(self, record: RecordedRequest) -> None:
        protocol = record.protocol
        if protocol is None:
            self._send_json(404, {"error": {"message": f"emulator: no route POST {self.path}"}})
            record.outcome = "error"
            return
        reply = self.server.emulator._take(protocol)
        record.reply = reply
        if reply is None:
            status, err = wire.nothing_scripted(protocol, record.serial)
            self._send_json(status, err, self._id_headers(protocol, record.serial))
            record.outcome = "error"
            return
        if reply.first_byte_delay_s:
            self._wait(reply.first_byte_delay_s)
        if reply.fault == "hang" and not reply.after_chunks:
            record.outcome = "hung"
            self._wait(None)
        if reply.fault in wire._ERRORS:
            self._send_error(record, reply, protocol)
            return
        reply = reply.stopped_at(_stop_sequences(record.body, protocol))
        if record.stream:
            self._stream(record, reply, protocol)
        elif reply.fault == "drop":
            record.outcome = "dropped"
            self._abort_connection()
        elif reply.fault == "malformed":
            self._send_raw(200, b'{"id": "msg_emu", "content": [', self._id_headers(protocol, record.serial))
        else:
            self._send_json(200, self._whole(reply, protocol, record), self._id_headers(protocol, record.serial))

    def _send_error(self, record: RecordedRequest, reply: Reply, protocol: Protocol) -> None:
        assert reply.fault is not None
        status, err = wire.error_response(protocol, reply.fault, f"emulator: scripted {reply.fault}")
        headers = self._id_headers(protocol, record.serial)
        if reply.retry_after is not None:
            headers["retry-after"] = f"{reply.retry_after:g}"
        headers["x-should-retry"] = "false"  # the SDKs must not retry behind our back
        self._send_json(status, err, headers)
        record.outcome = "error"

    @staticmethod
    def _id_headers(protocol: Protocol, serial: int) -> dict[str, str]:
        name = "request-id" if protocol == "anthropic" else "x-request-id"
        return {name: f"req_emu{serial}"}

    def _model(self, record: RecordedRequest) -> str:
        model = record.body.get("model") if isinstance(record.body, dict) else None
        return str(model or "emulated")

    def _whole(self, reply: Reply, protocol: Protocol, record: RecordedRequest) -> dict[str, Any]:
        model = self._model(record)
        if protocol == "anthropic":
            return wire.anthropic_message(reply, model, record.serial)
        if protocol == "openai":
            return wire.openai_chat_completion(reply, model, record.serial)
        return wire.openai_completion(reply, model, record.serial)

    def _frames(self, reply: Reply, protocol: Protocol, record: RecordedRequest) -> list[bytes]:
        model = self._model(record)
        options = record.body.get("stream_options") if isinstance(record.body, dict) else None
        include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        asked = record.body.get("logprobs") if isinstance(record.body, dict) else None
        logprobs = asked is not None and asked is not False  # chat: true; completions: a number
        if protocol == "anthropic":
            return wire.anthropic_stream(reply, model, record.serial)
        if protocol == "openai":
            return wire.openai_chat_stream(reply, model, record.serial, include_usage, logprobs)
        return wire.openai_completions_stream(reply, model, record.serial, include_usage, logprobs)

    def _stream(self, record: RecordedRequest, reply: Reply, protocol: Protocol) -> None:
        frames = self._frames(reply, protocol, record)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        if self.server.keep_alive:
            self.send_header("transfer-encoding", "chunked")
        else:
            self.send_header("connection", "close")
        for name, value in self._id_headers(protocol, record.serial).items():
            self.send_header(name, value)
        self.end_headers()
        self.close_connection = True  # until the body is complete
        self._chunked = self.server.keep_alive
        try:
            self._stream_frames(record, reply, frames)
        finally:
            self._chunked = False

    def _stream_frames(self, record: RecordedRequest, reply: Reply, frames: list[bytes]) -> None:
        cut = reply.after_chunks if reply.after_chunks is not None else len(frames) // 2
        self._write(b"")
        for position, frame in enumerate(frames):
            if position == cut and reply.fault in ("hang", "drop", "malformed"):
                if reply.fault == "hang":
                    record.outcome = "hung"
                    self._wait(None)
                if reply.fault == "drop":
                    record.outcome = "dropped"
                    self._abort_connection()
                    return
                self._write(wire.MALFORMED_FRAME)
            if reply.chunk_delay_s:
                self._wait(reply.chunk_delay_s)
            self._write(frame)
        if self._chunked:  # the body is complete: the connection can carry the next request
            self._chunked = False
            self._write(b"0\r\n\r\n")
            self.close_connection = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, emulator: Emulator, keep_alive: bool) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.emulator = emulator
        self.keep_alive = keep_alive
        self.stopping = threading.Event()


class Emulator:
    """A scripted Anthropic/OpenAI endpoint on 127.0.0.1 (a free port). Use as a context manager.

    By default every response closes its connection (``connection: close``), so each request
    opens a new one. ``keep_alive=True`` answers as real APIs do: HTTP/1.1 persistent connections,
    JSON bodies with a content-length and streams in chunked transfer encoding, so a client's
    connection pool reuses one connection (``connections`` counts the ones accepted).
    """

    def __init__(self, *, keep_alive: bool = False) -> None:
        self.keep_alive = keep_alive
        self.connections = 0
        self._lock = threading.Lock()
        self._queue: list[Reply] = []
        self.requests: list[RecordedRequest] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> Emulator:
        self._server = _Server(self, self.keep_alive)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "emulator not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def anthropic_base_url(self) -> str:
        """For ``ANTHROPIC_BASE_URL`` / ``AsyncAnthropic(base_url=...)`` (the SDK adds ``/v1/messages``)."""
        return self.base_url

    @property
    def openai_base_url(self) -> str:
        """For ``OPENAI_BASE_URL`` / ``AsyncOpenAI(base_url=...)`` (the SDK adds ``/chat/completions``)."""
        return f"{self.base_url}/v1"

    # ---- scripting -------------------------------------------------------------------------

    def script(self, *replies: Reply | dict[str, Any]) -> Emulator:
        """Queue replies (``Reply`` objects or their JSON form), served first-in first-out."""
        parsed = [r if isinstance(r, Reply) else Reply.from_json(r) for r in replies]
        with self._lock:
            self._queue.extend(parsed)
        return self

    def pending(self) -> list[Reply]:
        with self._lock:
            return list(self._queue)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()

    def _take(self, protocol: Protocol) -> Reply | None:
        with self._lock:
            for position, reply in enumerate(self._queue):
                if reply.protocol is None or reply.protocol == protocol:
                    if not reply.repeat:
                        del self._queue[position]
                    return reply
        return None

    def _connected(self) -> None:
        with self._lock:
            self.connections += 1

    def _record(self, handler: _Handler, body: Any) -> RecordedRequest:
        headers = {name.lower(): value for name, value in handler.headers.items()}
        with self._lock:
            record = RecordedRequest(
                serial=len(self.requests) + 1,
                method=handler.command,
                path=handler.path,
                protocol=protocol_for(handler.path),
                headers=headers,
                body=body,
                received_at=handler.arrived_at,
            )
            self.requests.append(record)
        return record

    # ---- assertions ------------------------------------------------------------------------

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Poll `predicate` until it holds or `timeout` passes (no fixed sleeps in tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return predicate()

    def wait_finished(self, serial: int, timeout: float = 5.0) -> RecordedRequest:
        """Wait until request `serial` (1-based) has its outcome; raise if it never does."""
        if not self.wait_until(lambda: len(self.requests) >= serial, timeout):
            raise TimeoutError(f"emulator: request #{serial} never arrived")
        record = self.requests[serial - 1]
        if not record.done.wait(timeout):
            raise TimeoutError(f"emulator: request #{serial} still open after {timeout}s")
        return record

    def outcomes(self, count: int, timeout: float = 5.0) -> list[str]:
        """The outcomes of the first `count` requests, each read only once the emulator recorded it
        (the client can see a response before the handler has written down what it sent)."""
        return [self.wait_finished(serial, timeout).outcome for serial in range(1, count + 1)]


def _stop_sequences(body: Any, protocol: Protocol) -> list[str]:
    """The request's stop sequences (OpenAI ``stop``: a string or a list; Anthropic ``stop_sequences``)."""
    if not isinstance(body, dict):
        return []
    value = body.get("stop_sequences" if protocol == "anthropic" else "stop")
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
