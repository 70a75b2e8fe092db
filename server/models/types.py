"""Our own neutral message and event types. Provider adapters translate to and from these;
vendor SDK types never leave ``server/models/``.

Everything here is a frozen dataclass (cheap, hashable where it matters, easy to write to a
recorded session with :func:`dataclasses.asdict`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeAlias

Role = Literal["user", "assistant"]


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str
    kind: Literal["text"] = "text"


@dataclass(frozen=True, slots=True)
class ToolCallPart:
    """A tool call the model made (in an assistant message)."""

    id: str
    name: str
    arguments: dict[str, Any]
    kind: Literal["tool_call"] = "tool_call"


@dataclass(frozen=True, slots=True)
class ToolResultPart:
    """The answer to a tool call (in a user message)."""

    tool_call_id: str
    content: str
    is_error: bool = False
    kind: Literal["tool_result"] = "tool_result"


Part: TypeAlias = TextPart | ToolCallPart | ToolResultPart


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    parts: tuple[Part, ...]

    @classmethod
    def user(cls, text: str) -> Message:
        return cls("user", (TextPart(text),))

    @classmethod
    def assistant(cls, text: str) -> Message:
        return cls("assistant", (TextPart(text),))

    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """What the model sees of a tool. `input_schema` is a JSON schema (from a pydantic model)."""

    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One model call. `system` is the stable prefix: adapters mark it cacheable where supported."""

    feature: str  # "completion", "agent", "explain", ... (traces and cost group by it)
    system: str
    messages: tuple[Message, ...]
    tools: tuple[ToolSpec, ...] = ()
    max_tokens: int = 1024
    temperature: float | None = None
    stop: tuple[str, ...] = ()
    model: str | None = None  # None: the provider's configured model
    metadata: dict[str, Any] = field(default_factory=dict)  # context summary for traces; never sent
    logprobs: bool = False  # ask for token log-probabilities where the API offers them
    # Checked before every attempt, retries included (never sent, never recorded). Charging stays
    # with the caller: charge each Usage event of the stream.
    budget: BudgetGate | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class FimRequest:
    """Fill-in-the-middle: the model writes what goes between `prefix` and `suffix`."""

    feature: str
    prefix: str
    suffix: str
    max_tokens: int = 128
    temperature: float | None = None
    stop: tuple[str, ...] = ()
    model: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    logprobs: bool = False  # ask for token log-probabilities where the API offers them
    budget: BudgetGate | None = field(default=None, compare=False, repr=False)


class BudgetGate(Protocol):
    """What the provider layer needs of a budget (``server.models.budget.Budget`` is one)."""

    def check_attempt(self) -> object | None:
        """None when another attempt (a retry included) may start; else what ran out. Steps are
        not checked here: the caller counts a step when the turn starts."""
        ...


# ---- streamed events ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str
    type: Literal["text_delta"] = "text_delta"
    # natural-log probability of each token in `text`, when the request asked and the server told
    logprobs: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class ToolCallStart:
    index: int
    id: str
    name: str
    type: Literal["tool_call_start"] = "tool_call_start"


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    index: int
    arguments_json: str  # a fragment of the JSON arguments
    type: Literal["tool_call_delta"] = "tool_call_delta"


@dataclass(frozen=True, slots=True)
class ToolCallEnd:
    index: int
    id: str
    name: str
    arguments: dict[str, Any]
    type: Literal["tool_call_end"] = "tool_call_end"


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens one attempt used. `input_tokens` are those billed at the full input price (cached
    reads and cache writes are separate), as Anthropic reports them; the OpenAI adapter converts.
    A stream may carry several Usage events (a retried attempt that used tokens, then the answer):
    charge every one of them. `estimated`: counted on our side (the provider reported none, or
    nonsense), see :mod:`server.models.usage_audit`."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    model: str = ""  # the model that used them (with fallbacks, not always the configured one)
    estimated: bool = False
    type: Literal["usage"] = "usage"

    def plus(self, other: Usage) -> Usage:
        """Both together: token counts summed, the later model, estimated if either was."""
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            other.model or self.model,
            estimated=self.estimated or other.estimated,
        )


StopReason = Literal["end_turn", "tool_use", "max_tokens", "stop_sequence", "cancelled", "error"]


@dataclass(frozen=True, slots=True)
class Stop:
    reason: StopReason
    type: Literal["stop"] = "stop"


ErrorKind = Literal[
    "rate_limited",  # 429
    "overloaded",  # 529 / 503
    "server_error",  # other 5xx
    "timeout",  # connect, first token or total
    "connection",  # refused, reset, dropped mid-stream
    "malformed",  # unparseable stream data or tool-call JSON
    "auth",  # 401/403, missing key
    "bad_request",  # 400/404/422
    "spend_limit",  # billing / quota exhausted
    "circuit_open",  # the breaker refused the call
    "replay_mismatch",  # the project asked something other than what was recorded
    "budget",  # the budget refused the call
    "spend_cap",  # a spend cap over time refused the call (retry_after_s: until it resets)
    "cancelled",
]


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    """A failure as data. Always the last event of a stream (followed by nothing)."""

    kind: ErrorKind
    message: str
    retryable: bool = False
    status: int | None = None
    retry_after_s: float | None = None  # what the server asked for (retry-after), if anything
    type: Literal["error"] = "error"


StreamEvent: TypeAlias = TextDelta | ToolCallStart | ToolCallDelta | ToolCallEnd | Usage | Stop | ErrorEvent


class Provider(Protocol):
    """One model endpoint. Streams never raise for provider failures: they end with an ErrorEvent.

    Closing the iterator (``aclose()``, or cancelling the task that iterates) closes the upstream
    HTTP stream promptly.
    """

    name: str

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]: ...

    def stream_fim(self, request: FimRequest) -> AsyncIterator[StreamEvent]: ...

    def supports_fim(self, model: str | None = None) -> bool: ...
