"""violations.selectors for one user's history and for the bans in force: what User 360 and the Abuse page read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from violations import selectors, services
from violations.models import Ban, Violation

pytestmark = pytest.mark.django_db


def test_it_lists_a_users_violations_newest_first(member, operator):
    services.log_violation(type="logins", user=member, ip="203.0.113.1")
    services.log_violation(type="message_limit", user=member)
    services.log_violation(type="logins", user=operator)
    services.log_violation(type="logins", ip="203.0.113.1")
    Violation.objects.filter(type="message_limit").update(created_at=timezone.now() + timedelta(seconds=1))
    assert [v.type for v in selectors.violations_of(member)] == ["message_limit", "logins"]
    assert list(selectors.violations_of(member.pk)) == list(selectors.violations_of(member))


def test_it_lists_the_bans_of_a_users_account_lifted_ones_too(member, operator):
    first = services.ban(user=member, duration_ms=60_000, reason="first")
    services.lift_ban(user=member)
    second = services.ban(user=member, ip="203.0.113.5", duration_ms=60_000, reason="second")
    services.ban(user=operator, duration_ms=60_000)
    Ban.objects.filter(pk=second.pk).update(created_at=timezone.now() + timedelta(seconds=1))
    assert list(selectors.bans_of(member)) == [second, first]  # the ban of the IP they used is not theirs


def test_it_lists_the_bans_in_force_soonest_expiry_first(member, operator):
    later = services.ban(user=member, duration_ms=600_000)
    sooner = services.ban(ip="203.0.113.9", duration_ms=60_000)
    services.ban(user=operator, duration_ms=60_000)
    services.lift_ban(user=operator)
    expired = services.ban(ip="198.51.100.1", duration_ms=60_000)
    Ban.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert list(selectors.active_bans()) == [sooner, later]
