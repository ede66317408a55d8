"""Custom KPIs: a feature event's daily count, or the ratio of two, from the per-day counts request monitoring
keeps (chatmon_monitoring.DailyCount); a trend for the admin and a gauge per KPI for Prometheus.

The gauge's only label is the KPI's slug, and at most MAX_KPIS exist, so the series stay bounded. Its value is
today's (UTC) figure as far as compacted: feature events reach the database with the minute's compaction.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import DatabaseError
from django.db.models import Sum
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from chatmon.analytics.models import Kpi
from chatmon.monitoring.models import DailyCount

MAX_KPIS = 50
log = logging.getLogger(__name__)


def _counts(names: set[str], since: dt.date) -> dict[tuple[dt.date, str], int]:
    rows = (
        DailyCount.objects.filter(kind=DailyCount.Kind.FEATURE, name__in=names, day__gte=since)
        .values("day", "name")
        .annotate(total=Sum("count"))
    )
    return {(row["day"], row["name"]): row["total"] for row in rows}


def trend(kpi: Kpi, *, days: int = 30, today: dt.date | None = None) -> list[tuple[dt.date, float | None]]:
    """(day, value) for the last `days` UTC days, oldest first; a ratio is None on days without a denominator."""
    today = today or timezone.now().astimezone(dt.UTC).date()
    since = today - dt.timedelta(days=days - 1)
    counts = _counts({kpi.numerator, kpi.denominator} - {""}, since)
    out = []
    for offset in range(days):
        day = since + dt.timedelta(days=offset)
        numerator = counts.get((day, kpi.numerator), 0)
        if not kpi.denominator:
            out.append((day, float(numerator)))
        else:
            denominator = counts.get((day, kpi.denominator), 0)
            out.append((day, numerator / denominator if denominator else None))
    return out


class KpiCollector(Collector):
    def describe(self):
        return [GaugeMetricFamily("chatmon_kpi_value", "")]  # no database read while the app starts

    def collect(self):
        try:
            kpis = list(Kpi.objects.order_by("slug")[:MAX_KPIS])
            today = timezone.now().astimezone(dt.UTC).date()
            counts = _counts({name for kpi in kpis for name in (kpi.numerator, kpi.denominator) if name}, today)
        except DatabaseError as exc:
            log.warning("KPIs unavailable: %s", exc)
            return
        gauge = GaugeMetricFamily(
            "chatmon_kpi_value", "Today's value (UTC) of each operator-defined KPI: a count or a ratio.", labels=["kpi"]
        )
        for kpi in kpis:
            numerator = counts.get((today, kpi.numerator), 0)
            denominator = counts.get((today, kpi.denominator), 0) if kpi.denominator else 1
            if denominator:
                gauge.add_metric([kpi.slug], numerator / denominator)
        yield gauge


_registered: list[KpiCollector] = []


def register_collector() -> KpiCollector:
    """Once per process (AnalyticsConfig.ready); also listed in the app's scrape_collectors for the registries
    /metrics builds per scrape in multiprocess mode."""
    if not _registered:
        _registered.append(KpiCollector())
        REGISTRY.register(_registered[0])
    return _registered[0]
