"""Optional OpenTelemetry export of model calls with the GenAI semantic conventions (``gen_ai.*``).

Only active when the user sets ``traces.otlp_endpoint``; needs the ``otel`` extra
(``pip install 'outrider[otel]'``). The SDK is imported lazily, when an exporter is built.
"""

from __future__ import annotations

import logging
from typing import Any

from server.models.calls import CallRecord

log = logging.getLogger(__name__)

_PROVIDER_NAMES = {"anthropic": "anthropic", "openai": "openai", "openai-compatible": "openai", "replay": "replay"}


class OtelUnavailable(RuntimeError):
    """The ``otel`` extra is not installed."""


def span_attributes(call: CallRecord) -> dict[str, Any]:
    """The GenAI semantic-convention attributes for one call (plus a few ``outrider.*``)."""
    operation = "text_completion" if call.context.get("fim") else "chat"
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": _PROVIDER_NAMES.get(call.provider, call.provider),
        "gen_ai.system": _PROVIDER_NAMES.get(call.provider, call.provider),
        "gen_ai.request.model": call.model,
        "gen_ai.response.model": call.model,
        "gen_ai.usage.input_tokens": call.input_tokens + call.cache_read_tokens + call.cache_write_tokens,
        "gen_ai.usage.output_tokens": call.output_tokens,
        "gen_ai.usage.cache_read.input_tokens": call.cache_read_tokens,
        "gen_ai.usage.cache_creation.input_tokens": call.cache_write_tokens,
        "outrider.feature": call.feature,
        "outrider.provider": call.provider,
        "outrider.cost_usd": call.cost_usd,
        "outrider.retries": call.retries,
        "outrider.tool_calls": call.tool_calls,
        "outrider.queue_s": call.queue_s,
        "outrider.outcome": call.outcome,
    }
    if call.request_id:
        attrs["gen_ai.response.id"] = call.request_id
    if call.stop_reason:
        attrs["gen_ai.response.finish_reasons"] = (call.stop_reason,)
    if call.ttft_s is not None:
        attrs["outrider.time_to_first_token_s"] = call.ttft_s
    if call.outcome != "ok":
        attrs["error.type"] = call.error_kind or call.outcome
    return attrs


class OtelExporter:
    """Implements ``CallObserver``: one span per call, batched to an OTLP/HTTP endpoint."""

    def __init__(self, endpoint: str | None = None, *, span_exporter: Any = None) -> None:
        try:
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
        except ImportError as exc:
            raise OtelUnavailable("OpenTelemetry export needs the extra: pip install 'outrider[otel]'") from exc
        if span_exporter is None:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            span_exporter = OTLPSpanExporter(endpoint=endpoint)
            processor: Any = BatchSpanProcessor(span_exporter)
        else:
            processor = SimpleSpanProcessor(span_exporter)
        self._provider = TracerProvider(resource=Resource.create({"service.name": "outrider"}))
        self._provider.add_span_processor(processor)
        self._tracer = self._provider.get_tracer("outrider.models")

    def record(self, call: CallRecord) -> None:
        from opentelemetry.trace import Status, StatusCode

        start_ns = int(call.started_at * 1e9)
        end_ns = start_ns + int(call.total_s * 1e9)
        operation = "text_completion" if call.context.get("fim") else "chat"
        span = self._tracer.start_span(
            f"{operation} {call.model}", start_time=start_ns, attributes=span_attributes(call)
        )
        if call.outcome != "ok":
            span.set_status(Status(StatusCode.ERROR, call.error_message or call.outcome))
        span.end(end_time=end_ns)

    def close(self) -> None:
        self._provider.shutdown()
