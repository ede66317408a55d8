"""violations.selectors.violation_count and ban_count: what the alert rules measure over their window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from violations import selectors, services
from violations.models import Ban, Violation
from violations.types import ViolationType

pytestmark = pytest.mark.django_db


def test_it_counts_violations_since_a_moment_by_type(member):
    since = timezone.now() - timedelta(minutes=5)
    for kind in ("logins", "logins", "token_balance", "message_limit"):
        services.log_violation(type=kind, user=member)
    services.log_violation(type="logins", ip="203.0.113.1")
    Violation.objects.filter(ip="203.0.113.1").update(created_at=since - timedelta(seconds=1))
    assert selectors.violation_count(since=since) == 4
    assert selectors.violation_count(since=since, type=ViolationType.TOKEN_BALANCE) == 1
    assert selectors.violation_count(since=since, exclude_type=ViolationType.TOKEN_BALANCE) == 3
    assert selectors.violation_count(since=since, type="logins") == 2
    with pytest.raises(ValueError):
        selectors.violation_count(since=since, type="no_such_type")


def test_it_counts_bans_issued_since_a_moment(member):
    since = timezone.now() - timedelta(minutes=5)
    services.ban(user=member, duration_ms=60_000)
    services.lift_ban(user=member)  # lifted bans were still issued
    old = services.ban(ip="203.0.113.9", duration_ms=60_000)
    Ban.objects.filter(pk=old.pk).update(created_at=since - timedelta(seconds=1))
    assert selectors.ban_count(since=since) == 1
