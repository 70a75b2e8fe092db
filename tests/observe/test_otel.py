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
        model="claude-sonnet-4-6",
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
    assert span.name == "chat claude-sonnet-4-6"
    attrs = dict(span.attributes or {})
    assert attrs["gen_ai.operation.name"] == "chat"
    assert attrs["gen_ai.provider.name"] == "anthropic"
    assert attrs["gen_ai.request.model"] == "claude-sonnet-4-6"
    assert attrs["gen_ai.usage.input_tokens"] == 400
    assert attrs["gen_ai.usage.output_tokens"] == 20
    assert attrs["gen_ai.response.id"] == "req_1"
    assert attrs["error.type"] == "rate_limited"
    assert attrs["outrider.retries"] == 3
    assert span.end_time is not None and span.start_time is not None
    assert span.end_time - span.start_time == 1_500_000_000


def test_no_export_unless_an_endpoint_is_configured(tmp_path: object) -> None:
    from pathlib import Path

    from server.config import Settings
    from server.observe.tracer import open_tracer

    local = open_tracer(Settings(), db_path=Path(str(tmp_path)) / "a.sqlite3")
    assert local is not None and local.otel is None
    local.close()
    settings = Settings.model_validate({"traces": {"otlp_endpoint": "http://127.0.0.1:4318/v1/traces"}})
    exported = open_tracer(settings, db_path=Path(str(tmp_path)) / "b.sqlite3")
    assert exported is not None and isinstance(exported.otel, OtelExporter)
    exported.close()
    assert open_tracer(Settings.model_validate({"traces": {"enabled": False}})) is None
