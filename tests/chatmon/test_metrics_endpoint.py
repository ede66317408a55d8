"""/metrics refuses scrapers without the token or an allowed address, and serves request, database and cache metrics."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(METRICS_TOKEN="s3cret", METRICS_ALLOWED_IPS=[])
def test_it_refuses_without_the_token(client):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "METRICS_TOKEN" in response.json()["message"]


@override_settings(METRICS_TOKEN="s3cret", METRICS_ALLOWED_IPS=[])
def test_it_refuses_a_wrong_token(client):
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


@override_settings(METRICS_TOKEN="s3cret", METRICS_ALLOWED_IPS=[])
def test_it_serves_request_metrics_up_to_the_last_request_with_the_token(client):
    def healthz_count() -> float:
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret")
        assert response.status_code == 200
        body = response.content.decode()
        assert "django_db_execute_total" in body or "django_db_new_connections_total" in body
        assert 'chatmon_http_request_duration_seconds_bucket{le="0.005",method="GET",route="healthz"}' in body
        found = re.search(r'chatmon_http_requests_total\{method="GET",route="healthz",status_class="2xx"\} (\S+)', body)
        return float(found.group(1)) if found else 0.0

    client.get("/healthz")
    before = healthz_count()
    for _ in range(3):
        client.get("/healthz")
    # The answering process writes its batched request metrics before it renders them.
    assert healthz_count() == before + 3


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_IPS=["10.1.0.0/16"], DEBUG=False)
def test_it_serves_an_allowed_address_and_refuses_others(client):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 403


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_IPS=[], DEBUG=False)
def test_it_is_closed_to_loopback_outside_development(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_IPS=[], DEBUG=True)
def test_it_is_open_on_loopback_only_in_development(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 403


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_IPS=["10.0.0.0/8"], DEBUG=False)
def test_it_ignores_forwarded_for_headers(client):
    response = client.get("/metrics", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert response.status_code == 403


def test_it_counts_cache_hits_and_misses(client):
    from django.core.cache import cache

    cache.get("chatmon-test-missing-key")
    cache.set("chatmon-test-key", 1)
    cache.get("chatmon-test-key")
    with override_settings(METRICS_TOKEN="t"):
        body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    assert 'django_cache_get_hits_total{backend="redis"}' in body
    assert 'django_cache_get_misses_total{backend="redis"}' in body
