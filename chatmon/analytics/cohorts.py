"""Sign-up cohorts and retention: the classic triangle, weekly and monthly, computed into CohortCell rows.

A user belongs to the cohort of the period (UTC week starting Monday, or month) of their `date_joined`, and
is active in a period when they spent (the ledger's spends) or signed in (SignInPlace) in it. The job
recomputes the last WEEKS weekly and MONTHS monthly cohorts whole on every run and replaces their cells in
one transaction, so a rerun, a late row or a deleted user never leaves a stale or doubled count.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from chatmon.analytics.models import CohortCell, SignInPlace
from ledger import selectors as ledger_selectors

WEEKS, MONTHS = 26, 12
Resolution = CohortCell.Resolution


def period_start(day: dt.date, resolution: str) -> dt.date:
    if resolution == Resolution.WEEK:
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def periods_between(start: dt.date, later: dt.date, resolution: str) -> int:
    if resolution == Resolution.WEEK:
        return (later - start).days // 7
    return (later.year - start.year) * 12 + later.month - start.month


def first_cohort(today: dt.date, resolution: str) -> dt.date:
    if resolution == Resolution.WEEK:
        return period_start(today, resolution) - dt.timedelta(weeks=WEEKS - 1)
    month = period_start(today, resolution)
    for _ in range(MONTHS - 1):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def compute(*, today: dt.date | None = None) -> dict:
    """Recompute both resolutions; returns the number of cells written per resolution (the JobRun summary)."""
    today = today or timezone.now().astimezone(dt.UTC).date()
    return {resolution.value: _compute(resolution.value, today) for resolution in Resolution}


def _compute(resolution: str, today: dt.date) -> int:
    start = first_cohort(today, resolution)
    since = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    joined = {
        pk: period_start(when.astimezone(dt.UTC).date(), resolution)
        for pk, when in get_user_model().objects.filter(date_joined__gte=since).values_list("pk", "date_joined")
    }
    active: dict[tuple[dt.date, int], set] = defaultdict(set)
    for user_id, day in _activity(since):
        cohort = joined.get(user_id)
        if cohort is not None and day >= cohort:
            active[cohort, periods_between(cohort, period_start(day, resolution), resolution)].add(user_id)
    sizes: dict[dt.date, int] = defaultdict(int)
    for cohort in joined.values():
        sizes[cohort] += 1
    cells = [
        CohortCell(resolution=resolution, cohort=cohort, offset=offset, size=size,
                   active=len(active.get((cohort, offset), ())))
        for cohort, size in sizes.items()
        for offset in range(periods_between(cohort, period_start(today, resolution), resolution) + 1)
    ]  # fmt: skip
    with transaction.atomic():
        CohortCell.objects.filter(resolution=resolution).delete()
        CohortCell.objects.bulk_create(cells)
    return len(cells)


def _activity(since: dt.datetime):
    """(user id, UTC day) pairs of spending or signing in since `since` (duplicates are harmless)."""
    yield from ledger_selectors.spends_by_user_day(since=since).values_list("user_id", "day")
    yield from SignInPlace.objects.filter(day__gte=since.date()).values_list("user_id", "day").distinct()


def triangle(resolution: str) -> list[tuple[dt.date, int, list[float]]]:
    """(cohort, size, [share active at offset 0, 1, ...]) newest cohort first: the rows of the triangle."""
    rows: dict[dt.date, tuple[int, dict[int, int]]] = {}
    for cell in CohortCell.objects.filter(resolution=resolution):
        rows.setdefault(cell.cohort, (cell.size, {}))[1][cell.offset] = cell.active
    return [
        (cohort, size, [active[o] / size if size else 0.0 for o in sorted(active)])
        for cohort, (size, active) in sorted(rows.items(), reverse=True)
    ]
