"""Feature events of a named user: counted per day like any feature event (chatmon.monitoring), and kept per
user and UTC day (first, last, how many) so funnels and experiments can follow each user through them.

One row per user, event and day: the usual call is one conditional UPDATE; the first event of the day inserts.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from chatmon.analytics.models import UserEventDay
from chatmon.monitoring.events import record_feature_event


def record_user_event(user, name: str, count: int = 1, *, when: dt.datetime | None = None) -> None:
    """Count `count` events `name` of `user` (a user or an id). ValueError for a bad name or count."""
    record_feature_event(name, count)  # validates the name and count before anything is written
    user_id = getattr(user, "pk", user)
    when = when or timezone.now()
    day = when.astimezone(dt.UTC).date()
    this_day = UserEventDay.objects.filter(user_id=user_id, name=name, day=day)
    if this_day.update(count=F("count") + count, last_at=when):
        return
    try:
        with transaction.atomic():
            UserEventDay.objects.create(user_id=user_id, name=name, day=day, first_at=when, last_at=when, count=count)
    except IntegrityError:  # another request inserted the day's row first: add to it
        this_day.update(count=F("count") + count, last_at=when)


def event_days(name: str, *, since: dt.date, until: dt.date):
    """(user id, day, first, last) of event `name` between the two days, in user and day order."""
    rows = UserEventDay.objects.filter(name=name, day__gte=since, day__lte=until)
    return rows.order_by("user_id", "day").values_list("user_id", "day", "first_at", "last_at")


def with_event_counts(queryset: QuerySet, name: str, *, since: str, user: str = "user_id") -> QuerySet:
    """`queryset` (rows naming a user and a start time, e.g. exposures) annotated with `events`: how many
    events `name` the user had from the UTC day of the row's `since` on. Day precision: events earlier on that
    same day count too. A subquery: one query whatever the number of rows."""
    per_user = (
        UserEventDay.objects.filter(user_id=OuterRef(user), name=name, day__gte=OuterRef("since_day"))
        .order_by()
        .values("user_id")
        .annotate(n=Sum("count"))
        .values("n")
    )
    queryset = queryset.annotate(since_day=TruncDate(since, tzinfo=dt.UTC))
    return queryset.annotate(events=Coalesce(Subquery(per_user), 0))
