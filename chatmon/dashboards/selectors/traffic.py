"""Request traffic from the request rollups: minute rows for the last hour, hourly rows beyond."""

from __future__ import annotations

from django.db.models import Sum

from chatmon.dashboards import conf
from chatmon.dashboards.histogram import percentile
from chatmon.dashboards.models import RequestHour
from chatmon.dashboards.panels import Panel
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors.common import bucketed, period_start, ratio
from chatmon.monitoring import recent
from chatmon.monitoring.aggregator import BUCKET_FIELDS
from chatmon.monitoring.models import RequestRollup

COUNTERS = ["count", "errors", "duration_sum_us", *BUCKET_FIELDS]


def _source(r: Range):
    if r.minute_grain:
        return RequestRollup.objects.filter(minute__gte=period_start(r, "minute")), "minute"
    return RequestHour.objects.filter(hour__gte=period_start(r, "hour")), "hour"


def _per_bucket(r: Range) -> dict:
    if r.minute_grain:
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
    return [
        Panel("traffic", "Requests per second and error rate", ["time", "requests/s", "error rate %"], rates, "line",
              timeline=True, note=note),
        Panel("latency", "Latency (ms)", ["time", "p50 ms", "p95 ms", "p99 ms"], latency, "line", timeline=True,
              note="From the latency histogram, interpolated inside each bucket (as Prometheus does)."),
    ]  # fmt: skip


def route_rows(r: Range) -> list[list]:
    rows, _ = _source(r)
    grouped = list(rows.values("route", "method").annotate(**{name: Sum(name) for name in COUNTERS}))
    total_time = sum(row["duration_sum_us"] or 0 for row in grouped)
    table = [
        [row["route"], row["method"], row["count"], ratio(row["errors"], row["count"]),
         *(percentile(row, q) for q in (0.5, 0.95, 0.99)), ratio(row["duration_sum_us"], total_time)]
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
              [[f"{row[1]} {row[0]}", row[5]] for row in slowest], "bar"),
    ]  # fmt: skip
