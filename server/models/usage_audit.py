"""What one attempt is charged: the usage the provider reported, checked against our own count.

Providers report usage in their streams, but not all of them, and not always sanely: llama.cpp's
server sends none (even when asked with ``stream_options.include_usage``), and a misbehaving
server may send negative or absurd numbers. A budget fed by such reports stops being a budget. So
each attempt's events pass through :func:`audited`, which holds back the Usage events and, when
the attempt ends, yields one Usage that is

* the reported usage, when it is plausible;
* our own count for each part (prompt, output) the provider left out or reported as zero although
  tokens were sent or received, marked ``estimated``;
* our own count instead of a report that is negative or far beyond what was sent and received
  (logged as reported-wrong), marked ``estimated``.

Our own count is :func:`context.tokens.count_tokens`, the counter the packer uses (an upper bound
for the model's tokenizer family): the request as sent (system, messages, tool calls and results,
tool definitions; or a FIM prefix and suffix) and the text and tool arguments received. An attempt
that failed before anything came back (a 429, a refused connection) is charged nothing, as
providers bill nothing for it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field

from context.tokens import count_tokens
from server.models.types import (
    ChatRequest,
    ErrorEvent,
    FimRequest,
    Stop,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCallDelta,
    ToolCallStart,
    ToolResultPart,
    Usage,
)

log = logging.getLogger(__name__)

# A report is implausible beyond these: our count is already an upper bound for the tokenizer
# family, so twice that plus room for a server's chat template and tool prompt (8k) is "far beyond".
_PROMPT_FACTOR = 2
_PROMPT_SLACK = 8192
_OUTPUT_FACTOR = 2
_OUTPUT_SLACK = 256
_PER_MESSAGE = 4  # role markers and separators a chat template adds per message


def count_sent(request: ChatRequest | FimRequest, model: str | None) -> int:
    """Our count of the prompt tokens of `request` as sent."""
    if isinstance(request, FimRequest):
        return count_tokens(request.prefix, model) + count_tokens(request.suffix, model) + _PER_MESSAGE
    total = count_tokens(request.system, model) + _PER_MESSAGE
    for message in request.messages:
        total += _PER_MESSAGE
        for part in message.parts:
            if isinstance(part, TextPart | ToolResultPart):
                total += count_tokens(part.text if isinstance(part, TextPart) else part.content, model)
            else:
                total += count_tokens(part.name + json.dumps(part.arguments, sort_keys=True), model)
    if request.tools:
        total += count_tokens(json.dumps([asdict(tool) for tool in request.tools], sort_keys=True), model)
    return total


@dataclass
class _Received:
    text: list[str] = field(default_factory=list)
    anything: bool = False  # content, a tool call or a stop came back
    reported: Usage | None = None

    def add_usage(self, u: Usage) -> None:
        self.reported = (self.reported or Usage(model=u.model)).plus(u)


def settle(
    provider: str, request: ChatRequest | FimRequest, model: str, reported: Usage | None, received_text: str
) -> Usage:
    """The usage to charge for one attempt that got an answer (see the module docstring)."""
    sent = count_sent(request, model)
    got = count_tokens(received_text, model)
    r = reported or Usage(model=model)
    prompt = r.input_tokens + r.cache_read_tokens + r.cache_write_tokens
    parts = (r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens)
    wrong: list[str] = []
    if any(value < 0 for value in parts):
        wrong.append("negative")
    if prompt > _PROMPT_FACTOR * sent + _PROMPT_SLACK:
        wrong.append(f"{prompt} prompt tokens for about {sent} sent")
    if r.output_tokens > _OUTPUT_FACTOR * max(got, request.max_tokens) + _OUTPUT_SLACK:
        wrong.append(f"{r.output_tokens} output tokens for about {got} received")
    if wrong:
        log.warning(
            "%s reported implausible usage (%s: input %d, output %d, cache read %d, cache write %d); "
            "charging our own count (%d in, %d out) instead",
            provider,
            "; ".join(wrong),
            *parts,
            sent,
            got,
        )
        return Usage(input_tokens=sent, output_tokens=got, model=r.model or model, estimated=True)
    prompt_missing = prompt == 0 and sent > 0
    output_missing = r.output_tokens == 0 and got > 0
    if not (prompt_missing or output_missing):
        return r
    return Usage(
        input_tokens=sent if prompt_missing else r.input_tokens,
        output_tokens=got if output_missing else r.output_tokens,
        cache_read_tokens=r.cache_read_tokens,
        cache_write_tokens=r.cache_write_tokens,
        model=r.model or model,
        estimated=True,
    )


class AttemptAudit:
    """One attempt's usage: :meth:`wrap` its events, then :meth:`leftover` for what is still to
    charge if the attempt was cut short (a timeout) before its last event."""

    def __init__(self, provider: str, request: ChatRequest | FimRequest, model: str) -> None:
        self._provider = provider
        self._request = request
        self._model = model
        self._seen = _Received()
        self._settled = False

    async def wrap(self, events: AsyncIterator[StreamEvent]) -> AsyncIterator[StreamEvent]:
        """`events` with their Usage events replaced by one settled Usage, yielded before the
        attempt's last event (its Stop or ErrorEvent) or at its end. Closes `events`."""
        seen = self._seen
        try:
            async for event in events:
                if isinstance(event, Usage):
                    seen.add_usage(event)
                    continue
                if isinstance(event, TextDelta):
                    seen.text.append(event.text)
                elif isinstance(event, ToolCallStart):
                    seen.text.append(event.name)
                elif isinstance(event, ToolCallDelta):
                    seen.text.append(event.arguments_json)
                if isinstance(event, Stop | ErrorEvent):
                    seen.anything = seen.anything or isinstance(event, Stop)
                    if (usage := self.leftover()) is not None:
                        yield usage
                    yield event
                    return
                seen.anything = True
                yield event
            if (usage := self.leftover()) is not None:
                yield usage
        finally:
            if (aclose := getattr(events, "aclose", None)) is not None:
                await aclose()

    def leftover(self) -> Usage | None:
        """The usage to charge that was not yielded yet (once; None if nothing is owed)."""
        if self._settled or not (self._seen.anything or self._seen.reported is not None):
            return None  # failed before any answer: nothing billed, nothing charged
        self._settled = True
        return settle(self._provider, self._request, self._model, self._seen.reported, "".join(self._seen.text))
