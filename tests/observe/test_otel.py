from __future__ import annotations

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from server.models.calls import CallRecord
from server.observe.otel import OtelExporter


def test_calls_become_genai_spans() -> None:
    memory = InMemorySpanExporter()
    exporter = OtelExporter(span_exporter=memory)
    call = CallRecord(
        feature="agent",
        provider="anthropic",
        model="claude-sonnet-4-5",
        started_at=1_700_000_000.0,
        queue_s=0.1,
        ttft_s=0.2,
        total_s=1.5,
        outcome="error",
        request_id="req_1",
        input_tokens=100,
        output_tokens=20,
        cache_read_tokens=300,
        error_kind="rate_limited",
        error_message="429",
        retries=3,
    )
    exporter.record(call)
    exporter.close()
    (span,) = memory.get_finished_spans()
    assert span.name == "chat claude-sonnet-4-5"
    attrs = dict(span.attributes or {})
    assert attrs["gen_ai.operation.name"] == "chat"
    assert attrs["gen_ai.provider.name"] == "anthropic"
    assert attrs["gen_ai.request.model"] == "claude-sonnet-4-5"
    assert attrs["gen_ai.usage.input_tokens"] == 400
    assert attrs["gen_ai.usage.output_tokens"] == 20
    assert attrs["gen_ai.response.id"] == "req_1"
    assert attrs["error.type"] == "rate_limited"
    assert attrs["outrider.retries"] == 3
    assert span.end_time is not None and span.start_time is not None
    assert span.end_time - span.start_time == 1_500_000_000
