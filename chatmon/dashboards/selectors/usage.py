"""Tokens, credits and spenders from the usage rollups (ModelUsageHour, UserUsageDay); the last hour from the
ledger's rows per minute, since the rollups are hourly. Amounts come in credits and the display currency."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.db.models import Sum

from chatmon.dashboards import conf, links
from chatmon.dashboards.models import ModelUsageHour, UserUsageDay, ViolationHour
from chatmon.dashboards.panels import Panel, money_columns
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors.common import bucketed, grain, period_start, pivot, within
from ledger import money
from ledger import selectors as ledger_selectors
from violations import selectors as violation_selectors
from violations.types import ViolationType

MONEY = {1: "credits", 2: "money"}  # formats of a panel whose columns 1 and 2 are money_columns()


def _model_rows(r: Range) -> list[dict]:
    """Spends per period and model: `prompt`, `completion`, `credits`, `requests` under the range's grain."""
    if r.minute_grain:
        return list(ledger_selectors.spends_by_model_minute(since=period_start(r, "minute"), until=r.end))
    rows = ModelUsageHour.objects.filter(**within(r, "hour")).values(
        "hour", "model", "prompt_tokens", "completion_tokens", "credits", "requests"
    )
    return [{**row, "prompt": row["prompt_tokens"], "completion": row["completion_tokens"]} for row in rows]


def token_panels(r: Range) -> list[Panel]:
    """Tokens and credits per bucket (the Overview's "per hour" figures at the range's resolution)."""
    buckets = bucketed(r, _model_rows(r), grain(r), ["prompt", "completion", "credits"])
    tokens = [[r.label_of(b), round(v["prompt"]), round(v["completion"])] for b, v in buckets.items()]
    spent = [[r.label_of(b), money.round_credits(v["credits"]), money.round_money(v["credits"])]
             for b, v in buckets.items()]  # fmt: skip
    return [
        Panel("tokens", "Tokens", ["time", "prompt tokens", "completion tokens"], tokens, "bar",
              formats={1: "int", 2: "int"}, timeline=True),
        Panel("credits", "Credits spent", ["time", *money_columns()], spent, "line", series=[1], formats=MONEY,
              timeline=True, note=money.exchange_note()),
    ]  # fmt: skip


def model_panels(r: Range) -> list[Panel]:
    rows = _model_rows(r)
    for row in rows:
        row["tokens"] = (row["prompt"] or 0) + (row["completion"] or 0)
    columns, table = pivot(r, rows, grain(r), "model", "tokens")
    totals: dict[str, list[float]] = {}
    for row in rows:
        figures = totals.setdefault(row["model"] or "(none)", [0.0, 0])
        figures[0] += row["credits"] or 0
        figures[1] += row["requests"] or 0
    share = [[links.model(name), money.round_credits(c), money.round_money(c), n]
             for name, (c, n) in sorted(totals.items(), key=lambda item: item[1][0], reverse=True)]  # fmt: skip
    return [
        Panel("tokens-by-model", "Tokens by model", ["time", *columns], table, "line", timeline=True,
              formats=dict.fromkeys(range(1, len(columns) + 1), "int")),
        Panel("models", "Model distribution (credits)", ["model", *money_columns(), "requests"], share, "pie",
              formats={**MONEY, 3: "int"}, note="Each model links to its transactions."),
    ]  # fmt: skip


def top_spenders(r: Range) -> Panel:
    rows = list(
        UserUsageDay.objects.filter(**within(r, "day"))
        .values("user_id")
        .annotate(credits=Sum("credits"), tokens=Sum("tokens"), requests=Sum("requests"))
        .order_by("-credits")[: conf.top_n()]
    )
    names = links.users(row["user_id"] for row in rows)
    table = [
        [links.user(row["user_id"], names), money.round_credits(row["credits"]), money.round_money(row["credits"]),
         round(row["tokens"]), row["requests"]]
        for row in rows
    ]  # fmt: skip
    return Panel("top-spenders", "Top spenders", ["user", *money_columns(), "tokens", "requests"], table, "bar",
                 series=[1], formats={**MONEY, 3: "int", 4: "int"},
                 note="Per-user rollups are daily: the range is rounded out to whole days.")  # fmt: skip


def denials_panel(r: Range) -> Panel:
    # violations records each ledger balance denial as a score-0 TOKEN_BALANCE violation.
    if r.minute_grain:
        rows = violation_selectors.violations_by_minute(since=period_start(r, "minute"), until=r.end)
        grouped = [row for row in rows if row["type"] == ViolationType.TOKEN_BALANCE]
    else:
        grouped = ViolationHour.objects.filter(**within(r, "hour"), type=ViolationType.TOKEN_BALANCE).values(
            "hour", "count"
        )
    buckets = bucketed(r, grouped, grain(r), ["count"])
    rows = [[r.label_of(b), int(v["count"])] for b, v in buckets.items()]
    return Panel("denials", "Balance denials", ["time", "denials"], rows, "bar", timeline=True)


def user_spend(user_id, *, days: int = 30) -> dict:
    """What one user was charged, from the daily per-user rollups: `total` and the last `days` (credits),
    with `requests` and `tokens` over all time; User 360 shows it whether balances are on or off."""
    rows = UserUsageDay.objects.filter(user_id=user_id)
    since = (dt.datetime.now(dt.UTC) - timedelta(days=days)).date()
    figures = rows.aggregate(total=Sum("credits"), requests=Sum("requests"), tokens=Sum("tokens"))
    recent = rows.filter(day__gte=since).aggregate(c=Sum("credits"))["c"]
    return {"total": figures["total"] or 0.0, "recent": recent or 0.0, "days": days,
            "requests": figures["requests"] or 0, "tokens": figures["tokens"] or 0}  # fmt: skip
