"""The time range a page reads and how finely its charts are bucketed: a preset (`?range=1h|24h|7d|30d`, ending
now) or a zoomed window (`?from=&to=`, ISO 8601 UTC, what a drag across a chart asks for). `from_query` is the one
place that reads them from a request."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.utils import timezone

from chatmon.dashboards.filters import Filters

NO_FILTERS = Filters()
PARTIAL = " (partial)"
WINDOW = ""  # a zoomed window's key: no preset is current, and a link built from the key opens the default


@dataclass(frozen=True)
class Range:
    key: str
    label: str
    span: timedelta
    # Chart bucket: a minute up to 2 hours (read from minute rollups), an hour up to 7 days, then a day.
    step: timedelta
    end: dt.datetime
    # What the spend and route panels are narrowed to (chatmon/dashboards/filters.py); other panels ignore it.
    filters: Filters = NO_FILTERS
    # Whether the range reaches now, its newest bucket still filling; a past window ends on a bucket's start,
    # and that bucket is not in it.
    ends_now: bool = True

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
        return _floor(moment, self.step)

    def buckets(self) -> list[dt.datetime]:
        """Every bucket of the range, oldest first, so charts show empty periods as zeros."""
        first, last = self.bucket(self.start), self.bucket(self.end)
        if not self.ends_now:
            last -= self.step
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
        label = moment.strftime(DAY_LABEL if self.step >= timedelta(days=1) else MINUTE_LABEL)
        return f"{label}{PARTIAL}" if self.is_partial(self.bucket(moment)) and moment == self.bucket(moment) else label

    def period_of(self, label: str) -> tuple[dt.datetime, timedelta] | None:
        """The start and length of the period a timeline row's label names (label_of's inverse, in the range's
        year; or a day, as daily panels write their dates), for a chart's zoom; None for any other text."""
        text = label.removesuffix(PARTIAL)
        try:
            day = dt.datetime.strptime(text, DAY_LABEL).replace(tzinfo=dt.UTC)
            return day, timedelta(days=1)
        except ValueError:
            pass
        try:
            moment = dt.datetime.strptime(f"{self.end.year}-{text}", f"%Y-{MINUTE_LABEL}").replace(tzinfo=dt.UTC)
        except ValueError:
            return None
        if moment > self.end:  # a window across New Year: December's labels are of the year before
            moment = moment.replace(year=moment.year - 1)
        return moment, self.step

    @property
    def zoomed(self) -> bool:
        return self.key == WINDOW

    @property
    def params(self) -> dict[str, str]:
        """The URL parameters that select this range again (links, the filter form's hidden fields)."""
        if self.zoomed:
            return {"from": iso(self.start), "to": iso(self.end)}
        return {"range": self.key}

    @property
    def query(self) -> str:
        return urlencode(self.params, safe=":")

    @property
    def tag(self) -> str:
        """The range in a file name: its key, or a window's UTC bounds."""
        return f"{self.start:%Y%m%dT%H%MZ}-{self.end:%Y%m%dT%H%MZ}" if self.zoomed else self.key

    @property
    def step_label(self) -> str:
        return {timedelta(minutes=1): "1-minute", timedelta(hours=1): "1-hour"}.get(self.step, "1-day") + " buckets"


DAY_LABEL = "%Y-%m-%d"
MINUTE_LABEL = "%m-%d %H:%M"

RANGES = {
    "1h": ("1 hour", timedelta(hours=1), timedelta(minutes=1)),
    "24h": ("24 hours", timedelta(hours=24), timedelta(hours=1)),
    "7d": ("7 days", timedelta(days=7), timedelta(hours=1)),
    "30d": ("30 days", timedelta(days=30), timedelta(days=1)),
}
DEFAULT = "24h"


class BadRange(ValueError):
    pass


def from_query(params, *, now: dt.datetime | None = None) -> Range:
    """The range a request's GET parameters select: `from` and `to` (a zoomed window) or `range` (a preset, 24h
    when absent). BadRange says what is wrong."""
    now = now or timezone.now()
    given = [name for name in ("from", "to") if name in params]
    if not given:
        return parse(params.get("range"), now=now)
    if "range" in params:
        raise BadRange("give either range= or from= and to=, not both")
    if len(given) == 1:
        raise BadRange(f"from= and to= go together; only {given[0]}= was given ({EXAMPLE})")
    return window(_moment("from", params["from"]), _moment("to", params["to"]), now=now)


