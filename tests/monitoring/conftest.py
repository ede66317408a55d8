"""Fixtures for request monitoring: a clean Redis key space and buffer per test, and a streaming test view."""

from __future__ import annotations

import pytest
from django.test import override_settings

from chatmon.monitoring import conf, store
from chatmon.monitoring.aggregator import buffer


def delete_monitoring_keys() -> None:
    conn = store.client()
    keys = list(conn.scan_iter(match=f"{conf.redis_prefix()}:*", count=500))
    if keys:
        conn.delete(*keys)


@pytest.fixture(autouse=True)
def clean_monitoring():
    """Each test starts with an empty buffer and no flushed rollups (the namespace is this session's own)."""
    buffer.drain()
    delete_monitoring_keys()
    yield
    buffer.drain()


@pytest.fixture
def scrape(client):
    """GET /metrics with a token; returns the exposition text."""

    def get() -> str:
        with override_settings(METRICS_TOKEN="scrape-token"):
            response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token")
        assert response.status_code == 200
        return response.content.decode()

    return get
