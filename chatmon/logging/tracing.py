"""OpenTelemetry tracing: Django requests, Celery tasks, Redis calls and SQL queries, off unless configured.

With OTEL_EXPORTER_OTLP_ENDPOINT unset chatmon imports and instruments nothing and `active()` is a module
attribute read, so logging and queries pay nothing (redis-py imports OpenTelemetry's metrics SDK by itself
when it is installed: docs/monitoring.md, "Tracing"). SQL spans come from Django's execute wrapper
(chatmon.logging.queries) rather than from patching each database driver, so SQLite and PostgreSQL are traced
the same way through django-prometheus' engines.

A streamed response outlives Django's request span, which OpenTelemetry's Django middleware ends when the
view returns; `wrap_wsgi` puts OpenTelemetry's WSGI middleware around the application, whose server span
ends when the server closes the response, after its last byte. Django's span is then its child.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from typing import Any, TypeVar

T = TypeVar("T")
# Where the WSGI middleware's server span waits for the route (known only once Django has resolved the URL).
SERVER_SPAN_KEY = "chatmon.server_span"

_tracer: Any = None
_provider: Any = None
_instrumentors: list[Any] = []


def active() -> bool:
    return _tracer is not None


def setup(*, exporter: Any = None, service_name: str | None = None) -> bool:
    """Start tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set (or an exporter is given, as tests do)."""
    global _tracer, _provider
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
    _tracer, _provider = provider.get_tracer("chatmon"), provider
    return True


def shutdown() -> None:
    """Undo `setup` (tests; a process that stops tracing)."""
    global _tracer, _provider
    while _instrumentors:
        _instrumentors.pop().uninstrument()
    _tracer = _provider = None


def wrap_wsgi(application: Callable) -> Callable:
    """The WSGI application, its requests traced to the last byte of their responses when tracing is on."""
    if _tracer is None:
        return application
    from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware

    def keep_span(span: Any, environ: dict) -> None:
        environ[SERVER_SPAN_KEY] = span

    return OpenTelemetryMiddleware(application, request_hook=keep_span, tracer_provider=_provider)


def name_server_span(request: Any, route: str) -> None:
    """Name the WSGI server span by the route template, as Django's own span is: never the raw path."""
    span = request.META.get(SERVER_SPAN_KEY) if _tracer is not None else None
    if span is not None and route:
        span.update_name(f"{request.method} {route}")
        span.set_attribute("http.route", route)


def span(name: str, attributes: dict | None = None) -> Any:
    """A child span of the current one for a `with` block, made current inside it (nothing when off)."""
    if _tracer is None:
        return nullcontext()
    return _tracer.start_as_current_span(name, attributes=attributes)


def traced_iteration(items: Iterable[T], name: str, *, first_item: str, attributes: dict | None = None) -> Iterator[T]:
    """`items`, with a span from the start of the iteration to its end and a child span until the first item
    (a provider call and its time to first token); `items` itself when tracing is off."""
    if _tracer is None:
        return iter(items)
    return _traced_iteration(items, name, first_item, attributes)


def _traced_iteration(items: Iterable[T], name: str, first_item: str, attributes: dict | None) -> Iterator[T]:
    from opentelemetry import trace

    # Neither span is made current: a generator suspended between items would leave its context attached to
    # the thread, and one abandoned by a client that left is finished elsewhere (garbage collection).
    whole = _tracer.start_span(name, attributes=attributes)
    first = _tracer.start_span(first_item, context=trace.set_span_in_context(whole))
    waiting = True
    try:
        for item in items:
            if waiting:
                first.end()
                waiting = False
            yield item
    except Exception as exc:
        whole.record_exception(exc)
        whole.set_status(trace.Status(trace.StatusCode.ERROR, str(exc)))
        raise
    finally:
        if waiting:
            first.end()
        whole.end()


def tracer() -> Any:
    return _tracer


def current_ids() -> dict[str, str]:
    """The trace and span ids of the current span, as the hex strings tracing back-ends show."""
    from opentelemetry import trace

    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return {"trace_id": "", "span_id": ""}
    return {"trace_id": format(span_context.trace_id, "032x"), "span_id": format(span_context.span_id, "016x")}
