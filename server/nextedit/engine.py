"""One next-edit prediction, start to finish.

``NextEditEngine.predict`` is what the LSP feature and ``outrider next-edit`` call::

    engine = NextEditEngine(provider, settings)
    engine.document_opened(key, document.path, document.text)     # and _changed / _closed
    result = await engine.predict(NextEditQuery(key, document, (12, 8)))
    result.edits      # minimal edits (ranges in the document at result.version), maybe far from the cursor

Order of work: claim the document (cancelling an older prediction for it), prepare the request in
a worker thread (region, context, prompt) while the debounce runs, cache lookup, the model call,
then diff and validation (on the loop: under a millisecond). When the user makes one of the
predicted edits by hand, the others are the answer for the new version, without a model call
(:mod:`server.nextedit.typeahead`). Cancellation (a newer request, a change past the request's
version, or the caller's task being cancelled) raises ``CancelledError`` out of ``predict``; the
model stream is closed on the way out. Private documents (ignored or secret files, as the caller
says when it opens them) are never recorded and never predicted for.

Model calls are traced by the provider layer under the feature ``next_edit``; cached answers get
a zero-cost row of their own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, ParamSpec, TypeVar

from context.source.document import Document
from context.source.positions import TextRange
from server.completion.cache import SuggestionCache, cache_key
from server.completion.confidence import Confidence, suggestion_confidence
from server.completion.coordinator import CompletionCoordinator, Ticket, debounce
from server.completion.prompt import request_identity
from server.config import Settings
from server.models.calls import CallObserver, CallRecord
from server.models.types import ChatRequest, ErrorEvent, FimRequest, Provider, Stop, TextDelta, Usage
from server.nextedit.edits import TextEdit, span_edit
from server.nextedit.history import EditHistory
from server.nextedit.prepare import Prepared, PromptLimits, prepare
from server.nextedit.prompt import FEATURE, Format, format_for
from server.nextedit.region import Region
from server.nextedit.typeahead import Predicted, remaining_after
from server.nextedit.validate import Checked, SizeCap, edits_from_answer

log = logging.getLogger(__name__)

Source = Literal["model", "cache", "typeahead", "none"]
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class NextEditQuery:
    key: str  # any stable key of the document (its URI in the server)
    document: Document
    position: tuple[int, int]  # LSP: 0-based line, UTF-16 character
    received: float = field(default_factory=time.monotonic)


@dataclass(frozen=True, slots=True)
class PredictedEdit:
    range: TextRange  # in the document at the result's version
    text: str


@dataclass(slots=True)
class NextEditTimings:
    """Milliseconds per phase; ``overhead_ms`` is the server's own work (prepare + finish)."""

    debounce_ms: float = 0.0
    prepare_ms: float = 0.0
    model_ms: float = 0.0
    finish_ms: float = 0.0
    total_ms: float = 0.0

    @property
    def overhead_ms(self) -> float:
        return self.prepare_ms + self.finish_ms


@dataclass(slots=True)
class NextEditResult:
    version: int
    edits: tuple[PredictedEdit, ...] = ()  # minimal edits, in document order
    span: PredictedEdit | None = None  # the same as one replacement of the span holding them all
    source: Source = "none"
    timings: NextEditTimings = field(default_factory=NextEditTimings)
    dropped: str | None = None  # why there is no prediction
    error: ErrorEvent | None = None
    usage: Usage | None = None
    model: str | None = None
    format: Format | None = None
    region: Region | None = None
    rewrite: str | None = None  # the model's rewrite of the region (for `outrider next-edit`)
    confidence: Confidence | None = None  # of a model answer with edits (token logprobs, else signals)


