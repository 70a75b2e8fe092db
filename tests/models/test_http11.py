"""The lean HTTP/1.1 client against a raw asyncio server that answers exactly the bytes a test gives,
and the FIM client over both transports (lean and httpx2) against the wire emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.config import TimeoutSettings
from server.models.adapters.fim_http import FimHttp
from server.models.adapters.http11 import Http11Client, HttpProtocolError, Origin, plain_http_origin
from server.models.streaming import CallMeta
from server.models.types import ErrorEvent, Stop, StreamEvent, TextDelta, Usage
from tests.emulator import Emulator, Reply

Answer = Callable[[bytes], list[bytes]]  # request bytes -> the pieces to write back


class RawServer:
    """Answers each request on a connection with `answer(request)`'s pieces, written one by one."""

    def __init__(self, answer: Answer, *, close_after: bool = False) -> None:
        self.answer = answer
        self.close_after = close_after
        self.connections = 0
        self.requests: list[bytes] = []
        self.closed = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    @property
    def origin(self) -> Origin:
        assert self._server is not None
        return Origin("127.0.0.1", self._server.sockets[0].getsockname()[1], "/v1")

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                self.requests.append(head + await reader.readexactly(length))
                for piece in self.answer(self.requests[-1]):
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0)
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            self.closed.set()


def chunked(body: bytes, sizes: list[int]) -> bytes:
    out, rest = b"", body
    for size in sizes:
        if not rest:
            break
        piece, rest = rest[:size], rest[size:]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    if rest:
        out += f"{len(rest):x}\r\n".encode() + rest + b"\r\n"
    return out + b"0\r\n\r\n"


async def body_of(client: Http11Client) -> tuple[int, bytes]:
    response = await client.post("/completions", [("content-type", "application/json")], b'{"a": 1}')
    data = b"".join([piece async for piece in response.aiter_bytes()])
    await response.aclose()
    return response.status_code, data


