"""Calendar periods of budgets and policy caps: a day, a week (from Monday) or a month, each from local
midnight in POLICIES_TIME_ZONE to the next period's midnight. A period that spans a DST change is an hour
shorter or longer than 24 h x its days; its bounds are still local midnights."""

from __future__ import annotations

import datetime as dt

from chatmon.policies import conf


def bounds(period: str, now: dt.datetime, tz: dt.tzinfo | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The [start, end) of the `period` ("day", "week" or "month") holding `now`, as aware datetimes."""
    tz = tz or conf.time_zone()
    today = now.astimezone(tz).date()
    if period == "day":
        first, after = today, today + dt.timedelta(days=1)
    elif period == "week":
        first = today - dt.timedelta(days=today.weekday())
        after = first + dt.timedelta(days=7)
    elif period == "month":
        first = today.replace(day=1)
        after = (first + dt.timedelta(days=32)).replace(day=1)
    else:
        raise ValueError(f"unknown period {period!r}")
    return midnight(first, tz), midnight(after, tz)


def midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    # A zone whose DST change skips midnight has no 00:00 that day: zoneinfo then reads it with the offset
    # before the change, one moment that exists in either reading.
    return dt.datetime.combine(day, dt.time(), tzinfo=tz)
