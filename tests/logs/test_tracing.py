"""With tracing on, requests, SQL and log lines share trace ids (captured with the SDK's in-memory exporter)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from chatmon.core import checks
from chatmon.logging import tracing

pytestmark = [pytest.mark.urls("tests.logs.urls"), pytest.mark.django_db]


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    assert tracing.setup(exporter=exporter, service_name="chatmon-test")
    yield exporter
    tracing.shutdown()


def test_it_is_off_without_an_endpoint():
    assert not tracing.active()
    assert tracing.setup() is False


def test_it_traces_requests_and_queries_and_tags_log_lines(spans, configure_logging):
    logs = configure_logging(debug_logging=True)
    Client().get("/api/slow/")
    finished = spans.get_finished_spans()
    request = next(span for span in finished if span.kind.name == "SERVER")
    query = next(span for span in finished if span.attributes.get("db.statement") == "SELECT 1")
    assert query.context.trace_id == request.context.trace_id
    access = [json.loads(line) for path in logs.files("debug-*.log") for line in path.read_text().splitlines()]
    [line] = [line for line in access if line["logger"] == "chatmon.access"]
    assert line["trace_id"] == format(request.context.trace_id, "032x")


def test_it_keeps_the_middleware_check_quiet_with_tracings_middleware_first(spans):
    assert checks.check_middleware() == []
