"""Retention prunes old events (per domain too) in batches, leaves signed ranges, and the chain still verifies."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from auditlog import chain, retention, sealing
from auditlog.models import AuditEvent, PrunedRange
from auditlog.services import record, verify_chain

pytestmark = pytest.mark.django_db


def _at(days_ago: int, action: str, n: int) -> None:
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        record(action=action, actor="job:seed", metadata={"n": n})
        sealing.seal()  # as the sealer did then, seconds later


@pytest.fixture
def history(db) -> None:
    """Old and new events of two domains, interleaved in the chain."""
    for n, days_ago in enumerate([400, 400, 100, 100, 40, 40, 5, 5]):
        _at(days_ago, "chat.created" if n % 2 else "auth.login", n)


def _kept() -> list[int]:
    return sorted(AuditEvent.objects.values_list("metadata__n", flat=True))


def test_it_prunes_past_the_retention_and_still_verifies(history, settings):
    settings.AUDITLOG_RETENTION_DAYS = 365
    assert retention.prune() == {"pruned": 2, "batches": 1, "ranges": 1}
    assert _kept() == [2, 3, 4, 5, 6, 7]
    assert verify_chain() == verify_chain().__class__(ok=True, checked=6)
    assert retention.prune()["pruned"] == 0  # twice is the same as once


def test_it_applies_per_domain_overrides_leaving_gaps_it_can_verify(history, settings):
    settings.AUDITLOG_RETENTION_DAYS = 365
    settings.AUDITLOG_RETENTION_DAYS_BY_DOMAIN = {"chat": 30, "auth": 0}  # auth kept forever
    assert retention.prune()["pruned"] == 3  # chat events 1, 3 and 5
    assert _kept() == [0, 2, 4, 6, 7]
    assert PrunedRange.objects.count() == 3
    assert verify_chain().ok
    # Once the events between them go too, the ranges merge into one.
    settings.AUDITLOG_RETENTION_DAYS_BY_DOMAIN = {"chat": 30, "auth": 90}
    assert retention.prune()["pruned"] == 2
    assert list(PrunedRange.objects.values_list("first_seq", "last_seq")) == [(1, 4), (6, 6)]
    assert verify_chain().ok


def test_it_prunes_in_batches(history, settings):
    settings.AUDITLOG_RETENTION_DAYS = 30
    settings.AUDITLOG_PRUNE_BATCH_SIZE = 2
    assert retention.prune() == {"pruned": 6, "batches": 3, "ranges": 1}
    assert verify_chain().ok


def test_it_keeps_forever_when_retention_is_zero(history, settings):
    settings.AUDITLOG_RETENTION_DAYS = 0
    assert retention.prune() == {"pruned": 0, "batches": 0}


def test_it_does_not_prune_a_tampered_event(history, settings):
    settings.AUDITLOG_RETENTION_DAYS = 365
    first = AuditEvent.objects.get(seq=1)
    AuditEvent.objects.filter(pk=first.pk).update(outcome="failure")
    retention.prune()
    assert AuditEvent.objects.filter(pk=first.pk).exists()  # kept as evidence
    assert (verify_chain().ok, verify_chain().first_bad_id) == (False, first.pk)


def test_it_detects_a_deletion_covered_by_a_forged_range(history, settings):
    gone = AuditEvent.objects.get(seq=3)
    gone.delete()
    forged = PrunedRange(first_seq=3, last_seq=3, prev_hash=AuditEvent.objects.get(seq=2).hash, last_hash=gone.hash)
    forged.signature = "0" * 64
    forged.save()
    report = verify_chain()
    assert (report.ok, "bad signature" in report.problem) == (False, True)
    forged.signature = chain.range_signature(forged)  # only the SECRET_KEY holder can do this
    forged.save()
    assert verify_chain().ok


def test_it_seals_before_it_prunes(settings):
    """An expired event the sealer never reached gets its position first: its range links like any other."""
    settings.AUDITLOG_RETENTION_DAYS = 365
    _at(400, "auth.login", 0)
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        record(action="auth.login", actor="job:seed", metadata={"n": 1})  # never sealed until the prune
    record(action="auth.login", actor="job:seed", metadata={"n": 2})
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 2
    assert retention.prune() == {"pruned": 2, "batches": 1, "ranges": 1}
    assert _kept() == [2]
    assert list(PrunedRange.objects.values_list("first_seq", "last_seq")) == [(1, 2)]
    assert verify_chain().ok
