"""Periodic ledger work: auto-refills that fell due and holds that expired. Safe to run twice at once."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ledger import book, conf, metrics
from ledger.admission import announce_refill
from ledger.models import Balance, Hold


def refill_due_balances(*, now: datetime | None = None) -> dict:
    """Refill every balance whose interval has elapsed, in batches; returns counts for the JobRun summary."""
    now = now or timezone.now()
    refilled = skipped = 0
    after_pk = 0
    due = Balance.objects.filter(auto_refill_enabled=True, refill_amount__gt=0, next_refill_at__lte=now)
    while batch := list(
        due.filter(pk__gt=after_pk).order_by("pk").values_list("pk", "next_refill_at")[: conf.refill_batch_size()]
    ):
        for pk, due_at in batch:
            if _refill_one(pk, due_at, now):
                refilled += 1
            else:
                skipped += 1
        after_pk = batch[-1][0]
    return {"refilled": refilled, "skipped": skipped}


def _refill_one(pk: int, due_at: datetime, now: datetime) -> bool:
    with transaction.atomic():
        # The claim: only a worker whose conditional update still sees this period's due date refills it;
        # a second worker (or a balance check that refilled meanwhile) finds next_refill_at moved on.
        if not Balance.objects.filter(pk=pk, next_refill_at=due_at).update(next_refill_at=None):
            return False
        balance = Balance.objects.select_for_update().select_related("user").get(pk=pk)
        row = book.refill(balance, now)
        book.save(balance)
        announce_refill(balance, row, "job")
    return True


def release_expired_holds(*, now: datetime | None = None) -> dict:
    """Give back the credits of holds whose TTL passed without a spend or a release."""
    now = now or timezone.now()
    user_ids = list(
        Hold.objects.filter(status=Hold.Status.ACTIVE, expires_at__lte=now)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by()
    )
    released = 0
    for user_id in user_ids:
        with transaction.atomic():
            balance, _ = book.locked_balance(user_id, create=None)
            expired = book.expire_holds(balance, now)
            book.save(balance)
        released += expired
    metrics.HOLDS.labels("expired").inc(released)
    return {"released": released, "users": len(user_ids)}
