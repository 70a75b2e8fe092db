"""What the emulator is told to answer: a queue of protocol-neutral replies.

A reply is rendered in whichever wire protocol the request arrived on (Anthropic Messages,
OpenAI Chat Completions or OpenAI Completions), streaming or not, so one script serves every
provider. The JSON form (for ``python -m tests.emulator --script FILE.json``) is a list of
objects with the same field names as :class:`Reply`::

    [
      {"text": "Hello", "usage": {"input_tokens": 12, "output_tokens": 3}},
      {"tool_calls": [{"name": "read_file", "arguments": {"path": "a.py"}}]},
      {"fault": "rate_limit", "retry_after": 0.1},
      {"text": "slow", "chunk_delay_s": 0.05, "repeat": true}
    ]

Faults: ``rate_limit`` (429 + retry-after), ``server_error`` (500), ``overloaded`` (529),
``auth`` (401), ``bad_request`` (400), ``spend_limit`` (billing/quota), ``hang`` (no answer
until the client gives up; with ``after_chunks`` it hangs mid-stream), ``drop`` (the stream
is cut after ``after_chunks`` events), ``malformed`` (an unparseable event after
``after_chunks`` events), ``no_usage`` (a normal answer that reports no usage, even when asked,
as llama.cpp's server does; Anthropic streams report zeros), ``negative_usage`` (a normal answer
whose usage is the scripted usage negated), ``suffix_rejected`` (a 400 saying the model takes no
suffix, as a server without a fill-in-the-middle template answers). A tool call with
``arguments_raw`` sends that text verbatim as its arguments (for invalid tool-call JSON). Without
streaming, ``drop`` resets the connection and ``malformed`` sends a truncated JSON body.

With ``logprobs`` (one number per text chunk), a request that asks for log-probabilities gets
them in its API's format: Chat Completions ``choices[].logprobs.content[].logprob``, Completions
``choices[].logprobs.token_logprobs``.

Unscripted requests get a 400 naming the request (never a default success), so a test that forgot
to script its replies fails instead of passing by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

Fault = Literal[
    "rate_limit",
    "server_error",
    "overloaded",
    "auth",
    "bad_request",
    "spend_limit",
    "hang",
    "drop",
    "malformed",
    "no_usage",
    "negative_usage",
    "suffix_rejected",
]
Protocol = Literal["anthropic", "openai", "openai_completions"]

FAULTS: tuple[str, ...] = (
    "rate_limit",
    "server_error",
    "overloaded",
    "auth",
    "bad_request",
    "spend_limit",
    "hang",
    "drop",
    "malformed",
    "no_usage",
    "negative_usage",
    "suffix_rejected",
)


@dataclass(frozen=True)
class ScriptedToolCall:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    id: str | None = None  # default: call_<n> / toolu_<n>
    arguments_raw: str | None = None  # sent verbatim instead of json.dumps(arguments)


@dataclass(frozen=True)
class ScriptedUsage:
    input_tokens: int = 10
    output_tokens: int = 5
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Every field is optional; the default is a short text reply."""

    text: str = ""
    tool_calls: tuple[ScriptedToolCall, ...] = ()
    usage: ScriptedUsage = field(default_factory=ScriptedUsage)
    stop_reason: str | None = None  # default: tool_use if tool calls, else end_turn
    fault: Fault | None = None
    retry_after: float | None = None  # seconds, sent as the retry-after header
    after_chunks: int | None = None  # for hang / drop / malformed mid-stream
    chunks: tuple[str, ...] | None = None  # explicit text deltas (default: text split in pieces)
    chunk_delay_s: float = 0.0  # pause before each streamed event
    first_byte_delay_s: float = 0.0  # pause before the response starts
    protocol: Protocol | None = None  # only serve requests of this protocol (default: any)
    repeat: bool = False  # never consumed: serves every later matching request
    # One log-probability per text chunk (each chunk is one token), sent only when the request
    # asks for them (chat ``logprobs: true``, completions ``logprobs: N``), in that API's format.
    logprobs: tuple[float, ...] | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown reply field(s) {unknown}; known: {sorted(known)}")
        values = dict(data)
        if "tool_calls" in values:
            values["tool_calls"] = tuple(ScriptedToolCall(**tc) for tc in values["tool_calls"])
        if "usage" in values:
            values["usage"] = ScriptedUsage(**values["usage"])
        for name in ("chunks", "logprobs"):
            if name in values and values[name] is not None:
                values[name] = tuple(values[name])
        if values.get("fault") is not None and values["fault"] not in FAULTS:
            raise ValueError(f"unknown fault {values['fault']!r}; known: {list(FAULTS)}")
        return cls(**values)

    def text_chunks(self) -> list[str]:
        if self.chunks is not None:
            return list(self.chunks)
        if not self.text:
            return []
        size = 8
        return [self.text[i : i + size] for i in range(0, len(self.text), size)]

    def stopped_at(self, sequences: list[str]) -> Reply:
        """The reply a real API gives for a request with these stop sequences: the text up to the
        first one (which is left out), ending with stop reason ``stop_sequence``."""
        text = "".join(self.text_chunks())
        cut = min((i for i in (text.find(seq) for seq in sequences if seq) if i >= 0), default=-1)
        if cut < 0 or self.tool_calls or self.fault not in (None, "no_usage", "negative_usage"):
            return self
        chunks: list[str] = []
        taken = 0
        for chunk in self.text_chunks():
            if taken + len(chunk) >= cut:
                chunks.append(chunk[: cut - taken])
                break
            chunks.append(chunk)
            taken += len(chunk)
        return replace(self, text=text[:cut], chunks=tuple(c for c in chunks if c), stop_reason="stop_sequence")

    def reported_usage(self) -> ScriptedUsage | None:
        """The usage the wire reports: None for ``no_usage``, negated for ``negative_usage``."""
        if self.fault == "no_usage":
            return None
        u = self.usage
        if self.fault == "negative_usage":
            return ScriptedUsage(-u.input_tokens, -u.output_tokens, -u.cache_read_tokens, -u.cache_write_tokens)
        return u

    def resolved_stop(self) -> str:
        if self.stop_reason:
            return self.stop_reason
        return "tool_use" if self.tool_calls else "end_turn"


def load_script(data: Any) -> list[Reply]:
    """A script file's content: a list of replies, or {"replies": [...]}."""
    if isinstance(data, dict) and "replies" in data:
        data = data["replies"]
    if not isinstance(data, list):
        raise ValueError("a script is a JSON list of replies (or an object with a 'replies' list)")
    return [Reply.from_json(item) for item in data]
