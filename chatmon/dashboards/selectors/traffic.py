"""Request traffic from the request rollups: minute rows for the last hour, hourly rows beyond."""

from __future__ import annotations

from django.db.models import Sum

from chatmon.dashboards import conf, links
from chatmon.dashboards.histogram import percentile
from chatmon.dashboards.models import RequestHour
from chatmon.dashboards.panels import Link, Panel
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors.common import bucketed, period_start, ratio, within
from chatmon.monitoring import recent
from chatmon.monitoring.aggregator import BUCKET_FIELDS
from chatmon.monitoring.models import RequestRollup

COUNTERS = ["count", "errors", "duration_sum_us", *BUCKET_FIELDS]


def _source(r: Range):
    if r.minute_grain:
        rows, period = RequestRollup.objects.filter(**within(r, "minute")), "minute"
    else:
        rows, period = RequestHour.objects.filter(**within(r, "hour")), "hour"
    if r.filters.route:  # the route drill-down (links.route)
        rows = rows.filter(route=r.filters.route)
    if r.filters.method:
        rows = rows.filter(method=r.filters.method.upper())
    return rows, period


def _per_bucket(r: Range) -> dict:
    if r.minute_grain and not (r.filters.route or r.filters.method):
        # The last hour adds what is still in Redis: the newest minutes reach the rollup rows only when the
        # compaction job has moved them (up to two minutes later), and must not read as no traffic till then.
        minutes = recent.request_minutes(period_start(r, "minute"), COUNTERS)
        return bucketed(r, [{"minute": minute, **sums} for minute, sums in minutes.items()], "minute", COUNTERS)
    rows, period = _source(r)
    grouped = rows.values(period).annotate(**{name: Sum(name) for name in COUNTERS})
    return bucketed(r, grouped, period, COUNTERS)


def traffic_panels(r: Range) -> list[Panel]:
    buckets = _per_bucket(r)
    rates, latency = [], []
    for b, v in buckets.items():
        if r.is_partial(b) and not v["count"]:
            # Nothing flushed yet in the bucket that has just begun: no figure, rather than a false 0 req/s.
            rates.append([r.label_of(b), None, None])
            latency.append([r.label_of(b), None, None, None])
            continue
        # A partial bucket's rate is over the time that has passed, not over the whole step.
        rates.append([r.label_of(b), round(v["count"] / r.elapsed(b), 3), ratio(v["errors"], v["count"])])
        latency.append([r.label_of(b), *(percentile(v, q) for q in (0.5, 0.95, 0.99))])
    note = "The newest bucket is still filling: it is marked (partial) and its rate is over the time passed."
    of = ""
    if r.filters.route or r.filters.method:
        of = f": {r.filters.method.upper() or 'every method'} {r.filters.route or 'every route'}"
        # Redis' not yet compacted minutes are summed over all routes, so one route's last hour is the rows'.
        note += " One route's newest minutes appear once the compaction job has moved them (within 2 minutes)."
    return [
        Panel("traffic", f"Requests per second and error rate{of}", ["time", "requests/s", "error rate %"], rates,
              "line", timeline=True, note=note),
        Panel("latency", f"Latency (ms){of}", ["time", "p50 ms", "p95 ms", "p99 ms"], latency, "line", timeline=True,
              note="From the latency histogram, interpolated inside each bucket (as Prometheus does)."),
    ]  # fmt: skip


def route_rows(r: Range) -> list[list]:
    rows, _ = _source(r)
    grouped = list(rows.values("route", "method").annotate(**{name: Sum(name) for name in COUNTERS}))
    total_time = sum(row["duration_sum_us"] or 0 for row in grouped)
    table = [
        [links.route(row["route"], row["method"], r), row["method"], row["count"],
         ratio(row["errors"], row["count"]), *(percentile(row, q) for q in (0.5, 0.95, 0.99)),
         ratio(row["duration_sum_us"], total_time)]
        for row in grouped
    ]  # fmt: skip
    return sorted(table, key=lambda row: row[-1], reverse=True)


def route_panels(r: Range) -> list[Panel]:
    table = route_rows(r)
    columns = ["route", "method", "requests", "error rate %", "p50 ms", "p95 ms", "p99 ms", "share of time %"]
    slowest = sorted(table, key=lambda row: row[5] or 0, reverse=True)[: conf.top_n()]
    return [
        Panel("routes", "Routes", columns, table, "bar", series=[7], wide=True,
              note="Sorted by share of server time: where optimising pays most."),
        Panel("slowest", "Slowest routes (p95)", ["route", "p95 ms"],
              [[Link(f"{row[1]} {row[0]}", row[0].href), row[5]] for row in slowest], "bar"),
    ]  # fmt: skip
