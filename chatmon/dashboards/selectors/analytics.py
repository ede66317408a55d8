"""Product analytics on the dashboards (chatmon.analytics, when installed): sign-ins, violations and bans by
country, the weekly cohort triangle, saved funnels, running experiments and custom KPIs."""

from __future__ import annotations

import datetime as dt

from chatmon.analytics import cohorts, experiments, funnels, kpis, places
from chatmon.analytics.models import Experiment, Funnel, Kpi
from chatmon.dashboards.panels import Panel
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors.common import period_end
from chatmon.dashboards.sparkline import Sparkline

SHOWN = 5  # funnels and experiments on the page; the admin lists them all
COHORT_WEEKS = 12
TREND_DAYS = 30  # a KPI's sparkline, as its admin page's list


def sign_in_countries(r: Range) -> Panel:
    rows = [list(row) for row in places.sign_ins_by_country(since=r.start.date(), until=period_end(r, "day"))]
    note = "From each sign-in's client address, looked up offline (docs/analytics.md); 'local': private addresses."
    return Panel("countries", "Sign-ins by country", ["country", "sign-ins", "users"], rows, "bar", series=[1],
                 note=note)  # fmt: skip


def violation_countries(r: Range) -> Panel:
    rows = [list(row) for row in places.violations_by_country(since=r.start, until=r.end)]
    note = "By the client address; a signed-in user's own violations (no address) by where they last signed in."
    return Panel("violations-by-country", "Violations by country", ["country", "violations"], rows, "bar", note=note)


def ban_countries(r: Range) -> Panel:
    rows = [list(row) for row in places.bans_by_country(since=r.start, until=r.end)]
    return Panel("bans-by-country", "IP bans by country", ["country", "bans"], rows, "bar")


def cohort_triangle(r: Range) -> Panel:
    table = cohorts.triangle("week")[:COHORT_WEEKS]
    width = max((len(shares) for _, _, shares in table), default=1)
    columns = ["cohort (week of)", "users", *[f"week {offset}" for offset in range(width)]]
    rows = [[cohort.isoformat(), size, *[f"{share:.0%}" for share in shares]] for cohort, size, shares in table]
    note = ("Share of each week's sign-ups active (spent or signed in) in each later week; recomputed hourly. "
            "Monthly cohorts: /analytics/cohorts/month.csv.")  # fmt: skip
    return Panel("cohorts", "Weekly cohorts", columns, rows, note=note, wide=True)


def funnel_results(r: Range) -> Panel:
    rows = []
    for funnel in Funnel.objects.order_by("name")[:SHOWN]:
        for step in funnels.evaluate(funnel.steps, since=r.start, until=r.end, window_days=funnel.window_days):
            median = step.median_hours_from_previous
            rows.append([funnel.name, step.step, step.users, f"{step.share_of_first:.1%}",
                         f"{step.share_of_previous:.1%}", "" if median is None else round(median, 4)])  # fmt: skip
    columns = ["funnel", "step", "users", "of the first step", "of the previous", "median hours after it"]
    return Panel("funnels", "Funnels (users who registered in the range)", columns, rows, wide=True)


def experiment_results(r: Range) -> Panel:
    rows = []
    for experiment in Experiment.objects.filter(active=True).order_by("-created_at")[:SHOWN]:
        for result in experiments.results(experiment):
            rows.append([experiment.name, result.name, result.users, round(result.value, 4), result.statement])
    columns = ["experiment", "variant", "users", "metric per user", "compared with the control"]
    note = "Read the result once, at the end you planned: peeking inflates false positives (docs/analytics.md)."
    return Panel("experiments", "Running experiments", columns, rows, note=note, wide=True)


def kpi_values(r: Range) -> Panel:
    """Each KPI's last day in the range, its mean over the range's days and its trend over the TREND_DAYS up to
    the range's last day (a past window keeps to its end). A ratio's days without a denominator are left out."""
    last_day = period_end(r, "day") - dt.timedelta(days=1)
    days = max(1, min(TREND_DAYS, (last_day - r.start.date()).days + 1))
    rows = []
    for kpi in Kpi.objects.order_by("name"):
        trend = kpis.trend(kpi, days=TREND_DAYS, today=last_day)
        shown = [value for _, value in trend[-days:] if value is not None]
        drawn = tuple(value for _, value in trend if value is not None)
        rows.append([kpi.name, _plain(trend[-1][1]), _plain(round(sum(shown) / len(shown), 4) if shown else None),
                     Sparkline(drawn, f"{kpi.name} per day, the last {TREND_DAYS} days")])  # fmt: skip
    columns = ["KPI", f"on {last_day.isoformat()}", f"mean over {days} days", f"trend, {TREND_DAYS} days"]
    return Panel("kpis", "KPIs", columns, rows, note="Per UTC day, from the feature events (docs/analytics.md).")


def _plain(value: float | None) -> float | int | None:
    """A count as an integer (17, not 17.0, in the CSV too)."""
    return int(value) if value is not None and value.is_integer() else value
