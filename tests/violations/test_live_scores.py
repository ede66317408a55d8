"""violations.selectors.live_scores_of: a user's live score counters by type, None when Redis is down."""

from __future__ import annotations

import pytest

from violations import selectors, services

pytestmark = pytest.mark.django_db


def test_it_reads_a_users_live_counters_by_type(member, operator):
    assert selectors.live_scores_of(member) == {}
    services.log_violation(type="logins", user=member)
    services.log_violation(type="logins", user=member)
    services.log_violation(type="message_limit", user=member.pk, score=5)
    services.log_violation(type="logins", user=operator)
    assert selectors.live_scores_of(member) == {"logins": 2, "message_limit": 5}
    assert selectors.live_scores_of(member.pk) == {"logins": 2, "message_limit": 5}


def test_it_says_none_when_redis_cannot_be_reached(private_redis, member):
    services.log_violation(type="logins", user=member)
    assert selectors.live_scores_of(member) == {"logins": 1}
    private_redis.stop()
    assert selectors.live_scores_of(member) is None
