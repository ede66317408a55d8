"""The ledger's write API: spends, grants, balance checks with holds, refills (the only code that changes rows).

Public names (stable; see DESIGN.md): spend_tokens, spend_structured_tokens, check_balance, release_hold,
grant_credits, sync_balance_settings, refill_due_balances, release_expired_holds, SpendResult, BalanceCheck.
`user` may be a user instance or a user id everywhere.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from ledger import book, conf, metrics, signals
from ledger.admission import BalanceCheck, check_balance, release_hold, sync_balance_settings
from ledger.models import Balance, Transaction
from ledger.overrides import table_at
from ledger.refills import refill_due_balances, release_expired_holds
from ledger.validation import LedgerInputError, checked_number, optional_number
from ledger.valuation import Charge, plain_row, structured_prompt_row

__all__ = [
    "BalanceCheck",
    "LedgerInputError",
    "SpendResult",
    "check_balance",
    "grant_credits",
    "refill_due_balances",
    "release_expired_holds",
    "release_hold",
    "spend_structured_tokens",
    "spend_tokens",
    "sync_balance_settings",
]

# A balance first touched by a spend or a grant starts empty, as LibreChat's updateBalance upsert does.
OPEN_AT_ZERO = {"token_credits": 0.0, "opening_credits": 0.0}


@dataclass(frozen=True)
class SpendResult:
    prompt: Transaction | None
    completion: Transaction | None
    # Credits after the spend; None when balances are off.
    balance: float | None


def _charge(user, model, conversation_id, context, endpoint, endpoint_token_config, message_id) -> Charge:
    return Charge(
        user_id=book.user_id_of(user),
        model=model,
        context=context,
        conversation_id=conversation_id,
        endpoint=endpoint,
        message_id=None if message_id is None else str(message_id),
        endpoint_token_config=endpoint_token_config,
    )


def spend_tokens(
    *,
    user,
    model,
    prompt_tokens=None,
    completion_tokens=None,
    conversation_id=None,
    context="message",
    endpoint=None,
    endpoint_token_config=None,
    message_id=None,
) -> SpendResult:
    """Charge a prompt and/or completion (LibreChat's spendTokens rules; None = not reported, no row).

    A count of 0 writes a 0 row, a negative count a -0 row; the completion's premium tier is decided by the
    prompt's size. Raises LedgerInputError (nothing written) for NaN, non-numbers and counts beyond 10^12.
    """
    prompt = optional_number(prompt_tokens, name="prompt_tokens")
    completion = optional_number(completion_tokens, name="completion_tokens")
    charge = _charge(user, model, conversation_id, context, endpoint, endpoint_token_config, message_id)
    table = table_at(timezone.now())
    prompt_count = max(prompt or 0.0, 0.0)
    rows = []
    if prompt is not None:
        rows.append(plain_row(table, charge, "prompt", 0.0 if prompt == 0 else -prompt_count, prompt_count))
    if completion is not None:
        raw = 0.0 if completion == 0 else -max(completion, 0.0)
        rows.append(plain_row(table, charge, "completion", raw, prompt_count))
    return _record(charge, rows)


def spend_structured_tokens(
    *,
    user,
    model,
    prompt_tokens: Mapping | None = None,
    completion_tokens=None,
    conversation_id=None,
    context="message",
    endpoint=None,
    endpoint_token_config=None,
    message_id=None,
) -> SpendResult:
    """Charge a prompt split into input, cache-write and cache-read tokens, plus a completion.

    `prompt_tokens` is a dict with `input`, `write`, `read` (missing = 0, negatives clamped to 0); a
    completion of 0 or None writes no completion row (LibreChat's spendStructuredTokens rules).
    """
    if prompt_tokens is not None and not isinstance(prompt_tokens, Mapping):
        raise LedgerInputError("prompt_tokens must be a dict with input, write and read counts")
    completion = optional_number(completion_tokens, name="completion_tokens")
    charge = _charge(user, model, conversation_id, context, endpoint, endpoint_token_config, message_id)
    table = table_at(timezone.now())
    rows, prompt_count = [], None
    if prompt_tokens is not None:
        counts = [
            max(optional_number(prompt_tokens.get(part), name=f"prompt_tokens[{part!r}]") or 0.0, 0.0)
            for part in ("input", "write", "read")
        ]
        prompt_count = sum(counts)
        rows.append(structured_prompt_row(table, charge, *counts))
    if completion:
        rows.append(plain_row(table, charge, "completion", -max(completion, 0.0), prompt_count))
    return _record(charge, rows)


def _record(charge: Charge, rows: list[Transaction]) -> SpendResult:
    if not rows or not conf.transactions_enabled():
        return SpendResult(None, None, None)
    started = time.perf_counter()
    try:
        new_rows, balance = _write(charge, rows)
    except IntegrityError:
        # Balances off and a retry of the same message raced us past the check: it is charged once.
        if charge.message_id is None:
            raise
        new_rows, balance = [], None
    metrics.SPEND_SECONDS.observe(time.perf_counter() - started)
    _count(charge, new_rows)
    by_type = {row.token_type: row for row in new_rows}
    if len(new_rows) < len(rows):
        metrics.DUPLICATE_SPENDS.inc(len(rows) - len(new_rows))
        by_type.update(_charged(charge, [row.token_type for row in rows if row.token_type not in by_type]))
    if balance is None and conf.balance_enabled():
        balance = Balance.objects.filter(user_id=charge.user_id).values_list("token_credits", flat=True).first()
    return SpendResult(by_type.get("prompt"), by_type.get("completion"), balance)


def _write(charge: Charge, rows: list[Transaction]) -> tuple[list[Transaction], float | None]:
    """Insert the rows not yet charged and, when balances are on, apply them: one transaction, one lock."""
    with transaction.atomic():
        balance = None
        if conf.balance_enabled():
            balance, _ = book.locked_balance(charge.user_id, create=OPEN_AT_ZERO)
        if charge.message_id is not None:
            done = set(_charged(charge, [row.token_type for row in rows]))
            rows = [row for row in rows if row.token_type not in done]
        if balance is not None and rows:
            book.chain(balance, rows)
            if book.settle_oldest_hold(balance, timezone.now()):
                metrics.HOLDS.labels("settled").inc()
            book.save(balance)
        Transaction.objects.bulk_create(rows)
    return rows, None if balance is None else balance.token_credits


def _charged(charge: Charge, token_types: list[str]) -> dict[str, Transaction]:
    """Rows already recorded for this message, by token type."""
    if charge.message_id is None:
        return {}
    rows = Transaction.objects.filter(user_id=charge.user_id, message_id=charge.message_id, token_type__in=token_types)
    return {row.token_type: row for row in rows}


def _count(charge: Charge, rows: list[Transaction]) -> None:
    priced_by_config = bool(charge.endpoint_token_config) and charge.model in charge.endpoint_token_config
    for row in rows:
        key = "custom" if priced_by_config else (row.value_key or "unknown")
        metrics.TOKENS.labels(key, row.token_type).inc(abs(row.raw_amount or 0))
        metrics.CREDITS_SPENT.labels(key, row.token_type).inc(abs(row.token_value or 0))
        metrics.CREDITS_WRITTEN_OFF.inc(row.written_off or 0)


def grant_credits(*, user, amount, actor=None, reason="") -> Transaction:
    """Add (amount > 0) or remove (amount < 0) credits as an operator; the balance still stops at 0.

    Applies whether or not balances are enabled, writes a `credits` row naming the actor and reason, and
    sends ledger.signals.credits_granted inside the same database transaction.
    """
    amount = checked_number(amount, name="amount")
    if amount == 0:
        raise LedgerInputError("amount must not be zero")
    user_id = book.user_id_of(user)
    with transaction.atomic():
        balance, _ = book.locked_balance(user_id, create=OPEN_AT_ZERO)
        row = Transaction(
            user_id=user_id,
            token_type=Transaction.TokenType.CREDITS,
            context="grant",
            raw_amount=amount,
            rate=1.0,
            token_value=amount,
            actor_id=None if actor is None else book.user_id_of(actor),
            reason=str(reason)[:500],
        )
        book.chain(balance, [row])
        row.save()
        book.save(balance)
        signals.credits_granted.send(
            sender=Balance,
            user=balance.user,
            user_id=user_id,
            amount=amount,
            actor=actor,
            reason=row.reason,
            transaction=row,
            balance=balance.token_credits,
        )
    (metrics.CREDITS_GRANTED if amount > 0 else metrics.CREDITS_REMOVED).inc(abs(amount))
    return row
