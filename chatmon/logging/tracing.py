"""OpenTelemetry tracing: Django requests, Celery tasks, Redis calls and SQL queries, off unless configured.

With OTEL_EXPORTER_OTLP_ENDPOINT unset nothing is imported or instrumented and `active()` is a module
attribute read, so logging and queries pay nothing. SQL spans come from Django's execute wrapper
(chatmon.logging.queries) rather than from patching each database driver, so SQLite and PostgreSQL are traced
the same way through django-prometheus' engines.
"""

from __future__ import annotations

import os
from typing import Any

_tracer: Any = None
_instrumentors: list[Any] = []


def active() -> bool:
    return _tracer is not None


def setup(*, exporter: Any = None, service_name: str | None = None) -> bool:
    """Start tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set (or an exporter is given, as tests do)."""
    global _tracer
    if _tracer is not None or (exporter is None and not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")):
        return False
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    name = service_name or os.environ.get("OTEL_SERVICE_NAME", "chatmon")
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:  # tests read spans right after the request, so export synchronously
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    for instrumentor in (DjangoInstrumentor(), CeleryInstrumentor(), RedisInstrumentor()):
        instrumentor.instrument(tracer_provider=provider)
        _instrumentors.append(instrumentor)
    _tracer = provider.get_tracer("chatmon")
    return True


def shutdown() -> None:
    """Undo `setup` (tests; a process that stops tracing)."""
    global _tracer
    while _instrumentors:
        _instrumentors.pop().uninstrument()
    _tracer = None


def tracer() -> Any:
    return _tracer


def current_ids() -> dict[str, str]:
    """The trace and span ids of the current span, as the hex strings tracing back-ends show."""
    from opentelemetry import trace

    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return {"trace_id": "", "span_id": ""}
    return {"trace_id": format(span_context.trace_id, "032x"), "span_id": format(span_context.span_id, "016x")}
