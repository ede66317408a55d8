"""/healthz answers without dependencies; /health/ checks database, cache, broker and beat, 503 on failure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone

from chatmon.core.models import JobRun

# Health checks run in worker threads with their own connections: they only see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def recent_job_run(**overrides) -> JobRun:
    fields = {"task": "chatmon.beat_heartbeat", "status": JobRun.Status.SUCCESS, "finished_at": timezone.now()}
    return JobRun.objects.create(**{**fields, **overrides})


def caches_at(url: str) -> dict:
    from django.conf import settings

    default = {**settings.CACHES["default"], "LOCATION": url}
    return {"default": default}


def health_json(client):
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    return response.status_code, response.json()


def test_it_answers_liveness_without_dependencies(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_it_is_healthy_when_everything_answers(client):
    recent_job_run()
    status, body = health_json(client)
    assert status == 200, body
    assert body == {"database": "OK", "cache": "OK", "broker": "OK", "beat": "OK"}


def test_it_fails_when_beat_has_not_run_recently(client):
    recent_job_run(finished_at=timezone.now() - timedelta(hours=1))
    status, body = health_json(client)
    assert status == 503
    assert "limit 300s" in body["beat"]


def test_it_fails_when_no_job_ever_ran(client):
    status, body = health_json(client)
    assert status == 503
    assert "no periodic job has run yet" in body["beat"]


def test_it_renders_an_html_page_for_a_browser(client):
    recent_job_run()
    response = client.get("/health/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b">beat<" in response.content


def test_it_goes_503_with_valkey_stopped_and_back_to_200(client, valkey):
    recent_job_run()
    with override_settings(CACHES=caches_at(valkey.url), CELERY_BROKER_URL=valkey.url):
        caches["default"].clear()
        assert health_json(client)[0] == 200
        port = valkey.server.port
        valkey.stop()
        started = timezone.now()
        status, body = health_json(client)
        assert status == 503
        assert (timezone.now() - started).total_seconds() < 10
        assert body["broker"].startswith("Unavailable")
        valkey.server._desired_port = port  # bring the same server back on the same address
        valkey.server.start()
        assert health_json(client)[0] == 200
