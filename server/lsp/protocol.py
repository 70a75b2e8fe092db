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
from pygls.protocol.json_rpc import (
    JsonRPCNotification,
    JsonRPCProtocol,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
    RPCRequest,
)
from pygls.protocol.language_server import lsp_method

from server.lsp.envelope import Refusal, check_envelope, parse_body
from server.lsp.framing import Frame, FramingError

logger = logging.getLogger(__name__)

Handler = Generator[Any, Any, Any]
MAX_ERROR_MESSAGE = 500
"""Characters of an error message sent to the client (a decoding error can quote the params)."""


def _brief(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:300]


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

    def tracked_futures(self) -> int:
        """How many handler futures pygls' bookkeeping holds (requests in flight, ideally)."""
        return len(self._request_futures)

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

    def _reply_error(self, msg_id: int | str | None, code: int, message: str) -> None:
        logger.warning("refused request %r: %s", msg_id, message)
        if msg_id is None:  # lsprotocol's converter would leave out "id": null
            self._send_data({"jsonrpc": self.VERSION, "id": None, "error": {"code": code, "message": message}})
        else:
            self._send_response(msg_id, error=types.ResponseError(code=code, message=message))

    def _send_response(self, msg_id: Any, result: Any = None, error: types.ResponseError | None = None) -> None:
        if error is not None and (error.data is not None or len(error.message) > MAX_ERROR_MESSAGE):
            # pygls puts the traceback of an internal error in `data`: it is logged, never sent.
            error = types.ResponseError(code=error.code, message=error.message[:MAX_ERROR_MESSAGE])
        super()._send_response(msg_id, result, error)

    def _send_data(self, data: Any) -> None:
        if self.exit_code is not None:  # after `exit` the stream is closed: nothing more is sent
            logger.debug("not sent after exit: %s", type(data).__name__)
            return
        super()._send_data(data)

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        # pygls files the future of every async, threaded or generator handler under its id, but
        # only a request's answer removes it: the futures of notifications (every didChange) and
        # of the handlers a generator yields to stayed for the whole session.
        def forget_then(future: Any) -> None:
            if self._request_futures.get(msg_id) is future:
                del self._request_futures[msg_id]
            callback(future)

        super()._execute_handler(msg_id, handler, forget_then, args, kwargs)

    def _run_generator(self, future: Any, *, gen: Handler, result_future: Any) -> None:
        # pygls resumes a generator handler with `future.result()`, which raises CancelledError
        # (not an Exception) out of the callback when the inner handler was cancelled.
        if future is not None and future.cancelled():
            gen.close()
            result_future.cancel()
            return
        super()._run_generator(future, gen=gen, result_future=result_future)

    # -- reading: frames -> JSON -> envelope -> typed message (see module doc) -------------------

    def receive_frame(self, item: Frame | FramingError) -> None:
        """One item from the :class:`~server.lsp.framing.FrameDecoder`: handle it or answer why not."""
        if isinstance(item, FramingError):
            self._reply_error(None, types.ErrorCodes.ParseError, f"unreadable message: {item.reason}")
            return
        data = parse_body(item.body)
        refusal = data if isinstance(data, Refusal) else check_envelope(data)
        if refusal is None:
            refusal = self._misused_notification(data)
        if refusal is not None:
            if refusal.answer:
                self._reply_error(refusal.id, refusal.code, refusal.reason)
            else:
                logger.warning("dropped a malformed message: %s", refusal.reason)
            return
        try:
            message = self.structure_message(data)
        except Exception as exc:  # a notification or response whose fields do not decode
            logger.warning("dropped a message that does not decode (%s): %s", data.get("method"), _brief(exc))
            return
        try:
            self.handle_message(message)
        except Exception:
            logger.exception("failed to handle a %s message", data.get("method", "response"))

    def _misused_notification(self, data: dict[str, Any]) -> Refusal | None:
        """A request (it has an id) for a method the specification defines as a notification."""
        method = data.get("method")
        if "id" not in data or not isinstance(method, str) or method not in types.METHOD_TO_TYPES:
            return None
        message_type = types.METHOD_TO_TYPES[method][0]
        if "id" in attrs.fields_dict(message_type):
            return None
        reason = f"{method} is a notification, not a request"
        return Refusal(types.ErrorCodes.MethodNotFound, reason, data["id"])

    def structure_message(self, data: dict[str, Any]) -> Any:
        """pygls' decoding of one message (its log of a full traceback per bad message left out)."""
        try:
            return self._structure(data)
        except Exception as exc:
            if "id" in data and isinstance(data.get("method"), str):
                reason = f"{data['method']}: invalid parameters ({_brief(exc)})"
                return UndecodableRequest(id=data["id"], method=data["method"], reason=reason)
            raise

    def _structure(self, data: dict[str, Any]) -> Any:
        if "id" in data and "error" in data:
            return self._converter.structure(data, types.ResponseErrorMessage)
        if "id" in data and "method" in data:
            return self._converter.structure(data, self.get_message_type(data["method"]) or JsonRPCRequestMessage)
        if "id" in data:
            response_type = self._result_types.pop(data["id"], None) or JsonRPCResponseMessage
            return self._converter.structure(data, response_type)
        return self._converter.structure(data, self.get_message_type(data["method"]) or JsonRPCNotification)

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

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Handler:
        # pygls' own, iterating over a copy: cancelling a future now removes it from the dict.
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True

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
