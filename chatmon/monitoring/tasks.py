"""Request-monitoring beat jobs (declared in ChatmonConfig.beat_schedule, so each run records a JobRun)."""

from __future__ import annotations

from celery import shared_task

from chatmon.monitoring.compaction import compact


@shared_task(name="chatmon.compact_request_rollups")
def compact_request_rollups() -> dict:
    """Move finished minutes of request rollups and the day counts from Redis into the database."""
    return compact()
