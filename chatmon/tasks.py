"""chatmon's own periodic jobs (each records a JobRun through chatmon.jobs)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from chatmon.alerting.tasks import evaluate_alerts  # noqa: F401  (autodiscovered with this module)
from chatmon.dashboards.tasks import roll_up_usage  # noqa: F401  (autodiscovered with this module)
from chatmon.models import JobRun
from chatmon.monitoring.tasks import compact_request_rollups  # noqa: F401  (autodiscovered with this module)


@shared_task(name="chatmon.prune_job_runs")
def prune_job_runs(days: int | None = None) -> dict:
    """Delete JobRun history older than CHATMON_JOB_RUN_RETENTION_DAYS."""
    days = settings.CHATMON_JOB_RUN_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = JobRun.objects.filter(started_at__lt=cutoff).delete()
    return {"deleted": deleted, "cutoff": cutoff.isoformat()}


@shared_task(name="chatmon.beat_heartbeat")
def beat_heartbeat() -> dict:
    """Proves beat -> broker -> worker -> database works end to end; /health/ reads its last success."""
    return {"ok": True}
