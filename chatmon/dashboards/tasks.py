"""The dashboards' beat job (declared in ChatmonConfig.beat_schedule, so each run records a JobRun)."""

from __future__ import annotations

from celery import shared_task

from chatmon.dashboards.rollups import roll_up


@shared_task(name="chatmon.roll_up_usage")
def roll_up_usage() -> dict:
    """Recompute the recent hourly and daily usage, request, violation and ban rollups."""
    return roll_up()
