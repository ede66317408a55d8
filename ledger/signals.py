"""Signals the ledger sends; other apps (auditlog, violations) subscribe without the ledger importing them.

Every signal is sent with `sender=ledger.models.Balance`. `user` is the user instance and `user_id` its key.

credits_granted(user, user_id, amount, actor, reason, transaction, balance)
    An operator granted (amount > 0) or removed (amount < 0) credits. `actor` is the operator (a user or None),
    `reason` their text, `transaction` the `credits` row, `balance` the credits after. Sent inside the grant's
    database transaction, so a receiver's rows (an audit event) commit or roll back with the grant.

balance_refilled(user, user_id, amount, transaction, balance, trigger)
    A balance check found an auto-refill due and added `amount` credits (`trigger` "check"). Sent inside the
    refill's database transaction, like credits_granted.

balances_refilled(refills, trigger)
    The ledger.refill_due_balances job refilled a batch of balances (`trigger` "job"), once per batch: `refills`
    is a list of `ledger.signals.Refill(user_id, amount, transaction, balance)`, one per balance, in the order
    the rows were written. Sent inside the batch's database transaction, so a receiver can write what it
    derives from the batch (one audit event per refill) in one statement that commits or rolls back with it.
    Until 2026-11 the job sent balance_refilled once per balance (trigger "job"); a receiver of job refills
    connects to this signal now.

balance_denied(user, user_id, reason, amount, token_cost, balance, refill_at, model, endpoint, payload, actor)
    A balance check refused a request. `reason` is ledger.admission.DENIAL_TYPE (LibreChat's error type), `amount` the
    estimated prompt tokens, `token_cost` their cost in credits, `balance` the credits available,
    `refill_at` the next auto-refill (datetime or None), `payload` LibreChat's denial body, `actor` always None
    (the user denied is the one acting). Sent after the check's transaction, with send_robust: a failing
    receiver is logged and never turns a denial into an error.

prices_imported(actor, source, effective_from, models, unchanged, skipped)
    An operator applied a price file (ledger/pricefile.py): `models` the patterns that got a PriceOverride from
    `effective_from`, `unchanged` and `skipped` how many entries did not. Sent inside the transaction that
    created the overrides.

repriced(user, user_id, actor, repricing, transaction, amount, reason)
    A repricing (ledger/repricing.py) posted its correcting `transaction` for one user: `amount` credits
    (positive: a refund, negative: a further charge), `repricing` the Repricing row with the period, model and
    price change. Sent inside the transaction that posted it.
"""

from __future__ import annotations

from typing import NamedTuple

from django.dispatch import Signal


class Refill(NamedTuple):
    """One refill of a balances_refilled batch: the user's key, the credits added, the `credits` row written
    and the credits after."""

    user_id: object
    amount: float
    transaction: object
    balance: float


credits_granted = Signal()
balance_refilled = Signal()
balances_refilled = Signal()
balance_denied = Signal()
prices_imported = Signal()
repriced = Signal()
