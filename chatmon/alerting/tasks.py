"""The alerting beat job (declared in ChatmonConfig.beat_schedule, so each run records a JobRun)."""

from __future__ import annotations

from celery import shared_task

from chatmon.alerting.evaluation import evaluate_all


@shared_task(name="chatmon.evaluate_alerts")
def evaluate_alerts() -> dict:
    """Evaluate every enabled alert rule; open, update or resolve incidents and send their notices."""
    return evaluate_all()
