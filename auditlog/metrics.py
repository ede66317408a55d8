"""Prometheus metrics for the audit log (small fixed label sets: never a user, IP or action label).

The sealing backlog lives in the database, so AuditlogCollector reads it when Prometheus scrapes.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

EVENTS = Counter("auditlog_events_total", "Audit events recorded, by domain and outcome.", ["domain", "outcome"])
WRITE_FAILURES = Counter("auditlog_write_failures_total", "Audit events that could not be written.")
RECORD_SECONDS = Histogram(
    "auditlog_record_seconds",
    "Time to write one audit event (unsealed: the sealer links it into the chain later).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
PRUNED = Counter("auditlog_pruned_events_total", "Audit events deleted by the retention job.")
SEALED = Counter("auditlog_sealed_events_total", "Audit events linked into the hash chain by the sealer.")
SEAL_SECONDS = Histogram(
    "auditlog_seal_batch_seconds",
    "Time to seal one batch of audit events (one transaction holding the chain head).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


class AuditlogCollector:
    """The sealing backlog, read from the database at scrape time (the audit_unsealed alert reads it too)."""

    def collect(self):
        from auditlog.selectors import unsealed_backlog

        try:
            backlog = unsealed_backlog()
        except DatabaseError:
            logger.warning("auditlog: could not read the sealing backlog", exc_info=True)
            return
        yield GaugeMetricFamily(
            "auditlog_unsealed_events", "Audit events written but not sealed into the hash chain yet.",
            value=backlog.count,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "auditlog_unsealed_oldest_age_seconds",
            "How long the oldest unsealed audit event has waited for the sealer (0 when none waits).",
            value=backlog.oldest_age_seconds(),
        )

    def describe(self):
        # Empty, so registering the collector does not query the database.
        return []


_registered: list[AuditlogCollector] = []


def register_collector() -> AuditlogCollector:
    """Called from AuditlogConfig.ready(), once per process (registering twice would report every gauge twice)."""
    if not _registered:
        _registered.append(AuditlogCollector())
        REGISTRY.register(_registered[0])
    return _registered[0]
