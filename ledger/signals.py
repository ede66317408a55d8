"""Signals the ledger sends; other apps (auditlog, violations) subscribe without the ledger importing them.

Every signal is sent with `sender=ledger.models.Balance`. `user` is the user instance and `user_id` its key.

credits_granted(user, user_id, amount, actor, reason, transaction, balance)
    An operator granted (amount > 0) or removed (amount < 0) credits. `actor` is the operator (a user or None),
    `reason` their text, `transaction` the `credits` row, `balance` the credits after. Sent inside the grant's
    database transaction, so a receiver's rows (an audit event) commit or roll back with the grant.

balance_refilled(user, user_id, amount, transaction, balance, trigger)
    An auto-refill added `amount` credits; `trigger` is "check" (a balance check found it due) or "job" (the
    ledger.refill_due_balances job). Sent inside the refill's database transaction, like credits_granted.

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

from django.dispatch import Signal

credits_granted = Signal()
balance_refilled = Signal()
balance_denied = Signal()
prices_imported = Signal()
repriced = Signal()
