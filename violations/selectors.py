"""Reads of violations data (services own the writes); other apps read violations through these.

`user` may be a user instance or a user id (int or str) everywhere.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncHour, TruncMinute

from violations import store
from violations.models import Ban, Violation
from violations.types import ViolationType


def _pk(user) -> object:
    return user.pk if hasattr(user, "pk") else user


def violations_of(user) -> QuerySet[Violation]:
    """The user's violations, newest first."""
    return Violation.objects.filter(user_id=_pk(user)).order_by("-created_at", "-pk")


def bans_of(user) -> QuerySet[Ban]:
    """The bans of the user's account (not of IPs they used), newest first, lifted and expired ones too."""
    return Ban.objects.filter(kind=Ban.Kind.USER, user_id=_pk(user)).order_by("-created_at", "-pk")


def live_scores_of(user) -> dict[str, int] | None:
    """The user's live score counters by violation type (types without one left out); None when the score
    store (Redis) cannot be reached."""
    try:
        return store.scores_of(store.target(user_id=_pk(user)))
    except store.Error:
        return None


def active_bans() -> QuerySet[Ban]:
    """Bans in force now, the soonest to expire first, with their users joined."""
    return Ban.objects.active().select_related("user").order_by("expires_at", "pk")


def violation_count(
    *, since: dt.datetime, type: ViolationType | None = None, exclude_type: ViolationType | None = None
) -> int:
    """Violations logged since `since`, of `type` only or of every type but `exclude_type` (one count on the
    time index)."""
    rows = Violation.objects.filter(created_at__gte=since)
    if type is not None:
        rows = rows.filter(type=ViolationType(type))
    if exclude_type is not None:
        rows = rows.exclude(type=ViolationType(exclude_type))
    return rows.count()


def ban_count(*, since: dt.datetime) -> int:
    """Bans issued since `since` (user and IP bans, automatic and manual)."""
    return Ban.objects.filter(created_at__gte=since).count()


def violations_by_hour(*, since: dt.datetime) -> QuerySet:
    """Violations since `since`, one dict per UTC hour and type (one grouped query): `hour`, `type`, `count`,
    `score` (the scores they added)."""
    return (
        Violation.objects.filter(created_at__gte=since)
        .annotate(hour=TruncHour("created_at", tzinfo=dt.UTC))
        .values("hour", "type")
        .annotate(count=Count("pk"), score=Sum("score"))
        .order_by()
    )


def bans_by_hour(*, since: dt.datetime) -> QuerySet:
    """Bans issued since `since`, one dict per UTC hour, kind and source (one grouped query): `hour`, `kind`,
    `source`, `count`."""
    return (
        Ban.objects.filter(created_at__gte=since)
        .annotate(hour=TruncHour("created_at", tzinfo=dt.UTC))
        .values("hour", "kind", "source")
        .annotate(count=Count("pk"))
        .order_by()
    )


def violations_by_minute(*, since: dt.datetime, until: dt.datetime | None = None) -> QuerySet:
    """As violations_by_hour, one dict per UTC `minute` and type, up to `until` (excluded) when given: the
    dashboards' minute grain, read from the rows themselves (the violation rollups are hourly)."""
    return (
        _between(Violation.objects.all(), since, until)
        .annotate(minute=TruncMinute("created_at", tzinfo=dt.UTC))
        .values("minute", "type")
        .annotate(count=Count("pk"), score=Sum("score"))
        .order_by()
    )


def bans_by_minute(*, since: dt.datetime, until: dt.datetime | None = None) -> QuerySet:
    """As bans_by_hour, one dict per UTC `minute`, kind and source, up to `until` (excluded) when given."""
    return (
        _between(Ban.objects.all(), since, until)
        .annotate(minute=TruncMinute("created_at", tzinfo=dt.UTC))
        .values("minute", "kind", "source")
        .annotate(count=Count("pk"))
        .order_by()
    )


def violations_by_offender_day(*, since: dt.datetime) -> QuerySet:
    """Violations since `since`, one dict per UTC day, user and IP (one grouped query): `day`, `user_id` (None
    for anonymous callers), `ip`, `count`, `score`."""
    return (
        Violation.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=dt.UTC))
        .values("day", "user_id", "ip")
        .annotate(count=Count("pk"), score=Sum("score"))
        .order_by()
    )


def violation_counts_by_ip(*, since: dt.datetime, until: dt.datetime | None = None) -> QuerySet:
    """(ip, violations) pairs since `since` (up to `until`, excluded, when given), for violations that carry an
    address (one grouped query)."""
    return _counts_by_ip(_between(Violation.objects.all(), since, until))


def violation_counts_without_ip(*, since: dt.datetime, until: dt.datetime | None = None) -> QuerySet:
    """(user id, UTC day, violations) for violations since `since` (up to `until`, excluded, when given) that
    carry no address: a signed-in user's own (token balance, message limits), or None for the user when
    neither is known (one grouped query)."""
    rows = _between(Violation.objects.filter(ip__isnull=True), since, until)
    return (
        rows.annotate(day=TruncDate("created_at", tzinfo=dt.UTC))
        .values("user_id", "day")
        .annotate(n=Count("pk"))
        .values_list("user_id", "day", "n")
        .order_by()
    )


def ban_counts_by_ip(*, since: dt.datetime, until: dt.datetime | None = None) -> QuerySet:
    """(ip, bans) pairs for IP bans created since `since` (up to `until`, excluded, when given)."""
    return _counts_by_ip(_between(Ban.objects.all(), since, until))


def _between(rows: QuerySet, since: dt.datetime, until: dt.datetime | None) -> QuerySet:
    rows = rows.filter(created_at__gte=since)
    return rows if until is None else rows.filter(created_at__lt=until)


def _counts_by_ip(rows: QuerySet) -> QuerySet:
    return rows.filter(ip__isnull=False).values("ip").annotate(n=Count("pk")).values_list("ip", "n").order_by()
