"""The ledger's and violations' signals, looked up by dotted path, each record the expected event.

Skipped when an app or its signal is not there yet; in CI both exist.
"""

from __future__ import annotations

import pytest
from django.utils.module_loading import import_string

from auditlog.models import AuditEvent
from tests.auditlog.conftest import events, last_id
from tests.conftest import require

pytestmark = pytest.mark.django_db


def signal(path: str):
    try:
        return import_string(path)
    except ImportError:
        require(False, f"{path} is not there yet")


def test_it_records_credits_granted_by_an_operator_through_the_ledger(member, operator):
    signal("ledger.signals.credits_granted")
    from ledger import services

    start = last_id()
    services.grant_credits(user=member, amount=500, actor=operator, reason="goodwill")
    assert events(after=start, domain="ledger") == [
        ("ledger.credits_granted", "success", "operator@example.com", member.pk)
    ]
    event = AuditEvent.objects.get(id__gt=start, action="ledger.credits_granted")
    assert (event.metadata["amount"], event.metadata["reason"]) == (500, "goodwill")
    assert event.target_type.model == "transaction"


def test_it_records_a_refill_by_the_job_as_the_systems(member):
    refilled = signal("ledger.signals.balance_refilled")
    start = last_id()
    refilled.send(sender=None, user=member, user_id=member.pk, amount=10000, transaction=None, balance=10500,
                  trigger="job")  # fmt: skip
    assert events(after=start) == [("ledger.balance_refilled", "success", "job:ledger.refill", member.pk)]


def test_it_records_each_refill_of_the_jobs_batch_like_a_single_refill(member, operator):
    refilled = signal("ledger.signals.balances_refilled")
    from ledger.signals import Refill

    start = last_id()
    refills = [Refill(member.pk, 10000.0, None, 10500.0), Refill(operator.pk, 10000.0, None, 10020.0)]
    refilled.send(sender=None, refills=refills, trigger="job")
    assert events(after=start) == [
        ("ledger.balance_refilled", "success", "job:ledger.refill", member.pk),
        ("ledger.balance_refilled", "success", "job:ledger.refill", operator.pk),
    ]
    recorded = AuditEvent.objects.filter(id__gt=start).order_by("id").values_list("metadata", flat=True)
    assert [metadata["balance"] for metadata in recorded] == [10500.0, 10020.0]


def test_it_records_a_balance_denial_as_denied(member):
    denied = signal("ledger.signals.balance_denied")
    start = last_id()
    denied.send(sender=None, user=member, user_id=member.pk, reason="token_balance", amount=100, token_cost=250,
                balance=10, refill_at=None, model="gpt-4o", endpoint=None, payload={}, actor=None)  # fmt: skip
    assert events(after=start, domain="ledger") == [
        ("ledger.balance_denied", "denied", "member@example.com", member.pk)
    ]
    assert AuditEvent.objects.get(id__gt=start, action="ledger.balance_denied").metadata["token_cost"] == 250


def test_it_leaves_single_violations_to_the_violations_app(member):
    signal("violations.signals.violation_logged")
    from violations import services

    start = last_id()
    services.log_violation(type="illegal_model_request", user=member, ip="198.51.100.9", score=1)
    assert events(after=start) == []


def test_it_records_a_manual_ban_and_its_lifting_through_violations(member, operator, settings):
    signal("violations.signals.user_banned")
    from violations import bans

    settings.VIOLATIONS_BAN_ENABLED = True
    start = last_id()
    bans.ban(user=member, duration_ms=60_000, reason="spam", actor=operator)
    bans.lift_ban(user=member, actor=operator)
    who = ("success", "operator@example.com", member.pk)
    assert events(after=start, domain="violations") == [
        ("violations.user_banned", *who),
        ("violations.ban_lifted", *who),
    ]
    banned = AuditEvent.objects.get(id__gt=start, action="violations.user_banned")
    assert (banned.metadata["reason"], banned.metadata["automatic"]) == ("spam", False)
