"""Periodic jobs (plain shared tasks; chatmon records a JobRun for each run)."""

from __future__ import annotations

from celery import shared_task

from auditlog import retention
from auditlog.actions import Action
from auditlog.context import acting_as
from auditlog.services import record


@shared_task(name="auditlog.prune")
def prune() -> dict:
    with acting_as("job:auditlog.prune"):
        summary = retention.prune()
        if summary["pruned"]:
            record(action=Action.RETENTION_PRUNED, metadata=summary)
    return summary
