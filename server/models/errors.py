"""Turning SDK and transport failures into typed :class:`ErrorEvent` values.

Adapters call :func:`error_from_exception` for anything their SDK raises, so no vendor exception
ever reaches a caller. Retry policy lives in the event: ``retryable`` is true for 408, 409, 429,
5xx, 529, timeouts and dropped connections; never for 400/401/403 or an exhausted spend limit.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx2

from server.models.types import ErrorEvent, ErrorKind

log = logging.getLogger(__name__)

_SPEND_MARKERS = ("insufficient_quota", "billing", "credit balance", "spend limit", "quota", "budget")
_TYPE_KINDS: dict[str, ErrorKind] = {
    "overloaded_error": "overloaded",
    "rate_limit_error": "rate_limited",
    "rate_limit_exceeded": "rate_limited",
    "api_error": "server_error",
    "server_error": "server_error",
    "timeout_error": "timeout",
    "authentication_error": "auth",
    "permission_error": "auth",
    "invalid_request_error": "bad_request",
    "not_found_error": "bad_request",
    "request_too_large": "bad_request",
}
RETRYABLE_KINDS: frozenset[ErrorKind] = frozenset(
    {"rate_limited", "overloaded", "server_error", "timeout", "connection"}
)


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    if not headers:
        return None
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return None if parsed is None else max(0.0, parsed.timestamp() - time.time())


def _error_type(body: Any) -> str:
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            return str(err.get("type") or "") + " " + str(err.get("code") or "")
    return ""


def _kind_for_status(status: int, error_type: str, message: str) -> ErrorKind:
    text = f"{error_type} {message}".lower()
    if any(marker in text for marker in _SPEND_MARKERS):
        return "spend_limit"
    for name, kind in _TYPE_KINDS.items():
        if 200 <= status < 300 and name in error_type:
            return kind  # an error event inside a 200 stream
    if status in (401, 403):
        return "auth"
    if status == 429:
        return "rate_limited"
    if status in (503, 529) or "overloaded" in text:
        return "overloaded"
    if status == 408:
        return "timeout"
    if status == 409 or status >= 500:
        return "server_error"
    if 200 <= status < 300:
        return "server_error"
    return "bad_request"


def error_from_status(
    status: int, body: Any, headers: Mapping[str, str] | None, message: str, provider: str
) -> ErrorEvent:
    kind = _kind_for_status(status, _error_type(body), message)
    # A gateway's budget (LiteLLM) or the provider's quota: say so first, in words, not a status code.
    what = "spend limit or budget exhausted, " if kind == "spend_limit" else ""
    return ErrorEvent(
        kind=kind,
        message=f"{provider}: {what}HTTP {status}: {message}"[:500],
        retryable=kind in RETRYABLE_KINDS,
        status=status,
        retry_after_s=parse_retry_after(headers),
    )


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def error_from_exception(exc: BaseException, provider: str) -> ErrorEvent:
    """A typed error for whatever the SDK or transport raised."""
    names = _class_names(exc)
    if isinstance(exc, TimeoutError | httpx2.TimeoutException) or "APITimeoutError" in names:
        return ErrorEvent("timeout", f"{provider}: timed out ({exc or type(exc).__name__})", retryable=True)
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
        body = getattr(exc, "body", None)
        message = str(getattr(exc, "message", None) or exc)
        return error_from_status(status, body, headers, message, provider)
    if "APIConnectionError" in names or isinstance(exc, httpx2.TransportError | ConnectionError | OSError):
        cause = exc.__cause__ or exc
        return ErrorEvent("connection", f"{provider}: connection failed ({type(cause).__name__}: {cause})", True)
    if isinstance(exc, ValueError | KeyError | TypeError):
        return ErrorEvent("malformed", f"{provider}: malformed stream data ({type(exc).__name__}: {exc})"[:500])
    log.warning("%s: unexpected %s treated as a malformed response", provider, type(exc).__name__, exc_info=exc)
    return ErrorEvent("malformed", f"{provider}: unexpected {type(exc).__name__}: {exc}"[:500])
