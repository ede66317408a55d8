"""Primitives that change a balance; each runs inside the caller's `transaction.atomic()`.

Concurrency rule: every change to a user's credits or holds first takes that user's Balance row with
`select_for_update()` (a row lock on PostgreSQL; on SQLite, chatmon's IMMEDIATE transactions already hold
the database write lock from BEGIN). The row, its Transaction rows and its Holds therefore change together
or not at all, with no retry loop, so no charge can be lost the way LibreChat's optimistic loop loses one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from ledger import schedules
from ledger.models import Balance, Hold, Transaction
from ledger.validation import UserGone

BALANCE_FIELDS = [
    "token_credits",
    "held_credits",
    "last_refill",
    "next_refill_at",
    "auto_refill_enabled",
    "refill_interval_value",
    "refill_interval_unit",
    "refill_amount",
    "refill_schedule",
    "refill_time",
    "refill_weekday",
    "refill_day",
    "updated_at",
]


def user_id_of(user) -> object:
    """A user instance or a user id (int or str) -> the primary key value."""
    if hasattr(user, "pk"):
        return user.pk
    return get_user_model()._meta.pk.to_python(user)


@contextmanager
def transaction_for(user_id) -> Iterator[None]:
    """transaction.atomic() for a write on `user_id`'s balance or rows, raising UserGone (nothing written) when
    the write failed because the user no longer exists (deleted while it ran, or just before by a process
    whose news had not reached the caller): their rows fail the foreign key at COMMIT (it is deferred), or the
    user is read and not found. Any other failure is raised as it was.

    Inside a caller's transaction (an idempotent API request, a batch item's savepoint) the foreign key would
    fail only at the caller's COMMIT, past this block: the user's row is first locked against deletion
    instead (FOR NO KEY UPDATE, which the key checks of concurrent writes do not wait for), and a user
    already gone is UserGone at once. One query, only there: a spend outside any transaction skips it."""
    nested = transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic():
            if nested and not _locked_user_exists(user_id):
                raise get_user_model().DoesNotExist
            yield
    except (IntegrityError, get_user_model().DoesNotExist) as exc:
        if not get_user_model().objects.filter(pk=user_id).exists():
            raise UserGone(f"user {user_id} no longer exists (deleted); nothing was written") from exc
        raise


def _locked_user_exists(user_id) -> bool:
    return get_user_model().objects.select_for_update(no_key=True).filter(pk=user_id).exists()


def locked_balance(user_id, *, create: dict | None) -> tuple[Balance | None, bool]:
    """The user's Balance, locked until the transaction ends; created from `create` when missing.

    Creation uses INSERT ... ON CONFLICT DO NOTHING, so two requests creating one user's balance at once
    both end up locking the single row that won. Returns (balance or None, whether it was missing).
    """
    rows = Balance.objects.select_for_update()
    balance = rows.filter(user_id=user_id).first()
    if balance is not None or create is None:
        return balance, False
    new = Balance(user_id=user_id, **create)
    new.schedule_next_refill()
    Balance.objects.bulk_create([new], ignore_conflicts=True)
    return rows.get(user_id=user_id), True


def locked_balances(user_ids: Iterable, *, create: dict) -> dict[object, Balance]:
    """locked_balance() for many users in two queries: user id -> Balance, locked in user order (so two
    callers locking overlapping sets cannot deadlock), the missing ones created from `create`."""
    ids = sorted(set(user_ids))
    rows = Balance.objects.select_for_update().order_by("user_id")
    found = {balance.user_id: balance for balance in rows.filter(user_id__in=ids)}
    missing = [user_id for user_id in ids if user_id not in found]
    if missing:
        new = [Balance(user_id=user_id, **create) for user_id in missing]
        for balance in new:
            balance.schedule_next_refill()
        Balance.objects.bulk_create(new, ignore_conflicts=True)
        found.update({balance.user_id: balance for balance in rows.filter(user_id__in=missing)})
    return found


def save(balance: Balance) -> None:
    balance.save(update_fields=BALANCE_FIELDS)


def save_many(balances: list[Balance], fields: list[str]) -> None:
    """Write `fields` (and updated_at) of many locked balances with one prepared UPDATE run for them all
    (executemany). Django's bulk_update builds a CASE expression per field and row, which cost more than the
    work it saved (2 of 3.8 s for 1,000 refills under a profiler)."""
    if not balances:
        return
    now = timezone.now()
    for balance in balances:
        balance.updated_at = now
    columns = [Balance._meta.get_field(name) for name in [*fields, "updated_at"]]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(Balance._meta.db_table)} SET {assignments} WHERE {quote(Balance._meta.pk.column)} = %s"
    params = [
        [field.get_db_prep_save(getattr(balance, field.attname), connection) for field in columns] + [balance.pk]
        for balance in balances
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def chain(balance: Balance, rows: Iterable[Transaction]) -> None:
    """Apply rows to the locked balance in order, recording before/after and what the zero floor wrote off."""
    balance.token_credits = chain_from(balance.token_credits, rows)


def chain_from(credits: float, rows: Iterable[Transaction]) -> float:
    """chain() on bare credits: record each row's before/after/written-off; returns the credits after the last."""
    for row in rows:
        after = credits + row.token_value
        row.balance_before = credits
        row.balance_after = credits = max(0.0, after)
        row.written_off = -after if after < 0 else 0.0
    return credits


def refill_due(balance: Balance, now: datetime) -> bool:
    eligible_at = schedules.next_refill_at(balance)
    return eligible_at is not None and now >= eligible_at


def refill(balance: Balance, now: datetime) -> Transaction:
    """Add the refill amount (additive, as LibreChat) and restart the interval from now; returns the saved row."""
    row = refill_row(balance, now)
    row.save()
    return row


def refill_row(balance: Balance, now: datetime) -> Transaction:
    """refill() without the save: the row, chained, for a caller writing many in one insert."""
    row = Transaction(
        user_id=balance.user_id,
        token_type=Transaction.TokenType.CREDITS,
        context="autoRefill",
        raw_amount=balance.refill_amount,
        rate=1.0,
        token_value=balance.refill_amount,
        created_at=now,
    )
    chain(balance, [row])
    balance.last_refill = now
    balance.schedule_next_refill()
    return row


def add_hold(balance: Balance, cost: float, model: str, expires_at: datetime) -> Hold:
    # Whole credits, as LibreChat T2 reserves them, so sums of holds stay exact.
    hold = Hold.objects.create(
        user_id=balance.user_id, amount=float(math.ceil(cost)), model=model or "", expires_at=expires_at
    )
    balance.held_credits += hold.amount
    return hold


def close_hold(balance: Balance, hold: Hold, status: str, now: datetime) -> bool:
    """Close one hold if it is still active (idempotent) and give its credits back to the balance."""
    if not Hold.objects.filter(pk=hold.pk, status=Hold.Status.ACTIVE).update(status=status, closed_at=now):
        return False
    balance.held_credits = max(0.0, balance.held_credits - hold.amount)
    return True


def expire_holds(balance: Balance, now: datetime) -> int:
    if balance.held_credits <= 0:
        return 0
    due = Hold.objects.filter(user_id=balance.user_id, status=Hold.Status.ACTIVE, expires_at__lte=now)
    amount = due.aggregate(total=Sum("amount"))["total"] or 0.0
    expired = due.update(status=Hold.Status.EXPIRED, closed_at=now)
    balance.held_credits = max(0.0, balance.held_credits - amount)
    return expired
