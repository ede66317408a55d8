"""Thin Celery tasks for the periodic jobs (LedgerConfig.beat_schedule); chatmon records a JobRun for each."""

from __future__ import annotations

from celery import shared_task

from ledger import services


@shared_task(name="ledger.refill_due_balances")
def refill_due_balances() -> dict:
    return services.refill_due_balances()


@shared_task(name="ledger.release_expired_holds")
def release_expired_holds() -> dict:
    return services.release_expired_holds()
