"""Operator admin (manual ban, lift action, read-only violations) and the periodic jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from violations import services, store, tasks
from violations.models import Ban, Violation, ViolationTrend

pytestmark = pytest.mark.django_db


def test_it_bans_an_ip_from_the_admin_form_and_lifts_it_with_the_action(admin_client):
    response = admin_client.post("/admin/violations/ban/add/", {"ip": "203.0.113.9", "duration_minutes": 30,
                                                                  "reason": "scraping"})  # fmt: skip
    assert response.status_code == 302
    ban = services.active_ban(ip="203.0.113.9")
    assert (ban.source, ban.reason, ban.created_by.username) == ("manual", "scraping", "admin")
    listing = admin_client.get("/admin/violations/ban/?status=active")
    assert b"IP 203.0.113.9" in listing.content
    admin_client.post("/admin/violations/ban/", {"action": "lift", "_selected_action": [ban.pk]})
    assert services.active_ban(ip="203.0.113.9") is None


def test_it_keeps_violations_read_only(admin_client, member):
    services.log_violation(type="logins", user=member)
    assert admin_client.get("/admin/violations/violation/").status_code == 200
    assert admin_client.get("/admin/violations/violation/add/").status_code == 403


def test_it_computes_hourly_trends(member):
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    for ip in ("203.0.113.1", "203.0.113.2"):
        services.log_violation(type="logins", user=member, ip=ip)
    services.log_violation(type="logins", ip="203.0.113.3")
    Violation.objects.update(created_at=hour + timedelta(minutes=10))
    assert tasks.compute_trends() == {"trend_rows": 1, "violations": {"logins": 3}}
    trend = ViolationTrend.objects.get()
    assert (trend.hour, trend.count, trend.unique_users, trend.unique_ips) == (hour, 3, 1, 3)
    tasks.compute_trends()
    assert ViolationTrend.objects.count() == 1


def test_it_purges_expired_bans_from_the_redis_hash(member):
    services.ban(user=member, duration_ms=60_000)
    assert tasks.purge_expired_bans() == {"active": 1, "rebuilt": False}
    Ban.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tasks.purge_expired_bans()["removed"] == 1
    assert store.client().hgetall(store.key("bans")) == {}
