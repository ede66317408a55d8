"""When a balance refills next: LibreChat's interval (kept exact) or a calendar schedule in the ledger's time zone.

Calendar schedules name wall-clock times in LEDGER_REFILL_TIME_ZONE, so "daily at 00:00" stays at local midnight
across daylight-saving changes (a 23- or 25-hour day) instead of drifting the way an interval does:
- daily at a time; weekly on a weekday (0 = Monday) at a time; monthly on a day (1-31) at a time, where a day
  past the month's end means its last day (the 31st refills on Apr 30 and Feb 28, or Feb 29 in a leap year);
- a time that a spring-forward change skips (02:30 in Berlin on the last Sunday of March) happens an hour
  later by the wall clock (03:30): the offset before the change applies, as PEP 495 reads fold=0;
- a time that a fall-back change repeats (02:30 on the last Sunday of October) happens once, the first time.

The next refill is the first scheduled moment strictly after the last refill, and a refill sets the last
refill to the time it ran. So a job run twice refills once (the second run finds the next moment in the
future), and a job that was down for several periods refills once when it comes back, not once per missed
period: the missed moments all lie before the refill that catches up.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ledger import conf, pricing
from ledger.conf import WEEKDAYS

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Kind:
    INTERVAL = ""  # LibreChat's: last refill + value x unit
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"

    CHOICES = [
        (INTERVAL, "every interval (LibreChat)"),
        (DAILY, "daily at a time"),
        (WEEKLY, "weekly on a weekday at a time"),
        (MONTHLY, "monthly on a day at a time"),
    ]


@dataclass(frozen=True)
class Calendar:
    """A calendar schedule: `kind` daily, weekly or monthly; `at` the local time; `weekday` 0-6 (weekly);
    `day` 1-31 (monthly)."""

    kind: str
    at: time
    weekday: int | None = None
    day: int | None = None

    def next_after(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """The first scheduled moment strictly after `moment` (aware), in UTC."""
        local = moment.astimezone(zone).date()
        candidates = (self._occurrence(on, zone) for on in self._days_around(local))
        return min(candidate for candidate in candidates if candidate > moment)

    def _days_around(self, local: date) -> list[date]:
        # A window wide enough to hold the next occurrence whatever the offset: from the day before (the
        # moment's UTC date may be a day behind its local one) to a full period after.
        if self.kind == Kind.DAILY:
            return [local + timedelta(days=step) for step in range(-1, 3)]
        if self.kind == Kind.WEEKLY:
            days = (local + timedelta(days=step) for step in range(-1, 9))
            return [day for day in days if day.weekday() == self.weekday]
        months = (local.year * 12 + local.month - 1 + step for step in range(-1, 3))
        return [self._monthly_day(*divmod(month, 12)) for month in months]

    def _monthly_day(self, year: int, month_index: int) -> date:
        month = month_index + 1
        return date(year, month, min(self.day or 1, calendar.monthrange(year, month)[1]))

    def _occurrence(self, on: date, zone: ZoneInfo) -> datetime:
        # fold=0: a skipped time takes the offset before the change (an hour later by the wall clock); a
        # repeated time is its first occurrence.
        return datetime.combine(on, self.at, tzinfo=zone).astimezone(UTC)


def calendar_of(balance) -> Calendar | None:
    """The balance's calendar schedule, or None when it refills by LibreChat's interval."""
    if not balance.refill_schedule:
        return None
    return Calendar(
        kind=balance.refill_schedule,
        at=balance.refill_time or time(0, 0),
        weekday=balance.refill_weekday if balance.refill_weekday is not None else 0,
        day=balance.refill_day or 1,
    )


def next_refill_at(balance) -> datetime | None:
    """When the balance may refill next (None when it never refills): the one rule that the stored
    next_refill_at, the balance check's refill and the refill time shown to users all follow."""
    if not (balance.auto_refill_enabled and balance.refill_amount > 0):
        return None
    schedule = calendar_of(balance)
    if schedule is None:
        return pricing.refill_eligible_at(
            balance.last_refill, balance.refill_interval_value or 0, balance.refill_interval_unit or "days"
        )
    last = balance.last_refill or EPOCH
    if last.tzinfo is None:  # the ledger stores aware UTC (USE_TZ); a naive value is taken as UTC
        last = last.replace(tzinfo=UTC)
    return schedule.next_after(last, conf.refill_time_zone())


def describe(balance) -> str:
    """The schedule in words, for the admin and the user's usage page: `daily at 00:00 (Europe/Berlin)`."""
    schedule = calendar_of(balance)
    if schedule is None:
        return every(balance.refill_interval_value, balance.refill_interval_unit)
    at = f"at {schedule.at:%H:%M} ({conf.refill_time_zone().key})"
    if schedule.kind == Kind.WEEKLY:
        return f"weekly on {WEEKDAYS[schedule.weekday].capitalize()} {at}"
    if schedule.kind == Kind.MONTHLY:
        return f"monthly on day {schedule.day} {at} (the month's last day when shorter)"
    return f"daily {at}"


def every(value: int | None, unit: str | None) -> str:
    """LibreChat's interval in words: "every day", "every 2 hours" (never "every 1 days")."""
    unit = unit or "days"
    return f"every {unit.removesuffix('s')}" if value == 1 else f"every {value or 0} {unit}"
