"""Base-protocol framing: split a byte stream into LSP message bodies, whatever the client sends.

A message is a header block (``Name: value`` lines, then an empty line) followed by a body of
exactly ``Content-Length`` bytes. :class:`FrameDecoder` is fed bytes as they arrive and returns
each complete :class:`Frame` (a body) or :class:`FramingError` (something it could not read). It
holds at most one message in memory and never blocks: the caller reads the stream.

Accepted, because what they mean is unambiguous (HTTP-style parsers accept them too):

- header names in any case (``content-length``), no or extra blanks around the value;
- lines ended by LF alone instead of CRLF; empty lines between messages;
- the same ``Content-Length`` given twice with the same value; other headers (``Content-Type``).

Rejected with a :class:`FramingError`, after which the decoder *resynchronises*: it drops bytes
until the next ``Content-Length:`` header (anywhere, also glued to the end of a dropped body) and
reads on from there, so one bad message costs that message and no more:

- a header block without ``Content-Length``, or with two different ones;
- a length that is not a decimal number, or larger than ``max_message_bytes`` (the body is never
  allocated: a client that claims a terabyte gets an error, not a MemoryError);
- a header line without a colon, a header block longer than :data:`MAX_HEADER_BYTES`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""The largest body accepted (a didOpen of a file at the document store's own limit fits easily)."""
MAX_HEADER_BYTES = 8 * 1024

_LENGTH_HEADER = re.compile(rb"content-length[ \t]*:", re.IGNORECASE)
_KEEP_WHILE_SCANNING = len(b"content-length \t:") + 8


@dataclass(frozen=True)
class Frame:
    """One message body, exactly as many bytes as its Content-Length said."""

    body: bytes


@dataclass(frozen=True)
class FramingError:
    """A message that could not be read; the decoder has resynchronised past it."""

    reason: str


class FrameDecoder:
    """Incremental decoder: ``feed(data)`` returns the frames and errors `data` completed."""

    def __init__(self, max_message_bytes: int = MAX_MESSAGE_BYTES) -> None:
        self.max_message_bytes = max_message_bytes
        self._buffer = bytearray()
        self._body_length: int | None = None
        self._scanning = False
        self.dropped_bytes = 0
        """Bytes thrown away while resynchronising (for logs and tests)."""

    @property
    def pending(self) -> bool:
        """Whether part of a message is buffered (a stream that ends now ends mid-message)."""
        return bool(self._buffer.strip()) or self._body_length is not None

    def feed(self, data: bytes) -> list[Frame | FramingError]:
        self._buffer += data
        found: list[Frame | FramingError] = []
        while (item := self._next()) is not None:
            found.append(item)
        return found

    def _next(self) -> Frame | FramingError | None:
        if self._scanning and not self._resynchronise():
            return None
        if self._body_length is None:
            header = self._read_header_block()
            if header is None or isinstance(header, FramingError):
                return header
            self._body_length = header
        if len(self._buffer) < self._body_length:
            return None
        body = bytes(self._buffer[: self._body_length])
        del self._buffer[: self._body_length]
        self._body_length = None
        return Frame(body)

    def _read_header_block(self) -> int | FramingError | None:
        """The Content-Length of a complete header block (consumed), an error, or None for more."""
        lines: list[bytes] = []
        position = 0
        while True:
            end = self._buffer.find(b"\n", position)
            if end < 0 or end > MAX_HEADER_BYTES:
                if len(self._buffer) <= MAX_HEADER_BYTES:
                    return None
                return self._reject(f"a header block longer than {MAX_HEADER_BYTES} bytes", 0, search_inside=True)
            line = bytes(self._buffer[position:end]).rstrip(b"\r")
            position = end + 1
            if line.strip():
                lines.append(line)
            elif lines:
                break
            else:
                del self._buffer[:position]  # blank lines between messages
                position = 0
        outcome = self._content_length(lines)
        if isinstance(outcome, tuple):
            reason, search_inside = outcome
            return self._reject(reason, position, search_inside=search_inside)
        del self._buffer[:position]
        return outcome

    def _content_length(self, lines: list[bytes]) -> int | tuple[str, bool]:
        """The length the block declares, or (why not, whether a later line may start a message)."""
        lengths: set[bytes] = set()
        for line in lines:
            name, colon, value = line.partition(b":")
            if not colon:
                return f"not a header line: {line[:80]!r}", True
            if name.strip().lower() == b"content-length":
                lengths.add(value.strip())
        if not lengths:
            return "a header block without Content-Length", True
        if len(lengths) > 1:
            shown = ", ".join(repr(v[:20]) for v in sorted(lengths))
            return f"two different Content-Length headers: {shown}", False
        (value,) = lengths
        if not value.isdigit():
            return f"Content-Length is not a byte count: {value[:40]!r}", False
        if len(value) > 20 or int(value) > self.max_message_bytes:
            shown = value.decode() if len(value) <= 20 else f"{value[:20].decode()}... ({len(value)} digits)"
            return f"a message of {shown} bytes (the limit is {self.max_message_bytes})", False
        return int(value)

    def _reject(self, reason: str, block_end: int, *, search_inside: bool) -> FramingError:
        """Report `reason` and resynchronise. The bad header block (``[:block_end]``) is dropped,
        unless `search_inside` and a Content-Length header starts inside it after its first byte
        (garbage glued before a good message): reading resumes there."""
        limit = block_end if block_end else len(self._buffer)
        match = _LENGTH_HEADER.search(self._buffer, 1, limit) if search_inside else None
        skip = match.start() if match is not None else max(block_end, 1)
        self.dropped_bytes += skip
        del self._buffer[:skip]
        self._scanning = match is None
        return FramingError(reason)

    def _resynchronise(self) -> bool:
        """Drop bytes up to the next Content-Length header; True once one is at the buffer start."""
        match = _LENGTH_HEADER.search(self._buffer)
        if match is None:
            keep = min(len(self._buffer), _KEEP_WHILE_SCANNING)
            self.dropped_bytes += len(self._buffer) - keep
            del self._buffer[: len(self._buffer) - keep]
            return False
        self.dropped_bytes += match.start()
        del self._buffer[: match.start()]
        self._scanning = False
        return True
