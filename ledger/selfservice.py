"""What a signed-in user may see of their own ledger, and the one thing they may change: their spending cap.

The chat app's "My usage" page and the HTTP API's `self` endpoints call these; every read takes the user
first and never reaches another user's rows. Spends follow the ledger's one definition
(TransactionQuerySet.spends: prompt, completion and priced-call rows), so a message's cost is its token rows
and its call rows together. Days are calendar days in LEDGER_REFILL_TIME_ZONE, the zone of the refill
schedules and of the cap's periods. Amounts are credits; `money` is the same amount in the display currency,
rounded as ledger/money.py shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from ledger import book, caps, conf, money, schedules
from ledger.admission import sync_balance_settings
from ledger.models import Balance, Transaction
from ledger.validation import ABSURD, LedgerInputError, checked_number

# The longest range one usage read covers (a year and a day: a leap year's whole year fits).
MAX_RANGE_DAYS = 366
# Dates a range may name: far from the ends of Python's calendar, where a local midnight has no UTC time.
EARLIEST, LATEST = date(1970, 1, 1), date(9000, 12, 31)
# Rows of one page of message costs, at most.
MAX_PAGE_SIZE = 200

_PROMPT = Q(token_type=Transaction.TokenType.PROMPT)
_COMPLETION = Q(token_type=Transaction.TokenType.COMPLETION)
_CALL = Q(token_type=Transaction.TokenType.CALL)
# Per group of spend rows: credits charged, tokens by kind, priced calls, generations (prompt rows).
_TOTALS = {
    "credits": Sum(-F("token_value")),
    "prompt_tokens": Sum(-F("raw_amount"), filter=_PROMPT),
    "completion_tokens": Sum(-F("raw_amount"), filter=_COMPLETION),
    "calls": Sum(-F("raw_amount"), filter=_CALL),
    "requests": Count("pk", filter=_PROMPT),
}


@dataclass(frozen=True)
class Range:
    """Local calendar days `start` to `end`, both included."""

    start: date
    end: date

    @classmethod
    def checked(cls, start: date | None, end: date | None, *, today: date | None = None) -> Range:
        """The range asked for, defaulting to the 30 days up to today; LedgerInputError when it is reversed
        or longer than MAX_RANGE_DAYS."""
        today = today or timezone.now().astimezone(conf.refill_time_zone()).date()
        end = end or today
        start = start or end - timedelta(days=29)
        if start < EARLIEST or end > LATEST:
            raise LedgerInputError(f"dates run from {EARLIEST} to {LATEST}")
        if start > end:
            raise LedgerInputError(f"start ({start}) is after end ({end})")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise LedgerInputError(f"a range covers at most {MAX_RANGE_DAYS} days")
        return cls(start, end)

    def bounds(self) -> tuple[datetime, datetime]:
        """[local midnight of start, local midnight after end), aware."""
        zone = conf.refill_time_zone()
        return (
            datetime.combine(self.start, time(0), tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone),
        )

    def days(self) -> list[date]:
        return [self.start + timedelta(days=step) for step in range((self.end - self.start).days + 1)]


def spends_of(user, within: Range | None = None) -> QuerySet[Transaction]:
    rows = Transaction.objects.spends().filter(user_id=book.user_id_of(user))
    if within is not None:
        since, until = within.bounds()
        rows = rows.filter(created_at__gte=since, created_at__lt=until)
    return rows


def with_money(row: dict) -> dict:
    """A totals row with `credits` made a number (0 for no rows) and its `money`."""
    credits = (row.get("credits") or 0.0) + 0.0
    return {**row, "credits": credits, "money": money.round_money(credits)}


def _counts(row: dict) -> dict:
    return {name: row.get(name) or 0 for name in ("prompt_tokens", "completion_tokens", "calls", "requests")}


def account(user, *, now: datetime | None = None) -> dict:
    """The user's balance (credits, held, money), next refill, refill rule in words, and cap with what it
    has left this period. A user without a balance reads zeros and no refill."""
    now = now or timezone.now()
    balance = Balance.objects.filter(user_id=book.user_id_of(user)).first()
    if balance is None:
        return {
            "credits": 0.0,
            "held_credits": 0.0,
            "money": 0.0,
            "currency": money.currency_label(),
            "next_refill_at": None,
            "refill_amount": 0.0,
            "refill": "no auto-refill",
            "cap": None,
        }
    refills = balance.auto_refill_enabled and balance.refill_amount > 0
    return {
        "credits": balance.token_credits,
        "held_credits": balance.held_credits,
        "money": money.round_money(balance.token_credits),
        "currency": money.currency_label(),
        "next_refill_at": balance.next_refill_at if refills else None,
        "refill_amount": balance.refill_amount if refills else 0.0,
        "refill": schedules.describe(balance) if refills else "no auto-refill",
        "cap": cap_of(balance, now),
    }


def cap_setting(user) -> tuple[str | None, float | None]:
    """The user's cap as (period, credits), (None, None) when they set none (one indexed read)."""
    cap = (
        Balance.objects.filter(user_id=book.user_id_of(user))
        .values_list("spend_cap_period", "spend_cap_credits")
        .first()
    )
    if not cap or not cap[0] or cap[1] is None:
        return None, None
    return cap[0], cap[1]


