"""One inline completion, start to finish, with its latency split.

``CompletionEngine.complete`` is what the LSP features and ``outrider complete`` call::

    engine = CompletionEngine(provider, settings)
    result = await engine.complete(CompletionQuery("file:///a.py", document, (12, 8)))
    result.text        # the suggestion to insert at the cursor, or None

Order of work: claim the document (cancelling older requests for it), type-ahead reuse (no wait, no
call), debounce, gather the context, cache lookup, stream from the model and stop as soon as the
suggestion is complete, post-process, syntax check. Cancellation (a newer request, a didChange, or
``$/cancelRequest`` cancelling the caller's task) raises ``CancelledError`` out of ``complete``; the
model stream is closed on the way out.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Literal

from context.packing.workspace import WorkspaceView
from context.safety.secret_files import is_credential_document
from context.source.document import Document
from server.completion.cache import SuggestionCache, TypeAhead, cache_key
from server.completion.confidence import Confidence, suggestion_confidence
from server.completion.coordinator import CompletionCoordinator, Ticket, debounce
from server.completion.gather import ContextWorker, Gathered
from server.completion.postprocess import postprocess, visible_text
from server.completion.prompt import chat_request, fim_request, request_identity
from server.completion.stopping import StopRule
from server.completion.syntax import introduces_syntax_errors
from server.completion.tracing import SuggestionLog, SuggestionRecord, local_answer_record
from server.config import Settings
from server.models.calls import CallObserver
from server.models.types import ChatRequest, ErrorEvent, FimRequest, Provider, Stop, StreamEvent, TextDelta, Usage

log = logging.getLogger(__name__)

Source = Literal["model", "cache", "typeahead", "none"]


@dataclass(frozen=True, slots=True)
class CompletionQuery:
    """One request: which document (any stable key, e.g. its URI), the live document, where."""

    key: str
    document: Document
    position: tuple[int, int]  # LSP position: 0-based line, UTF-16 character
    received: float = field(default_factory=time.monotonic)


@dataclass(slots=True)
class Timings:
    """Milliseconds per phase; ``*_at`` are ``time.monotonic()`` stamps (for benchmarks)."""

    debounce_ms: float = 0.0
    context_ms: float = 0.0
    upstream_wait_ms: float = 0.0  # upstream call made until its first event (connection, queue, model)
    first_token_ms: float | None = None  # request received until the first text
    total_ms: float = 0.0
    received_at: float = 0.0
    debounce_done_at: float | None = None  # the debounce ended (the context may still be gathering)
    upstream_called_at: float | None = None
    last_event_at: float | None = None  # the last upstream event we read
    upstream_done_at: float | None = None  # the stream closed
    finished_at: float = 0.0


@dataclass(slots=True)
class CompletionResult:
    text: str | None  # what to insert at the cursor; None: no suggestion
    source: Source
    timings: Timings
    shape: str = "single_line"
    dropped: str | None = None  # why a model answer was not shown
    error: ErrorEvent | None = None
    usage: Usage | None = None
    stopped_early: bool = False
    model: str | None = None
    trace_id: str | None = None  # the model call's trace id (None: answered without a call)
    confidence: Confidence | None = None


@dataclass(slots=True)
class _Streamed:
    text: str = ""
    usage: Usage | None = None
    error: ErrorEvent | None = None
    stopped_early: bool = False
    logprobs: list[float] = field(default_factory=list)
    stop_reason: str | None = None


Recorder = Callable[[CompletionQuery, CompletionResult], None]
WorkspaceSource = Callable[[], WorkspaceView | None]


class CompletionEngine:
    def __init__(
        self,
        provider: Provider,
        settings: Settings,
        *,
        recorder: Recorder | None = None,
        tracer: CallObserver | None = None,
        workspace: WorkspaceSource | None = None,
        suggestions: SuggestionLog | None = None,
    ) -> None:
        """`tracer` receives rows for completions answered without a model call (the provider,
        built with the same tracer, traces the calls). `workspace()` gives the workspace view the
        packer reads (cursor-aware retrieval, open buffers, the repo-map slice); it runs in the
        context worker thread. `suggestions` gets one record per model answer (confidence, shown
        or not)."""
        self.provider = provider
        self.settings = settings
        self.tracer = tracer
        self.workspace = workspace
        self.coordinator = CompletionCoordinator()
        self.cache = SuggestionCache()
        self.typeahead = TypeAhead()
        self.worker = ContextWorker()
        self._recorder = recorder
        self.suggestions = suggestions
        self._draining: set[asyncio.Future[None]] = set()

    @property
    def model(self) -> str:
        return self.settings.completion.model or self.settings.resolved_model()

    def use_fim(self) -> bool:
        configured = self.settings.completion.fim
        return self.provider.supports_fim(self.model) if configured is None else configured

    async def complete(self, query: CompletionQuery) -> CompletionResult:
        timings = Timings(received_at=query.received)
        document = query.document
        async with self.coordinator.claim(query.key, document.version) as ticket:
            result = await self._complete_claimed(query, ticket, timings)
        timings.finished_at = time.monotonic()
        timings.total_ms = (timings.finished_at - query.received) * 1000
        if self.tracer is not None and result.source in ("cache", "typeahead"):
            self.tracer.record(
                local_answer_record(
                    source=result.source,
                    model=self.model,
                    total_s=timings.total_ms / 1000,
                    debounce_ms=timings.debounce_ms,
                    context_ms=timings.context_ms,
                    shape=result.shape,
                )
            )
        if self._recorder is not None:
            self._recorder(query, result)
        return result

    async def _complete_claimed(self, query: CompletionQuery, ticket: Ticket, timings: Timings) -> CompletionResult:
        document = query.document
        if is_credential_document(document.path, document.text):
            return CompletionResult(None, "none", timings, model=self.model)  # never sent, by name or content
        offset = document.offset_at(query.position)
        text = document.text
        prefix, suffix = text[:offset], text[offset:]
        if (rest := self.typeahead.lookup(query.key, prefix, suffix)) is not None:
            return CompletionResult(rest, "typeahead", timings, model=self.model)
        gathered = await self._gather_during_debounce(query, ticket, timings)
        request = self._request(gathered, timings)
        request.metadata["context_ms"] = round(timings.context_ms, 3)
        key = cache_key(request_identity(request))
        if key in self.cache:
            cached = self.cache.get(key)
            self._remember(query.key, prefix, suffix, cached)
            return CompletionResult(cached, "cache" if cached else "none", timings, gathered.shape, model=self.model)
        streamed = await self._stream(request, gathered, timings)
        _check_current(document, ticket)
        result = self._finish(streamed, gathered, timings, suffix)
        result.trace_id = request.metadata["trace_id"]
        self._log_suggestion(result, gathered)
        if streamed.error is None:
            self.cache.put(key, result.text)
        self._remember(query.key, prefix, suffix, result.text)
        return result

    async def _gather_during_debounce(self, query: CompletionQuery, ticket: Ticket, timings: Timings) -> Gathered:
        """Context is gathered in the worker while the debounce runs: the user waits for the longer
        of the two, not their sum. A request that goes stale meanwhile never uses the worker."""
        stale = threading.Event()
        snapshot = query.document.copy()  # pending edits are parsed in the worker, not on the loop
        job = self.worker.gather(
            snapshot,
            query.position,
            self.settings.completion.context_tokens,
            self.model,
            stale,
            self.workspace,
        )
        try:
            timings.debounce_ms = await debounce(self.settings.completion.debounce_ms / 1000) * 1000
            timings.debounce_done_at = time.monotonic()
            _check_current(query.document, ticket)
            gathered, timings.context_ms = await job
            # the replaced tree is freed on the next turn of the loop, while the request is in flight
            query.document.adopt_tree(snapshot, retire=lambda tree: asyncio.get_running_loop().call_soon(id, tree))
        except BaseException:
            stale.set()
            job.cancel()
            raise
        return gathered

    async def settle(self) -> None:
        """Wait for the streams still being read after their answer went out (before closing the
        tracer: their trace rows are written when they end)."""
        await asyncio.gather(*self._draining, return_exceptions=True)

    def close(self) -> None:
        self.worker.close()

    def _request(self, gathered: Gathered, timings: Timings) -> FimRequest | ChatRequest:
        metadata = {
            "shape": gathered.shape,
            "debounce_ms": round(timings.debounce_ms, 3),
            "trace_id": uuid.uuid4().hex[:16],
            **gathered.summary,
        }
        build = fim_request if self.use_fim() else chat_request
        request = build(
            gathered.parts,
            gathered.shape,
            max_tokens=self.settings.completion.max_tokens,
            model=self.settings.completion.model,
            metadata=metadata,
        )
        return dataclasses.replace(request, logprobs=self.settings.completion.logprobs)

    async def _stream(self, request: FimRequest | ChatRequest, gathered: Gathered, timings: Timings) -> _Streamed:
        rule = StopRule(gathered.shape, gathered.surroundings.base_indent)
        out = _Streamed()
        called = timings.upstream_called_at = time.monotonic()
        events: AsyncIterator[StreamEvent] = (
            self.provider.stream_fim(request) if isinstance(request, FimRequest) else self.provider.stream(request)
        )
        stopped = False
        try:
            async for event in events:
                now = timings.last_event_at = time.monotonic()
                if timings.first_token_ms is None:
                    timings.upstream_wait_ms = (now - called) * 1000
                    timings.first_token_ms = (now - timings.received_at) * 1000
                if isinstance(event, TextDelta):
                    out.text += event.text
                    if event.logprobs:
                        out.logprobs.extend(event.logprobs)
                    if rule.cut(visible_text(out.text)) is not None:
                        out.stopped_early = True
                        break
                elif isinstance(event, Usage):
                    out.usage = event
                elif isinstance(event, ErrorEvent):
                    out.error = event
                    break
                elif isinstance(event, Stop):
                    out.stop_reason = event.reason
                    stopped = True
                    break
        finally:
            if stopped:
                self._finish_in_background(events)
            else:
                await events.aclose()  # type: ignore[attr-defined]
        timings.upstream_done_at = time.monotonic()
        return out

    def _finish_in_background(self, events: AsyncIterator[StreamEvent]) -> None:
        """The model said it is done: the answer goes out now, and the stream is read to its end
        (the trace row, the breaker's success, the connection back to the pool) after it."""

        async def drain() -> None:
            try:
                async for event in events:
                    log.debug("completion stream: %s after its stop", type(event).__name__)
            finally:
                await events.aclose()  # type: ignore[attr-defined]

        task = asyncio.ensure_future(drain())
        self._draining.add(task)
        task.add_done_callback(self._drained)

    def _drained(self, task: asyncio.Future[None]) -> None:
        self._draining.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("completion stream failed after its stop: %s", exc, exc_info=exc)

    def _finish(self, streamed: _Streamed, gathered: Gathered, timings: Timings, suffix: str) -> CompletionResult:
        result = CompletionResult(
            None, "none", timings, gathered.shape, usage=streamed.usage, stopped_early=streamed.stopped_early
        )
        result.model = self.model
        if streamed.error is not None:
            result.error = streamed.error
            quiet = streamed.error.kind == "spend_cap"  # the frontend says it once, not per keystroke
            (log.debug if quiet else log.warning)(
                "completion failed: %s (%s)", streamed.error.message, streamed.error.kind
            )
            return result
        text = postprocess(streamed.text, gathered.surroundings)
        if text is None:
            result.dropped = "empty" if streamed.text.strip() == "" else "nothing left after post-processing"
            return result
        probe = gathered.syntax
        broken = probe is not None and introduces_syntax_errors(
            probe.parser, probe.tree, probe.source, probe.cursor_byte, text
        )
        result.confidence = suggestion_confidence(
            text,
            suffix=suffix,
            logprobs=streamed.logprobs,
            cut_by_length=streamed.stop_reason == "max_tokens",
            syntax_error=broken,
        )
        if broken:
            result.dropped = "would introduce syntax errors"
            log.debug("completion dropped (syntax errors): %r", text)
            return result
        if result.confidence.score < self.settings.completion.min_confidence:
            result.dropped = f"low confidence ({result.confidence.score:.2f})"
            return result
        result.text, result.source = text, "model"
        return result

    def _log_suggestion(self, result: CompletionResult, gathered: Gathered) -> None:
        if self.suggestions is None or result.trace_id is None or result.error is not None:
            return
        confidence = result.confidence
        self.suggestions.suggested(
            SuggestionRecord(
                trace_id=result.trace_id,
                created_at=time.time(),
                feature="completion",
                model=self.model,
                language=str(gathered.summary.get("language") or ""),
                confidence=None if confidence is None else confidence.score,
                confidence_source=None if confidence is None else confidence.source,
                signals=() if confidence is None else confidence.signals,
                shown=result.text is not None,
                dropped=result.dropped,
                latency_ms=round((time.monotonic() - result.timings.received_at) * 1000, 3),
            )
        )

    def _remember(self, key: str, prefix: str, suffix: str, text: str | None) -> None:
        if text:
            self.typeahead.remember(key, prefix, suffix, text)
        else:
            self.typeahead.forget(key)

    def document_changed(self, key: str, version: int) -> None:
        self.coordinator.document_changed(key, version)

    def document_closed(self, key: str) -> None:
        self.coordinator.document_closed(key)
        self.typeahead.forget(key)


def _check_current(document: Document, ticket: Ticket) -> None:
    """The document moved on while we waited: the answer would be for text that no longer exists."""
    if document.version != ticket.version:
        ticket.cancel_reason = f"document moved to version {document.version}"
        raise asyncio.CancelledError(ticket.cancel_reason)
