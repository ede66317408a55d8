"""Queries slower than SLOW_QUERY_MS are logged at warn with redacted SQL and their route, and counted."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client, override_settings
from prometheus_client import REGISTRY

pytestmark = [pytest.mark.urls("tests.logs.urls"), pytest.mark.django_db]


def _slow(source: str) -> float:
    return REGISTRY.get_sample_value("chatmon_slow_queries_total", {"database": "default", "source": source}) or 0.0


def _warnings(logs) -> list[dict]:
    lines = [json.loads(line) for path in logs.files("debug-*.log") for line in path.read_text().splitlines()]
    return [line for line in lines if line["logger"] == "chatmon.db"]


@override_settings(SLOW_QUERY_MS=0)
def test_it_logs_and_counts_a_slow_query_with_its_route(configure_logging):
    logs = configure_logging(debug_logging=True)
    before = _slow("api/slow/")
    Client().get("/api/slow/")
    [line] = [line for line in _warnings(logs) if "SELECT 1" in line["message"]]
    assert line["level"] == "warn"
    assert line["source"] == "api/slow/" and line["route"] == "api/slow/"
    assert _slow("api/slow/") >= before + 1


@override_settings(SLOW_QUERY_MS=0)
def test_it_redacts_secrets_in_the_logged_sql(configure_logging):
    logs = configure_logging(debug_logging=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'Bearer abc.def' AS header")
    messages = [line["message"] for line in _warnings(logs)]
    assert any("SELECT 'Bearer [REDACTED]' AS header" in message for message in messages)
    assert not any("abc.def" in message for message in messages)


def test_it_stays_quiet_under_the_threshold(configure_logging):
    logs = configure_logging(debug_logging=True)
    Client().get("/api/slow/")
    assert _warnings(logs) == []
