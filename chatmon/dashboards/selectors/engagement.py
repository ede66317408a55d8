"""Engagement: active users, requests per user, session length, features and clients (all from rollups)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum

from chatmon.dashboards.models import UserUsageDay
from chatmon.dashboards.panels import Panel
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors.common import within
from chatmon.monitoring.models import ActiveUsers, DailyCount


def active_users_panel(r: Range) -> Panel:
    """Distinct users per minute for the last hour, per day beyond (HyperLogLog estimates are not additive,
    so hours cannot be summed from minutes: the day rows are separate estimates)."""
    if r.minute_grain:
        rows = ActiveUsers.objects.filter(resolution="minute", **within(r, "period", "minute"))
    else:
        rows = ActiveUsers.objects.filter(resolution="day", **within(r, "period", "day"))
    table = [[r.label_of(period), users] for period, users in rows.order_by("period").values_list("period", "users")]
    title = "Active users per minute" if r.minute_grain else "Daily active users"
    return Panel("active-users", title, ["period", "users"], table, "line", timeline=True)


def per_user_panels(r: Range) -> list[Panel]:
    """Chat requests per active user and session length per day, from the daily per-user rollups.

    Session length is estimated as the span between a user's first and last charged request of the day
    (a user with one request has a zero-length session).
    """
    days: dict = defaultdict(lambda: {"users": 0, "requests": 0, "seconds": 0.0})
    rows = UserUsageDay.objects.filter(**within(r, "day")).values_list("day", "requests", "first_at", "last_at")
    for day, requests, first, last in rows:
        days[day]["users"] += 1
        days[day]["requests"] += requests
        days[day]["seconds"] += (last - first).total_seconds()
    table = [
        [str(day), v["users"], round(v["requests"] / v["users"], 2), round(v["seconds"] / v["users"] / 60, 1)]
        for day, v in sorted(days.items())
    ]
    note = "Session length: time between a user's first and last chat request of the day, averaged over users."
    return [
        Panel("requests-per-user", "Chat requests per user", ["day", "users", "requests per user"],
              [row[:3] for row in table], "bar", series=[2], timeline=True),
        Panel("session-length", "Session length", ["day", "users", "minutes"],
              [[row[0], row[1], row[3]] for row in table], "bar", series=[2], note=note, timeline=True),
    ]  # fmt: skip


def daily_count_panels(r: Range) -> list[Panel]:
    counts = (
        DailyCount.objects.filter(**within(r, "day")).values("kind", "name").annotate(n=Sum("count")).order_by("-n")
    )
    by_kind: dict = defaultdict(list)
    for row in counts:
        by_kind[row["kind"]].append([row["name"], row["n"]])
    return [
        Panel("features", "Feature usage", ["feature", "events"], by_kind[DailyCount.Kind.FEATURE], "bar"),
        Panel("browsers", "Browser families", ["browser", "requests"], by_kind[DailyCount.Kind.BROWSER], "pie"),
        Panel("os", "Operating systems", ["os", "requests"], by_kind[DailyCount.Kind.OS], "pie"),
    ]
