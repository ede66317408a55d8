"""Users spending unusually fast: a window's spend per user (ledger rows) against the user's usual rate (the
daily per-user rollups). The alert rules USER_SPEND and USER_SPEND_SURGE and the Abuse page's panel read it.

The usual rate is the user's credits per hour over the BASELINE_DAYS whole days before today, counted from
their first active day among them (a user who started two days ago is compared with those two days, not
diluted over seven). Today is left out, so the window being judged never raises its own baseline, and the
rollups' whole days are final. A user with no spend in those days has no baseline: the surge kind cannot
judge them (their ratio is None) and leaves them to the absolute USER_SPEND kind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Min, Sum

from chatmon.dashboards import conf, links
from chatmon.dashboards.models import UserUsageDay
from chatmon.dashboards.panels import Panel, money_columns
from chatmon.dashboards.ranges import Range
from ledger import money
from ledger import selectors as ledger_selectors

BASELINE_DAYS = 7
PANEL_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class UserRate:
    user_id: object
    spent: float  # credits in the window
    per_hour: float  # the window's spend as a rate
    baseline: float | None  # usual credits per hour; None without history

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        return self.per_hour / self.baseline


def baselines(user_ids, *, now: dt.datetime) -> dict:
    """User id -> usual credits per hour over the BASELINE_DAYS whole days before `now`'s day (one grouped
    query over at most days x users rollup rows); users without spend in those days are absent."""
    today = now.astimezone(dt.UTC).date()
    rows = (
        UserUsageDay.objects.filter(user_id__in=list(user_ids), day__gte=today - timedelta(days=BASELINE_DAYS))
        .filter(day__lt=today)
        .values("user_id")
        .annotate(credits=Sum("credits"), first=Min("day"))
        .order_by()
    )
    return {row["user_id"]: row["credits"] / ((today - row["first"]).days * 24) for row in rows if row["credits"] > 0}


def user_rates(*, since: dt.datetime, now: dt.datetime, user=None) -> list[UserRate]:
    """Every user who spent since `since` (or only `user`), with their baseline; the biggest spender first."""
    spent = ledger_selectors.credits_by_user(since=since, user=user)
    hours = max((now - since).total_seconds() / 3600, 1 / 60)
    usual = baselines(spent, now=now)
    rates = [UserRate(pk, credits, credits / hours, usual.get(pk)) for pk, credits in spent.items() if credits > 0]
    return sorted(rates, key=lambda rate: rate.spent, reverse=True)


def surges(rates: list[UserRate], *, min_credits: float) -> list[UserRate]:
    """The rates that can be judged against a baseline (history, and at least `min_credits` spent in the
    window: a user who usually spends 1 credit an hour and now 50 is not an anomaly worth a page), the
    highest ratio first."""
    judged = [rate for rate in rates if rate.ratio is not None and rate.spent >= min_credits]
    return sorted(judged, key=lambda rate: rate.ratio, reverse=True)


def find_user(subject: str):
    """A rule's subject naming one user: their id, else their username; None when no such user exists."""
    User = get_user_model()
    found = User.objects.filter(**{User.USERNAME_FIELD: subject}).first()
    if found is None and subject.isdigit():
        found = User.objects.filter(pk=int(subject)).first()
    return found


def username(user_id) -> str:
    name = links.users([user_id]).get(user_id)
    return str(name) if name else f"deleted user {user_id}"


def anomalies_panel(r: Range) -> Panel:
    """Users spending fastest against their usual rate in the last hour (whatever the page's range: a rate
    anomaly is about now)."""
    now = r.end
    rates = user_rates(since=now - PANEL_WINDOW, now=now)
    judged = surges(rates, min_credits=conf.surge_min_credits())
    unjudged = [rate for rate in rates if rate not in judged]
    shown = (judged + unjudged)[: conf.top_n()]
    names = links.users(rate.user_id for rate in shown)
    rows = [
        [links.user(rate.user_id, names), money.round_credits(rate.spent), money.round_money(rate.spent),
         None if rate.baseline is None else money.round_credits(rate.baseline),
         "no history" if rate.ratio is None else round(rate.ratio, 1)]
        for rate in shown
    ]  # fmt: skip
    note = (
        f"Spend in the last hour against the user's usual credits per hour over the {BASELINE_DAYS} whole days "
        "before today (daily rollups); highest ratio first, then users without a baseline. The alert kinds "
        "'a user spent more than X' and 'X times their usual rate' watch the same figures."
    )
    columns = ["user", *money_columns("spent, last hour"), "usual credits per hour", "times usual"]
    return Panel("spend-anomalies", "Spend anomalies", columns, rows, "bar", series=[1],
                 formats={1: "credits", 2: "money", 3: "credits"}, note=note)  # fmt: skip
