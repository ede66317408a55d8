"""Repricing: recompute a period's charges for one model under corrected prices, and post the difference.

The rows recomputed are the model's prompt and completion spends in [start, end) (optionally one user's);
each is priced again by the same LibreChat arithmetic that charged it (ledger/valuation.py: the cache split
of structured prompts, the 15% surcharge of incomplete completions), against a table holding only the
corrected rates. Per user, the old charge less the new one is posted as one `credits` row with context
"repricing" (positive gives credits back, negative charges more; the balance stops at 0 as for every row),
its reason naming the price change. The rows themselves are never edited.

A row's "old" charge is what it costs after the latest earlier repricing covering it (that repricing's
prices), so a second correction of the same rows posts only what changes again, and running the same
repricing twice posts nothing the second time: every difference is then 0. Each applied repricing is a
Repricing row whose unique `key` digests its parameters, prices and the repricings it builds on, so two
operators applying the same one at once post it once.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from ledger import book, conf, pricefile, signals
from ledger.models import Balance, Repricing, Transaction
from ledger.overrides import table_at
from ledger.pricing import PriceTable
from ledger.validation import LedgerInputError, checked_rate
from ledger.valuation import Charge, plain_row, structured_prompt_row

CONTEXT = "repricing"
PRICE_NAMES = ("prompt", "completion", "cache_write", "cache_read")
# Differences below this many credits are float noise of re-adding the same figures, not a price change.
NOISE = 1e-6


@dataclass(frozen=True)
class Request:
    """What to reprice: the model's rows in [start, end), one user's or everyone's, at `prices` (credits per
    token: prompt and completion required, cache_write and cache_read None for "the prompt rate")."""

    model: str
    start: datetime
    end: datetime
    prices: dict
    reason: str
    user_id: object = None


@dataclass(frozen=True)
class UserDifference:
    user_id: object
    rows: int
    old: float  # credits charged (positive), after earlier repricings
    new: float  # credits the corrected prices charge

    @property
    def correction(self) -> float:
        """Credits to post: positive gives back, negative charges more."""
        return self.old - self.new


@dataclass(frozen=True)
class Preview:
    request: Request
    key: str
    differences: list[UserDifference]
    earlier: list[int]  # pks of the repricings whose prices stood for some of the rows

    @property
    def rows(self) -> int:
        return sum(diff.rows for diff in self.differences)

    @property
    def to_post(self) -> list[UserDifference]:
        return [diff for diff in self.differences if abs(diff.correction) > NOISE]

    @property
    def credits(self) -> float:
        return sum(diff.correction for diff in self.to_post)


def checked_request(*, model, start, end, prices, reason, user=None) -> Request:
    """A Request from an operator's input, or LedgerInputError saying what is wrong."""
    if not isinstance(model, str) or not model.strip() or len(model) > 255:
        raise LedgerInputError("model must be a model name of 1 to 255 characters")
    if not isinstance(start, datetime) or not isinstance(end, datetime) or start.tzinfo is None or end.tzinfo is None:
        raise LedgerInputError("the period needs a start and an end with a time zone")
    if not start < end:
        raise LedgerInputError("the period's start must come before its end")
    if end > timezone.now():
        raise LedgerInputError("the period must have ended: a repricing corrects past charges")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 300:
        raise LedgerInputError("reason must be 1 to 300 characters")
    if not isinstance(prices, dict) or prices.keys() - set(PRICE_NAMES):
        raise LedgerInputError(f"prices must be a dict of {', '.join(PRICE_NAMES)}")
    checked = {}
    for name in PRICE_NAMES:
        value = prices.get(name)
        if value is None and name in ("prompt", "completion"):
            raise LedgerInputError(f"prices need a {name} rate")
        checked[name] = None if value is None else checked_rate(value, name=f"{name} rate")
    user_id = None if user in (None, "") else book.user_id_of(user)
    return Request(model.strip(), start, end, checked, reason.strip(), user_id)


def prices_now(model: str) -> dict | None:
    """The rates the price table in force now gives `model`, as a repricing's prices; None when unpriced."""
    table = table_at(timezone.now())
    rates = pricefile.rates_in(table, table.value_key(model))
    return None if rates is None else asdict(rates)


def _table(model: str, prices: dict) -> PriceTable:
    """A table that prices exactly `model` (its own name as the key: an exact match) and nothing else."""
    cache = {}
    if prices.get("cache_write") is not None or prices.get("cache_read") is not None:
        cache = {model: {"write": prices.get("cache_write"), "read": prices.get("cache_read")}}
    return PriceTable({model: {"prompt": prices["prompt"], "completion": prices["completion"]}}, cache, {}, 0.0)


