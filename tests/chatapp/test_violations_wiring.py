"""The chat app guarded by the violations app: login limiter, bans, and the concurrent-generation limit."""

from __future__ import annotations

import json

import pytest

from violations import services as violations
from violations.models import Violation


def login(api, ip: str, password: str):
    return api.client.post(
        api.url("login"),
        json.dumps({"username": "member", "password": password}),
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def test_it_rate_limits_logins_per_ip_and_records_the_violation(api, member, settings):
    settings.VIOLATIONS_ROUTE_LIMITERS = {"chatapp:login": ["login"]}
    settings.VIOLATIONS_RATE_LIMITS = {"login": {"max": 2, "window_seconds": 60}}
    ip = "198.51.100.71"

    first = login(api, ip, "wrong")
    assert (first.status_code, first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == (401, "2", "1")
    assert login(api, ip, "wrong").status_code == 401
    refused = login(api, ip, "member-pass-1")  # even the right password: the window is spent

    assert refused.status_code == 429
    assert refused.json()["message"].startswith("Too many login attempts")
    assert refused["X-RateLimit-Limit"] == "2"
    assert refused["X-RateLimit-Remaining"] == "0"
    assert 0 < int(refused["Retry-After"]) <= 60
    violation = Violation.objects.get(type="logins", ip=ip)
    assert violation.user is None  # nobody was logged in: counted for the IP
    assert login(api, "198.51.100.72", "member-pass-1").status_code == 200  # another address is not limited


def test_it_refuses_a_banned_member_at_login_before_authentication(api, member, settings):
    settings.VIOLATIONS_BAN_ENABLED = True  # read when the client's middleware chain is built
    violations.ban(user=member, duration_ms=60_000, reason="test")

    refused = login(api, "198.51.100.73", "member-pass-1")

    assert refused.status_code == 403
    assert refused.json()["message"] == "Your account has been temporarily banned due to violations of our service."
    assert 0 < refused.json()["retry_after"] <= 60
    assert refused["Retry-After"] == str(refused.json()["retry_after"])


def test_it_answers_a_banned_address_on_the_chat_route_with_the_sse_error(member_api, settings):
    settings.VIOLATIONS_BAN_ENABLED = True
    violations.ban(ip="198.51.100.74", duration_ms=60_000, reason="test")

    chat = member_api.client.post(
        member_api.url("chat"),
        json.dumps({"model": "gpt-4o", "text": "hello"}),
        content_type="application/json",
        REMOTE_ADDR="198.51.100.74",
    )

    assert chat["Content-Type"].startswith("text/event-stream")
    assert 0 < int(chat["Retry-After"]) <= 60
    body = chat.content.decode()
    assert "event: error" in body
    assert '{\\"type\\":\\"ban\\"}' in body


@pytest.mark.django_db(transaction=True)  # closing a stream ends the request, closing database connections
def test_it_admits_one_generation_at_a_time_per_user(member_api, settings):
    settings.VIOLATIONS_CONCURRENT_ENABLED = True
    settings.VIOLATIONS_CONCURRENT_MAX = 1
    first = member_api.post("chat", {"model": "gpt-4o", "text": "the first, still streaming"})
    next(iter(first.streaming_content))

    second = member_api.post("chat", {"model": "gpt-4o", "text": "the second, too soon"})
    assert second["Content-Type"].startswith("text/event-stream")
    body = second.content.decode()
    assert "event: error" in body
    assert "concurrent" in body
    assert Violation.objects.filter(type="concurrent").count() == 1

    first.close()  # the first generation ends: its slot is free again
    third = member_api.post("chat", {"model": "gpt-4o", "text": "the third, after the first"})
    events = b"".join(third.streaming_content).decode()
    third.close()
    assert '"final": true' in events
