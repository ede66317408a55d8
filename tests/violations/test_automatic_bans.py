"""Automatic bans: threshold crossing, user and IP records, sessions ended, soft ban, exemptions."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from violations import services, store
from violations.banview import view
from violations.models import Ban

pytestmark = pytest.mark.django_db


def logged_in_session(client, user) -> str:
    client.force_login(user)
    return client.session.session_key


def test_it_bans_the_user_and_the_ip_when_the_threshold_is_crossed(bans_on, member, client):
    session_key = logged_in_session(client, member)
    services.log_violation(type="logins", user=member, ip="203.0.113.9", score=19)
    outcome = services.log_violation(type="logins", user=member, ip="203.0.113.9")
    assert (outcome.prev_count, outcome.count, outcome.banned, outcome.ban_duration_ms) == (19, 20, True, 7_200_000)
    assert outcome.fields()["ban"] is True and outcome.fields()["violation_count"] == 20
    assert {(b.kind, b.source) for b in Ban.objects.active()} == {("user", "automatic"), ("ip", "automatic")}
    assert services.active_ban(user=member).violation_count == 20
    assert services.active_ban(ip="203.0.113.9") is not None
    assert not Session.objects.filter(session_key=session_key).exists()
    cached = store.client().hgetall(store.key("bans"))
    assert set(cached) == {f"user:{member.pk}", "ip:203.0.113.9"}


def test_it_does_not_ban_again_without_a_new_crossing(bans_on, member):
    services.log_violation(type="non_browser", user=member)
    assert services.log_violation(type="logins", user=member).banned is False  # another type's counter


def test_it_bans_an_anonymous_brute_force_by_ip(bans_on, settings):
    settings.VIOLATIONS_SCORES = {"logins": 5}
    outcomes = [services.log_violation(type="logins", ip="198.51.100.7") for _ in range(4)]
    assert [o.banned for o in outcomes] == [False, False, False, True]
    assert Ban.objects.get().kind == "ip"


def test_it_soft_bans_with_a_duration_of_zero(bans_on, member, client):
    bans_on.VIOLATIONS_BAN_DURATION_MS = 0
    session_key = logged_in_session(client, member)
    outcome = services.log_violation(type="non_browser", user=member, ip="203.0.113.9")
    assert outcome.banned is False
    assert not Ban.objects.exists()
    assert not Session.objects.filter(session_key=session_key).exists()


def test_it_never_auto_bans_staff(bans_on, operator):
    assert services.log_violation(type="non_browser", user=operator, ip="203.0.113.9").banned is False
    assert not Ban.objects.exists()


def test_it_never_auto_bans_allowlisted_users_and_ips(bans_on, member):
    bans_on.VIOLATIONS_BAN_EXEMPT_USER_IDS = [str(member.pk)]
    bans_on.VIOLATIONS_BAN_EXEMPT_IPS = ["198.51.100.0/24"]
    assert services.log_violation(type="non_browser", user=member, ip="203.0.113.9").banned is False
    assert services.log_violation(type="non_browser", ip="198.51.100.20").banned is False
    assert not Ban.objects.exists()


def test_it_bans_the_user_but_not_an_allowlisted_ip(bans_on, member):
    bans_on.VIOLATIONS_BAN_EXEMPT_IPS = ["203.0.113.0/24"]
    assert services.log_violation(type="non_browser", user=member, ip="203.0.113.9").banned is True
    assert list(Ban.objects.values_list("kind", flat=True)) == ["user"]


def test_it_lifts_records_cache_view_and_counters(bans_on, member, operator):
    services.log_violation(type="non_browser", user=member, ip="203.0.113.9")
    assert view.expiry([f"user:{member.pk}"]) is not None
    assert services.lift_ban(user=member, ip="203.0.113.9", actor=operator) == 2
    assert services.active_ban(user=member) is None
    assert Ban.objects.filter(lifted_by=operator).count() == 2
    assert store.client().hgetall(store.key("bans")) == {}
    assert view.expiry([f"user:{member.pk}", "ip:203.0.113.9"]) is None
    assert store.scores_of(store.target(user_id=member.pk)) == {}


def test_it_bans_manually_and_extends_an_active_ban(member, operator):
    first = services.ban(user=member, duration_ms=60_000, reason="abuse", actor=operator)
    second = services.ban(user=member, duration_ms=3_600_000, reason="abuse", actor=operator)
    assert first.pk == second.pk and second.source == "manual" and second.created_by == operator
    assert Ban.objects.count() == 1
    assert (second.expires_at - first.created_at).total_seconds() == pytest.approx(3600, abs=5)


def test_it_refuses_a_manual_ban_without_a_target_or_duration(member):
    with pytest.raises(ValueError):
        services.ban(duration_ms=1000)
    with pytest.raises(ValueError):
        services.ban(user=member, duration_ms=0)
