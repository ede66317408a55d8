"""A user's own spending cap: "stop me once I have spent X credits this day (or month)".

The cap is the user's, not the operator's: it can only lower what the balance allows. Periods are calendar
days and months in LEDGER_REFILL_TIME_ZONE (the time zone of refill schedules, so "per day" means the same
day as "refills daily at 00:00"). The balance check (ledger/admission.py) refuses a request when the credits
spent in the current period, plus the credits other admitted requests still hold, plus the request's
estimated cost would pass the cap; a request costing nothing is never refused. What counts as spent is the
ledger's one definition of a spend (TransactionQuerySet.spends: prompt, completion and priced-call rows).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Sum

from ledger import conf, money
from ledger.balancesettings import Refusal
from ledger.models import Balance, Transaction

PERIODS = ("day", "month")
# The denial body's `type` when the user's own cap refuses a request (LibreChat's is `token_balance`).
REFUSAL_TYPE = "spend_cap"


def period_start(period: str, now: datetime) -> datetime:
    """The start of the day or month that `now` falls in, local midnight in the ledger's time zone."""
    local = now.astimezone(conf.refill_time_zone())
    # zoneinfo derives the offset from the wall time, so midnight gets its own offset even when `now` is
    # past a daylight-saving change that day or month.
    start = local.replace(hour=0, minute=0, second=0, microsecond=0, fold=0)
    return start.replace(day=1) if period == "month" else start


def spent_since(user_id, since: datetime) -> float:
    """Credits the user's spends charged since `since` (one aggregate on the (user, time) index)."""
    rows = Transaction.objects.spends().filter(user_id=user_id, created_at__gte=since)
    return rows.aggregate(credits=Sum(-F("token_value")))["credits"] or 0.0


def refusal(*, user_id, cost: float, now: datetime) -> Refusal | None:
    """The refusal of a request of `cost` credits that would pass the user's cap, or None when it fits or the
    user set no cap. One indexed read of the balance per check, and an aggregate only for users with a cap.

    Read without the balance's lock (it runs with balances off too, as the policies' hooks do): two requests
    of one user admitted at the same instant may together pass the cap by what the second costs."""
    cap = (
        Balance.objects.filter(user_id=user_id, spend_cap_credits__isnull=False)
        .exclude(spend_cap_period="")
        .values("spend_cap_period", "spend_cap_credits", "held_credits")
        .first()
    )
    if cap is None or cost <= 0:
        return None
    period, limit = cap["spend_cap_period"], cap["spend_cap_credits"]
    spent = spent_since(user_id, period_start(period, now))
    if spent + cap["held_credits"] + cost <= limit:
        return None
    return Refusal(
        type=REFUSAL_TYPE,
        message=f"You set a limit of {money.format_amount(limit)} per {period}; "
        f"{money.format_amount(spent)} spent this {period}.",
        details={"cap": {"period": period, "limit": limit, "spent": spent}},
    )
