"""Incremental text sync: ``didOpen``, ``didChange``, ``didSave``, ``didClose`` into ``server.documents``.

Positions are UTF-16 (see ``server.lsp.protocol``) and applied by ``context.source.document`` exactly as
the specification says, including its clamping rules (a character past the end of a line means
the end of that line, a line past the end means the end of the document).

Decisions for input the specification does not allow, none of which stops the server:

- change or close for a URI that is not open: a warning, nothing else;
- a change whose version does not increase: applied anyway (changes arrive in order on one
  stream, so applying keeps our text equal to the editor's), with a warning;
- a change with a range no rule can clamp (negative, start after end): the whole ``didChange`` is
  refused, the document keeps its previous text and version, and a warning names the range;
- a binary document (NUL byte in the first 8 KiB): kept as text without a syntax tree;
- a document over ``context.max_file_bytes``: kept as text without a syntax tree (logged);
- non-``file:`` URIs (``untitled:``...) are in-memory documents like any other.

Every accepted change is re-published as a :class:`~server.lsp.events.DocumentEvent`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from lsprotocol import types

from context.source.document import Change, Document, PositionError
from context.source.document_store import BINARY_SNIFF_BYTES, DocumentNotOpenError
from server.config import Settings
from server.lsp.convert import from_lsp_range
from server.lsp.events import DocumentEvent
from server.lsp.server import OutriderServer

logger = logging.getLogger(__name__)


def setup(server: OutriderServer) -> None:
    server.documents.max_file_bytes = server.settings.context.max_file_bytes

    def on_settings(settings: Settings) -> None:
        server.documents.max_file_bytes = settings.context.max_file_bytes

    server.events.settings_changed.subscribe(on_settings)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def on_did_open(ls: OutriderServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        document = ls.documents.open(ls.document_key(item.uri), item.text, item.version, item.language_id)
        if "\0" in item.text[:BINARY_SNIFF_BYTES]:
            _drop_tree(document, "binary (NUL byte)")
            logger.warning("%s looks binary: kept as text, without a syntax tree", item.uri)
        elif document.parse_skipped:
            logger.warning("%s: %s; kept as text, without a syntax tree", item.uri, document.parse_skipped)
        ls.events.document_opened.publish(DocumentEvent(item.uri, document, document.version))

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def on_did_change(ls: OutriderServer, params: types.DidChangeTextDocumentParams) -> None:
        uri, version = params.text_document.uri, params.text_document.version
        document = ls.documents.get(ls.document_key(uri))
        if document is None:
            logger.warning("didChange for %s, which is not open; ignored", uri)
            return
        if version <= document.version:
            logger.warning("%s: version %d after %d does not increase; applied anyway", uri, version, document.version)
        try:
            ls.documents.change(ls.document_key(uri), to_changes(params.content_changes), version)
        except (PositionError, DocumentNotOpenError) as exc:
            logger.warning(
                "%s: change to version %d refused, document kept at version %d: %s", uri, version, document.version, exc
            )
            return
        ls.events.document_changed.publish(DocumentEvent(uri, document, document.version))

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def on_did_save(ls: OutriderServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = ls.documents.get(ls.document_key(uri))
        if document is None:
            logger.warning("didSave for %s, which is not open; ignored", uri)
            return
        ls.events.document_saved.publish(DocumentEvent(uri, document, document.version))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def on_did_close(ls: OutriderServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        if ls.documents.get(ls.document_key(uri)) is None:
            logger.warning("didClose for %s, which is not open; ignored", uri)
            return
        ls.documents.close(ls.document_key(uri))
        ls.events.document_closed.publish(DocumentEvent(uri, None, None))


def to_changes(content_changes: Sequence[types.TextDocumentContentChangeEvent]) -> list[Change]:
    """lsprotocol content changes as ``context.source.document`` changes (range None = whole text)."""
    changes: list[Change] = []
    for change in content_changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            changes.append((from_lsp_range(change.range), change.text))
        else:
            changes.append((None, change.text))
    return changes


def _drop_tree(document: Document, reason: str) -> None:
    document.language = None
    document.tree = None
    document.parse_skipped = reason
