"""Writes of the core app: JobRun history upkeep."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from chatmon.core import conf
from chatmon.core.models import JobRun


def prune_job_runs(days: int | None = None) -> dict:
    """Delete JobRun history older than `days` (CHATMON_JOB_RUN_RETENTION_DAYS when None)."""
    days = conf.job_run_retention_days() if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = JobRun.objects.filter(started_at__lt=cutoff).delete()
    return {"deleted": deleted, "cutoff": cutoff.isoformat()}
