"""Audit events, feature events and request timings: batches recorded where chatmon's own data goes."""

from __future__ import annotations

import time

import pytest
from prometheus_client import REGISTRY

from auditlog.models import AuditEvent
from chatmon.monitoring import flusher
from chatmon.monitoring.aggregator import minute_of
from chatmon.monitoring.batched import request_metrics
from chatmon.monitoring.compaction import compact
from chatmon.monitoring.models import RequestRollup

pytestmark = pytest.mark.django_db


def sample(name: str, labels: dict) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_it_records_audit_events_with_the_user_as_actor_and_subject(api):
    body = api.post(
        "events/audit",
        {"events": [
            {"action": "auth.login", "user": "u1", "ip": "203.0.113.4", "metadata": {"password": "hunter2"},
             "occurred_at": "2026-01-02T03:04:05Z"},
            {"action": "account.settings_changed", "outcome": "failure"},
        ]},
    ).json()  # fmt: skip
    assert body["succeeded"] == 2
    login = AuditEvent.objects.get(action="auth.login")
    assert login.actor_label == "librechat:u1" and login.subject_id == login.actor_id
    assert login.ip == "203.0.113.4"
    assert login.metadata == {"password": "[REDACTED]", "occurred_at": "2026-01-02T03:04:05+00:00"}
    settings_event = AuditEvent.objects.get(action="account.settings_changed")
    assert settings_event.actor_label == "api-key:test-key-0" and settings_event.outcome == "failure"


def test_it_accepts_custom_actions_only_when_configured(api, settings):
    event = {"events": [{"action": "librechat.prompt_shared"}]}
    assert api.post("events/audit", event).json()["results"][0]["status"] == 422
    settings.API_AUDIT_ACTIONS = ["librechat.prompt_shared"]
    assert api.post("events/audit", event).json()["succeeded"] == 1
    assert AuditEvent.objects.filter(action="librechat.prompt_shared", domain="librechat").count() == 1


def test_it_counts_feature_events(api):
    before = sample("chatmon_feature_events_total", {"name": "message.copied"})
    body = api.post("events/features", {"events": [{"name": "message.copied", "count": 3}, {"name": "x"}]}).json()
    assert (body["succeeded"], body["failed"]) == (1, 1)
    assert sample("chatmon_feature_events_total", {"name": "message.copied"}) == before + 3


def test_feature_events_naming_a_user_are_kept_per_user_for_funnels(api):
    from chatmon.analytics.models import UserEventDay

    before = sample("chatmon_feature_events_total", {"name": "message.copied"})
    events = [{"name": "message.copied", "user": "u1", "count": 2}, {"name": "message.copied", "user": "u1"}]
    assert api.post("events/features", {"events": events}).json()["succeeded"] == 2
    row = UserEventDay.objects.get()
    assert (row.user.username, row.name, row.count) == ("librechat:u1", "message.copied", 3)
    assert sample("chatmon_feature_events_total", {"name": "message.copied"}) == before + 3


def test_it_records_timings_like_chatmons_own_requests(api):
    labels = {"route": "librechat:/api/ask/:endpoint", "method": "POST", "status_class": "2xx"}
    request_metrics.sync()
    before = sample("chatmon_http_requests_total", labels)
    at = time.time() - 120
    ended = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
    timing = {"route": "/api/ask/:endpoint", "method": "POST", "status": 200, "duration_ms": 1500,
              "ttfb_ms": 300, "bytes_sent": 2048, "at": ended}  # fmt: skip
    body = api.post("timings", {"timings": [timing, timing | {"status": 99}]}).json()
    assert [r["ok"] for r in body["results"]] == [True, False]
    request_metrics.sync()  # what the flusher thread and /metrics do
    assert sample("chatmon_http_requests_total", labels) == before + 1
    # Through the same pipeline as chatmon's own requests: buffer, Redis (the background flusher may have
    # sent it already; flush() sends whatever is left), then compaction into the per-minute rollups.
    flusher.flush()
    compact(now=time.time() + 120)
    row = RequestRollup.objects.get(route="librechat:/api/ask/:endpoint", method="POST")
    assert (row.minute.timestamp(), row.count, row.duration_sum_us) == (minute_of(int(at)), 1, 1_500_000)


def test_it_refuses_timings_too_old_and_caps_the_routes(api, settings):
    old = {"route": "/a", "method": "GET", "status": 200, "duration_ms": 1, "at": "2000-01-01T00:00:00Z"}
    assert api.post("timings", {"timings": [old]}).json()["results"][0]["errors"][0]["field"] == "at"
    settings.API_TIMING_MAX_ROUTES = 0
    fresh = {"route": "/never-seen-before", "method": "GET", "status": 200, "duration_ms": 1}
    assert api.post("timings", {"timings": [fresh]}).json()["results"][0]["result"] == {"route": "librechat:<other>"}


@pytest.mark.parametrize(("endpoint", "item"), [
    ("timings", {"route": "/api/ask", "method": "POST", "status": 200, "duration_ms": 10}),
    ("generations/batch", {"model": "gpt-4o", "endpoint": "openAI", "outcome": "ok", "duration_ms": 10}),
])  # fmt: skip
@pytest.mark.parametrize("days", [-2, 1])
def test_a_reported_moment_too_old_or_in_the_future_is_refused(api, endpoint, item, days):
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + days * 86400))
    key = "timings" if endpoint == "timings" else "generations"
    body = api.post(endpoint, {key: [item, item | {"at": at}]}).json()
    assert [result["ok"] for result in body["results"]] == [True, False]
    assert "API_TIMING_MAX_AGE_SECONDS" in str(body["results"][1])