def _value(table: PriceTable, row: Transaction) -> float:
    """The row's token_value under `table`, by the arithmetic that charged it."""
    charge = Charge(row.user_id, row.model, row.context, None, row.endpoint, None, None)
    if row.token_type == Transaction.TokenType.PROMPT and row.input_tokens is not None:
        parts = (-(row.input_tokens or 0.0), -(row.write_tokens or 0.0), -(row.read_tokens or 0.0))
        return structured_prompt_row(table, charge, *parts).token_value
    prompt_count = None  # premium tiers are not part of a corrected price
    return plain_row(table, charge, row.token_type, row.raw_amount, prompt_count).token_value


def _covering(request: Request) -> list[Repricing]:
    """Applied repricings of the model that overlap the period, oldest first."""
    rows = Repricing.objects.filter(model=request.model, period_start__lt=request.end, period_end__gt=request.start)
    return list(rows.order_by("created_at", "pk"))


def _latest_for(row: Transaction, earlier: list[Repricing]) -> Repricing | None:
    found = None
    for repricing in earlier:
        if repricing.period_start <= row.created_at < repricing.period_end and (
            repricing.user_id is None or repricing.user_id == row.user_id
        ):
            found = repricing
    return found


def _key(request: Request, earlier: list[Repricing]) -> str:
    parameters = {
        "model": request.model, "start": request.start.isoformat(), "end": request.end.isoformat(),
        "user": None if request.user_id is None else str(request.user_id), "prices": request.prices,
        "after": [repricing.pk for repricing in earlier],
    }  # fmt: skip
    return hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()


def preview(request: Request) -> Preview:
    """Per user: the rows, their charge now and under the corrected prices (nothing is written)."""
    earlier = _covering(request)
    new_table = _table(request.model, request.prices)
    old_tables = {repricing.pk: _table(request.model, repricing.prices) for repricing in earlier}
    rows = Transaction.objects.filter(
        model=request.model,
        created_at__gte=request.start,
        created_at__lt=request.end,
        token_type__in=[Transaction.TokenType.PROMPT, Transaction.TokenType.COMPLETION],
    )
    if request.user_id is not None:
        rows = rows.filter(user_id=request.user_id)
    sums: dict = defaultdict(lambda: [0, 0.0, 0.0])
    used = set()
    for row in rows.order_by("user_id", "pk").iterator(chunk_size=2000):
        covering = _latest_for(row, earlier)
        if covering is not None:
            used.add(covering.pk)
        old = row.token_value if covering is None else _value(old_tables[covering.pk], row)
        figures = sums[row.user_id]
        figures[0] += 1
        figures[1] -= old
        figures[2] -= _value(new_table, row)
    differences = [UserDifference(user_id, n, old, new) for user_id, (n, old, new) in sums.items()]
    return Preview(request, _key(request, earlier), differences, sorted(used))


def describe(request: Request) -> str:
    """The price change in words, for the correcting rows' reason."""
    rates = ", ".join(f"{name} {request.prices[name]:g}" for name in PRICE_NAMES if request.prices[name] is not None)
    period = f"{request.start:%Y-%m-%d %H:%M}..{request.end:%Y-%m-%d %H:%M} UTC"
    return f"{request.model} {period} repriced at {rates} credits/token: {request.reason}"


def apply(request: Request, *, actor=None) -> tuple[Repricing | None, Preview]:
    """Post the preview's corrections (one `credits` row per user) and record the Repricing, in one
    transaction; (None, preview) when there is nothing to post or the same repricing was applied already."""
    result = preview(request)
    if not result.to_post:
        return None, result
    reason = describe(request)
    try:
        with transaction.atomic():
            repricing = Repricing.objects.create(
                key=result.key, model=request.model, period_start=request.start, period_end=request.end,
                user_id=request.user_id, prices=request.prices, reason=request.reason[:300],
                actor_id=None if actor is None else book.user_id_of(actor), rows=result.rows,
                users=len(result.to_post), credits=result.credits,
            )  # fmt: skip
            for diff in sorted(result.to_post, key=lambda diff: diff.user_id):  # lock order: no deadlocks
                _post(repricing, diff, reason, actor)
    except IntegrityError:  # the same repricing was applied meanwhile (its key is taken): it posted
        return None, result
    return repricing, result


def _post(repricing: Repricing, diff: UserDifference, reason: str, actor) -> Transaction:
    row = Transaction(
        user_id=diff.user_id,
        token_type=Transaction.TokenType.CREDITS,
        context=CONTEXT,
        model=repricing.model,
        raw_amount=diff.correction,
        rate=1.0,
        token_value=diff.correction,
        actor_id=repricing.actor_id,
        reason=f"repricing {repricing.pk}: {reason}"[:500],
    )
    if conf.balance_enabled():
        balance, _ = book.locked_balance(diff.user_id, create={"token_credits": 0.0, "opening_credits": 0.0})
        book.chain(balance, [row])
        row.save()
        book.save(balance)
    else:  # as the spends it corrects: recorded, not applied to a balance (balance_before/after stay empty)
        row.save()
    signals.repriced.send(
        sender=Balance, user=row.user, user_id=diff.user_id, actor=actor, repricing=repricing,
        transaction=row, amount=diff.correction, reason=row.reason,
    )  # fmt: skip
    return row