def parse(value: str | None, *, now: dt.datetime | None = None) -> Range:
    key = value or DEFAULT
    if key not in RANGES:
        raise BadRange(f"range must be one of {', '.join(RANGES)}; got {key!r}")
    label, span, step = RANGES[key]
    return Range(key=key, label=label, span=span, step=step, end=now or timezone.now())


# A zoomed window's limits. Nothing deletes the minute rows (RequestRollup, GenerationRollup, ActiveUsers by
# minute) nor the ledger's and violations' rows that the minute grain reads, and the hourly and daily rollups are
# computed from the same rows, so a window's grain follows its length alone: minutes where a chart of up to 120
# points reads well, hours up to a week (168 points), days beyond. 400 days is more than any rollup holds.
MINUTE_GRAIN_UP_TO = timedelta(hours=2)
HOUR_GRAIN_UP_TO = timedelta(days=7)
SHORTEST = timedelta(minutes=1)
LONGEST = timedelta(days=400)
CLOCK_SKEW = timedelta(minutes=1)  # a `to` this far past the server's clock is the browser's clock, not a typo
EN_DASH = "\u2013"
EXAMPLE = "ISO 8601 in UTC, e.g. from=2026-11-29T14:05:00Z&to=2026-11-29T14:35:00Z"


def window(start: dt.datetime, end: dt.datetime, *, now: dt.datetime) -> Range:
    """The zoomed window from `start` to `end`, widened to whole buckets of its grain and cut at `now`.

    Widening matters because the panels read whole rollup periods: a window ending at 16:20 on hourly rows
    would count the whole 16:00 hour yet divide by 20 minutes. Only a window reaching now keeps a partial
    (still filling) last bucket, as the presets do."""
    if end <= start:
        raise BadRange(f"to must be after from; got from={iso(start)} to={iso(end)}")
    if end - start < SHORTEST:
        raise BadRange(f"the window is at least 1 minute long; got {(end - start).total_seconds():g} seconds")
    if end - start > LONGEST:
        raise BadRange(f"the window is at most {LONGEST.days} days long; got {(end - start).days} days")
    if end > now + CLOCK_SKEW:
        raise BadRange(f"to is in the future: {iso(end)} is after now ({iso(now)} UTC)")
    if start >= now:
        raise BadRange(f"from is not in the past: {iso(start)} (now is {iso(now)} UTC)")
    step = _grain(end - start)
    first, last = _floor(start, step), _floor(end, step)
    last = min(last if last == end else last + step, now)
    label = _window_label(first, last)
    return Range(key=WINDOW, label=label, span=last - first, step=step, end=last, ends_now=last == now)


def zoomed_out(r: Range, *, now: dt.datetime) -> Range | None:
    """The window twice as long around the same centre (moved back where it would pass now), or None when it
    is already the longest."""
    if r.span >= LONGEST:
        return None
    span = min(max(r.span * 2, SHORTEST * 2), LONGEST)
    end = min(r.start + r.span / 2 + span / 2, now)
    return window(end - span, end, now=now)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _floor(moment: dt.datetime, step: timedelta) -> dt.datetime:
    moment = moment.astimezone(dt.UTC)
    if step >= timedelta(days=1):
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if step >= timedelta(hours=1):
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(second=0, microsecond=0)


def _grain(span: timedelta) -> timedelta:
    if span <= MINUTE_GRAIN_UP_TO:
        return timedelta(minutes=1)
    return timedelta(hours=1) if span <= HOUR_GRAIN_UP_TO else timedelta(days=1)


def _moment(name: str, text: str) -> dt.datetime:
    """An ISO 8601 time; one without an offset is UTC, as everything on the dashboards is."""
    try:
        if len(text) > 40:
            raise ValueError
        moment = dt.datetime.fromisoformat(text.strip())
        return moment.replace(tzinfo=moment.tzinfo or dt.UTC).astimezone(dt.UTC)
    except (ValueError, OverflowError):  # OverflowError: an offset that pushes year 1 or 9999 out of range
        raise BadRange(f"{name} is not a time: {text[:40]!r} ({EXAMPLE})") from None


def _window_label(start: dt.datetime, end: dt.datetime) -> str:
    """A window as `2026-11-29 14:05-14:35 UTC` (an en dash), with both dates when it spans days."""
    if start.date() == end.date() or end == start.replace(hour=0, minute=0) + timedelta(days=1):
        return f"{start:%Y-%m-%d %H:%M}{EN_DASH}{end:%H:%M} UTC"
    return f"{start:%Y-%m-%d %H:%M} {EN_DASH} {end:%Y-%m-%d %H:%M} UTC"