def cap_of(balance: Balance, now: datetime) -> dict | None:
    if not balance.spend_cap_period or balance.spend_cap_credits is None:
        return None
    spent = caps.spent_since(balance.user_id, caps.period_start(balance.spend_cap_period, now))
    limit = balance.spend_cap_credits
    return {
        "period": balance.spend_cap_period,
        "credits": limit,
        "money": money.round_money(limit),
        "spent": spent,
        "remaining": max(0.0, limit - spent),
    }


def spend_by_day(user, within: Range) -> list[dict]:
    """One row per local day of the range, days without spends included: `day`, `credits`, `money`,
    `requests` (one grouped query)."""
    grouped = (
        spends_of(user, within)
        .annotate(day=TruncDate("created_at", tzinfo=conf.refill_time_zone()))
        .values("day")
        .annotate(credits=_TOTALS["credits"], requests=_TOTALS["requests"])
        .order_by()
    )
    found = {row["day"]: row for row in grouped}
    return [
        with_money(
            {
                "day": day,
                "credits": found.get(day, {}).get("credits"),
                "requests": found.get(day, {}).get("requests") or 0,
            }
        )
        for day in within.days()
    ]


def spend_by_model(user, within: Range) -> list[dict]:
    """One row per model over the range, most expensive first: `model` ('' for rows without one), `credits`,
    `money`, `prompt_tokens`, `completion_tokens`, `calls`, `requests` (one grouped query)."""
    grouped = spends_of(user, within).values("model").annotate(**_TOTALS).order_by("-credits", "model")
    return [with_money({"model": row["model"] or "", "credits": row["credits"], **_counts(row)}) for row in grouped]


def conversation_costs(
    user, within: Range | None = None, *, ids: Iterable[str] | None = None, limit: int = MAX_PAGE_SIZE
) -> list[dict]:
    """Totals per conversation, most recent first (at most `limit`): `conversation_id`, `credits`, `money`,
    tokens, `calls`, `requests`, `last_at`. `ids` restricts it to those conversations."""
    rows = spends_of(user, within).exclude(conversation_id__isnull=True)
    if ids is not None:
        rows = rows.filter(conversation_id__in=list(ids))
    grouped = rows.values("conversation_id").annotate(**_TOTALS, last_at=Max("created_at"))
    grouped = grouped.order_by("-last_at", "conversation_id")[:limit]
    return [
        with_money(
            {
                "conversation_id": row["conversation_id"],
                "credits": row["credits"],
                **_counts(row),
                "last_at": row["last_at"],
            }
        )
        for row in grouped
    ]


def message_costs(user, *, message_ids: Iterable[str]) -> dict[str, dict]:
    """message id -> its cost (`credits`, `money`, tokens, `calls`), for the messages that were charged
    (one grouped query on the once-per-message key)."""
    ids = [str(message_id) for message_id in message_ids]
    grouped = spends_of(user).filter(message_id__in=ids).values("message_id").annotate(**_TOTALS)
    return {row["message_id"]: with_money({"credits": row["credits"], **_counts(row)}) for row in grouped}


def message_page(user, within: Range, *, page: int, page_size: int) -> dict:
    """The range's charged messages, newest first, by pages: {`page`, `page_size`, `has_next`, `messages`:
    [{`message_id`, `conversation_id`, `model`, `at`, `credits`, `money`, tokens, `calls`}]}. Rows without a
    message id (an API caller that sent none) are left out: they are in the day and model totals."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise LedgerInputError(f"page starts at 1 and page_size is 1 to {MAX_PAGE_SIZE}")
    offset = (page - 1) * page_size
    grouped = (
        spends_of(user, within)
        .exclude(message_id__isnull=True)
        .values("message_id", "conversation_id")
        .annotate(**_TOTALS, at=Max("created_at"), model=Coalesce(Max("model", filter=_PROMPT), Max("model")))
        .order_by("-at", "message_id")[offset : offset + page_size + 1]
    )
    rows = list(grouped)
    messages = [
        with_money(
            {
                "message_id": row["message_id"],
                "conversation_id": row["conversation_id"],
                "model": row["model"] or "",
                "at": row["at"],
                "credits": row["credits"],
                **_counts(row),
            }
        )
        for row in rows[:page_size]
    ]
    return {"page": page, "page_size": page_size, "has_next": len(rows) > page_size, "messages": messages}


def set_spend_cap(*, user, period: str | None, credits: float | None) -> Balance:
    """The user's own cap: `period` "day" or "month" and a number of credits (0 stops every paid request),
    or None for both to remove it. LedgerInputError for anything else."""
    if period is None or credits is None:
        if (period, credits) != (None, None):
            raise LedgerInputError("give both period and credits, or neither to remove the cap")
        period, credits = "", None
    else:
        if period not in caps.PERIODS:
            raise LedgerInputError(f"period must be one of {', '.join(caps.PERIODS)}")
        credits = checked_number(credits, name="credits", limit=ABSURD, minimum=0)
    user_id = book.user_id_of(user)
    sync_balance_settings(user=user_id)  # a user with balances on gets their start balance first, as on sign-in
    with transaction.atomic():
        balance, _ = book.locked_balance(user_id, create={"token_credits": 0.0, "opening_credits": 0.0})
        balance.spend_cap_period, balance.spend_cap_credits = period, credits
        balance.save(update_fields=["spend_cap_period", "spend_cap_credits", "updated_at"])
    return balance
