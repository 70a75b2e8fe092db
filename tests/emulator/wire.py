"""Rendering a :class:`Reply` in each wire protocol: SSE frames for streams, JSON bodies otherwise."""

from __future__ import annotations

import json
from typing import Any

from tests.emulator.script import Protocol, Reply, ScriptedUsage

MALFORMED_FRAME = b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0, "delta": {\n\n'

_OPENAI_FINISH = {"end_turn": "stop", "tool_use": "tool_calls", "max_tokens": "length", "stop_sequence": "stop"}


def _sse(data: dict[str, Any], event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _split_json(text: str) -> list[str]:
    """Tool arguments in two or more fragments, so clients must assemble them."""
    if len(text) < 4:
        return [text]
    third = max(1, len(text) // 3)
    return [text[:third], text[third : 2 * third], text[2 * third :]]


def _tool_id(reply_index: int, call_index: int, prefix: str) -> str:
    return f"{prefix}_emu{reply_index}_{call_index}"


def _arguments_text(reply: Reply, call_index: int) -> str:
    call = reply.tool_calls[call_index]
    if call.arguments_raw is not None:
        return call.arguments_raw
    return json.dumps(call.arguments, sort_keys=True)


# ---- Anthropic Messages -------------------------------------------------------------------------


def _anthropic_usage(reply: Reply) -> dict[str, int]:
    usage = reply.reported_usage() or ScriptedUsage(0, 0, 0, 0)  # the Messages API always has the fields
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
    }


def anthropic_stream(reply: Reply, model: str, serial: int) -> list[bytes]:
    frames: list[bytes] = []
    start_usage = _anthropic_usage(reply) | {"output_tokens": 1 if reply.reported_usage() else 0}
    message: dict[str, Any] = {
        "id": f"msg_emu{serial}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": start_usage,
    }
    frames.append(_sse({"type": "message_start", "message": message}, "message_start"))
    index = 0
    chunks = reply.text_chunks()
    if chunks:
        block = {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
        frames.append(_sse(block, "content_block_start"))
        for chunk in chunks:
            delta = {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": chunk}}
            frames.append(_sse(delta, "content_block_delta"))
        frames.append(_sse({"type": "content_block_stop", "index": index}, "content_block_stop"))
        index += 1
    for call_index, call in enumerate(reply.tool_calls):
        call_id = call.id or _tool_id(serial, call_index, "toolu")
        block = {
            "type": "content_block_start",
            "index": index,
            "content_block": {"type": "tool_use", "id": call_id, "name": call.name, "input": {}},
        }
        frames.append(_sse(block, "content_block_start"))
        for part in _split_json(_arguments_text(reply, call_index)):
            delta = {
                "type": "content_block_delta",
                "index": index,
                "delta": {"type": "input_json_delta", "partial_json": part},
            }
            frames.append(_sse(delta, "content_block_delta"))
        frames.append(_sse({"type": "content_block_stop", "index": index}, "content_block_stop"))
        index += 1
    end = {
        "type": "message_delta",
        "delta": {"stop_reason": reply.resolved_stop(), "stop_sequence": None},
        "usage": {"output_tokens": _anthropic_usage(reply)["output_tokens"]},
    }
    frames.append(_sse(end, "message_delta"))
    frames.append(_sse({"type": "message_stop"}, "message_stop"))
    return frames


def anthropic_message(reply: Reply, model: str, serial: int) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if reply.text or reply.chunks:
        content.append({"type": "text", "text": "".join(reply.text_chunks())})
    for call_index, call in enumerate(reply.tool_calls):
        call_id = call.id or _tool_id(serial, call_index, "toolu")
        content.append({"type": "tool_use", "id": call_id, "name": call.name, "input": call.arguments})
    return {
        "id": f"msg_emu{serial}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": reply.resolved_stop(),
        "stop_sequence": None,
        "usage": _anthropic_usage(reply),
    }


# ---- OpenAI Chat Completions and Completions ---------------------------------------------------


def _openai_usage(reply: Reply) -> dict[str, Any]:
    """The usage object (empty for ``no_usage``: callers then leave it out)."""
    usage = reply.reported_usage()
    if usage is None:
        return {}
    prompt = usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens
    return {
        "prompt_tokens": prompt,
        "completion_tokens": usage.output_tokens,
        "total_tokens": prompt + usage.output_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cache_read_tokens},
    }


def _with_usage(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    usage = _openai_usage(reply)
    return body | {"usage": usage} if usage else body


def _chunk(
    serial: int, model: str, choices: list[dict[str, Any]], obj: str = "chat.completion.chunk"
) -> dict[str, Any]:
    prefix = "chatcmpl" if obj.startswith("chat") else "cmpl"
    return {"id": f"{prefix}-emu{serial}", "object": obj, "created": 1_700_000_000, "model": model, "choices": choices}


def _chunk_logprob(reply: Reply, index: int) -> float | None:
    if reply.logprobs is None or index >= len(reply.logprobs):
        return None
    return reply.logprobs[index]


def chat_logprobs(token: str, logprob: float | None) -> dict[str, Any] | None:
    """Chat Completions' per-choice ``logprobs`` object for one token."""
    if logprob is None:
        return None
    entry = {"token": token, "logprob": logprob, "bytes": list(token.encode()), "top_logprobs": []}
    return {"content": [entry], "refusal": None}


def completions_logprobs(token: str, logprob: float | None, offset: int) -> dict[str, Any] | None:
    """Completions' per-choice ``logprobs`` object for one token."""
    if logprob is None:
        return None
    return {"tokens": [token], "token_logprobs": [logprob], "top_logprobs": [{token: logprob}], "text_offset": [offset]}


def openai_chat_stream(
    reply: Reply, model: str, serial: int, include_usage: bool, logprobs: bool = False
) -> list[bytes]:
    frames = [
        _sse(
            _chunk(serial, model, [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
        )
    ]
    for i, text in enumerate(reply.text_chunks()):
        choice: dict[str, Any] = {"index": 0, "delta": {"content": text}, "finish_reason": None}
        if logprobs:
            choice["logprobs"] = chat_logprobs(text, _chunk_logprob(reply, i))
        frames.append(_sse(_chunk(serial, model, [choice])))
    for call_index, call in enumerate(reply.tool_calls):
        call_id = call.id or _tool_id(serial, call_index, "call")
        head = {
            "index": call_index,
            "id": call_id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        frames.append(
            _sse(_chunk(serial, model, [{"index": 0, "delta": {"tool_calls": [head]}, "finish_reason": None}]))
        )
        for part in _split_json(_arguments_text(reply, call_index)):
            delta = {"tool_calls": [{"index": call_index, "function": {"arguments": part}}]}
            frames.append(_sse(_chunk(serial, model, [{"index": 0, "delta": delta, "finish_reason": None}])))
    finish = _OPENAI_FINISH.get(reply.resolved_stop(), "stop")
    frames.append(_sse(_chunk(serial, model, [{"index": 0, "delta": {}, "finish_reason": finish}])))
    if include_usage and reply.reported_usage() is not None:
        frames.append(_sse(_chunk(serial, model, []) | {"usage": _openai_usage(reply)}))
    frames.append(b"data: [DONE]\n\n")
    return frames


def openai_chat_completion(reply: Reply, model: str, serial: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": "".join(reply.text_chunks()) or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id or _tool_id(serial, i, "call"),
                "type": "function",
                "function": {"name": call.name, "arguments": _arguments_text(reply, i)},
            }
            for i, call in enumerate(reply.tool_calls)
        ]
    finish = _OPENAI_FINISH.get(reply.resolved_stop(), "stop")
    body = _chunk(serial, model, [{"index": 0, "message": message, "finish_reason": finish}], "chat.completion")
    return _with_usage(body, reply)


def openai_completions_stream(
    reply: Reply, model: str, serial: int, include_usage: bool, logprobs: bool = False
) -> list[bytes]:
    frames: list[bytes] = []
    offset = 0
    for i, text in enumerate(reply.text_chunks()):
        lp = completions_logprobs(text, _chunk_logprob(reply, i), offset) if logprobs else None
        choice = {"index": 0, "text": text, "logprobs": lp, "finish_reason": None}
        frames.append(_sse(_chunk(serial, model, [choice], "text_completion")))
        offset += len(text)
    finish = _OPENAI_FINISH.get(reply.resolved_stop(), "stop")
    frames.append(
        _sse(
            _chunk(
                serial, model, [{"index": 0, "text": "", "logprobs": None, "finish_reason": finish}], "text_completion"
            )
        )
    )
    if include_usage and reply.reported_usage() is not None:
        frames.append(_sse(_chunk(serial, model, [], "text_completion") | {"usage": _openai_usage(reply)}))
    frames.append(b"data: [DONE]\n\n")
    return frames


def openai_completion(reply: Reply, model: str, serial: int) -> dict[str, Any]:
    finish = _OPENAI_FINISH.get(reply.resolved_stop(), "stop")
    choice = {"index": 0, "text": "".join(reply.text_chunks()), "logprobs": None, "finish_reason": finish}
    return _with_usage(_chunk(serial, model, [choice], "text_completion"), reply)


# ---- errors -------------------------------------------------------------------------------------

_ERRORS: dict[str, tuple[int, str, str, str | None]] = {
    # fault: (status, anthropic type, openai type, openai code)
    "rate_limit": (429, "rate_limit_error", "rate_limit_exceeded", "rate_limit_exceeded"),
    "server_error": (500, "api_error", "server_error", None),
    "overloaded": (529, "overloaded_error", "server_error", None),
    "auth": (401, "authentication_error", "invalid_request_error", "invalid_api_key"),
    "bad_request": (400, "invalid_request_error", "invalid_request_error", None),
    "spend_limit": (429, "billing_error", "insufficient_quota", "insufficient_quota"),
    "suffix_rejected": (400, "invalid_request_error", "invalid_request_error", None),
}


def error_response(protocol: Protocol, fault: str, message: str) -> tuple[int, dict[str, Any]]:
    status, anthropic_type, openai_type, code = _ERRORS[fault]
    if fault == "suffix_rejected":
        message = f"{message}: this model does not support 'suffix' (no fill-in-the-middle template)"
    if fault == "spend_limit" and protocol == "anthropic":
        status = 400
    if protocol == "anthropic":
        return status, {"type": "error", "error": {"type": anthropic_type, "message": message}}
    return status, {"error": {"message": message, "type": openai_type, "param": None, "code": code}}


def nothing_scripted(protocol: Protocol, serial: int) -> tuple[int, dict[str, Any]]:
    """The default answer: a non-retryable error, so a test never passes by accident."""
    message = f"outrider emulator: nothing scripted for request #{serial}; call Emulator.script(...) first"
    return error_response(protocol, "bad_request", message)
