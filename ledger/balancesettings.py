"""Extension points of the balance check for per-user rules that live outside the ledger (group policies):
which start balance and auto-refill a user's new balance gets, and whether a check is refused before credits
are counted (a budget's hard stop, a model the user may not use).

Both are dotted paths in the ledger's settings (conf.balance_settings_resolver, conf.admission_hooks), read
at call time, so the ledger imports no other app. Unset, the service-wide settings apply as before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils.module_loading import import_string

from ledger import book, conf

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """Why an admission hook refused a check: `type` becomes the denial body's `type` (as `token_balance` is
    for a short balance), `message` a sentence the chat app may show, `details` extra fields of the body."""

    type: str
    message: str
    details: dict = field(default_factory=dict)


def settings_for(user_id) -> dict:
    """The user's balance settings: `start_balance` (credits or None) and `auto_refill` (conf.auto_refill()'s
    shape, or None for no auto-refill)."""
    path = conf.balance_settings_resolver()
    if path:
        resolved = import_string(path)(user_id)
        if resolved is not None:
            return resolved
    return {"start_balance": conf.start_balance(), "auto_refill": conf.auto_refill()}


def refusal(*, user_id, model, endpoint, cost: float, now: datetime) -> Refusal | None:
    """The first refusal of the configured admission hooks, or None when every hook admits the check."""
    for path in conf.admission_hooks():
        refused = import_string(path)(user_id=user_id, model=model, endpoint=endpoint, cost=cost, now=now)
        if refused is not None:
            return refused
    return None


def set_auto_refill(*, user, auto_refill: dict | None) -> bool:
    """Give the user's existing balance this auto-refill rule (None turns auto-refill off); True when it
    changed. The credits are not touched; a grant changes those. The interval restarts only when there was
    no previous refill to count from, so a rule change never skips or doubles a refill already due."""
    fields = auto_refill or {"auto_refill_enabled": False}
    with transaction.atomic():
        balance, _ = book.locked_balance(book.user_id_of(user), create=None)
        if balance is None or all(getattr(balance, name) == value for name, value in fields.items()):
            return False
        for name, value in fields.items():
            setattr(balance, name, value)
        balance.last_refill = balance.last_refill or balance.created_at
        balance.schedule_next_refill()
        book.save(balance)
    return True
