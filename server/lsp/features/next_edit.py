"""``textDocument/copilotInlineEdit``: next-edit suggestions, with the params and result shape of
GitHub Copilot's language server (``{textDocument: {uri, version}, position}`` ->
``{edits: [{text, textDocument: {uri, version}, range, command?}]}``; the edits are alternatives, so
a prediction is one item: the smallest span holding all its changes).

The handler is thin: find the document, ask :class:`server.nextedit.engine.NextEditEngine`,
convert. The feature also feeds the engine's edit history from the document events (a document
is recorded only once it is known not to be ignored or a secret file; the check runs in a thread)
and registers ``outrider.nextEdit.accepted``, the command each item carries, which clients run
when the user accepts it (it is logged; the client asks again after applying).

Params of another shape are answered with InvalidParams. A request whose ``version`` is not the
document's current one answers no edits (the client's view is stale). A cancelled request
(``$/cancelRequest``, a newer request for the document, a change past its version) answers
RequestCancelled. Every returned item carries the version the prediction was made for: clients
must not apply it to any other.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from context.safety import is_ignored, is_secret_file
from server.lsp.convert import from_lsp_inline_edit_params, lsp_inline_edit, uri_to_path
from server.lsp.events import DocumentEvent
from server.lsp.server import OutriderServer
from server.lsp.services.next_edit import NEXT_EDIT, NEXT_EDIT_HISTORY, next_edit_for
from server.models.registry import ProviderConfigError
from server.nextedit.engine import NextEditEngine, NextEditQuery
from server.nextedit.history import EditHistory

logger = logging.getLogger(__name__)

METHOD = "textDocument/copilotInlineEdit"
ACCEPTED_COMMAND = "outrider.nextEdit.accepted"


def private_document(root: Path | None, path: Path | None, extra_ignore: list[str]) -> bool:
    """Ignored or secret files never feed the history or a prompt. Blocking (git): use a thread."""
    if path is None:
        return False
    if root is not None:
        try:
            rel = path.resolve().relative_to(root.resolve())
        except ValueError:
            return is_secret_file(path.name)
        return is_ignored(root, rel.as_posix(), extra_ignore=extra_ignore)
    return is_secret_file(path.name)


def _display_path(root: Path | None, key: str) -> str:
    path = Path(key)
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.name


def setup(server: OutriderServer) -> None:
    reported: set[str] = set()
    checks: dict[str, asyncio.Future[None]] = {}  # documents whose privacy is being checked
    server.events.settings_changed.subscribe(lambda _settings: reported.clear())

    def on_open(event: DocumentEvent) -> None:
        if event.document is None:
            return
        key = server.document_key(event.uri)
        root = server.primary_root
        history = server.services.get(NEXT_EDIT_HISTORY)
        history.open(key, _display_path(root, key), event.document.text, private=None)
        task = asyncio.ensure_future(check_private(key, root, uri_to_path(event.uri), history))
        checks[key] = task
        task.add_done_callback(lambda done: checks.pop(key) if checks.get(key) is done else None)

    async def check_private(key: str, root: Path | None, path: Path | None, history: EditHistory) -> None:
        extra = list(server.settings.context.extra_ignore)
        try:
            private = await asyncio.to_thread(private_document, root, path, extra)
        except Exception:
            logger.exception("could not tell whether %s is ignored; it gets no next edits", key)
            private = True
        history.set_private(key, private)

    def on_change(event: DocumentEvent) -> None:
        if event.document is None or event.version is None:
            return
        key = server.document_key(event.uri)
        if (engine := server.services.peek(NEXT_EDIT)) is not None:
            engine.document_changed(key, event.document)
        else:
            server.services.get(NEXT_EDIT_HISTORY).change(key, event.document.text)

    def on_close(event: DocumentEvent) -> None:
        key = server.document_key(event.uri)
        if (engine := server.services.peek(NEXT_EDIT)) is not None:
            engine.document_closed(key)
        server.services.get(NEXT_EDIT_HISTORY).close(key)

    server.events.document_opened.subscribe(on_open)
    server.events.document_changed.subscribe(on_change)
    server.events.document_closed.subscribe(on_close)

    @server.feature(METHOD)
    async def on_inline_edit(ls: OutriderServer, params: Any) -> dict[str, Any]:
        received = time.monotonic()
        try:
            uri, version, position = from_lsp_inline_edit_params(params)
        except ValueError as exc:
            raise JsonRpcInvalidParams.of(ValueError(f"{METHOD}: {exc}")) from exc
        document = ls.document_for(uri)
        stale = document is None or (version is not None and version != document.version)
        if not ls.settings.next_edit.enabled or document is None or stale:
            return {"edits": []}
        engine = await engine_for(ls, reported)
        if engine is None:
            return {"edits": []}
        key = ls.document_key(uri)
        if (check := checks.get(key)) is not None:
            await asyncio.shield(check)  # just opened: whether it may be predicted for is being checked
        result = await engine.predict(NextEditQuery(key, document, position, received))
        if result.error is not None and result.error.kind not in reported:
            reported.add(result.error.kind)
            ls.show_message(f"Outrider next edits: {result.error.message}", types.MessageType.Error)
        if result.span is None:
            return {"edits": []}
        return {"edits": [lsp_inline_edit(uri, result.version, result.span.range, result.span.text, ACCEPTED_COMMAND)]}

    @server.command(ACCEPTED_COMMAND)
    def on_accepted(ls: OutriderServer, *args: Any) -> None:
        logger.info("next edit accepted: %s", ", ".join(str(arg) for arg in args))


async def engine_for(ls: OutriderServer, reported: set[str]) -> NextEditEngine | None:
    try:
        return await next_edit_for(ls)
    except ProviderConfigError as exc:
        if "config" not in reported:
            reported.add("config")
            ls.show_message(f"Outrider next edits are off: {exc}", types.MessageType.Error)
        logger.warning("no next-edit provider: %s", exc)
        return None
