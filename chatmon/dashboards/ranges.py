"""The time range selector: which rows a page reads and how finely its charts are bucketed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from chatmon.dashboards.filters import Filters

NO_FILTERS = Filters()


@dataclass(frozen=True)
class Range:
    key: str
    label: str
    span: timedelta
    # Chart bucket: a minute for the last hour (read from minute rollups), an hour up to 7 days, then a day.
    step: timedelta
    end: dt.datetime
    # What the spend and route panels are narrowed to (chatmon/dashboards/filters.py); other panels ignore it.
    filters: Filters = NO_FILTERS

    @property
    def start(self) -> dt.datetime:
        return self.end - self.span

    @property
    def hours(self) -> float:
        return self.span.total_seconds() / 3600

    @property
    def minute_grain(self) -> bool:
        return self.step < timedelta(hours=1)

    def bucket(self, moment: dt.datetime) -> dt.datetime:
        """The start of the chart bucket holding `moment` (UTC)."""
        moment = moment.astimezone(dt.UTC)
        if self.step >= timedelta(days=1):
            return moment.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.step >= timedelta(hours=1):
            return moment.replace(minute=0, second=0, microsecond=0)
        return moment.replace(second=0, microsecond=0)

    def buckets(self) -> list[dt.datetime]:
        """Every bucket of the range, oldest first, so charts show empty periods as zeros."""
        first, last = self.bucket(self.start), self.bucket(self.end)
        out = []
        while first <= last:
            out.append(first)
            first += self.step
        return out

    def is_partial(self, bucket: dt.datetime) -> bool:
        """Whether `bucket` is the newest one and still filling: its figures are not yet the whole period."""
        return bucket == self.bucket(self.end) and bucket + self.step > self.end

    def elapsed(self, bucket: dt.datetime) -> float:
        """Seconds of `bucket` that have passed by the end of the range (the step, but for the partial one)."""
        return max(1.0, min(self.step, self.end - bucket).total_seconds())

    def label_of(self, moment: dt.datetime) -> str:
        """A bucket's label; the partial one says so, so that its low figures are not read as a drop."""
        label = moment.strftime("%Y-%m-%d" if self.step >= timedelta(days=1) else "%m-%d %H:%M")
        return f"{label} (partial)" if self.is_partial(self.bucket(moment)) and moment == self.bucket(moment) else label


RANGES = {
    "1h": ("1 hour", timedelta(hours=1), timedelta(minutes=1)),
    "24h": ("24 hours", timedelta(hours=24), timedelta(hours=1)),
    "7d": ("7 days", timedelta(days=7), timedelta(hours=1)),
    "30d": ("30 days", timedelta(days=30), timedelta(days=1)),
}
DEFAULT = "24h"


class BadRange(ValueError):
    pass


def parse(value: str | None, *, now: dt.datetime | None = None) -> Range:
    key = value or DEFAULT
    if key not in RANGES:
        raise BadRange(f"range must be one of {', '.join(RANGES)}; got {key!r}")
    label, span, step = RANGES[key]
    return Range(key=key, label=label, span=span, step=step, end=now or timezone.now())
