"""Redis stopped mid-test: requests keep being served and each part follows its failure mode."""

from __future__ import annotations

import pytest

from violations import guards, services
from violations.models import Violation

pytestmark = pytest.mark.django_db


def banned_member_client(client, member):
    services.ban(user=member, duration_ms=600_000)
    client.force_login(member)
    return client


@pytest.mark.parametrize(("mode", "banned_status", "other_status"), [
    ("database", 403, 200), ("open", 200, 200), ("closed", 503, 503),
])  # fmt: skip
def test_it_follows_the_cache_failure_mode(bans_on, private_redis, client, member, mode, banned_status, other_status):
    bans_on.VIOLATIONS_CACHE_FAILURE = mode
    bans_on.VIOLATIONS_BAN_SYNC_SECONDS = 0
    banned_member_client(client, member)
    assert client.get("/page").status_code == 403
    private_redis.stop()
    assert client.get("/page").status_code == banned_status
    client.logout()
    assert client.get("/page").status_code == other_status


def test_it_still_records_violations_and_bans_without_redis(bans_on, private_redis, member):
    private_redis.stop()
    outcome = services.log_violation(type="non_browser", user=member, ip="203.0.113.9")
    assert outcome.banned is False  # no counter, so no crossing can be seen
    assert Violation.objects.get().details == {"uncounted": True}
    ban = services.ban(user=member, duration_ms=60_000)  # a manual ban still lands in the database
    assert services.active_ban(user=member) == ban


def test_it_fails_open_for_limiters_and_concurrency_by_default(private_redis, settings, client, member):
    settings.VIOLATIONS_RATE_LIMITS = {"register": {"max": 1}}
    private_redis.stop()
    assert [client.post("/register").status_code for _ in range(3)] == [200, 200, 200]
    assert guards.acquire_generation(member.pk).allowed


def test_it_fails_closed_for_limiters_when_asked(private_redis, settings, client):
    settings.VIOLATIONS_LIMITER_FAILURE = "closed"
    private_redis.stop()
    response = client.post("/register")
    assert response.status_code == 503
    assert "unavailable" in response.json()["message"]
