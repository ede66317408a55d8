"""log_violation: Redis score counters for the user, or the IP when anonymous, plus a history row."""

from __future__ import annotations

import pytest

from violations import services, store
from violations.models import Ban, Violation
from violations.signals import violation_logged

pytestmark = pytest.mark.django_db


def test_it_counts_scores_per_type_for_the_user(member):
    first = services.log_violation(type="logins", user=member, ip="203.0.113.9")
    second = services.log_violation(type="logins", user=member.pk, score=5)
    assert (first.prev_count, first.count) == (0, 1)
    assert (second.prev_count, second.count) == (1, 6)
    assert store.scores_of(store.target(user_id=member.pk)) == {"logins": 6}
    assert store.scores_of(store.target(ip="203.0.113.9")) == {}


def test_it_counts_anonymous_violations_for_the_ip():
    services.log_violation(type="logins", ip="203.0.113.9:5555")
    outcome = services.log_violation(type="logins", ip="203.0.113.9")
    assert outcome.count == 2
    assert Violation.objects.filter(ip="203.0.113.9", user=None).count() == 2


def test_it_uses_the_configured_score_of_the_type(settings, member):
    settings.VIOLATIONS_SCORES = {"illegal_model_request": 5}
    assert services.log_violation(type="illegal_model_request", user=member).count == 5
    assert services.log_violation(type="non_browser", user=member).count == 20  # LibreChat's default


def test_it_expires_counters_after_the_score_ttl(settings, member):
    settings.VIOLATIONS_SCORE_TTL_MS = 1500
    services.log_violation(type="logins", user=member)
    ttl = store.client().pttl(store.key("score", "logins", store.target(user_id=member.pk)))
    assert 0 < ttl <= 1500


def test_it_keeps_counters_forever_with_a_ttl_of_zero(settings, member):
    settings.VIOLATIONS_SCORE_TTL_MS = 0
    services.log_violation(type="logins", user=member)
    assert store.client().pttl(store.key("score", "logins", store.target(user_id=member.pk))) == -1


def test_it_stores_a_redacted_history_row(member):
    outcome = services.log_violation(
        type="message_limit", user=member, ip="::ffff:198.51.100.4", details={"password": "hunter2", "max": 40},
        request_id="req-1",
    )  # fmt: skip
    row = Violation.objects.get()
    assert row == outcome.violation
    assert (row.type, row.user, row.ip, row.score, row.prev_count, row.count) == (
        "message_limit", member, "198.51.100.4", 1, 0, 1)  # fmt: skip
    assert row.details == {"password": "[REDACTED]", "max": 40}
    assert row.request_id == "req-1"


def test_it_sends_violation_logged(member):
    received = []
    violation_logged.connect(lambda sender, **kw: received.append(kw), weak=False, dispatch_uid="t")
    try:
        services.log_violation(type="logins", user=member)
    finally:
        violation_logged.disconnect(dispatch_uid="t")
    assert received[0]["violation"].type == "logins"
    assert received[0]["outcome"].count == 1


def test_it_does_nothing_without_a_user_or_an_ip():
    outcome = services.log_violation(type="logins")
    assert (outcome.count, outcome.banned) == (0, False)
    assert not Violation.objects.exists()


def test_it_refuses_an_unknown_type(member):
    with pytest.raises(ValueError):
        services.log_violation(type="made_up", user=member)


def test_it_counts_but_does_not_ban_while_bans_are_off(member):
    outcome = services.log_violation(type="non_browser", user=member, ip="203.0.113.9")
    assert (outcome.count, outcome.banned) == (20, False)
    assert not Ban.objects.exists()
