"""The session's suggestions: :data:`SUGGESTIONS`, the last one shown or accepted (what
``outrider.explain`` explains by default) and the user's verdicts, recorded in the trace store's
``suggestions`` table.

A suggestion replaced by the next one without being accepted counts as rejected. Accepting one
makes it the last (the editor may show the next suggestion at once, before the user asks). Built once per
session (not rebuilt on settings changes); it reads the current trace store at each use.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from server.completion.tracing import Verdict
from server.lsp.services.container import ServiceKey
from server.lsp.services.tracing import TRACER
from server.observe.suggestions import SuggestionStore, explain

if TYPE_CHECKING:
    from server.lsp.server import OutriderServer


RECENT = 64


class SessionSuggestions:
    """The last suggestion shown in the session, and verdicts recorded through the trace store."""

    def __init__(self, server: OutriderServer) -> None:
        self.server = server
        self.last: dict[str, Any] | None = None  # the last shown or accepted (explain's default)
        self.recent: OrderedDict[str, dict[str, Any]] = OrderedDict()  # the last RECENT shown, by trace id
        self.accepted: set[str] = set()

    def log(self) -> SuggestionStore | None:
        tracer = self.server.services.get(TRACER)
        return SuggestionStore(tracer.store) if tracer is not None and tracer.store is not None else None

    def shown(self, details: dict[str, Any]) -> None:
        """A suggestion went to the editor; the one before it, never accepted, counts as rejected."""
        previous = self.last
        if previous is not None and previous["trace_id"] not in self.accepted:
            self.record(previous["trace_id"], "rejected")
        self.last = details
        self.recent[details["trace_id"]] = details
        while len(self.recent) > RECENT:
            self.recent.popitem(last=False)

    def record(self, trace_id: str, verdict: Verdict) -> None:
        if verdict == "accepted":
            self.accepted.add(trace_id)
            self.last = self.recent.get(trace_id, self.last)
        if (log := self.log()) is not None:
            log.verdict(trace_id, verdict)

    def explain(self, trace_id: str | None) -> dict[str, Any] | None:
        """Blocking (SQLite): run it in a thread. The stored explanation, else what is in memory."""
        wanted = trace_id or (self.last or {}).get("trace_id")
        if wanted is None:
            return None
        tracer = self.server.services.get(TRACER)
        if tracer is not None and tracer.store is not None:
            tracer.flush()
            if (stored := explain(tracer.store.path, wanted)) is not None:
                return stored
        details = self.recent.get(wanted)
        return dict(details) if details is not None else None


SUGGESTIONS: ServiceKey[SessionSuggestions] = ServiceKey("suggestions", SessionSuggestions, rebuild_on_settings=False)
"""The session's suggestions and verdicts."""
