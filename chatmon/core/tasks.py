"""chatmon's core periodic jobs (each records a JobRun through chatmon.core.jobs)."""

from __future__ import annotations

from celery import shared_task

from chatmon.core import services


@shared_task(name="chatmon.prune_job_runs")
def prune_job_runs(days: int | None = None) -> dict:
    """Delete JobRun history older than CHATMON_JOB_RUN_RETENTION_DAYS."""
    return services.prune_job_runs(days)


@shared_task(name="chatmon.beat_heartbeat")
def beat_heartbeat() -> dict:
    """Proves beat -> broker -> worker -> database works end to end; /health/ reads its last success."""
    return {"ok": True}
