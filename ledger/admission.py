"""Admission before a generation: LibreChat's balance check, made safe under concurrency by holds.

An admitted check holds its estimated cost until the user's next spend settles it, the caller releases it,
or it expires after LEDGER_HOLD_TTL_SECONDS. Concurrent checks for one user serialise on the balance row,
and each sees the credits the others hold, so together they never admit more than the balance.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ledger import balancesettings, book, calls, caps, conf, metrics, pricing, schedules, signals
from ledger.models import Balance, Hold, Transaction
from ledger.overrides import table_at
from ledger.validation import MAX_TOKENS, checked_number, checked_token_config

logger = logging.getLogger(__name__)

# LibreChat's error type for a refused balance check (its ViolationTypes.TOKEN_BALANCE): the `type` of the denial
# body and the `reason` of balance_denied. Stated here because the ledger imports no other app; the violation
# recorded for a denial is violations' own ViolationType.TOKEN_BALANCE.
DENIAL_TYPE = "token_balance"


@dataclass(frozen=True)
class BalanceCheck:
    allowed: bool
    # Credits available to this request (held credits of other requests excluded), never below 0.
    balance: float
    token_cost: float
    refill_at: datetime | None
    hold: Hold | None
    prompt_tokens: float = field(default=0.0)
    # Set when an admission hook refused the check (balancesettings.Refusal): its type and message replace
    # LibreChat's token_balance denial.
    refusal: balancesettings.Refusal | None = None

    @property
    def payload(self) -> dict:
        """LibreChat's denial body (what its checkBalance throws as JSON)."""
        body = {
            "type": DENIAL_TYPE,
            "balance": self.balance,
            "tokenCost": self.token_cost,
            "promptTokens": self.prompt_tokens,
        }
        if self.refusal is not None:
            body |= {**self.refusal.details, "type": self.refusal.type, "message": self.refusal.message}
        if self.refill_at is not None:
            body["refillAt"] = self.refill_at.isoformat()
        return body


def _new_balance_fields(now: datetime, user_id) -> dict | None:
    settings = balancesettings.settings_for(user_id)
    start = settings["start_balance"]
    if start is None:
        return None
    return {"token_credits": start, "opening_credits": start, "last_refill": now, **(settings["auto_refill"] or {})}


def _refill_at(balance: Balance) -> datetime | None:
    if not balance.last_refill:  # LibreChat T2 names refillAt only once the balance has refilled (or started)
        return None
    return schedules.next_refill_at(balance)


def check_balance(
    *, user, model, amount, token_type="prompt", endpoint=None, endpoint_token_config=None, items=None
) -> BalanceCheck:
    """May `user` spend about `amount` tokens of `model`, and the priced calls `items`? If so, hold their cost
    (see BalanceCheck.hold).

    LibreChat's rule: cost = amount x rate (no premium tier); a missing balance is created with
    LEDGER_START_BALANCE and the configured auto-refill; when the request would leave nothing and a refill
    is due, the refill is applied first; the request is admitted when the available credits cover the cost.
    `items` (spend_calls' items: an image, web searches) add their price to the cost, so a request that will
    make priced calls is held for them as for its tokens; the message's token spend settles the one hold.
    A denial sends ledger.signals.balance_denied. With balances off every request is admitted, unheld.
    """
    amount = checked_number(amount, name="amount", limit=MAX_TOKENS)
    endpoint_token_config = checked_token_config(endpoint_token_config)
    free = bool(endpoint) and endpoint in conf.free_endpoints()
    if free:
        # A free endpoint's request costs nothing: admitted, nothing held.
        endpoint_token_config = pricing.FREE_TOKEN_CONFIG
    user_id = book.user_id_of(user)
    now = timezone.now()
    rate = table_at(now).multiplier(
        model=model, token_type=token_type, endpoint=endpoint, endpoint_token_config=endpoint_token_config
    )
    cost = amount * rate
    if items:
        cost += calls.items_cost(items, moment=now, free=free)
    refused = balancesettings.refusal(
        user_id=user_id, model=model, endpoint=endpoint, cost=cost, now=now
    ) or caps.refusal(user_id=user_id, cost=cost, now=now)
    if refused is not None:
        result = BalanceCheck(False, _credits(user_id), cost, None, None, amount, refused)
        metrics.CHECKS.labels("denied").inc()
        _deny(user, user_id, result, model, endpoint)
        return result
    if not conf.balance_enabled():
        return BalanceCheck(True, _credits(user_id), cost, None, None, amount)
    refill = None
    with book.transaction_for(user_id):
        balance, created = book.locked_balance(user_id, create=_new_balance_fields(now, user_id))
        if balance is None:
            result = BalanceCheck(False, 0.0, cost, None, None, amount)
        else:
            result, refill = _admit(balance, created, cost, amount, model, now)
        if refill is not None:
            announce_refill(balance, refill, "check")
    metrics.CHECKS.labels("allowed" if result.allowed else "denied").inc()
    if result.hold is not None:
        metrics.HOLDS.labels("created").inc()
    if not result.allowed:
        _deny(user, user_id, result, model, endpoint)
    return result


