"""``server/lsp/framing.py``: the stream is split the same way whatever the chunks, bad headers
cost one message, and no claimed length is ever allocated."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.lsp.framing import MAX_HEADER_BYTES, Frame, FrameDecoder, FramingError

BODY = b'{"jsonrpc": "2.0", "method": "initialized", "params": {}}'
GOOD = b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY


def decode(data: bytes, chunk: int | None = None, limit: int = 1000) -> list[Frame | FramingError]:
    decoder = FrameDecoder(max_message_bytes=limit)
    if chunk is None:
        return decoder.feed(data)
    found: list[Frame | FramingError] = []
    for start in range(0, len(data), chunk):
        found += decoder.feed(data[start : start + chunk])
    return found


@given(bodies=st.lists(st.binary(max_size=200), max_size=5), chunk=st.integers(1, 64))
def test_any_chunking_gives_the_same_frames(bodies: list[bytes], chunk: int) -> None:
    data = b"".join(b"Content-Length: %d\r\n\r\n" % len(body) + body for body in bodies)
    assert decode(data, chunk) == [Frame(body) for body in bodies]


@pytest.mark.parametrize(
    "header",
    [
        b"content-length: %d\r\n\r\n",
        b"Content-Length:%d\r\n\r\n",
        b"Content-Length: %d\n\n",
        b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n",
        b"\r\n\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: %d\r\n\r\n",
    ],
)
def test_unambiguous_lenient_headers_are_read(header: bytes) -> None:
    data = header % ((len(BODY),) * header.count(b"%d")) + BODY
    assert decode(data + GOOD, chunk=3) == [Frame(BODY), Frame(BODY)]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (b"Content-Length: 1000000000000\r\n\r\n" + BODY, "1000000000000 bytes"),
        (b"Content-Length: 1" + b"0" * 30 + b"\r\n\r\n" + BODY, "31 digits"),
        (b"Content-Length: -5\r\n\r\n" + BODY, "not a byte count"),
        (b"Content-Length: 5\r\nContent-Length: 9\r\n\r\n" + BODY, "two different"),
        (b"Content-Type: text/plain\r\n\r\n" + BODY, "without Content-Length"),
        (b"garbage\r\n", "not a header line"),
        (b"x" * (MAX_HEADER_BYTES + 10), "longer than"),
    ],
)
def test_a_bad_header_costs_one_message_and_the_next_is_read(bad: bytes, reason: str) -> None:
    found = decode(bad + GOOD + GOOD, chunk=7)
    assert len(found) == 3
    assert isinstance(found[0], FramingError)
    assert reason in found[0].reason
    assert found[1:] == [Frame(BODY), Frame(BODY)]


def test_a_huge_claim_keeps_memory_bounded() -> None:
    decoder = FrameDecoder(max_message_bytes=1000)
    claim = b"Content-Length: 1000000000000\r\n\r\n"
    assert isinstance(decoder.feed(claim)[0], FramingError)
    for _ in range(100):  # the body the client streams anyway is dropped as it arrives
        assert decoder.feed(b"a" * 10_000) == []
    assert len(claim) + 100 * 10_000 - decoder.dropped_bytes < 100  # what is still buffered
    assert decoder.feed(GOOD) == [Frame(BODY)]
