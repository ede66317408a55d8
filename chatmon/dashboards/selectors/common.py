"""Helpers shared by the dashboard selectors: bucketing grouped rows onto a range's chart buckets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from chatmon.dashboards.ranges import Range


def period_start(r: Range, field: str) -> dt.datetime | dt.date:
    """The first rollup period inside the range (a date for daily rows, an hour or minute otherwise)."""
    if field == "day":
        return r.start.date()
    if field == "hour":
        return r.start.replace(minute=0, second=0, microsecond=0)
    return r.start.replace(second=0, microsecond=0)


def period_end(r: Range, field: str) -> dt.datetime | dt.date:
    """The first rollup period after the range (exclusive): the period holding the range's end is in it, so a
    range that reaches now keeps its newest, still filling period, and a past window stops at its end."""
    if field == "day":
        return (r.end - dt.timedelta(microseconds=1)).date() + dt.timedelta(days=1)
    return r.end


def within(r: Range, field: str, grain: str | None = None) -> dict:
    """Filter keywords for rows whose `field` is a period start of `grain` (the field's name by default)
    inside the range: `RequestHour.objects.filter(**within(r, "hour"))`."""
    grain = grain or field
    start, end = period_start(r, grain), period_end(r, grain)
    if field != grain and grain == "day":  # a datetime field holding days (ActiveUsers' periods)
        start, end = as_moment(start), as_moment(end)
    return {f"{field}__gte": start, f"{field}__lt": end}


def as_moment(period) -> dt.datetime:
    if isinstance(period, dt.datetime):
        return period
    return dt.datetime.combine(period, dt.time(), tzinfo=dt.UTC)


def bucketed(r: Range, rows, period: str, fields: list[str]) -> dict[dt.datetime, dict[str, float]]:
    """Sum `fields` of grouped rows per chart bucket; every bucket of the range is present."""
    out: dict[dt.datetime, dict[str, float]] = {b: defaultdict(float) for b in r.buckets()}
    for row in rows:
        bucket = r.bucket(as_moment(row[period]))
        if bucket not in out:
            continue
        for name in fields:
            out[bucket][name] += row[name] or 0
    return out


def pivot(r: Range, rows, period: str, key: str, value: str, *, limit: int = 6) -> tuple[list[str], list[list]]:
    """One column per `key` (the `limit` largest, the rest summed as "other"), one row per bucket."""
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        totals[row[key] or "(none)"] += row[value] or 0
    names = sorted(totals, key=totals.get, reverse=True)
    kept = names[:limit]
    columns = kept + (["other"] if len(names) > limit else [])
    table = {b: dict.fromkeys(columns, 0.0) for b in r.buckets()}
    for row in rows:
        bucket = r.bucket(as_moment(row[period]))
        name = row[key] or "(none)"
        if bucket in table:
            table[bucket][name if name in kept else "other"] += row[value] or 0
    return columns, [[r.label_of(b), *(round(v[c], 2) for c in columns)] for b, v in table.items()]


def grain(r: Range) -> str:
    """The period field the range's rows are read at: "minute" rows for the last hour, "hour" beyond."""
    return "minute" if r.minute_grain else "hour"


def ratio(part: float, whole: float, scale: float = 100.0) -> float:
    return round(part * scale / whole, 2) if whole else 0.0
