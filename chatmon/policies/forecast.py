"""Where a budget's period (or the service's month) will end at the current pace, with the method stated.

Method: the daily run rate is the spend since local midnight POLICIES_FORECAST_DAYS days ago (7), divided by
the days elapsed since then, or since the ledger's first row when the install is younger. With less than
POLICIES_FORECAST_MIN_HOURS (24) of history there is no rate: the forecast says "not enough data" rather than
stretch a few minutes over a month. Projected spend = spent so far + rate x days left in the period; the range
uses the quietest and the busiest complete day of the basis instead of the mean (given two complete days). The
budget is exceeded on the day the rate takes the spend past the limit, if that falls inside the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from chatmon.policies import budgets, conf, periods
from chatmon.policies.models import Budget, Period
from ledger import selectors as ledger_selectors

DAY = dt.timedelta(days=1)
# (since, tz) -> spend per local day since `since`: what ledger.selectors.spend_by_day answers for every spend.
DayReader = Callable[[dt.datetime, dt.tzinfo], dict[dt.date, float]]


@dataclass(frozen=True)
class Forecast:
    spent: float
    start: dt.datetime
    end: dt.datetime
    basis: str  # the method in words: "mean of the last 7.0 days", "not enough data (...)"
    per_day: float | None = None
    projected: float | None = None
    low: float | None = None
    high: float | None = None
    limit: float | None = None
    exceeds_on: dt.date | None = None

    @property
    def percent(self) -> float | None:
        return None if not self.limit else round(100 * self.spent / self.limit, 1)

    @property
    def status(self) -> str:
        if not self.limit:
            return ""
        if self.spent >= self.limit:
            return "exceeded"
        if self.projected is not None and self.projected > self.limit:
            return "at risk"
        return "on track" if self.projected is not None else "no forecast yet"


def project(*, days: dict[dt.date, float], now: dt.datetime, start: dt.datetime, end: dt.datetime,
            first_at: dt.datetime | None, limit: float | None, tz: dt.tzinfo) -> Forecast:  # fmt: skip
    """The forecast from spends per local day (covering the period and the basis): a pure function."""
    today = now.astimezone(tz).date()
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    spent = sum(credits for day, credits in days.items() if first <= day < last)
    basis_start = periods.midnight(today - dt.timedelta(days=conf.forecast_days()), tz)
    if first_at is not None and first_at > basis_start:
        basis_start, since = first_at, "since the first ledger row"
    else:
        since = "over the last"
    elapsed = (now - basis_start) / DAY
    if first_at is None or elapsed * 24 < conf.forecast_min_hours():
        return Forecast(spent, start, end, "not enough data (under a day of history)", limit=limit)
    basis_day = basis_start.astimezone(tz).date()
    per_day = sum(credits for day, credits in days.items() if day >= basis_day) / elapsed
    left = max(0.0, (end - now) / DAY)
    full_days = [days.get(basis_day + dt.timedelta(days=n), 0.0) for n in range(1, (today - basis_day).days)]
    low = high = None
    if len(full_days) >= 2:
        low, high = spent + min(full_days) * left, spent + max(full_days) * left
    exceeds_on = None
    if limit and spent < limit and per_day > 0 and (limit - spent) / per_day < left:
        # Compared in days first: a huge limit at a small rate is centuries away, past datetime's range.
        exceeds_on = (now + (limit - spent) / per_day * DAY).astimezone(tz).date()
    elif limit and spent >= limit:
        exceeds_on = today
    basis = f"mean per day {since} {elapsed:.1f} days"
    return Forecast(spent, start, end, basis, per_day, spent + per_day * left, low, high, limit, exceeds_on)


def of_budget(budget: Budget, now: dt.datetime, *, service_days: DayReader | None = None) -> Forecast:
    """A budget's forecast to the end of its period (one sum per local day, plus the first row's time).
    `service_days(since, tz)` reads the whole service's spend per local day as spend_by_day does, for a budget
    that holds every spend (the dashboards pass one that reads their hourly rollup); else the ledger's rows."""
    tz = conf.time_zone()
    start, end = periods.bounds(budget.period, now, tz)
    since = min(start, periods.midnight(now.astimezone(tz).date() - dt.timedelta(days=conf.forecast_days()), tz))
    if service_days is not None and budgets.users_of(budget) is None and not budget.model:
        days = service_days(since, tz)
    else:
        days = budgets.spend_days(budget, since, tz)
    return project(days=days, now=now, start=start, end=end, first_at=ledger_selectors.first_transaction_at(),
                   limit=budget.limit, tz=tz)  # fmt: skip


def of_service_month(
    now: dt.datetime, limit: float | None = None, *, service_days: DayReader | None = None
) -> Forecast:
    """The whole service's month, against `limit` (a monthly service budget's) when there is one."""
    service = Budget(name="service month", scope=Budget.Scope.SERVICE, period=Period.MONTH, limit=limit or 0)
    forecast = of_budget(service, now, service_days=service_days)
    return forecast if limit else _without_limit(forecast)


def _without_limit(forecast: Forecast) -> Forecast:
    return Forecast(forecast.spent, forecast.start, forecast.end, forecast.basis, forecast.per_day,
                    forecast.projected, forecast.low, forecast.high)  # fmt: skip
