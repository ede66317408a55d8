"""Prometheus metrics for violations, bans and rate limits (small fixed label sets: no user ids or IPs)."""

from __future__ import annotations

from prometheus_client import REGISTRY, Counter
from prometheus_client.core import GaugeMetricFamily

VIOLATIONS = Counter("violations_logged_total", "Violations logged, by violation type.", ["type"])
BANS = Counter("violations_bans_total", "Bans issued, by target kind, source and reason.", ["kind", "source", "reason"])
RATE_LIMIT_HITS = Counter("violations_rate_limit_hits_total", "Requests refused by a rate limiter.", ["limiter"])
BAN_REFUSALS = Counter("violations_ban_refusals_total", "Requests refused because the caller is banned.")
REDIS_ERRORS = Counter("violations_redis_errors_total", "Redis errors met by violations, by operation.", ["operation"])


class ActiveBansCollector:
    """violations_active_bans{kind}: computed from the database at scrape time, so every process agrees."""

    def describe(self):
        # Lets REGISTRY.register() learn the name without running the database query at startup.
        yield GaugeMetricFamily("violations_active_bans", "Bans in force now, by target kind.", labels=["kind"])

    def collect(self):
        from django.db.models import Count

        from violations.models import Ban

        gauge = GaugeMetricFamily("violations_active_bans", "Bans in force now, by target kind.", labels=["kind"])
        counts = dict(Ban.objects.active().values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
        for kind in Ban.Kind.values:
            gauge.add_metric([kind], counts.get(kind, 0))
        yield gauge


_registered: list[ActiveBansCollector] = []


def register_collector() -> ActiveBansCollector:
    """Called from ViolationsConfig.ready(); registering twice would report the gauge twice. Returns the
    collector (the app lists it in `scrape_collectors` for registries built per scrape, as in multiprocess mode)."""
    if not _registered:
        _registered.append(ActiveBansCollector())
        REGISTRY.register(_registered[0])
    return _registered[0]