class NextEditEngine:
    def __init__(
        self,
        provider: Provider,
        settings: Settings,
        *,
        tracer: CallObserver | None = None,
        history: EditHistory | None = None,
    ) -> None:
        """`history` may outlive the engine (the LSP session keeps it when the settings change)."""
        self.provider = provider
        self.settings = settings
        self.tracer = tracer
        self.history = history if history is not None else history_for(settings)
        self.coordinator = CompletionCoordinator()
        self.cache = SuggestionCache(capacity=64)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="next-edit")
        self._last: dict[str, NextEditResult] = {}
        self._predicted: dict[str, Predicted] = {}  # the latest prediction's edits, for type-ahead

    @property
    def model(self) -> str:
        return self.settings.next_edit.model or self.settings.completion.model or self.settings.resolved_model()

    def prompt_format(self) -> Format:
        return format_for(self.settings.next_edit.format, self.model, self.provider.supports_fim(self.model))

    def limits(self) -> PromptLimits:
        config = self.settings.next_edit
        return PromptLimits(config.context_tokens, config.max_tokens, config.region_lines)

    def size_cap(self) -> SizeCap:
        return SizeCap(max_lines=self.settings.next_edit.max_edit_lines)

    # -- documents ---------------------------------------------------------------------------------

    def document_opened(self, key: str, path: str, text: str, *, private: bool = False) -> None:
        self.history.open(key, path, text, private=private)

    def document_changed(self, key: str, document: Document) -> None:
        """After each change: the history records it, older work is cancelled, and the latest
        prediction survives only if the change was one of its edits (the rest is still predicted)."""
        self.history.change(key, document.text)
        self.coordinator.document_changed(key, document.version)
        self._last.pop(key, None)
        predicted = self._predicted.pop(key, None)
        if predicted is not None and (rest := remaining_after(predicted, document.text)) is not None:
            self._predicted[key] = rest
            result = NextEditResult(document.version, source="typeahead", model=self.model)
            result.edits = tuple(_predicted(document, edit) for edit in rest.edits)
            result.span = _predicted(document, span_edit(document.text, rest.edits))
            self._last[key] = result

    def document_closed(self, key: str) -> None:
        self.coordinator.document_closed(key)
        self.history.close(key)
        self._last.pop(key, None)
        self._predicted.pop(key, None)

    def last_prediction(self, key: str, version: int) -> NextEditResult | None:
        """The latest prediction for the document if it is for `version` (else it is stale)."""
        result = self._last.get(key)
        return result if result is not None and result.version == version else None

    def cursor_line_replacement(self, key: str, document: Document, line: int) -> tuple[str, int] | None:
        """The latest prediction as the new text of `line` and the line's length (UTF-16), when it
        is for the document's current version and replaces text on that line only."""
        result = self.last_prediction(key, document.version)
        if result is None or result.span is None:
            return None
        (start_line, start_char), (end_line, end_char) = result.span.range
        if start_line != line or end_line != line:
            return None
        old = document.line_text(line)
        base = document.line_start(line)
        start = document.offset_at((line, start_char)) - base
        end = document.offset_at((line, end_char)) - base
        return old[:start] + result.span.text + old[end:], len(old.encode("utf-16-le")) // 2

    # -- predicting --------------------------------------------------------------------------------

    async def predict(self, query: NextEditQuery) -> NextEditResult:
        started = time.monotonic()
        if self.history.is_private(query.key):
            return NextEditResult(query.document.version, dropped="private or unknown document", model=self.model)
        if (typed := self.last_prediction(query.key, query.document.version)) is not None:
            return typed  # the user made one of the predicted edits: the rest, no model call
        async with self.coordinator.claim(query.key, query.document.version) as ticket:
            result = await self._predict_claimed(query, ticket)
        result.timings.total_ms = (time.monotonic() - query.received) * 1000
        if result.source == "cache" and self.tracer is not None:
            self.tracer.record(_cached_record(result, self.model, time.monotonic() - started))
        return result

    async def _predict_claimed(self, query: NextEditQuery, ticket: Ticket) -> NextEditResult:
        document = query.document
        result = NextEditResult(document.version, model=self.model, format=self.prompt_format())
        timings = result.timings
        prepared = await self._prepare_during_debounce(query, ticket, result)
        result.region = prepared.region
        prepared.request.metadata["debounce_ms"] = round(timings.debounce_ms, 3)  # for traces; never sent
        prepared.request.metadata["prepare_ms"] = round(timings.prepare_ms, 3)
        key = cache_key(request_identity(prepared.request))
        logprobs: list[float] = []
        cut = False
        if key in self.cache:
            answer, result.source = self.cache.get(key) or "", "cache"
        else:
            called = time.monotonic()
            request = dataclasses.replace(prepared.request, logprobs=self.settings.completion.logprobs)
            answer, result.usage, result.error, logprobs, cut = await self._stream(request)
            timings.model_ms = (time.monotonic() - called) * 1000
            _check_current(document, ticket)
            if result.error is not None:
                log.warning("next edit failed: %s (%s)", result.error.message, result.error.kind)
                return result
            self.cache.put(key, answer)
            result.source = "model"
        before_last = self.history.text_before_last_edit(query.key)
        # On the loop, like completion's post-processing: well under a millisecond (the region's
        # top-level definitions parsed twice), less than a second hand-off to the worker costs.
        _check_current(document, ticket)
        begun = time.monotonic()
        checked = edits_from_answer(prepared, answer, before_last, self.size_cap())
        timings.finish_ms = (time.monotonic() - begun) * 1000
        if checked.edits:
            self._predicted[query.key] = Predicted(prepared.snapshot.text, checked.edits)
        # the snapshot parsed the pending edits (and validation used that tree): the document keeps it
        document.adopt_tree(prepared.snapshot, retire=lambda tree: asyncio.get_running_loop().call_soon(id, tree))
        _fill(result, prepared, checked)
        if result.edits and result.source == "model":
            result.confidence = suggestion_confidence(answer, logprobs=logprobs, cut_by_length=cut)
        if result.edits:
            self._last[query.key] = result
        return result

    async def _prepare_during_debounce(self, query: NextEditQuery, ticket: Ticket, result: NextEditResult) -> Prepared:
        snapshot = query.document.copy()
        edits = self.history.edits(query.key)
        fmt = result.format or "chat"
        path = self.history.path(query.key) or Path(snapshot.path).name
        job = asyncio.ensure_future(
            self._run(prepare, snapshot, query.position, edits, self.limits(), self.model, fmt, path)
        )
        try:
            result.timings.debounce_ms = await debounce(self.settings.next_edit.debounce_ms / 1000) * 1000
            _check_current(query.document, ticket)
            prepared, result.timings.prepare_ms = await job
        except BaseException:
            job.cancel()
            raise
        return prepared

    async def _run(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> tuple[R, float]:
        """`function(*args)` in the worker thread; returns its value and the milliseconds it took."""

        def timed() -> tuple[R, float]:
            begun = time.monotonic()
            value = function(*args, **kwargs)
            return value, (time.monotonic() - begun) * 1000

        return await asyncio.get_running_loop().run_in_executor(self._executor, timed)

    async def _stream(
        self, request: ChatRequest | FimRequest
    ) -> tuple[str, Usage | None, ErrorEvent | None, list[float], bool]:
        """The answer's text, usage, error, token log-probabilities and whether the length limit cut it."""
        text, usage, error, cut = "", None, None, False
        logprobs: list[float] = []
        events = self.provider.stream_fim(request) if isinstance(request, FimRequest) else self.provider.stream(request)
        async with aclosing(events) as stream:  # type: ignore[type-var]
            async for event in stream:
                if isinstance(event, TextDelta):
                    text += event.text
                    logprobs.extend(event.logprobs or ())
                elif isinstance(event, Usage):
                    usage = event
                elif isinstance(event, Stop):
                    cut = event.reason == "max_tokens"
                elif isinstance(event, ErrorEvent):
                    error = event
                    break
        return text, usage, error, logprobs, cut

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def history_for(settings: Settings) -> EditHistory:
    return EditHistory(max_edits=settings.next_edit.history_edits, max_bytes=settings.next_edit.history_bytes)


def _fill(result: NextEditResult, prepared: Prepared, checked: Checked) -> None:
    result.rewrite = checked.rewrite
    if checked.dropped is not None or not checked.edits:
        result.dropped = checked.dropped or "no change"
        log.debug("next edit dropped: %s", result.dropped)
        return
    snapshot = prepared.snapshot
    result.edits = tuple(_predicted(snapshot, edit) for edit in checked.edits)
    result.span = _predicted(snapshot, span_edit(snapshot.text, checked.edits))


def _predicted(document: Document, edit: TextEdit) -> PredictedEdit:
    return PredictedEdit(TextRange(document.position_at(edit.start), document.position_at(edit.end)), edit.new_text)


def _check_current(document: Document, ticket: Ticket) -> None:
    """The document moved on while we waited: the prediction would be for text that no longer exists."""
    if document.version != ticket.version:
        ticket.cancel_reason = f"document moved to version {document.version}"
        raise asyncio.CancelledError(ticket.cancel_reason)


def _cached_record(result: NextEditResult, model: str, total_s: float) -> CallRecord:
    return CallRecord(
        feature=FEATURE,
        provider="cache",
        model=model,
        started_at=time.time() - total_s,
        queue_s=0.0,
        ttft_s=None,
        total_s=total_s,
        outcome="ok",
        context={"source": "cache", "edits": len(result.edits), "dropped": result.dropped or ""},
    )
