"""Sign-up cohorts and retention: the classic triangle, weekly and monthly, computed into CohortCell rows.

A user belongs to the cohort of the period (UTC week starting Monday, or month) of their `date_joined`, and
is active in a period when they spent (the ledger's spends) or signed in (SignInPlace) in it. The job
recomputes the last WEEKS weekly and MONTHS monthly cohorts whole on every run and replaces their cells in
one transaction, so a rerun, a late row or a deleted user never leaves a stale or doubled count. The users,
their spend days and their sign-in days are three streamed queries in user order, merged one user at a time:
memory holds the counts per cohort and period and one user's days, not every user (bench/cohort_memory.py).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter
from itertools import groupby

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
    start, current = first_cohort(today, resolution), period_start(today, resolution)
    since = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    users = get_user_model().objects.filter(date_joined__gte=since).order_by("pk").values_list("pk", "date_joined")
    sizes: Counter[dt.date] = Counter()
    active: Counter[tuple[dt.date, int]] = Counter()
    activity = _activity_by_user(since)
    user_id, days = next(activity, (None, ()))
    for pk, joined in users.iterator(chunk_size=10_000):
        cohort = period_start(joined.astimezone(dt.UTC).date(), resolution)
        sizes[cohort] += 1
        while user_id is not None and user_id < pk:  # activity of users who joined before the window
            user_id, days = next(activity, (None, ()))
        if user_id == pk:
            offsets = {periods_between(cohort, period_start(day, resolution), resolution) for day in days}
            active.update((cohort, offset) for offset in offsets if offset >= 0)
    cells = [
        CohortCell(resolution=resolution, cohort=cohort, offset=offset, size=size, active=active[cohort, offset])
        for cohort, size in sizes.items()
        for offset in range(periods_between(cohort, current, resolution) + 1)
    ]
    with transaction.atomic():
        CohortCell.objects.filter(resolution=resolution).delete()
        CohortCell.objects.bulk_create(cells)
    return len(cells)


def _activity_by_user(since: dt.datetime):
    """(user id, UTC days on which they spent or signed in) per user, in user id order: the spend days and the
    sign-in days are two streamed queries in that order, merged here (one user's days in memory at a time).
    The merge with the users' query relies on ids comparing in Python as the database orders them (integer
    keys, Django's default)."""
    spends = (
        ledger_selectors.spends_by_user_day(since=since)
        .values_list("user_id", "day")
        .order_by("user_id", "day")
        .iterator(chunk_size=10_000)
    )
    sign_ins = (
        SignInPlace.objects.filter(day__gte=since.date())
        .values_list("user_id", "day")
        .distinct()
        .order_by("user_id", "day")
        .iterator(chunk_size=10_000)
    )
    for user_id, pairs in groupby(heapq.merge(spends, sign_ins), key=lambda pair: pair[0]):
        yield user_id, [day for _, day in pairs]


def triangle(resolution: str) -> list[tuple[dt.date, int, list[float]]]:
    """(cohort, size, [share active at offset 0, 1, ...]) newest cohort first: the rows of the triangle."""
    rows: dict[dt.date, tuple[int, dict[int, int]]] = {}
    for cell in CohortCell.objects.filter(resolution=resolution):
        rows.setdefault(cell.cohort, (cell.size, {}))[1][cell.offset] = cell.active
    return [
        (cohort, size, [active[o] / size if size else 0.0 for o in sorted(active)])
        for cohort, (size, active) in sorted(rows.items(), reverse=True)
    ]
