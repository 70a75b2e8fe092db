"""A lean HTTP/1.1 client for one plain-``http://`` origin: FIM requests to local model servers.

Local servers (Ollama, vLLM, LM Studio, llama.cpp on this machine or the LAN) answer a completion in
tens of milliseconds, so the client's own cost shows. ``httpx2`` spends about 0.9 ms of Python
between ``send`` and the request reaching the server on a kept-alive connection; writing a prepared
request to an asyncio stream takes about 0.3 ms (both measured against the wire emulator, see
``bench/README.md``). This client does only what those servers need: one origin, kept-alive
connections, ``POST`` with a body, and responses framed by ``Transfer-Encoding: chunked``,
``Content-Length`` or the connection's end.

:func:`plain_http_origin` says whether a base URL qualifies: ``https://`` (TLS) and URLs a proxy from
the environment applies to do not, and go through ``httpx2`` as before. The response object offers the
part of ``httpx2.Response`` that :mod:`server.models.adapters.fim_http` uses (``status_code``, ``headers``,
``aiter_lines``, ``aiter_bytes``, ``aclose``).
"""

from __future__ import annotations

import asyncio
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

MAX_HEADER_LINES = 200
STREAM_LIMIT = 4 * 1024 * 1024  # longest line (a status or header line, an SSE line) we accept
READ_SIZE = 65536
MAX_IDLE = 4


class HttpProtocolError(ConnectionError):
    """The server's answer is not HTTP/1.1 as we know it (or the connection broke inside it)."""


@dataclass(frozen=True, slots=True)
class Origin:
    host: str
    port: int
    base_path: str  # the URL's path without its trailing slash ("/v1")

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == 80 else f"{host}:{self.port}"


def plain_http_origin(base_url: str) -> Origin | None:
    """The origin of an ``http://`` base URL no proxy applies to; None for anything else."""
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme != "http" or not parts.hostname or parts.username or parts.query or parts.fragment:
        return None
    proxies = urllib.request.getproxies()
    if (proxies.get("http") or proxies.get("all")) and not urllib.request.proxy_bypass(parts.hostname):
        return None
    try:
        port = parts.port or 80
    except ValueError:
        return None
    return Origin(parts.hostname, port, parts.path.rstrip("/"))


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def usable(self) -> bool:
        return not self.writer.is_closing() and not self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()


class Http11Client:
    def __init__(self, origin: Origin, connect_timeout_s: float) -> None:
        self.origin = origin
        self._connect_timeout_s = connect_timeout_s
        self._idle: list[_Connection] = []

    async def post(self, path: str, headers: Sequence[tuple[str, str]], body: bytes) -> Http11Response:
        """Send ``POST base_path + path`` and read the status line and headers (the body is streamed)."""
        head = [f"POST {self.origin.base_path}{path} HTTP/1.1", f"host: {self.origin.host_header}"]
        head += [f"{name}: {value}" for name, value in headers]
        head.append(f"content-length: {len(body)}")
        request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        while self._idle:
            connection = self._idle.pop()
            if connection.usable():
                try:
                    return await self._exchange(connection, request)
                except _StaleConnectionError:
                    continue  # the server closed it while it sat idle: use a new one
            connection.close()
        return await self._exchange(await self._connect(), request, fresh=True)

    async def _connect(self) -> _Connection:
        async with asyncio.timeout(self._connect_timeout_s):
            reader, writer = await asyncio.open_connection(self.origin.host, self.origin.port, limit=STREAM_LIMIT)
        return _Connection(reader, writer)

    async def _exchange(self, connection: _Connection, request: bytes, *, fresh: bool = False) -> Http11Response:
        try:
            try:
                connection.writer.write(request)
                status_line = await connection.reader.readline()
            except ConnectionError:
                if not fresh:  # reset while it sat idle: nothing was answered, try a new one
                    raise _StaleConnectionError from None
                raise
            if not status_line:
                if not fresh:
                    raise _StaleConnectionError
                raise HttpProtocolError("the server closed the connection without answering")
            status, headers = await _read_head(connection.reader, status_line)
        except BaseException:
            connection.close()
            raise
        return Http11Response(self, connection, status, headers)

    def _release(self, connection: _Connection) -> None:
        if connection.usable() and len(self._idle) < MAX_IDLE:
            self._idle.append(connection)
        else:
            connection.close()

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop().close()


class _StaleConnectionError(Exception):
    pass


async def _read_head(reader: asyncio.StreamReader, status_line: bytes) -> tuple[int, dict[str, str]]:
    version, _, rest = status_line.decode("latin-1").strip().partition(" ")
    code = rest.partition(" ")[0]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise HttpProtocolError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        line = await reader.readline()
        if line in (b"\r\n", b"\n"):
            return int(code), headers
        if not line.endswith(b"\n"):
            raise HttpProtocolError("the connection ended inside the response headers")
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise HttpProtocolError(f"malformed header line: {line[:80]!r}")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    raise HttpProtocolError(f"more than {MAX_HEADER_LINES} header lines")


class Http11Response:
    """A response whose body is read as it arrives; ``aclose`` returns a fully read connection to
    the pool and closes any other (a cancelled stream's connection is closed, as the server expects)."""

    def __init__(self, client: Http11Client, connection: _Connection, status: int, headers: dict[str, str]) -> None:
        self.status_code = status
        self.headers = headers
        self._client = client
        self._connection: _Connection | None = connection
        self._complete = False
        self._keep_alive = headers.get("connection", "").lower() != "close"

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            return
        reader = connection.reader
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            async for piece in _chunked(reader):
                yield piece
        elif (length := self.headers.get("content-length")) is not None:
            if not length.isdigit():
                raise HttpProtocolError(f"bad content-length {length!r}")
            remaining = int(length)
            while remaining:
                piece = await reader.read(min(remaining, READ_SIZE))
                if not piece:
                    raise HttpProtocolError("the connection ended inside the response body")
                remaining -= len(piece)
                yield piece
        else:
            self._keep_alive = False
            while piece := await reader.read(READ_SIZE):
                yield piece
        self._complete = True

    async def aiter_lines(self) -> AsyncIterator[str]:
        """The body's lines, decoded, without their line breaks (as ``httpx2.Response.aiter_lines``)."""
        pending = b""
        async for piece in self.aiter_bytes():
            pending += piece
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield line.removesuffix(b"\r").decode("utf-8", errors="replace")
        if pending:
            yield pending.removesuffix(b"\r").decode("utf-8", errors="replace")

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if self._complete and self._keep_alive:
            self._client._release(connection)
        else:
            connection.close()


async def _chunked(reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
    while True:
        size_line = await reader.readline()
        size_text = size_line.split(b";", 1)[0].strip()
        if not size_line.endswith(b"\n") or not size_text or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
            raise HttpProtocolError(f"bad chunk size line {size_line[:40]!r}")
        size = int(size_text, 16)
        if size == 0:
            while (trailer := await reader.readline()) not in (b"\r\n", b"\n"):
                if not trailer:
                    raise HttpProtocolError("the connection ended inside the chunked trailer")
            return
        try:
            data = await reader.readexactly(size)
            if await reader.readexactly(2) != b"\r\n":
                raise HttpProtocolError("a chunk did not end with CRLF")
        except asyncio.IncompleteReadError as exc:
            raise HttpProtocolError("the connection ended inside a chunk") from exc
        yield data
