"""/health/ answers 200 or 503 whatever the Accept header (curl's */*, a browser's text/html, none, garbage),
and names its checks database, cache, broker and beat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chatmon.core.models import JobRun

# Health checks run in worker threads with their own connections: they only see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

ACCEPTS = [None, "*/*", "text/html", "application/json", "text/plain", "garbage", "image/png", "text/html;q=x"]
NAMES = ("database", "cache", "broker", "beat")


def get(client, accept):
    return client.get("/health/", **({} if accept is None else {"HTTP_ACCEPT": accept}))


@pytest.mark.parametrize("accept", ACCEPTS)
def test_it_answers_200_for_every_accept_header_when_healthy(client, accept):
    JobRun.objects.create(task="chatmon.beat_heartbeat", status=JobRun.Status.SUCCESS, finished_at=timezone.now())
    response = get(client, accept)
    assert response.status_code == 200, response.content
    assert all(name.encode() in response.content for name in NAMES), response.content
    assert b"Database(" not in response.content and b"()" not in response.content


@pytest.mark.parametrize("accept", ACCEPTS)
def test_it_answers_503_for_every_accept_header_when_beat_is_late(client, accept):
    stale = timezone.now() - timedelta(hours=1)
    JobRun.objects.create(task="chatmon.beat_heartbeat", status=JobRun.Status.SUCCESS, finished_at=stale)
    response = get(client, accept)
    assert response.status_code == 503, response.content
    assert b"limit 300s" in response.content


def test_it_names_the_checks_in_json_and_text(client):
    JobRun.objects.create(task="chatmon.beat_heartbeat", status=JobRun.Status.SUCCESS, finished_at=timezone.now())
    assert client.get("/health/?format=json").json() == dict.fromkeys(NAMES, "OK")
    text = client.get("/health/", HTTP_ACCEPT="text/plain").content.decode()
    assert text == "".join(f"{name}: OK\n" for name in NAMES)


def test_it_answers_json_to_an_accept_header_it_cannot_serve(client):
    response = get(client, "garbage")
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == set(NAMES)
