"""Alerting settings, read at call time so that override_settings works (defaults stated here)."""

from __future__ import annotations

from django.conf import settings


def webhook_timeout() -> float:
    # Seconds a webhook receiver gets to answer; a slow one must not hold up the evaluation of other rules.
    return getattr(settings, "ALERTING_WEBHOOK_TIMEOUT", 5.0)


def dashboard_url() -> str:
    # Base URL put in notices so an operator can click through ("" leaves links out).
    return getattr(settings, "ALERTING_DASHBOARD_URL", "")


def delivery_attempts() -> int:
    # Attempts a notice gets per channel before it is given up (recorded as failed on the incident).
    return getattr(settings, "ALERTING_DELIVERY_ATTEMPTS", 5)


def retry_backoff_minutes() -> float:
    # Wait after the first failed attempt, doubled after each further one (1, 2, 4, 8 min with the default).
    # It must exceed the webhook timeout: an attempt's claim holds only until its retry is due.
    return getattr(settings, "ALERTING_RETRY_BACKOFF_MINUTES", 1.0)


def spend_anomaly_violations() -> bool:
    # Whether a user spend rule's incident also logs a `spend_anomaly` violation for the user it names, so that
    # the violations app's scores and automatic bans apply (the type's score, SPEND_ANOMALY_VIOLATION_SCORE,
    # is 0 by default: recorded, not counted).
    return bool(getattr(settings, "ALERTING_SPEND_ANOMALY_VIOLATIONS", False))
