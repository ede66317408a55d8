"""Spends over any span at the cost of a rollup read: the whole periods (UTC quarter hours, hours) a rollup
holds final figures for, plus the ledger's rows for the rest (the span's ragged ends and the time after the
job's cursor). The answer is the ledger rows' own, to float rounding: the rollup job sums the same rows with
the same selectors, and every row is counted once, either in a rolled period or in a raw piece.

A period is final once it is before the usage cursor (RollupCursor.complete_through) and not before the
table's first row: the job never wrote periods before its first run, and a later period without a row of its
own had nothing to roll up.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Max, Min, Sum
from django.utils import timezone

from chatmon.dashboards.models import RollupCursor, SpendQuarter, UnpricedHour
from chatmon.dashboards.rollups import CURSOR
from ledger import selectors as ledger_selectors

HOUR, QUARTER = dt.timedelta(hours=1), dt.timedelta(minutes=15)
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
Span = tuple[dt.datetime, dt.datetime]


def split(
    since: dt.datetime, until: dt.datetime, table, field: str, slot: dt.timedelta
) -> tuple[Span | None, list[Span]]:
    """[since, until) as the span of whole `slot` periods to read from `table` (None: none) and the pieces
    before and after it to read from the ledger's rows."""
    cursor = RollupCursor.objects.filter(name=CURSOR).values_list("complete_through", flat=True).first()
    first_row = table.objects.order_by(field).values_list(field, flat=True).first()
    if cursor is None or first_row is None:
        return None, [(since, until)]
    first = max(_ceil(since, slot), first_row)
    last = min(_floor(until, slot), cursor)
    if first >= last:
        return None, [(since, until)]
    return (first, last), [(start, end) for start, end in ((since, first), (last, until)) if start < end]


def _floor(moment: dt.datetime, slot: dt.timedelta) -> dt.datetime:
    return moment - (moment - EPOCH) % slot


def _ceil(moment: dt.datetime, slot: dt.timedelta) -> dt.datetime:
    floor = _floor(moment, slot)
    return floor if floor == moment else floor + slot


def service_spend_by_day(since: dt.datetime, tzinfo: dt.tzinfo) -> dict[dt.date, float]:
    """ledger.selectors.spend_by_day(since=since, tzinfo=tzinfo) for the whole service (every user and model),
    from SpendQuarter. A quarter that a local midnight cuts (none in today's zones; an old date's local mean
    time) is read from the rows, split at that midnight."""
    until = timezone.now()
    first, last = since.astimezone(tzinfo).date(), until.astimezone(tzinfo).date()
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    # Day n is [bounds[n], bounds[n + 1]), as spend_by_day bounds it.
    bounds = [since, *(dt.datetime.combine(day, dt.time(), tzinfo=tzinfo) for day in days[1:]), until]
    found: dict[dt.date, float] = defaultdict(float)
    quarters, raw = split(since, until, SpendQuarter, "quarter", QUARTER)
    if quarters:
        rolled = SpendQuarter.objects.filter(quarter__gte=quarters[0], quarter__lt=quarters[1])
        for quarter, credits in rolled.values_list("quarter", "credits"):
            n = bisect.bisect_right(bounds, quarter) - 1
            if quarter + QUARTER <= bounds[n + 1]:
                found[days[n]] += credits
            else:
                raw.append((quarter, quarter + QUARTER))
    for start, end in raw:
        for n, day in enumerate(days):
            piece = max(start, bounds[n]), min(end, bounds[n + 1])
            if piece[0] < piece[1]:
                found[day] += ledger_selectors.spend_total(since=piece[0], until=piece[1])
    return {day: found[day] for day in sorted(found) if found[day]}


def unpriced_spends(*, since: dt.datetime, until: dt.datetime) -> list[dict]:
    """ledger.selectors.unpriced_spends(since=since, until=until), rolled hours from UnpricedHour."""
    hours, raw = split(since, until, UnpricedHour, "hour", HOUR)
    parts: list[Iterable[dict]] = [ledger_selectors.unpriced_spends(since=start, until=end) for start, end in raw]
    if hours:
        rolled = UnpricedHour.objects.filter(
            hour__gte=hours[0], hour__lt=hours[1], rate__in=ledger_selectors.unpriced_rates()
        )
        figures = {name: Sum(name) for name in ("rows", "tokens", "credits")}
        parts.append(
            rolled.values("model", "endpoint")
            .annotate(**figures, first_at=Min("first_at"), last_at=Max("last_at"))
            .order_by()
        )
    merged: dict[tuple, dict] = {}
    for part in parts:
        for row in part:
            key = (row["model"], row["endpoint"])
            if key not in merged:
                merged[key] = dict(row)
                continue
            into = merged[key]
            for name in ("rows", "tokens", "credits"):
                into[name] += row[name]
            into["first_at"] = min(into["first_at"], row["first_at"])
            into["last_at"] = max(into["last_at"], row["last_at"])
    return sorted(merged.values(), key=lambda row: (-row["credits"], row["model"], row["endpoint"] or ""))
