"""Alerting settings, read at call time so that override_settings works (defaults stated here)."""

from __future__ import annotations

from django.conf import settings


def webhook_timeout() -> float:
    # Seconds a webhook receiver gets to answer; a slow one must not hold up the evaluation of other rules.
    return getattr(settings, "ALERTING_WEBHOOK_TIMEOUT", 5.0)


def dashboard_url() -> str:
    # Base URL put in notices so an operator can click through ("" leaves links out).
    return getattr(settings, "ALERTING_DASHBOARD_URL", "")
