"""``textDocument/completion`` for clients without inline completion (Helix, older editors).

The same engine and suggestion as inline completion, offered as one completion item. Clients that
declare inline completion support get an empty, complete list here without a model call, so an
editor that asks for both never pays twice.

The item replaces the identifier being typed (so the client's own filtering by that word keeps
it), and the list is marked incomplete so the client asks again as the user types (type-ahead
reuse answers those without a model call).
"""

from __future__ import annotations

import re
import time

from lsprotocol import types

from server.lsp.convert import lsp_completion_item
from server.lsp.server import OutriderServer
from server.lsp.services.completion import run_completion

_WORD_TAIL = re.compile(r"[\w$]*$")


def setup(server: OutriderServer) -> None:
    reported: set[str] = set()  # problems already shown to the user (again after a settings change)
    server.events.settings_changed.subscribe(lambda _settings: reported.clear())

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(resolve_provider=False))
    async def on_completion(ls: OutriderServer, params: types.CompletionParams) -> types.CompletionList:
        received = time.monotonic()
        if ls.client_supports("text_document.inline_completion"):
            return types.CompletionList(is_incomplete=False, items=[])
        uri = params.text_document.uri
        result = await run_completion(ls, uri, params.position, received, reported)
        if result is None or result.text is None:
            return types.CompletionList(is_incomplete=True, items=[])
        document = ls.document_for(uri)
        line = document.line_text(params.position.line) if document is not None else ""
        column = _column(ls, uri, params.position)
        word = _WORD_TAIL.search(line[:column])
        typed = word.group() if word else ""
        return types.CompletionList(
            is_incomplete=True, items=[lsp_completion_item(params.position, typed, result.text)]
        )


def _column(ls: OutriderServer, uri: str, position: types.Position) -> int:
    document = ls.document_for(uri)
    if document is None:
        return 0
    return document.offset_at((position.line, position.character)) - document.line_start(position.line)
