"""With tracing on, a streamed /api/chat/ reply is one trace that lasts to its last byte.

The reply goes through the WSGI application as gunicorn serves it (chatmon.wsgi wraps it in OpenTelemetry's
WSGI middleware): the test calls it, iterates the body and closes it, as a WSGI server does.
"""

from __future__ import annotations

import io
import json
import time

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from chatmon.logging import tracing

# The WSGI handler closes the database connection when the response closes (request_finished), as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def chat_settings(settings):
    settings.CHATAPP_FAKE_FAILURE_RATE = 0.0
    settings.VIOLATIONS_ROUTE_LIMITERS = {}  # the session's limiter counts must not refuse these requests


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    assert tracing.setup(exporter=exporter, service_name="chatmon-test")
    yield exporter
    tracing.shutdown()


def serve_chat(member, text: str) -> int:
    """POST /api/chat/ through the traced WSGI application; returns when its last chunk was handed over (ns)."""
    client = Client()
    client.force_login(member)
    body = json.dumps({"model": "gpt-4o", "text": text}).encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/api/chat/", "SERVER_NAME": "testserver", "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(), "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "HTTP_COOKIE": f"sessionid={client.cookies['sessionid'].value}", "REMOTE_ADDR": "127.0.0.1",
    }  # fmt: skip
    statuses = []
    result = tracing.wrap_wsgi(WSGIHandler())(environ, lambda status, headers, exc_info=None: statuses.append(status))
    chunks = []
    try:
        for chunk in result:  # what a server writes to the socket, one chunk at a time
            chunks.append(chunk)
            last_byte = time.time_ns()
    finally:
        result.close()
    assert statuses == ["200 OK"] and b'"final": true' in b"".join(chunks)
    return last_byte


def test_the_request_span_covers_the_stream_and_the_generation_is_its_children(member, spans, settings):
    settings.CHATAPP_FAKE_DELAY_MS = 5  # a reply that streams for a while after the view has returned
    last_byte = serve_chat(member, "trace this streamed reply please")

    finished = {span.name: span for span in spans.get_finished_spans() if span.kind.name != "SERVER"}
    [server] = [span for span in spans.get_finished_spans() if span.kind.name == "SERVER"]
    assert (server.name, server.attributes["http.route"]) == ("POST api/chat/", "api/chat/")
    assert server.end_time >= last_byte, "the request span ended before the last byte"
    call, first_token, spend = finished["chat.provider_call"], finished["chat.first_token"], finished["chat.spend"]
    assert {span.context.trace_id for span in (call, first_token, spend)} == {server.context.trace_id}
    assert call.parent.span_id == server.context.span_id == spend.parent.span_id
    assert first_token.parent.span_id == call.context.span_id
    assert call.start_time <= first_token.end_time <= call.end_time <= spend.start_time
    query = next(span for span in spans.get_finished_spans() if span.name.endswith(" query") and span.parent)
    assert query.context.trace_id == server.context.trace_id


def test_the_access_line_of_a_stream_carries_its_trace_id(member, spans, configure_logging):
    logs = configure_logging(debug_logging=True)
    serve_chat(member, "and log this one")

    server = next(span for span in spans.get_finished_spans() if span.kind.name == "SERVER")
    lines = [json.loads(line) for path in logs.files("debug-*.log") for line in path.read_text().splitlines()]
    [access] = [line for line in lines if line["logger"] == "chatmon.access"]
    assert access["route"] == "api/chat/" and access["trace_id"] == format(server.context.trace_id, "032x")


def test_a_provider_failure_marks_the_call_span_and_the_reply_is_still_charged(member, spans, settings):
    settings.CHATAPP_FAKE_FAILURE_RATE = 1.0
    serve_chat(member, "this provider is about to fail")

    finished = {span.name: span for span in spans.get_finished_spans()}
    call = finished["chat.provider_call"]
    assert call.status.status_code.name == "ERROR"
    assert [event.name for event in call.events] == ["exception"]
    assert finished["chat.spend"].attributes["chat.status"] == "error"
