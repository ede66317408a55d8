"""Periodic jobs (plain shared tasks; chatmon records a JobRun for each run)."""

from __future__ import annotations

from celery import shared_task

from auditlog import retention, sealing
from auditlog.actions import Action
from auditlog.context import acting_as
from auditlog.services import record


@shared_task(name="auditlog.seal")
def seal() -> dict:
    # Without waiting: a sealer already running (or the prune job) holds the chain head and seals these too.
    # Not audited: it runs every few seconds, and each run's work is the chain itself.
    return sealing.seal(wait=False).as_summary()


@shared_task(name="auditlog.prune")
def prune() -> dict:
    with acting_as("job:auditlog.prune"):
        summary = retention.prune()
        if summary["pruned"]:
            record(action=Action.RETENTION_PRUNED, metadata=summary)
    return summary
