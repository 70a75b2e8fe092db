"""A fallback chain: try each provider in order until one answers.

The next link is tried when a link fails before any content reached the caller (after its own
retries), for failures another provider might not share: rate limits, overload, server errors,
timeouts, connection trouble, malformed data, an open breaker, a missing/invalid key or an
exhausted spend limit. Never for a bad request, the budget or a cancellation.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from typing import TypeVar

from server.models.resilience import ResilientProvider
from server.models.types import ChatRequest, ErrorEvent, ErrorKind, FimRequest, StreamEvent, Usage

log = logging.getLogger(__name__)
_R = TypeVar("_R", ChatRequest, FimRequest)

FALLBACK_KINDS: frozenset[ErrorKind] = frozenset(
    {
        "rate_limited",
        "overloaded",
        "server_error",
        "timeout",
        "connection",
        "malformed",
        "circuit_open",
        "auth",
        "spend_limit",
    }
)


class FallbackProvider:
    """Implements ``Provider`` over several ``ResilientProvider`` links."""

    def __init__(self, links: Sequence[ResilientProvider]) -> None:
        if not links:
            raise ValueError("a fallback chain needs at least one provider")
        self.links = list(links)
        self.name = " > ".join(link.name for link in self.links)
        self.model = self.links[0].model

    def supports_fim(self, model: str | None = None) -> bool:
        return self.links[0].supports_fim(model)

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return self._chain(lambda link: link.stream(self._for_link(request, link)))

    def stream_fim(self, request: FimRequest) -> AsyncIterator[StreamEvent]:
        return self._chain(lambda link: link.stream_fim(self._for_link(request, link)))

    def _for_link(self, request: _R, link: ResilientProvider) -> _R:
        """A request naming the primary's model keeps it only for the primary link."""
        if request.model is not None and link is not self.links[0] and request.model == self.links[0].model:
            return replace(request, model=None)
        return request

    async def _chain(
        self, open_link: Callable[[ResilientProvider], AsyncIterator[StreamEvent]]
    ) -> AsyncIterator[StreamEvent]:
        for position, link in enumerate(self.links):
            last = position == len(self.links) - 1
            content_sent = False
            failure: ErrorEvent | None = None
            events = open_link(link)
            try:
                async for event in events:
                    if isinstance(event, ErrorEvent):
                        failure = event
                        break
                    content_sent = content_sent or not isinstance(event, Usage)
                    yield event
            finally:
                if (aclose := getattr(events, "aclose", None)) is not None:
                    await aclose()
            if failure is None:
                return
            if last or content_sent or failure.kind not in FALLBACK_KINDS:
                yield failure
                return
            log.warning("%s failed (%s); falling back to %s", link.name, failure.message, self.links[position + 1].name)