def _admit(balance: Balance, created: bool, cost: float, amount: float, model, now) -> tuple[BalanceCheck, object]:
    expired = book.expire_holds(balance, now)
    metrics.HOLDS.labels("expired").inc(expired)
    available = balance.token_credits - balance.held_credits
    refill = None
    # LibreChat refills when the request would leave nothing (<= 0), though it admits at exactly 0 left.
    if not created and available - cost <= 0 and book.refill_due(balance, now):
        refill = book.refill(balance, now)
        available = balance.token_credits - balance.held_credits
    allowed = available >= cost
    hold = None
    if allowed and cost > 0:
        hold = book.add_hold(balance, cost, model, now + timedelta(seconds=conf.hold_ttl_seconds()))
    if expired or refill or hold:
        book.save(balance)
    return BalanceCheck(allowed, max(0.0, available), cost, _refill_at(balance), hold, amount), refill


def announce_refill(balance: Balance, row: Transaction, trigger: str) -> None:
    metrics.REFILLS.labels(trigger).inc()
    metrics.REFILL_CREDITS.inc(row.token_value)
    signals.balance_refilled.send(
        sender=Balance,
        user=balance.user,
        user_id=balance.user_id,
        amount=row.token_value,
        transaction=row,
        balance=balance.token_credits,
        trigger=trigger,
    )


def _deny(user, user_id, result: BalanceCheck, model, endpoint) -> None:
    instance = user if hasattr(user, "pk") else get_user_model().objects.filter(pk=user_id).first()
    for receiver, response in signals.balance_denied.send_robust(
        sender=Balance,
        user=instance,
        user_id=user_id,
        reason=DENIAL_TYPE if result.refusal is None else result.refusal.type,
        amount=result.prompt_tokens,
        token_cost=result.token_cost,
        balance=result.balance,
        refill_at=result.refill_at,
        model=model,
        endpoint=endpoint,
        payload=result.payload,
        actor=None,
    ):
        if isinstance(response, Exception):
            logger.error("ledger: balance_denied receiver %r failed", receiver, exc_info=response)


def _credits(user_id) -> float:
    credits = Balance.objects.filter(user_id=user_id).values_list("token_credits", flat=True).first()
    return credits or 0.0


def release_hold(hold: Hold | int) -> bool:
    """Give a hold's credits back (the request failed or was cancelled); False if it was already closed."""
    hold = hold if isinstance(hold, Hold) else Hold.objects.get(pk=hold)
    with transaction.atomic():
        balance, _ = book.locked_balance(hold.user_id, create=None)
        released = book.close_hold(balance, hold, Hold.Status.RELEASED, timezone.now())
        if released:
            book.save(balance)
    if released:
        metrics.HOLDS.labels("released").inc()
    return released


# User id -> the balance settings this process last synced their balance with (sync_balance_settings_once).
synced_settings: dict[object, str] = {}
_MAX_SYNCED = 50_000


def sync_balance_settings_once(*, user) -> bool:
    """sync_balance_settings(), unless this process already synced the user's balance under the settings that
    apply to them now; True when something was written. A user seen again costs one settings lookup instead
    of a read of their balance, and a changed setting (the service's or their group policy's) is synced at
    the next call. What a process skips: an operator's deletion of a synced balance (a later spend opens it
    at zero, as LibreChat's does) until the settings change or the process restarts."""
    if not conf.balance_enabled() or conf.start_balance() is None:
        return False
    user_id = book.user_id_of(user)
    settings = balancesettings.settings_for(user_id)
    fingerprint = json.dumps(settings, sort_keys=True, default=str)
    if synced_settings.get(user_id) == fingerprint:
        return False
    written = _sync(user_id, settings)
    if len(synced_settings) >= _MAX_SYNCED:
        synced_settings.clear()
    synced_settings[user_id] = fingerprint
    return written


def sync_balance_settings(*, user) -> bool:
    """LibreChat's balance-settings middleware rules for one user; True when something was written.

    A user without a balance gets one with the start balance; a valid auto-refill configuration is copied
    onto an existing balance field by field; the credits of an existing balance are never changed.
    """
    if not conf.balance_enabled() or conf.start_balance() is None:
        return False
    user_id = book.user_id_of(user)
    return _sync(user_id, balancesettings.settings_for(user_id))


def _sync(user_id, settings: dict) -> bool:
    # A balance whose settings a policy manages changes only when an operator applies the policy to it.
    refill = {} if settings.get("managed") else settings["auto_refill"] or {}
    balance = Balance.objects.filter(user_id=user_id).first()
    if balance is not None and not _settings_differ(balance, refill):
        return False
    now = timezone.now()
    with transaction.atomic():
        balance, created = book.locked_balance(user_id, create=_new_balance_fields(now, user_id))
        if created or not _settings_differ(balance, refill):
            return created
        for name, value in refill.items():
            setattr(balance, name, value)
        balance.last_refill = balance.last_refill or now
        balance.schedule_next_refill()
        book.save(balance)
    return True


def _settings_differ(balance: Balance, refill: dict) -> bool:
    if not refill:
        return False
    return balance.last_refill is None or any(getattr(balance, name) != value for name, value in refill.items())
