"""The recorded-session format: JSONL, one object a line, readable by a person.

    {"kind": "session", "version": 1, "provider": "anthropic", "created": "2026-..."}
    {"kind": "request", "call": 1, "api": "chat", "request": {...the neutral request...}}
    {"kind": "event", "call": 1, "t": 0.412, "event": {"type": "text_delta", "text": "Hel"}}
    ...
    {"kind": "end", "call": 1, "t": 1.2}

Requests are written as sent, minus secrets (redacted) and minus the budget object. Replay compares
the *material* fields (see ``MATERIAL_FIELDS``) and ignores the rest (max_tokens, metadata...).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Mapping
from typing import Any

from context.safety.secrets import redact
from server.models.types import (
    ChatRequest,
    ErrorEvent,
    FimRequest,
    Stop,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    Usage,
)

VERSION = 1
MATERIAL_FIELDS = ("feature", "system", "messages", "tools", "prefix", "suffix")
_EVENT_TYPES: dict[str, type[Any]] = {
    "text_delta": TextDelta,
    "tool_call_start": ToolCallStart,
    "tool_call_delta": ToolCallDelta,
    "tool_call_end": ToolCallEnd,
    "usage": Usage,
    "stop": Stop,
    "error": ErrorEvent,
}
_SECRET_ENV = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)", re.IGNORECASE)


def _env_secrets(env: Mapping[str, str]) -> list[str]:
    return sorted({v for k, v in env.items() if _SECRET_ENV.search(k) and len(v) >= 8}, key=len, reverse=True)


def scrub(value: Any, secrets: list[str]) -> Any:
    """Redact secrets in every string of a JSON-like value."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "[REDACTED]")
        return redact(value)
    if isinstance(value, dict):
        return {k: scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, secrets) for v in value]
    return value


def request_to_json(request: ChatRequest | FimRequest, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(request):
        if f.name == "budget":
            continue
        value = getattr(request, f.name)
        if f.name == "messages":
            value = [dataclasses.asdict(m) for m in value]
        elif f.name == "tools":
            value = [dataclasses.asdict(t) for t in value]
        out[f.name] = value
    scrubbed: dict[str, Any] = scrub(
        json.loads(json.dumps(out, default=str)), _env_secrets(os.environ if env is None else env)
    )
    return scrubbed


def material(request_json: Mapping[str, Any]) -> dict[str, Any]:
    return {k: request_json[k] for k in MATERIAL_FIELDS if k in request_json}


def event_to_json(event: StreamEvent) -> dict[str, Any]:
    data = dataclasses.asdict(event)
    if isinstance(event, TextDelta) and event.logprobs is None:
        del data["logprobs"]
    return data


def event_from_json(data: Mapping[str, Any]) -> StreamEvent:
    cls = _EVENT_TYPES.get(str(data.get("type")))
    if cls is None:
        raise ValueError(f"unknown event type {data.get('type')!r}")
    fields = {k: v for k, v in data.items() if k != "type"}
    if isinstance(fields.get("logprobs"), list):
        fields["logprobs"] = tuple(fields["logprobs"])
    event: StreamEvent = cls(**fields)
    return event


def dumps(obj: Mapping[str, Any]) -> str:
    """One session line: stable key order, no ASCII escaping (readable)."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)
