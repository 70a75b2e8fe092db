"""The documents the editor has open, with a read-from-disk fallback for the rest.

The LSP layer calls :meth:`DocumentStore.open`, :meth:`~DocumentStore.change` and
:meth:`~DocumentStore.close` from ``didOpen``/``didChange``/``didClose``; everything else asks
:meth:`~DocumentStore.load`, which prefers the open (unsaved) text and otherwise reads the file.
Reading from disk is blocking I/O: from async code call ``load`` in a thread.

Files that cannot be used give a typed :class:`Skipped` with a reason (logged once per call),
never an exception: larger than the size cap, binary (a NUL byte in the first 8 KiB), not valid
UTF-8 (a UTF-8 BOM is accepted and dropped), or unreadable. Keys are absolute, normalized paths.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from context.source.document import Change, Document
from context.source.languages import resolve_language

log = logging.getLogger(__name__)

BINARY_SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file we will not use, and why (for logs and for the user)."""

    path: str
    reason: str


class DocumentNotOpenError(KeyError):
    """A change or close for a document that was never opened."""


def document_key(path: str | os.PathLike[str]) -> str:
    """The store's key for a path: absolute and normalized (no filesystem access)."""
    return os.path.normpath(Path(path).absolute())


def read_source_file(path: str | os.PathLike[str], max_bytes: int) -> str | Skipped:
    """The decoded text of a file, or why it is skipped. Blocking."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                return Skipped(name, f"too large ({size} bytes > cap of {max_bytes})")
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return Skipped(name, f"unreadable ({exc.strerror or exc})")
    if len(data) > max_bytes:
        return Skipped(name, f"too large (over the cap of {max_bytes} bytes)")
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        return Skipped(name, "binary file (NUL byte)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Skipped(name, f"not valid UTF-8 (byte {exc.start})")


class DocumentStore:
    """Open documents by path. Documents over `max_file_bytes` keep their text but get no tree."""

    def __init__(self, max_file_bytes: int = 1_000_000) -> None:
        self.max_file_bytes = max_file_bytes
        self._open: dict[str, Document] = {}

    def open(self, path: str | os.PathLike[str], text: str, version: int, language_id: str | None = None) -> Document:
        """Start tracking a document (``didOpen``); replaces any earlier one with the same path."""
        key = document_key(path)
        doc = Document(key, text, version, resolve_language(key, language_id), max_parse_bytes=self.max_file_bytes)
        self._open[key] = doc
        return doc

    def change(self, path: str | os.PathLike[str], changes: Sequence[Change], version: int) -> Document:
        """Apply one ``didChange``. DocumentNotOpenError if not open; PositionError leaves it unchanged."""
        doc = self.get(path)
        if doc is None:
            raise DocumentNotOpenError(f"{document_key(path)} is not open")
        doc.apply_changes(changes, version)
        return doc

    def close(self, path: str | os.PathLike[str]) -> None:
        """Stop tracking (``didClose``); closing an unknown document is logged and ignored."""
        if self._open.pop(document_key(path), None) is None:
            log.warning("close for a document that is not open: %s", path)

    def get(self, path: str | os.PathLike[str]) -> Document | None:
        """The open document at `path`, if any."""
        return self._open.get(document_key(path))

    def paths(self) -> list[str]:
        """Paths of open documents, sorted."""
        return sorted(self._open)

    def load(self, path: str | os.PathLike[str]) -> Document | Skipped:
        """The open document, else a fresh Document read from disk (not kept), else why not."""
        if (doc := self.get(path)) is not None:
            return doc
        key = document_key(path)
        text = read_source_file(key, self.max_file_bytes)
        if isinstance(text, Skipped):
            log.info("skipped %s: %s", text.path, text.reason)
            return text
        return Document(key, text, 0, max_parse_bytes=self.max_file_bytes)


def load_document(path: str | os.PathLike[str] | Path, max_bytes: int) -> Document | Skipped:
    """One file from disk as a Document (for the command line and tools), or why it is skipped."""
    return DocumentStore(max_bytes).load(path)
