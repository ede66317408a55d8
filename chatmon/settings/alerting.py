"""Alerting: environment variables mapped to ALERTING_* settings (defaults and meanings in chatmon/alerting/conf.py).
See docs/alerting.md."""

from __future__ import annotations

from chatmon.settings.env import env

ALERTING_WEBHOOK_TIMEOUT = env.float("ALERTING_WEBHOOK_TIMEOUT", default=5.0)
# Base URL of this chatmon put in notices so an operator can click through ("" leaves links out).
ALERTING_DASHBOARD_URL = env.str("ALERTING_DASHBOARD_URL", default="")
ALERTING_DELIVERY_ATTEMPTS = env.int("ALERTING_DELIVERY_ATTEMPTS", default=5)
ALERTING_RETRY_BACKOFF_MINUTES = env.float("ALERTING_RETRY_BACKOFF_MINUTES", default=1.0)
ALERTING_SPEND_ANOMALY_VIOLATIONS = env.bool("ALERTING_SPEND_ANOMALY_VIOLATIONS", default=False)
