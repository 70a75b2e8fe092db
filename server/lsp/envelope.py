"""The JSON-RPC 2.0 envelope of a message body, checked before anything acts on it.

:func:`parse_body` turns a frame's bytes into a JSON value (strict JSON: UTF-8, no ``NaN`` or
``Infinity``, bounded nesting) or a :class:`Refusal` with -32700 Parse error. :func:`check_envelope`
then says whether the value is a request, notification or response of the shape the specification
requires, or refuses it with -32600 Invalid Request:

- a message is one JSON object (LSP has no batches) with ``"jsonrpc": "2.0"``;
- ``id`` is an integer or a string (LSP's ``integer | string``; not null, a float or a boolean);
- ``method`` is a string; ``params``, when present and not null, an object or an array;
- a response has an ``id`` and exactly one of ``result`` and ``error``.

A refusal carries the id to answer with (``None`` when the message had no usable id, as the
specification requires) and whether to answer at all: a malformed *response* from the client is
only logged, since its id belongs to the server's own requests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
_MISSING = object()


@dataclass(frozen=True)
class Refusal:
    """A message answered with an error instead of being handled."""

    code: int
    reason: str
    id: int | str | None = None
    answer: bool = True


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_body(body: bytes) -> Any:
    """The body's JSON value, or a Refusal (-32700) if it is not strict UTF-8 JSON."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        return Refusal(PARSE_ERROR, f"the body is not UTF-8 (byte {exc.start})")
    except ValueError as exc:
        return Refusal(PARSE_ERROR, f"the body is not JSON: {str(exc)[:200]}")
    except RecursionError:
        return Refusal(PARSE_ERROR, "the body nests too deeply")


def usable_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def check_envelope(data: Any) -> Refusal | None:
    """None if `data` is a well-formed request, notification or response (see module doc)."""
    if isinstance(data, list):
        return Refusal(INVALID_REQUEST, "batches are not supported" if data else "an empty batch")
    if not isinstance(data, dict):
        return Refusal(INVALID_REQUEST, f"a message is a JSON object, not {type(data).__name__}")
    raw_id = data.get("id", _MISSING)
    reply_id = raw_id if usable_id(raw_id) else None
    if data.get("jsonrpc") != "2.0":
        return Refusal(INVALID_REQUEST, 'the "jsonrpc" member must be "2.0"', reply_id)
    if raw_id is not _MISSING and reply_id is None:
        return Refusal(INVALID_REQUEST, f"an id is an integer or a string, not {json.dumps(raw_id)[:40]}")
    if "method" in data:
        if not isinstance(data["method"], str):
            return Refusal(INVALID_REQUEST, "the method must be a string", reply_id)
        params = data.get("params")
        if params is not None and not isinstance(params, (dict, list)):
            return Refusal(INVALID_REQUEST, "params must be an object or an array", reply_id)
        return None
    if reply_id is None:
        return Refusal(INVALID_REQUEST, "neither a request, a notification nor a response")
    if ("result" in data) == ("error" in data):
        return Refusal(INVALID_REQUEST, "a response has exactly one of result and error", reply_id, answer=False)
    return None
