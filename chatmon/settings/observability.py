"""Prometheus metrics endpoint access and health checks."""

from __future__ import annotations

from chatmon.settings.env import env

# /metrics: a scraper presents `Authorization: Bearer METRICS_TOKEN`, or comes from an allowed address.
# With neither set, only loopback may scrape (and a system check warns in production).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])

PROMETHEUS_METRIC_NAMESPACE = ""
PROMETHEUS_EXPORT_MIGRATIONS = False

# JSON request bodies (chatmon.core.jsonbody): larger ones get 413 JSON, deeper ones 400 JSON, on every JSON route.
CHATMON_JSON_MAX_BODY_BYTES = env.int("CHATMON_JSON_MAX_BODY_BYTES", default=1024 * 1024)
CHATMON_JSON_MAX_DEPTH = env.int("CHATMON_JSON_MAX_DEPTH", default=64)
