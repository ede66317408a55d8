"""The access log: one HTTP-level line per request with route template, status, timing, size, user and IP."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client, override_settings

pytestmark = [pytest.mark.urls("tests.logs.urls"), pytest.mark.django_db]


def _access_lines(logs) -> list[dict]:
    lines = [json.loads(line) for path in logs.files("debug-*.log") for line in path.read_text().splitlines()]
    return [line for line in lines if line["logger"] == "chatmon.access"]


def test_it_logs_one_line_per_request(configure_logging, member):
    logs = configure_logging(debug_logging=True)
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.force_login(member)
    response = client.get("/api/items/42/?q=hello", headers={"X-Request-ID": "req-access"})
    [line] = _access_lines(logs)
    assert line["level"] == "http"
    assert line["message"] == f"GET api/items/<int:pk>/ 200 {line['duration_ms']:.1f}ms {len(response.content)}b"
    assert (line["method"], line["route"], line["status"]) == ("GET", "api/items/<int:pk>/", 200)
    assert line["bytes"] == len(response.content) and line["duration_ms"] >= 0
    assert (line["user_id"], line["client_ip"], line["request_id"]) == (str(member.pk), "203.0.113.9", "req-access")


def test_it_logs_a_stream_when_it_ends_with_the_bytes_sent(configure_logging):
    logs = configure_logging(debug_logging=True)
    response = Client().get("/api/stream/", headers={"X-Request-ID": "req-stream"})
    assert _access_lines(logs) == []  # nothing sent yet: the line waits for the end of the stream
    body = b"".join(response.streaming_content)
    response.close()  # what the WSGI server does after the last byte
    [line] = _access_lines(logs)
    assert (line["route"], line["status"], line["bytes"]) == ("api/stream/", 200, len(body))
    assert line["request_id"] == "req-stream"
    assert line["message"].endswith(f"{len(body)}b")


def test_it_skips_health_and_metrics_routes(configure_logging):
    logs = configure_logging(debug_logging=True)
    Client().get("/healthz")
    assert _access_lines(logs) == []


@override_settings(CHATMON_CLIENT_IP_RESOLVER="tests.logs.test_access_log.first_forwarded")
def test_it_uses_the_configured_client_ip_resolver(configure_logging):
    logs = configure_logging(debug_logging=True)
    Client(REMOTE_ADDR="10.0.0.1").get("/api/items/1/", headers={"X-Forwarded-For": "198.51.100.4"})
    assert _access_lines(logs)[0]["client_ip"] == "198.51.100.4"


@override_settings(CHATMON_CLIENT_IP_RESOLVER="no.such.module.client_ip")
def test_it_falls_back_to_remote_addr_when_the_resolver_is_missing(configure_logging):
    logs = configure_logging(debug_logging=True)
    Client(REMOTE_ADDR="10.0.0.2").get("/api/items/1/")
    assert _access_lines(logs)[0]["client_ip"] == "10.0.0.2"


def test_it_follows_the_switch_when_it_changes_after_a_first_line(configure_logging):
    logs = configure_logging(debug_logging=True)
    Client().get("/api/items/1/")  # the setting has been read (and is remembered) from here on
    with override_settings(CHATMON_ACCESS_LOG=False):
        Client().get("/api/items/2/")
    Client().get("/api/items/3/")
    assert [line["message"].split()[:3] for line in _access_lines(logs)] == [["GET", "api/items/<int:pk>/", "200"]] * 2


def test_it_builds_no_record_that_no_handler_would_write(configure_logging):
    configure_logging()  # production's defaults: console at info, files at error, no debug file
    seen = []
    access = logging.getLogger("chatmon.access")
    access.addFilter(seen.append)  # a logger's filters see every record built for it
    try:
        Client().get("/api/items/1/")
    finally:
        access.removeFilter(seen.append)
    assert seen == []


def test_it_writes_the_line_for_a_console_set_to_http(configure_logging):
    logs = configure_logging(console_level="http")
    Client().get("/api/items/1/")
    assert "http: GET api/items/<int:pk>/ 200 " in logs.console.getvalue()


def first_forwarded(request) -> str | None:
    return request.headers.get("X-Forwarded-For")
