"""Audit of the ledger: every balance against its rows, every applied row against the one before it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ledger.models import Balance, Transaction


@dataclass(frozen=True)
class Mismatch:
    user_id: object
    transaction_id: int | None
    problem: str


def _row_problems(row, expected_before: float) -> Iterator[str]:
    if row.balance_before != expected_before:
        yield f"balance_before {row.balance_before!r} but the previous balance was {expected_before!r}"
    total = row.balance_before + row.token_value
    if row.balance_after != max(0.0, total):
        yield f"balance_after {row.balance_after!r} but {row.balance_before!r} + {row.token_value!r} gives {total!r}"
    if row.written_off != (-total if total < 0 else 0.0):
        yield f"written_off {row.written_off!r} but the shortfall was {max(0.0, -total)!r}"


def verify_balance(balance: Balance) -> list[Mismatch]:
    """Replay the applied rows of one user, oldest first (ids follow the order they were applied in)."""
    problems = []
    current = balance.opening_credits
    rows = (
        Transaction.objects.filter(user_id=balance.user_id, balance_after__isnull=False)
        .only("pk", "balance_before", "balance_after", "token_value", "written_off")
        .order_by("pk")
    )
    for row in rows.iterator(chunk_size=5000):
        problems += [Mismatch(balance.user_id, row.pk, text) for text in _row_problems(row, current)]
        current = row.balance_after
    if balance.token_credits != current:
        problems.append(
            Mismatch(balance.user_id, None, f"balance is {balance.token_credits!r}, rows add up to {current!r}")
        )
    return problems


def verify_ledger() -> tuple[int, list[Mismatch]]:
    """(balances checked, mismatches); rows of users without a balance are reported too."""
    checked, problems = 0, []
    for balance in Balance.objects.order_by("pk").iterator(chunk_size=1000):
        checked += 1
        problems += verify_balance(balance)
    orphans = (
        Transaction.objects.filter(balance_after__isnull=False, user__ledger_balance__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by()
    )
    problems += [Mismatch(user_id, None, "applied rows but no balance") for user_id in orphans]
    return checked, problems