async def test_request_line_headers_and_body_as_sent() -> None:
    async with RawServer(lambda _: [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"]) as server:
        client = Http11Client(server.origin, 1.0)
        assert await body_of(client) == (200, b"ok")
        port = server.origin.port
    request = server.requests[0]
    assert request.startswith(b"POST /v1/completions HTTP/1.1\r\n")
    assert f"host: 127.0.0.1:{port}\r\n".encode() in request
    assert request.endswith(b"content-length: 8\r\n\r\n" + b'{"a": 1}')


@settings(max_examples=30, deadline=None)
@given(body=st.binary(min_size=0, max_size=300), sizes=st.lists(st.integers(1, 50), max_size=10))
def test_chunked_bodies_in_any_split(body: bytes, sizes: list[int]) -> None:
    wire = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + chunked(body, sizes)
    pieces = [wire[i : i + 7] for i in range(0, len(wire), 7)]  # written a few bytes at a time

    async def run() -> tuple[int, bytes]:
        async with RawServer(lambda _: pieces) as server:
            return await body_of(Http11Client(server.origin, 1.0))

    assert asyncio.run(run()) == (200, body)


async def test_kept_alive_connection_is_reused_and_close_delimited_bodies_are_not() -> None:
    reply = [b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"]
    async with RawServer(lambda _: reply) as server:
        client = Http11Client(server.origin, 1.0)
        for _ in range(3):
            assert await body_of(client) == (200, b"hello")
        assert server.connections == 1
    async with RawServer(lambda _: [b"HTTP/1.1 200 OK\r\n\r\nuntil the end"], close_after=True) as server:
        client = Http11Client(server.origin, 1.0)
        for _ in range(2):
            assert await body_of(client) == (200, b"until the end")
        assert server.connections == 2


async def test_connection_close_header_is_honoured() -> None:
    reply = [b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"]
    async with RawServer(lambda _: reply) as server:
        client = Http11Client(server.origin, 1.0)
        assert await body_of(client) == (200, b"ok")
        assert await body_of(client) == (200, b"ok")
        assert server.connections == 2


async def test_an_idle_connection_the_server_closed_is_replaced() -> None:
    reply = [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"]
    async with RawServer(lambda _: reply, close_after=True) as server:  # closes without saying so
        client = Http11Client(server.origin, 1.0)
        assert await body_of(client) == (200, b"ok")
        await server.closed.wait()
        assert await body_of(client) == (200, b"ok")
        assert server.connections == 2


@pytest.mark.parametrize(
    "reply",
    [
        [b"SSH-2.0-OpenSSH\r\n\r\n"],
        [b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"],
        [b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"],
        [b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort"],
        [b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab"],
        [],
    ],
    ids=["not-http", "bad-header", "bad-chunk-size", "short-body", "cut-chunk", "no-answer"],
)
async def test_broken_answers_raise_a_protocol_error(reply: list[bytes]) -> None:
    async with RawServer(lambda _: reply, close_after=True) as server:
        with pytest.raises(HttpProtocolError):
            await body_of(Http11Client(server.origin, 1.0))


async def test_closing_a_half_read_response_closes_its_connection() -> None:
    reply = [b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", b"3\r\nabc\r\n"]  # and never ends
    async with RawServer(lambda _: reply) as server:
        client = Http11Client(server.origin, 1.0)
        response = await client.post("/completions", [], b"{}")
        pieces = response.aiter_bytes()
        assert await anext(pieces) == b"abc"
        await response.aclose()
        await asyncio.wait_for(server.closed.wait(), 2)  # the server saw its connection close
        again = await client.post("/completions", [], b"{}")  # so the next request opens a new one
        assert await anext(again.aiter_bytes()) == b"abc"
        await again.aclose()
        assert server.connections == 2


def test_which_urls_take_the_lean_client(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert plain_http_origin("http://localhost:11434/v1") == Origin("localhost", 11434, "/v1")
    assert plain_http_origin("http://[::1]:8000/v1/").host_header == "[::1]:8000"  # type: ignore[union-attr]
    assert plain_http_origin("http://gpu-box/v1") == Origin("gpu-box", 80, "/v1")
    assert plain_http_origin("https://api.example.com/v1") is None  # TLS: httpx2
    assert plain_http_origin("http://user:pw@host/v1") is None
    monkeypatch.setenv("http_proxy", "http://proxy.corp:3128")
    assert plain_http_origin("http://gpu-box/v1") is None  # a proxy applies: httpx2
    monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")
    assert plain_http_origin("http://localhost:11434/v1") == Origin("localhost", 11434, "/v1")


# -- the FIM client over both transports, against the wire emulator --------------------------------

TIMEOUTS = TimeoutSettings(connect_s=1.0, first_token_s=1.0, total_s=3.0)
PARAMS: dict[str, Any] = {"model": "qwen2.5-coder:7b", "prompt": "def f():\n    ", "suffix": "", "max_tokens": 16}


async def fim_events(fim: FimHttp) -> list[StreamEvent]:
    meta = CallMeta(model="qwen2.5-coder:7b")
    stream: AsyncIterator[StreamEvent] = fim.stream(PARAMS, meta)
    return [event async for event in stream]


@pytest.mark.parametrize("lean", [True, False], ids=["lean", "httpx2"])
@pytest.mark.parametrize("keep_alive", [True, False], ids=["keep-alive", "close"])
async def test_fim_over_both_clients(lean: bool, keep_alive: bool) -> None:
    with Emulator(keep_alive=keep_alive) as emu:
        fim = FimHttp("openai-compatible", emu.openai_base_url, "sk-test", TIMEOUTS, lean=lean)
        assert fim.lean is lean
        emu.script(
            Reply(text="return 1"),
            Reply(text="return 1"),
            Reply(fault="rate_limit", retry_after=2),
            Reply(text="abcdefghij", fault="drop", after_chunks=2),
            Reply(text="abcdefgh", fault="malformed", after_chunks=1),
            Reply(text="again fine"),
        )
        for _ in range(2):
            ok = await fim_events(fim)
            assert "".join(e.text for e in ok if isinstance(e, TextDelta)) == "return 1"
            assert isinstance(ok[-2], Usage) and ok[-1] == Stop("end_turn")
        assert emu.connections == (1 if keep_alive else 2)  # kept alive: one connection for both
        limited = await fim_events(fim)
        assert len(limited) == 1 and isinstance(limited[0], ErrorEvent)
        assert (limited[0].kind, limited[0].status, limited[0].retry_after_s) == ("rate_limited", 429, 2.0)
        dropped = await fim_events(fim)
        assert isinstance(dropped[-1], ErrorEvent) and dropped[-1].kind == "connection"
        malformed = await fim_events(fim)
        assert isinstance(malformed[-1], ErrorEvent) and malformed[-1].kind == "malformed"
        again = await fim_events(fim)
        assert again[-1] == Stop("end_turn")
        request = emu.requests[0]
        assert request.path == "/v1/completions"
        assert request.body["prompt"] == PARAMS["prompt"] and request.body["stream"] is True
        assert request.headers.get("authorization") == "Bearer sk-test"
        await fim.aclose()
