"""Rate limiters: fixed windows in Redis, 429 bodies and headers, a violation per refusal."""

from __future__ import annotations

import json
import time

import pytest

from violations import limiters
from violations.models import Ban, Violation

pytestmark = pytest.mark.django_db


@pytest.fixture
def routes(settings):
    settings.VIOLATIONS_ROUTE_LIMITERS = {"chatapp:login": ["login"], "chatapp:chat": ["message_ip", "message_user"]}
    return settings


def test_it_refuses_the_hit_after_max_with_librechat_body_and_headers(routes, client):
    routes.VIOLATIONS_RATE_LIMITS = {"login": {"max": 3, "window_seconds": 300}}
    statuses = [client.post("/login", REMOTE_ADDR="203.0.113.9").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.post("/login", REMOTE_ADDR="203.0.113.9")
    assert response.json() == {"message": "Too many login attempts, please try again after 5 minutes."}
    assert response["X-RateLimit-Limit"] == "3"
    assert response["X-RateLimit-Remaining"] == "0"
    assert 295 <= int(response["Retry-After"]) <= 300
    assert abs(int(response["X-RateLimit-Reset"]) - (time.time() + 300)) <= 5
    assert client.post("/login", REMOTE_ADDR="203.0.113.10").status_code == 200  # per-IP windows
    assert client.get("/login", REMOTE_ADDR="203.0.113.9").status_code == 200  # only POSTs count


def test_it_logs_a_violation_per_refusal_and_bans_a_brute_forcing_ip(routes, bans_on, client):
    routes.VIOLATIONS_RATE_LIMITS = {"login": {"max": 2}}
    routes.VIOLATIONS_SCORES = {"logins": 10}
    statuses = [client.post("/login", REMOTE_ADDR="198.51.100.7").status_code for _ in range(5)]
    assert statuses == [200, 200, 429, 429, 403]
    assert Violation.objects.filter(type="logins", ip="198.51.100.7").count() == 2
    assert Ban.objects.get().ip == "198.51.100.7"


def test_it_opens_a_new_window_when_the_old_one_ends(routes, client):
    routes.VIOLATIONS_RATE_LIMITS = {"login": {"max": 1, "window_seconds": 0.3}}
    assert [client.post("/login").status_code for _ in range(2)] == [200, 429]
    time.sleep(0.35)
    assert client.post("/login").status_code == 200


def test_it_applies_message_limits_per_user_with_the_violation_object(routes, client, member):
    routes.VIOLATIONS_RATE_LIMITS = {"message_user": {"enabled": True, "max": 1}}
    client.force_login(member)
    first = client.post("/chat")
    assert first.status_code == 200
    b"".join(first.streaming_content)  # read to the end, which closes it: no stream stays counted in flight
    response = client.post("/chat")
    body = response.json()
    assert response.status_code == 429
    assert (body["type"], body["limiter"], body["max"], body["windowInMinutes"]) == ("message_limit", "user", 1, 1)
    assert (body["prev_count"], body["violation_count"]) == (0, 1)
    assert body["retryAfterSeconds"] >= 1 and body["resetAt"] > time.time() * 1000


def test_it_skips_disabled_limiters(routes, client, member):
    client.force_login(member)
    statuses = set()
    for _ in range(45):  # LIMIT_MESSAGE_* are off by default
        response = client.post("/chat")
        statuses.add(response.status_code)
        b"".join(response.streaming_content)  # read to the end, which closes it: no stream stays in flight
    assert statuses == {200}


def test_it_works_as_a_view_decorator(settings, client):
    settings.VIOLATIONS_RATE_LIMITS = {"register": {"max": 1, "window_seconds": 3600}}
    assert client.post("/register").status_code == 200
    response = client.post("/register")
    assert response.status_code == 429
    assert response.json() == {"message": "Too many accounts created, please try again after 60 minutes"}
    assert Violation.objects.get().type == "registrations"


@pytest.mark.parametrize(("name", "message"), [
    ("reset_password", "Too many attempts, please try again after 2 minute(s)"),
    ("tool_call", "Too many tool call requests. Try again later"),
    ("import_ip", "Too many conversation import requests. Try again later"),
    ("share_ip", "Too many shared link requests. Try again later"),
])  # fmt: skip
def test_it_answers_each_limiter_with_its_librechat_message(settings, rf, member, name, message):
    settings.VIOLATIONS_RATE_LIMITS = {name: {"max": 0}}
    request = rf.generic(limiters.LIMITERS[name].methods[0], "/", REMOTE_ADDR="203.0.113.9")
    request.user = member
    response = limiters.check(name, request)
    assert response.status_code == 429
    assert json.loads(response.content)["message"] == message


def test_it_rejects_unknown_limiter_names():
    with pytest.raises(ValueError, match="unknown limiters"):
        limiters.rate_limit("nope")
