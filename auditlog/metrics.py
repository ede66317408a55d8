"""Prometheus metrics for the audit log (small fixed label sets: never a user, IP or action label)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

EVENTS = Counter("auditlog_events_total", "Audit events recorded, by domain and outcome.", ["domain", "outcome"])
WRITE_FAILURES = Counter("auditlog_write_failures_total", "Audit events that could not be written.")
RECORD_SECONDS = Histogram(
    "auditlog_record_seconds",
    "Time to append one audit event to the chain, lock wait included.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
PRUNED = Counter("auditlog_pruned_events_total", "Audit events deleted by the retention job.")
