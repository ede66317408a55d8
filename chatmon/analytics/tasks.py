"""Analytics beat jobs (declared in AnalyticsConfig.beat_schedule, so each run records a JobRun)."""

from __future__ import annotations

from celery import shared_task

from chatmon.analytics import cohorts


@shared_task(name="chatmon.analytics.compute_cohorts")
def compute_cohorts() -> dict:
    """Recompute the weekly and monthly sign-up cohorts' retention cells."""
    return cohorts.compute()
