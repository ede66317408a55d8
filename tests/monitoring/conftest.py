"""Fixtures for request monitoring: a clean Redis key space and buffer per test, and a streaming test view."""

from __future__ import annotations

import pytest
from django.test import override_settings

from chatmon.monitoring import conf, store


def delete_monitoring_keys() -> None:
    conn = store.client()
    keys = list(conn.scan_iter(match=f"{conf.redis_prefix()}:*", count=500))
    if keys:
        conn.delete(*keys)


@pytest.fixture(autouse=True)
def monitoring_starts_clean(clean_monitoring):
    """Every monitoring test starts clean (clean_monitoring, tests/conftest.py)."""


@pytest.fixture
def scrape(client):
    """GET /metrics with a token; returns the exposition text."""

    def get() -> str:
        with override_settings(METRICS_TOKEN="scrape-token"):
            response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token")
        assert response.status_code == 200
        return response.content.decode()

    return get
