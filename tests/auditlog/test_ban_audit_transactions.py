"""Bans, extensions and lifts write their audit event in the transaction that changes the ban: the event
exists exactly when the change does, and an extension names its operator."""

from __future__ import annotations

import pytest
from django.db import transaction

from auditlog.models import AuditEvent
from tests.auditlog.conftest import events, last_id
from violations import bans
from violations.banview import view
from violations.models import Ban

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


@pytest.fixture(autouse=True)
def bans_on(settings, member):
    settings.VIOLATIONS_BAN_ENABLED = True
    yield
    # The ban view is refreshed before the outer transaction ends: drop what a rolled-back ban left in it.
    view.refresh([Ban(kind=Ban.Kind.USER, user=member).cache_key])


def test_it_records_an_extension_with_its_operator(member, operator):
    row = bans.ban(user=member, duration_ms=60_000, reason="spam", actor=operator)
    before = row.expires_at
    start = last_id()
    extended = bans.extend_ban(row, duration_ms=3_600_000, actor=operator)
    assert events(after=start) == [("violations.ban_extended", "success", "operator@example.com", member.pk)]
    event = AuditEvent.objects.get(id__gt=start)
    assert (event.actor_id, event.target_id) == (operator.pk, str(row.pk))
    assert event.metadata["duration_ms"] == 3_600_000
    assert event.metadata["previous_expires_at"] == before.isoformat()
    assert event.metadata["expires_at"] == extended.expires_at.isoformat()
    assert Ban.objects.get(pk=row.pk).expires_at == extended.expires_at


def test_it_refuses_an_extension_that_is_not_positive(member, operator):
    row = bans.ban(user=member, duration_ms=60_000, actor=operator)
    start = last_id()
    with pytest.raises(ValueError):
        bans.extend_ban(row, duration_ms=0, actor=operator)
    assert events(after=start) == []


def test_a_failure_after_a_ban_rolls_back_the_ban_and_its_event(member, operator):
    start = last_id()
    with pytest.raises(Boom), transaction.atomic():
        bans.ban(user=member, duration_ms=60_000, actor=operator)
        assert events(after=start, domain="violations")  # written with the ban, not after the commit
        raise Boom
    assert (Ban.objects.count(), events(after=start, domain="violations")) == (0, [])


def test_a_failure_after_an_extension_rolls_back_both(member, operator):
    row = bans.ban(user=member, duration_ms=60_000, actor=operator)
    start = last_id()
    with pytest.raises(Boom), transaction.atomic():
        bans.extend_ban(row, duration_ms=3_600_000, actor=operator)
        assert events(after=start)
        raise Boom
    assert (Ban.objects.get(pk=row.pk).expires_at, events(after=start)) == (row.expires_at, [])


def test_a_failure_after_a_lift_rolls_back_both(member, operator):
    bans.ban(user=member, duration_ms=60_000, actor=operator)
    start = last_id()
    with pytest.raises(Boom), transaction.atomic():
        assert bans.lift_ban(user=member, actor=operator) == 1
        assert events(after=start)
        raise Boom
    assert (bans.active_ban(user=member) is not None, events(after=start)) == (True, [])


def test_lifting_nothing_records_nothing(member, operator):
    start = last_id()
    assert bans.lift_ban(user=member, actor=operator) == 0
    assert events(after=start) == []
