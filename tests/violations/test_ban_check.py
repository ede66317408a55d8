"""The ban-check middleware: 403 JSON with expiry, SSE on streaming routes, login refused before auth."""

from __future__ import annotations

import json

import pytest

from violations import services
from violations.banview import BanView, view
from violations.responses import BAN_MESSAGE

pytestmark = pytest.mark.django_db


def test_it_refuses_a_banned_user_with_expiry_and_retry_after(bans_on, client, member):
    services.ban(user=member, duration_ms=600_000)
    client.force_login(member)
    response = client.get("/page")
    assert response.status_code == 403
    body = response.json()
    assert body["message"] == BAN_MESSAGE
    assert 590 <= body["retry_after"] <= 600
    assert response["Retry-After"] == str(body["retry_after"])
    assert body["expires_at"].startswith(services.active_ban(user=member).expires_at.isoformat()[:19])


def test_it_refuses_a_banned_ip(bans_on, client):
    services.ban(ip="203.0.113.9", duration_ms=600_000)
    assert client.get("/page", REMOTE_ADDR="203.0.113.9").status_code == 403
    assert client.get("/page", REMOTE_ADDR="203.0.113.10").status_code == 200


def test_it_cannot_be_escaped_with_a_spoofed_forwarded_header(bans_on, client):
    services.ban(ip="203.0.113.9", duration_ms=600_000)
    assert client.get("/page", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 403


def test_it_sends_the_librechat_sse_error_on_streaming_routes(bans_on, client, member):
    bans_on.VIOLATIONS_STREAMING_URL_NAMES = ["chatapp:chat"]
    services.ban(user=member, duration_ms=600_000)
    client.force_login(member)
    response = client.post("/chat", {"text": "hi", "conversationId": "c1"}, content_type="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    events = response.content.decode().strip().split("\n\n")
    assert events[0].startswith("event: message")
    kind, data = events[1].split("\n")
    assert kind == "event: error"
    error = json.loads(data.removeprefix("data: "))
    assert (error["text"], error["error"], error["conversationId"]) == ('{"type":"ban"}', True, "c1")


def test_it_refuses_a_banned_user_at_login_before_authentication(bans_on, client, member):
    bans_on.VIOLATIONS_LOGIN_URL_NAMES = ["chatapp:login"]
    services.ban(user=member, duration_ms=600_000)
    assert client.post("/login", {"username": "MEMBER", "password": "x"}).status_code == 403
    body = json.dumps({"email": "member@example.com", "password": "x"})
    assert client.post("/login", body, content_type="application/json").status_code == 403
    assert client.post("/login", {"username": "someone-else"}).status_code == 200


def test_it_lets_the_caller_in_once_the_ban_is_lifted(bans_on, client, member):
    services.ban(user=member, duration_ms=600_000)
    client.force_login(member)
    assert client.get("/page").status_code == 403
    services.lift_ban(user=member)
    assert client.get("/page").status_code == 200


def test_it_reaches_other_processes_within_the_sync_interval(bans_on, member):
    other = BanView()  # another worker process' view, already synced before the ban
    assert other.expiry([f"user:{member.pk}"]) is None
    services.ban(user=member, duration_ms=600_000)
    assert other.expiry([f"user:{member.pk}"]) is None  # within the sync interval: no Redis read yet
    other.sync(force=True)
    assert other.expiry([f"user:{member.pk}"]) is not None


def test_it_rebuilds_the_redis_hash_from_the_database_after_a_flush(bans_on, member):
    from tests.violations.conftest import clear_namespace

    services.ban(user=member, duration_ms=600_000)
    clear_namespace()  # Redis restarted empty
    fresh = BanView()
    assert fresh.expiry([f"user:{member.pk}"]) is not None


def test_it_is_switched_off_with_ban_violations(client, member):
    services.ban(user=member, duration_ms=600_000)
    client.force_login(member)
    assert client.get("/page").status_code == 200
    assert view.expiry([f"user:{member.pk}"]) is not None  # the ban exists; only the check is off
