"""The JSON-RPC protocol with the lifecycle rules of the LSP specification that pygls lacks.

pygls 2 runs any request it receives, whatever the session state, and exits 0 on ``exit`` even
without ``shutdown`` (it calls ``sys.exit(1)``, but its IO loop swallows ``SystemExit``). The
specification wants:

- a request before ``initialize`` answered with -32002 ServerNotInitialized; notifications before
  ``initialize`` dropped, except ``exit``;
- a second ``initialize`` and any request after ``shutdown`` answered with -32600 InvalidRequest;
- the process exit code 0 only if ``shutdown`` came before ``exit`` (1 otherwise).

:class:`OutriderProtocol` enforces these in :meth:`handle_message`, the one entry point for every
decoded message, and records :attr:`exit_code` for ``outrider lsp`` to return. It also answers
requests whose parameters fail to decode with -32602 InvalidParams (pygls logs them and never
answers, which leaves the client waiting forever).

Two more deliberate differences from pygls:

- Positions are always UTF-16 (the encoding every client must support): Neovim offers ``utf-8``
  first and pygls would pick it, but the document layer counts UTF-16 code units.
- pygls' own document store (``server.workspace`` text documents) is not maintained: it would
  keep a second copy of every file, re-split it on each keystroke, and an edit it cannot apply
  would stop our handler from running. ``OutriderServer.documents`` is the one store.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import attrs
from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCProtocol, RPCRequest
from pygls.protocol.language_server import lsp_method

logger = logging.getLogger(__name__)

Handler = Generator[Any, Any, Any]


@dataclass(frozen=True)
class UndecodableRequest:
    """A request whose parameters did not match the method's type; answered with InvalidParams."""

    id: int | str
    method: str
    reason: str
    jsonrpc: str = JsonRPCProtocol.VERSION
    params: Any = None


class OutriderProtocol(LanguageServerProtocol):
    """LanguageServerProtocol plus the lifecycle rules of the specification (see module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initialize_received = False
        self.shutdown_received = False
        self.exit_code: int | None = None

    # -- message entry point ------------------------------------------------------------------

    def handle_message(self, message: Any) -> None:
        method = getattr(message, "method", None)
        if isinstance(message, RPCRequest):
            if self._refuse_request(message.id, method or ""):
                return
            if isinstance(message, UndecodableRequest):
                self._reply_error(message.id, types.ErrorCodes.InvalidParams, message.reason)
                return
            if method == types.INITIALIZE:
                self.initialize_received = True
            elif method == types.SHUTDOWN:
                # Set now, not when the handler finishes: requests right after shutdown are refused.
                self.shutdown_received = True
        elif method is not None and not self.initialize_received and method != types.EXIT:
            logger.debug("dropped notification %r received before initialize", method)
            return
        super().handle_message(message)

    def _refuse_request(self, msg_id: int | str, method: str) -> bool:
        """Answer a request the session state forbids; True if it was answered."""
        if self.shutdown_received:
            self._reply_error(msg_id, types.ErrorCodes.InvalidRequest, f"{method}: the server is shutting down")
        elif method == types.INITIALIZE and self.initialize_received:
            self._reply_error(msg_id, types.ErrorCodes.InvalidRequest, "initialize: already initialized")
        elif method != types.INITIALIZE and not self.initialize_received:
            self._reply_error(msg_id, types.ErrorCodes.ServerNotInitialized, f"{method}: server not initialized")
        else:
            return False
        return True

    def _reply_error(self, msg_id: int | str, code: int, message: str) -> None:
        logger.warning("refused request %r: %s", msg_id, message)
        self._send_response(msg_id, error=types.ResponseError(code=code, message=message))

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except Exception as exc:
            if "id" in data and isinstance(data.get("method"), str):
                reason = f"{data['method']}: invalid parameters ({exc.__cause__ or exc})"
                return UndecodableRequest(id=data["id"], method=data["method"], reason=reason)
            raise

    # -- lifecycle overrides --------------------------------------------------------------------

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Handler:
        general = params.capabilities.general
        if general is not None and general.position_encodings is not None:
            only_utf16 = attrs.evolve(general, position_encodings=[types.PositionEncodingKind.Utf16])
            params = attrs.evolve(params, capabilities=attrs.evolve(params.capabilities, general=only_utf16))
        result = yield from super().lsp_initialize(params)
        return result

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Handler:
        self.exit_code = 0 if self.shutdown_received else 1
        logger.info("exit received (exit code %d)", self.exit_code)
        yield from super().lsp_exit(*args)

    # -- text sync without pygls' document copy (see module doc) --------------------------------

    def _user_handler(self, method: str, params: Any) -> Handler:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Handler:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Handler:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Handler:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)
