"""Request traffic from the request rollups: minute rows for the last hour, hourly rows beyond."""

from __future__ import annotations

from django.db.models import Sum

from chatmon.dashboards import conf
from chatmon.dashboards.histogram import percentile
from chatmon.dashboards.models import RequestHour
from chatmon.dashboards.panels import Panel
from chatmon.dashboards.ranges import Range
from chatmon.dashboards.selectors.common import bucketed, period_start, ratio
from chatmon.monitoring.aggregator import BUCKET_FIELDS
from chatmon.monitoring.models import RequestRollup

COUNTERS = ["count", "errors", "duration_sum_us", *BUCKET_FIELDS]


def _source(r: Range):
    if r.minute_grain:
        return RequestRollup.objects.filter(minute__gte=period_start(r, "minute")), "minute"
    return RequestHour.objects.filter(hour__gte=period_start(r, "hour")), "hour"


def _per_bucket(r: Range) -> dict:
    rows, period = _source(r)
    grouped = rows.values(period).annotate(**{name: Sum(name) for name in COUNTERS})
    return bucketed(r, grouped, period, COUNTERS)


def traffic_panels(r: Range) -> list[Panel]:
    buckets = _per_bucket(r)
    seconds = r.step.total_seconds()
    rates = [
        [r.label_of(b), round(v["count"] / seconds, 3), ratio(v["errors"], v["count"])] for b, v in buckets.items()
    ]
    latency = [[r.label_of(b), *(percentile(v, q) or 0 for q in (0.5, 0.95, 0.99))] for b, v in buckets.items()]
    return [
        Panel("traffic", "Requests per second and error rate", ["time", "requests/s", "error rate %"], rates, "line"),
        Panel("latency", "Latency (ms)", ["time", "p50 ms", "p95 ms", "p99 ms"], latency, "line",
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
        Panel("routes", "Routes", columns, table, "bar", series=[7],
              note="Sorted by share of server time: where optimising pays most."),
        Panel("slowest", "Slowest routes (p95)", ["route", "p95 ms"],
              [[f"{row[1]} {row[0]}", row[5]] for row in slowest], "bar"),
    ]  # fmt: skip
