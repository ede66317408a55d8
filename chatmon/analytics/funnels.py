"""Funnels: ordered steps from events chatmon already records, their conversion and the time between steps.

A funnel's users are those who registered in the range asked for. Each step happens at the first matching
event at or after the previous step (within the funnel's window from registration); a user who misses a
step leaves the funnel there. The steps:

- `registered`: the user's `date_joined` (always the first step);
- `first_spend`: the first spend (the ledger's definition: prompt, completion and priced call rows);
- `spent_again_next_day`: a spend on a later UTC day than the previous step;
- `returned_day_7`: a spend 7 or more days after registering;
- `signed_in`: a sign-in counted by chatmon.analytics (per day: its time is the start of that UTC day, or the
  previous step's time when on the same day);
- `exposed:<experiment slug>`: the user's exposure to that experiment;
- `event:<feature event name>`: the first such event of the user (recorded with
  chatmon.analytics.events.record_user_event, or the API's feature events naming a user).

Spends and events are read per user and UTC day (first and last of the day): whether a user spent at or after
a moment is exact; when that moment falls inside a day with spends, the step's time is taken as the moment
itself or the day's first spend, whichever is later, so a median time between steps can be off by less than a
day.
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from chatmon.analytics import events
from chatmon.analytics.models import Exposure, SignInPlace
from chatmon.monitoring.events import NAME
from ledger import selectors as ledger_selectors

STEPS = ("registered", "first_spend", "spent_again_next_day", "returned_day_7", "signed_in")
EXPOSED = "exposed:"
EVENT = "event:"
UTC = dt.UTC


def checked_steps(steps) -> list[str]:
    """2 to 8 known steps starting with `registered`; raises ValueError naming what is wrong."""
    if not isinstance(steps, list) or not 2 <= len(steps) <= 8:
        raise ValueError("give 2 to 8 steps as a list")
    for step in steps:
        if not isinstance(step, str) or not (step in STEPS or _named(step, EXPOSED) or _named(step, EVENT)):
            raise ValueError(
                f"unknown step {step!r}: use {', '.join(STEPS)}, exposed:<experiment slug> or event:<feature event>"
            )
    if steps[0] != "registered":
        raise ValueError("the first step is `registered`")
    return steps


def _named(step: str, prefix: str) -> bool:
    name = step.removeprefix(prefix)
    return step.startswith(prefix) and bool(NAME.match(name) if prefix == EVENT else name)


@dataclass(frozen=True)
class StepResult:
    step: str
    users: int
    share_of_first: float
    share_of_previous: float
    median_hours_from_previous: float | None


@dataclass
class _Days:
    """Days on which something happened (in order), with its first and last time that day."""

    days: list[dt.date] = field(default_factory=list)
    first_at: list[dt.datetime] = field(default_factory=list)
    last_at: list[dt.datetime] = field(default_factory=list)

    def add(self, day: dt.date, first_at: dt.datetime, last_at: dt.datetime) -> None:
        self.days.append(day)
        self.first_at.append(first_at)
        self.last_at.append(last_at)

    def at_or_after(self, moment: dt.datetime) -> dt.datetime | None:
        """When it first happened at or after `moment` (see the module's note on day precision)."""
        index = bisect.bisect_left(self.days, moment.astimezone(UTC).date())
        for position in range(index, len(self.days)):
            if self.last_at[position] >= moment:
                return max(moment, self.first_at[position])
        return None


@dataclass
class _Activity:
    """One user's events: spend days, sign-in days, exposures by experiment, feature event days by name."""

    spends: _Days = field(default_factory=_Days)
    sign_ins: list[dt.date] = field(default_factory=list)
    exposures: dict[str, dt.datetime] = field(default_factory=dict)
    events: dict[str, _Days] = field(default_factory=dict)


def evaluate(steps: list[str], *, since: dt.datetime, until: dt.datetime, window_days: int) -> list[StepResult]:
    """The funnel over users who registered in [since, until)."""
    steps = checked_steps(steps)
    joined = dict(
        get_user_model().objects.filter(date_joined__gte=since, date_joined__lt=until).values_list("pk", "date_joined")
    )
    named_events = {step.removeprefix(EVENT) for step in steps if step.startswith(EVENT)}
    activity = _activity(joined, since, until + dt.timedelta(days=window_days), named_events)
    reached: list[list[float]] = [[] for _ in steps]  # per step: hours from the previous step, per user
    for user_id, registered in joined.items():
        deadline = registered + dt.timedelta(days=window_days)
        at = registered
        reached[0].append(0.0)
        for index, step in enumerate(steps[1:], start=1):
            when = _next(step, at, registered, activity.get(user_id))
            if when is None or when > deadline:
                break
            reached[index].append((when - at).total_seconds() / 3600)
            at = when
    results = []
    for index, step in enumerate(steps):
        users = len(reached[index])
        first, previous = len(reached[0]), len(reached[index - 1]) if index else len(reached[0])
        results.append(StepResult(
            step, users, users / first if first else 0.0, users / previous if previous else 0.0,
            statistics.median(reached[index]) if index and reached[index] else None,
        ))  # fmt: skip
    return results


def _activity(joined: dict, since: dt.datetime, until: dt.datetime, named_events: set[str]) -> dict[object, _Activity]:
    users = set(joined)
    activity: dict[object, _Activity] = {}

    def of(user_id) -> _Activity:
        return activity.setdefault(user_id, _Activity())

    spends = ledger_selectors.spends_by_user_day(since=since).filter(created_at__lt=until)
    for user_id, day, first_at, last_at in spends.values_list("user_id", "day", "first_at", "last_at").order_by(
        "user_id", "day"
    ):
        if user_id in users:
            of(user_id).spends.add(day, first_at, last_at)
    for user_id, day in SignInPlace.objects.filter(day__gte=since.date()).values_list("user_id", "day").order_by("day"):
        if user_id in users:
            of(user_id).sign_ins.append(day)
    for user_id, slug, exposed_at in Exposure.objects.filter(user_id__in=users).values_list(
        "user_id", "experiment__slug", "exposed_at"
    ):
        of(user_id).exposures[slug] = exposed_at
    for name in named_events:
        for user_id, day, first_at, last_at in events.event_days(name, since=since.date(), until=until.date()):
            if user_id in users:
                of(user_id).events.setdefault(name, _Days()).add(day, first_at, last_at)
    return activity


def _next(step: str, at: dt.datetime, registered: dt.datetime, activity: _Activity | None) -> dt.datetime | None:
    """When `step` first happens at or after `at`, or None."""
    if activity is None:
        return None
    if step == "first_spend":
        return activity.spends.at_or_after(at)
    if step == "spent_again_next_day":
        next_day = dt.datetime.combine(at.astimezone(UTC).date() + dt.timedelta(days=1), dt.time(), tzinfo=UTC)
        return activity.spends.at_or_after(next_day)
    if step == "returned_day_7":
        return activity.spends.at_or_after(max(at, registered + dt.timedelta(days=7)))
    if step == "signed_in":
        index = bisect.bisect_left(activity.sign_ins, at.astimezone(UTC).date())
        if index == len(activity.sign_ins):
            return None
        return max(at, dt.datetime.combine(activity.sign_ins[index], dt.time(), tzinfo=UTC))
    if step.startswith(EVENT):
        days = activity.events.get(step.removeprefix(EVENT))
        return days.at_or_after(at) if days else None
    exposed = activity.exposures.get(step.removeprefix(EXPOSED))
    return exposed if exposed is not None and exposed >= at else None
