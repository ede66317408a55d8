"""Sign-in places: the country (and region) of each sign-in, counted per user and day; and selectors that
rank countries for sign-ins, violations and bans over a range (violations and bans keep their IP, so their
country is looked up when read, never stored twice)."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter

from django.db.models import Count, F, Sum
from django.utils import timezone

from chatmon.analytics.geo import UNKNOWN, place_of
from chatmon.analytics.models import SignInPlace
from violations import selectors as violation_selectors


def record_sign_in(*, user_id, address: str, when: dt.datetime | None = None) -> SignInPlace:
    """Count one sign-in of the user from `address`'s place (the address itself is not kept)."""
    place = place_of(address)
    day = (when or timezone.now()).astimezone(dt.UTC).date()
    row, _ = SignInPlace.objects.get_or_create(user_id=user_id, day=day, country=place.country, region=place.region)
    SignInPlace.objects.filter(pk=row.pk).update(count=F("count") + 1)
    return row


def sign_ins_by_country(*, since: dt.date, until: dt.date | None = None) -> list[tuple[str, int, int]]:
    """(country, sign-ins, distinct users) since `since` (before `until` when given), most sign-ins first."""
    days = SignInPlace.objects.filter(day__gte=since)
    rows = (
        (days if until is None else days.filter(day__lt=until))
        .values("country")
        .annotate(sign_ins=Sum("count"), users=Count("user_id", distinct=True))
        .order_by("-sign_ins", "country")
    )
    return [(row["country"], row["sign_ins"], row["users"]) for row in rows]


def violations_by_country(*, since: dt.datetime, until: dt.datetime | None = None) -> list[tuple[str, int]]:
    """(country, violations) since `since` (before `until` when given), most first (then by country code).
    A violation with an address is placed by it; a signed-in user's own violation without one (token balance,
    message limits) by where the user last signed in, that day or before (UNKNOWN when never counted)."""
    counts = _by_country(violation_selectors.violation_counts_by_ip(since=since, until=until))
    for country, number in _by_sign_in(violation_selectors.violation_counts_without_ip(since=since, until=until)):
        counts[country] += number
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def bans_by_country(*, since: dt.datetime, until: dt.datetime | None = None) -> list[tuple[str, int]]:
    """(country, IP bans) created since `since` (before `until` when given), most first."""
    counts = _by_country(violation_selectors.ban_counts_by_ip(since=since, until=until))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _by_country(pairs) -> Counter[str]:
    counts: Counter[str] = Counter()
    for ip, number in pairs:
        counts[place_of(ip).country] += number
    return counts


def _by_sign_in(triples) -> list[tuple[str, int]]:
    """(country, n) for (user id, day, n): the country of the user's latest sign-in day up to `day` (the most
    sign-ins that day); UNKNOWN without a user or a sign-in. One read of those users' sign-in days."""
    triples = list(triples)
    if not triples:
        return []
    users = {user_id for user_id, _, _ in triples if user_id is not None}
    days: dict[object, tuple[list[dt.date], list[str]]] = {}
    last = max(day for _, day, _ in triples)
    rows = SignInPlace.objects.filter(user_id__in=users, day__lte=last).order_by("user_id", "day", "count")
    for user_id, day, country in rows.values_list("user_id", "day", "country"):
        known_days, countries = days.setdefault(user_id, ([], []))
        known_days.append(day)  # within a day, the country with the most sign-ins comes last
        countries.append(country)
    out = []
    for user_id, day, number in triples:
        known_days, countries = days.get(user_id, ([], []))
        index = bisect.bisect_right(known_days, day)
        out.append((countries[index - 1] if index else UNKNOWN, number))
    return out
