"""Tokens, credits and spenders from the usage rollups (ModelUsageHour, UserUsageDay)."""

from __future__ import annotations

import calendar
import datetime as dt
from datetime import timedelta

from django.db.models import Sum

from chatmon.dashboards import conf
from chatmon.dashboards.models import ModelUsageHour, UserUsageDay, ViolationHour
from chatmon.dashboards.panels import Panel
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors.common import bucketed, period_start, pivot, usernames
from violations.types import ViolationType

FORECAST_BASIS = timedelta(days=7)


def _model_hours(r: Range):
    return ModelUsageHour.objects.filter(hour__gte=period_start(r, "hour"))


def token_panels(r: Range) -> list[Panel]:
    """Tokens and credits per bucket (the Overview's "per hour" figures at the range's resolution)."""
    fields = ["prompt_tokens", "completion_tokens", "credits"]
    grouped = _model_hours(r).values("hour").annotate(**{name: Sum(name) for name in fields})
    buckets = bucketed(r, grouped, "hour", fields)
    tokens = [[r.label_of(b), round(v["prompt_tokens"]), round(v["completion_tokens"])] for b, v in buckets.items()]
    credits = [[r.label_of(b), round(v["credits"], 2)] for b, v in buckets.items()]
    return [
        Panel("tokens", "Tokens", ["time", "prompt tokens", "completion tokens"], tokens, "bar"),
        Panel("credits", "Credits spent", ["time", "credits"], credits, "line",
              note="1,000,000 credits = 1 USD."),
    ]  # fmt: skip


def model_panels(r: Range) -> list[Panel]:
    by_hour = list(
        _model_hours(r).values("hour", "model").annotate(tokens=Sum("prompt_tokens") + Sum("completion_tokens"))
    )
    columns, rows = pivot(r, by_hour, "hour", "model", "tokens")
    totals = _model_hours(r).values("model").annotate(credits=Sum("credits"), requests=Sum("requests"))
    share = sorted(([row["model"] or "(none)", round(row["credits"], 2), row["requests"]] for row in totals),
                   key=lambda row: row[1], reverse=True)  # fmt: skip
    return [
        Panel("tokens-by-model", "Tokens by model", ["time", *columns], rows, "line"),
        Panel("models", "Model distribution (credits)", ["model", "credits", "requests"], share, "pie"),
    ]


def spend_forecast(now: dt.datetime) -> Panel:
    """Month-to-date spend plus a straight-line forecast to the end of the month.

    Method: the mean spend per hour over the last 7 days (fewer if the data is younger), times the hours
    left in the month, added to the spend so far this month.
    """
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month_end = month_start.replace(day=calendar.monthrange(now.year, now.month)[1]) + timedelta(days=1)
    spent = ModelUsageHour.objects.filter(hour__gte=month_start).aggregate(c=Sum("credits"))["c"] or 0.0
    basis = ModelUsageHour.objects.filter(hour__gte=now - FORECAST_BASIS).aggregate(c=Sum("credits"))["c"] or 0.0
    per_hour = basis / (FORECAST_BASIS.total_seconds() / 3600)
    left = (month_end - now).total_seconds() / 3600
    forecast = spent + per_hour * left
    rows = [["spent this month", round(spent, 2)], ["mean per hour, last 7 days", round(per_hour, 2)],
            ["forecast for the month", round(forecast, 2)]]  # fmt: skip
    note = "Forecast = spent this month + (mean credits per hour over the last 7 days) x hours left in the month."
    return Panel("forecast", f"Spend forecast for {now:%B %Y}", ["figure", "credits"], rows, "bar", note=note)


def top_spenders(r: Range) -> Panel:
    rows = (
        UserUsageDay.objects.filter(day__gte=period_start(r, "day"))
        .values("user_id")
        .annotate(credits=Sum("credits"), tokens=Sum("tokens"), requests=Sum("requests"))
        .order_by("-credits")[: conf.top_n()]
    )
    names = usernames([row["user_id"] for row in rows])
    table = [
        [names.get(row["user_id"], row["user_id"]), round(row["credits"], 2), round(row["tokens"]), row["requests"]]
        for row in rows
    ]
    return Panel("top-spenders", "Top spenders", ["user", "credits", "tokens", "requests"], table, "bar",
                 series=[1], note="Per-user rollups are daily: the range is rounded out to whole days.")  # fmt: skip


def denials_panel(r: Range) -> Panel:
    # violations records each ledger balance denial as a score-0 TOKEN_BALANCE violation.
    denials = ViolationHour.objects.filter(hour__gte=period_start(r, "hour"), type=ViolationType.TOKEN_BALANCE)
    grouped = denials.values("hour", "count")
    buckets = bucketed(r, grouped, "hour", ["count"])
    rows = [[r.label_of(b), int(v["count"])] for b, v in buckets.items()]
    return Panel("denials", "Balance denials", ["time", "denials"], rows, "bar")
