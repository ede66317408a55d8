"""The usage rollup job: hourly and daily rows recomputed from raw ledger, violation and request rows.

The ledger and violations rows are read through those apps' selectors, each one grouped query.

Each run recomputes every hour from the cursor (less DASHBOARDS_REDO_HOURS) to now, and every day those hours
touch, and replaces those rows in one transaction: recomputing instead of adding makes a rerun harmless, and
readers never see half a run. A run first claims the cursor's lease with a conditional update, so a second
run started meanwhile (another worker, an operator) skips instead of computing the same rows twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from chatmon.dashboards import conf
from chatmon.dashboards.models import (
    BanHour,
    ModelUsageHour,
    OffenderDay,
    RequestHour,
    RollupCursor,
    SpendDay,
    SpendQuarter,
    UnpricedHour,
    UserUsageDay,
    ViolationHour,
)
from chatmon.monitoring.aggregator import BUCKET_FIELDS
from chatmon.monitoring.models import RequestRollup
from ledger import selectors as ledger_selectors
from violations import selectors as violation_selectors

CURSOR = "usage"


def hour_of(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def roll_up(*, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    cursor = _claim(now)
    if cursor is None:
        return {"skipped": "another run holds the cursor"}
    start = _start(cursor, now)
    day = dt.datetime.combine(start.date(), dt.time(), tzinfo=dt.UTC)
    with transaction.atomic():
        counts = {
            "model_hours": _replace(ModelUsageHour, "hour", start, _model_hours(start)),
            "request_hours": _replace(RequestHour, "hour", start, _request_hours(start)),
            "violation_hours": _replace(ViolationHour, "hour", start, _violation_hours(start)),
            "ban_hours": _replace(BanHour, "hour", start, _ban_hours(start)),
            "spend_quarters": _replace(SpendQuarter, "quarter", start, _spend_quarters(start)),
            "unpriced_hours": _replace(UnpricedHour, "hour", start, _unpriced_hours(start)),
            "user_days": _replace(UserUsageDay, "day", day.date(), _user_days(day)),
            "spend_days": _replace(SpendDay, "day", day.date(), _spend_days(day)),
            "offender_days": _replace(OffenderDay, "day", day.date(), _offender_days(day)),
        }
        RollupCursor.objects.filter(pk=cursor.pk).update(complete_through=hour_of(now), lease_until=None)
    return {"from": start.isoformat(), **counts}


def _claim(now: dt.datetime) -> RollupCursor | None:
    cursor, _ = RollupCursor.objects.get_or_create(name=CURSOR)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    until = now + timedelta(seconds=conf.lease_seconds())
    if not RollupCursor.objects.filter(free, pk=cursor.pk).update(lease_until=until):
        return None
    return cursor


def _start(cursor: RollupCursor, now: dt.datetime) -> dt.datetime:
    if cursor.complete_through is None:
        return hour_of(now - timedelta(days=conf.backfill_days()))
    return min(cursor.complete_through, hour_of(now)) - timedelta(hours=conf.redo_hours())


def _replace(model, field: str, start, rows: list) -> int:
    model.objects.filter(**{f"{field}__gte": start}).delete()
    model.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _model_hours(start: dt.datetime) -> list[ModelUsageHour]:
    rows = ledger_selectors.spends_by_model_hour(since=start)
    return [
        ModelUsageHour(
            hour=row["hour"],
            model=row["model"] or "",
            prompt_tokens=row["prompt"] or 0,
            completion_tokens=row["completion"] or 0,
            credits=row["credits"] or 0,
            requests=row["requests"],
        )
        for row in _merge_models(rows)
    ]


def _merge_models(rows) -> list[dict]:
    """NULL and '' models are one row (the unique key stores both as '')."""
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = (row["hour"], row["model"] or "")
        if key in merged:
            for name in ("prompt", "completion", "credits", "requests"):
                merged[key][name] = (merged[key][name] or 0) + (row[name] or 0)
        else:
            merged[key] = dict(row)
    return list(merged.values())


def _spend_quarters(start: dt.datetime) -> list[SpendQuarter]:
    quarters: dict[dt.datetime, float] = defaultdict(float)
    for row in ledger_selectors.credits_by_minute(since=start):
        quarters[row["minute"].replace(minute=row["minute"].minute // 15 * 15)] += row["credits"] or 0
    return [SpendQuarter(quarter=quarter, credits=credits) for quarter, credits in quarters.items()]


def _unpriced_hours(start: dt.datetime) -> list[UnpricedHour]:
    return [UnpricedHour(**row) for row in ledger_selectors.keyless_token_spends_by_hour(since=start)]


def _user_days(day: dt.datetime) -> list[UserUsageDay]:
    rows = ledger_selectors.spends_by_user_day(since=day)
    return [
        UserUsageDay(
            day=row["day"],
            user_id=row["user_id"],
            tokens=row["tokens"] or 0,
            credits=row["credits"] or 0,
            requests=row["requests"],
            first_at=row["first_at"],
            last_at=row["last_at"],
        )
        for row in rows
    ]


def _spend_days(day: dt.datetime) -> list[SpendDay]:
    rows = ledger_selectors.spend_grouped(by=("day", "user_id", "model", "endpoint"), since=day)
    merged: dict[tuple, SpendDay] = {}
    for row in rows:  # NULL and '' models (and endpoints) are one row: the unique key stores both as ''
        key = (row["day"], row["user_id"], row["model"] or "", row["endpoint"] or "")
        spend = merged.setdefault(key, SpendDay(day=key[0], user_id=key[1], model=key[2], endpoint=key[3]))
        spend.credits += row["credits"] or 0
        spend.tokens += row["tokens"] or 0
        spend.calls += row["calls"] or 0
        spend.requests += row["requests"] or 0
    return list(merged.values())


def _request_hours(start: dt.datetime) -> list[RequestHour]:
    sums = {name: Sum(name) for name in ("count", "errors", "duration_sum_us", *BUCKET_FIELDS)}
    rows = (
        RequestRollup.objects.filter(minute__gte=start)
        .annotate(hour=TruncHour("minute", tzinfo=dt.UTC))
        .values("hour", "route", "method")
        .annotate(**sums)
    )
    return [RequestHour(**row) for row in rows]


def _violation_hours(start: dt.datetime) -> list[ViolationHour]:
    return [ViolationHour(**row) for row in violation_selectors.violations_by_hour(since=start)]


def _ban_hours(start: dt.datetime) -> list[BanHour]:
    return [BanHour(**row) for row in violation_selectors.bans_by_hour(since=start)]


def _offender_days(day: dt.datetime) -> list[OffenderDay]:
    # A signed-in offender is counted by user (their IP may change); an anonymous one by IP.
    rows = violation_selectors.violations_by_offender_day(since=day)
    merged: dict[tuple, OffenderDay] = {}
    for row in rows:
        key = (row["day"], row["user_id"], None if row["user_id"] else row["ip"])
        offender = merged.setdefault(key, OffenderDay(day=key[0], user_id=key[1], ip=key[2]))
        offender.count += row["count"]
        offender.score += row["score"] or 0
    return list(merged.values())
