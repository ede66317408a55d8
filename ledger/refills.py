"""Periodic ledger work: auto-refills that fell due and holds that expired. Safe to run twice at once."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

import fastinsert
from ledger import book, conf, metrics, signals
from ledger.models import Balance, Hold, Transaction


def refill_due_balances(*, now: datetime | None = None) -> dict:
    """Refill every balance whose interval has elapsed, a batch per transaction; returns counts for the JobRun
    summary (`skipped`: balances that stopped being due between the listing and the lock)."""
    now = now or timezone.now()
    refilled = skipped = 0
    after_pk = 0
    due = Balance.objects.filter(auto_refill_enabled=True, refill_amount__gt=0, next_refill_at__lte=now)
    while pks := list(
        due.filter(pk__gt=after_pk).order_by("pk").values_list("pk", flat=True)[: conf.refill_batch_size()]
    ):
        done = _refill_batch(due, pks, now)
        refilled += done
        skipped += len(pks) - done
        after_pk = pks[-1]
    return {"refilled": refilled, "skipped": skipped}


def _refill_batch(due, pks: list, now: datetime) -> int:
    """Lock the batch's balances that are still due, refill them, and write their rows in one insert.

    The lock decides: a second run of the job, or a balance check that refilled a user meanwhile, has moved
    next_refill_at on, so the row no longer matches `due` once its lock is granted (PostgreSQL re-reads a
    locked row before returning it; SQLite runs one write transaction at a time). Rows are locked in key
    order, so two runs cannot deadlock. One commit per batch instead of one per balance, and one
    balances_refilled signal per batch (the audit log writes the batch's events in one insert): the job stays
    linear in the number of due balances (bench/refills_scale.py)."""
    with transaction.atomic():
        balances = list(due.filter(pk__in=pks).select_for_update().order_by("pk"))
        rows = [book.refill_row(balance, now) for balance in balances]
        fastinsert.insert_many(Transaction, rows)
        book.save_many(balances, REFILLED_FIELDS)
        _announce(balances, rows)
    return len(balances)


def _announce(balances: list[Balance], rows: list[Transaction]) -> None:
    refills = [
        signals.Refill(balance.user_id, row.token_value, row, balance.token_credits)
        for balance, row in zip(balances, rows, strict=True)
    ]
    metrics.REFILLS.labels("job").inc(len(refills))
    metrics.REFILL_CREDITS.inc(sum(refill.amount for refill in refills))
    if refills:
        signals.balances_refilled.send(sender=Balance, refills=refills, trigger="job")


# What a refill changes on a balance (book.refill_row).
REFILLED_FIELDS = ["token_credits", "last_refill", "next_refill_at"]

# What an operator may change about one balance's refills (the admin's schedule form).
SCHEDULE_FIELDS = [
    "auto_refill_enabled",
    "refill_amount",
    "refill_interval_value",
    "refill_interval_unit",
    "refill_schedule",
    "refill_time",
    "refill_weekday",
    "refill_day",
]


def change_refill_settings(*, balance: Balance, changes: dict) -> Balance:
    """Apply validated refill settings (a subset of SCHEDULE_FIELDS, ledger/forms.RefillScheduleForm) to a
    balance under its lock and re-derive next_refill_at from them; the credits and the last refill stay, so
    the new rule counts from the refill that already happened."""
    unknown = set(changes) - set(SCHEDULE_FIELDS)
    if unknown:
        raise ValueError(f"not refill settings: {sorted(unknown)}")
    with transaction.atomic():
        locked, _ = book.locked_balance(balance.user_id, create=None)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.schedule_next_refill()
        locked.save(update_fields=[*changes, "next_refill_at", "updated_at"])
    return locked


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
